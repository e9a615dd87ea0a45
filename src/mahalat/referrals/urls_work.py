"""Referral pages (work): the list and agency inbox, a referral's page and its actions, its
attachments, and sending a referral."""

from __future__ import annotations

from django.urls import URLPattern, path

from mahalat.referrals import views

urlpatterns: list[URLPattern] = [
    path("referrals/", views.referral_list_view, name="list"),
    path("referrals/new/", views.referral_create_view, name="create"),
    path("referrals/<int:referral_id>/", views.referral_detail_view, name="detail"),
    path("referrals/<int:referral_id>/transition/", views.referral_transition_view, name="transition"),
    path(
        "referrals/<int:referral_id>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
]
