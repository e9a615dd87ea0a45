"""Resolutions are read in the admin; every change goes through the services (numbering, lifecycle,
audit), so the admin offers no add, change or delete."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mahalat.resolutions.models import Milestone, Resolution, ResolutionTransition


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MilestoneInline(_ReadOnlyInline):
    model = Milestone
    fields = ("title", "due_on", "done_on")


class TransitionInline(_ReadOnlyInline):
    model = ResolutionTransition
    fields = ("at", "actor", "from_state", "to_state", "progress", "note")


@admin.register(Resolution)
class ResolutionAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "neighborhood",
        "responsible_kind",
        "deadline",
        "state",
        "progress",
        "escalation_level",
    )
    list_filter = ("state", "escalation_level", "responsible_kind", "is_public", "city")
    search_fields = ("title", "text")
    list_select_related = ("neighborhood",)
    raw_id_fields = ("reports",)
    inlines = [MilestoneInline, TransitionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
