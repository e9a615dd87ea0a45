from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mahalat.notifications.models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: for operators to see what was sent, what waits for a retry and what failed."""

    list_display = ("created_at", "kind", "channel", "recipient", "state", "attempts", "next_attempt_at")
    list_filter = ("state", "channel", "language")
    search_fields = ("kind", "template", "address", "dedupe_key")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind_prefix", "channel", "enabled", "updated_at")
    list_filter = ("channel", "enabled")
    search_fields = ("kind_prefix", "user__phone")
    list_select_related = ("user",)

    # Each person chooses their own (services.notification_preference_set); the admin only shows them.
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in NotificationPreference._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
