"""Referral pages (registry): the city's agencies and the service-level agreements with them."""

from __future__ import annotations

from django.urls import URLPattern, path

from mahalat.referrals import registry_views as views

urlpatterns: list[URLPattern] = [
    path("agencies/", views.agency_list, name="agencies"),
    path("agencies/new/", views.agency_create, name="agency-new"),
    path("agencies/<int:agency_id>/", views.agency_detail, name="agency"),
    path("agencies/<int:agency_id>/edit/", views.agency_edit, name="agency-edit"),
    # One name for both: with an agency id, that agency's agreements; without, the municipal units'.
    path("agencies/<int:agency_id>/agreements/", views.agency_agreements, name="agreements"),
    path("agreements/municipal/", views.municipal_agreements, name="agreements"),
    path("agreements/<int:agreement_id>/edit/", views.agreement_edit, name="agreement-edit"),
    path("agreements/<int:agreement_id>/delete/", views.agreement_remove, name="agreement-delete"),
]
