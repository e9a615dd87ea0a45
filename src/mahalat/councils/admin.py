"""Councils in the admin: for reading. Every change goes through the council pages, whose services
check permissions, keep the lifecycle and record events."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mahalat.councils.models import (
    Council,
    CouncilPolicy,
    CouncilTransition,
    Membership,
    SeatTemplate,
    SeatType,
    WorkingGroup,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SeatTypeInline(admin.TabularInline):
    model = SeatType
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SeatTemplate)
class SeatTemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "name_en", "city", "is_default", "created_at"]
    list_filter = ["city", "is_default"]
    inlines = [SeatTypeInline]


@admin.register(CouncilPolicy)
class CouncilPolicyAdmin(ReadOnlyAdmin):
    list_display = ["city", "in_force_from", "term_months", "max_consecutive_terms", "meetings_per_month"]
    list_filter = ["city"]


class TransitionInline(admin.TabularInline):
    model = CouncilTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_state", "to_state", "actor", "reason", "at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Council)
class CouncilAdmin(ReadOnlyAdmin):
    list_display = ["neighborhood", "term_number", "state", "term_start", "term_end", "district"]
    list_filter = ["state", "district"]
    search_fields = ["neighborhood__name", "neighborhood__slug"]
    list_select_related = ["neighborhood", "district"]
    inlines = [TransitionInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "council", "seat_type", "role", "starts_on", "ends_on", "ended_reason"]
    list_filter = ["role", "ended_reason"]
    list_select_related = ["user", "council__neighborhood", "seat_type"]
    search_fields = ["user__full_name", "council__neighborhood__name"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "council"]
    list_filter = ["kind"]
    list_select_related = ["council__neighborhood"]
