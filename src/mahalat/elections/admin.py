"""Read-only admin views of forming a council. Every change goes through the services (permission,
rules, audit); the ballots and the candidates' counters are not in the admin at all, so the admin cannot
show a count before the polls close."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mahalat.elections.models import Application, Election, RegistrationCall, Residency


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RegistrationCall)
class RegistrationCallAdmin(ReadOnlyAdmin):
    list_display = ("title", "district", "state", "opens_at", "closes_at")
    list_filter = ("state", "city")
    list_select_related = ("district",)
    search_fields = ("title",)


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("applicant", "call", "neighborhood", "seat_type", "state", "submitted_at")
    list_filter = ("state",)
    list_select_related = ("applicant", "call", "neighborhood", "seat_type")
    exclude = ("birth_date", "address")  # personal details stay with the applicant and the district's pages


@admin.register(Residency)
class ResidencyAdmin(ReadOnlyAdmin):
    list_display = ("user", "neighborhood", "state", "claimed_at")
    list_filter = ("state",)
    list_select_related = ("user", "neighborhood")
    exclude = ("address", "postal_code")


@admin.register(Election)
class ElectionAdmin(ReadOnlyAdmin):
    list_display = ("neighborhood", "seat_type", "seats", "state", "opens_at", "closes_at", "turnout")
    list_filter = ("state",)
    list_select_related = ("neighborhood", "seat_type")
