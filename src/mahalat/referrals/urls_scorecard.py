"""Agency scorecard pages."""

from __future__ import annotations

from django.urls import URLPattern, path

from mahalat.referrals import scorecard_views as views

urlpatterns: list[URLPattern] = [
    path("agencies/scorecards/", views.scorecards_view, name="scorecards"),
    path("agencies/<int:agency_id>/scorecard/", views.scorecard_view, name="scorecard"),
]
