"""The deputy's, a district's and a neighborhood's dashboards, targets and exports."""

from __future__ import annotations

from django.urls import URLPattern

from mahalat.insights import urls_dashboards, urls_reports, urls_targets

app_name = "insights"

urlpatterns: list[URLPattern] = [
    *urls_dashboards.urlpatterns,
    *urls_targets.urlpatterns,
    *urls_reports.urlpatterns,
]
