from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mahalat.audit.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, so the admin offers no add, change or delete."""

    list_display = ("occurred_at", "actor", "action", "object_type", "object_repr", "request_id")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_id", "object_repr", "request_id")
    date_hierarchy = "occurred_at"
    list_select_related = ("actor",)
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Event._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
