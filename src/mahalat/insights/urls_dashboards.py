"""The dashboards (city, district, neighborhood) and the download of their tables."""

from __future__ import annotations

from django.urls import URLPattern, path

from mahalat.insights import views_dashboards as views

urlpatterns: list[URLPattern] = [
    path("dashboards/", views.city_dashboard, name="city"),
    path("dashboards/district/<slug:slug>/", views.district_dashboard, name="district"),
    path("dashboards/neighborhood/<slug:slug>/", views.neighborhood_dashboard, name="neighborhood"),
    path("dashboards/export/<slug:table>.<slug:fmt>", views.export_table, name="export-table"),
]
