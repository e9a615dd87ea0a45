"""Programs are read in the admin; every change goes through the services (permissions, lifecycle,
audit), so the admin offers no add, change or delete."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mahalat.programs.models import Program, ProgramPhoto


class PhotoInline(admin.TabularInline):
    model = ProgramPhoto
    fields = ("image", "position", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("title", "district", "kind", "starts_at", "state", "planned_budget", "spent_budget")
    list_filter = ("state", "kind", "organizer_kind")
    search_fields = ("title",)
    list_select_related = ("district",)
    inlines = [PhotoInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
