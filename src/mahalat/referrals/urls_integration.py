"""Referral pages (integration): an agency's webhook and API token settings, and its delivery log."""

from __future__ import annotations

from django.urls import URLPattern, path

from mahalat.referrals import integration_views as views

urlpatterns: list[URLPattern] = [
    path("agencies/<int:agency_id>/integration/", views.integration, name="integration"),
    path("agencies/<int:agency_id>/integration/secret/", views.secret_rotate, name="integration-secret"),
    path("agencies/<int:agency_id>/integration/tokens/", views.token_issue, name="integration-token-issue"),
    path(
        "agencies/<int:agency_id>/integration/tokens/<int:token_id>/revoke/",
        views.token_revoke,
        name="integration-token-revoke",
    ),
    path("agencies/<int:agency_id>/integration/test/", views.test_event, name="integration-test"),
    path("agencies/<int:agency_id>/deliveries/", views.deliveries, name="deliveries"),
]
