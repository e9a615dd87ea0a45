"""The monthly PDF report of a district (name `insights:district-report`)."""

from __future__ import annotations

from django.urls import URLPattern, path

from mahalat.insights import views_reports

urlpatterns: list[URLPattern] = [
    path(
        "dashboards/district/<slug:slug>/report/<str:month>.pdf",
        views_reports.district_report_view,
        name="district-report",
    ),
]
