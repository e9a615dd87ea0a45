"""Meetings in the admin are read-only: every change goes through the services (permission, event)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mahalat.meetings.models import AgendaItem, Meeting, Minutes


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnly):
    list_display = ("__str__", "starts_at", "state", "kind")
    list_filter = ("state", "kind")
    list_select_related = ("council__neighborhood",)
    date_hierarchy = "starts_at"


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnly):
    list_display = ("title", "council", "meeting", "state", "source", "is_private")
    list_filter = ("state", "source", "is_private")
    list_select_related = ("council__neighborhood", "meeting__council__neighborhood")


@admin.register(Minutes)
class MinutesAdmin(ReadOnly):
    list_display = ("__str__", "state", "published_at")
    list_filter = ("state",)
    list_select_related = ("meeting__council__neighborhood",)
