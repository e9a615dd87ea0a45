"""The deputy's targets page (names `insights:targets`, `insights:target-set`, `insights:target-remove`)."""

from __future__ import annotations

from django.urls import URLPattern, path

from mahalat.insights import views_targets

urlpatterns: list[URLPattern] = [
    path("dashboards/targets/", views_targets.targets_page, name="targets"),
    path("dashboards/targets/set/", views_targets.target_set_view, name="target-set"),
    path("dashboards/targets/remove/", views_targets.target_remove_view, name="target-remove"),
]
