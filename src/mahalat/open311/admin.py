"""Client applications, for the administrator of the city: register one (its api_key is shown once),
change it, switch it off, or give it a new api_key. Every change goes through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mahalat.accounts.models import Role
from mahalat.accounts.rules import held_roles
from mahalat.open311.models import ClientApplication, ClientSubmission
from mahalat.open311.services import (
    client_application_create,
    client_application_rotate_key,
    client_application_update,
)


def _show_key_once(request: HttpRequest, client: ClientApplication, key: str) -> None:
    messages.warning(
        request,
        _(
            "The api_key of “%(name)s” is %(key)s. Copy it now: it is stored only as a hash and is "
            "never shown again."
        )
        % {"name": client.name, "key": key},
    )


@admin.register(ClientApplication)
class ClientApplicationAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "contact_email", "key_prefix", "is_active", "created_at", "last_used_at")
    list_filter = ("city", "is_active")
    search_fields = ("name", "contact_email", "key_prefix")
    list_select_related = ("city",)
    actions = ["rotate_key"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClientApplication]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        cities = [h.scope.city_id for h in held_roles(request.user) if h.role == Role.ADMINISTRATOR]
        return qs.filter(city_id__in=cities)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("city", "name", "contact_email")
        return (
            "city",
            "name",
            "contact_email",
            "is_active",
            "key_prefix",
            "created_at",
            "key_rotated_at",
            "last_used_at",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return ("city", "key_prefix", "created_at", "key_rotated_at", "last_used_at")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # switch a client off instead: the reports it filed keep pointing at it

    def save_model(
        self, request: HttpRequest, obj: ClientApplication, form: forms.ModelForm, change: bool
    ) -> None:
        data = form.cleaned_data
        if change:
            client_application_update(
                actor=request.user,
                client=obj,
                name=data["name"],
                contact_email=data["contact_email"],
                is_active=data["is_active"],
            )
            return
        client, key = client_application_create(
            actor=request.user, city=data["city"], name=data["name"], contact_email=data["contact_email"]
        )
        obj.pk = client.pk
        _show_key_once(request, client, key)

    @admin.action(description=gettext_lazy("Give the selected client applications a new api_key"))
    def rotate_key(self, request: HttpRequest, queryset: QuerySet[ClientApplication]) -> None:
        for client in queryset:
            rotated, key = client_application_rotate_key(actor=request.user, client=client)
            _show_key_once(request, rotated, key)


@admin.register(ClientSubmission)
class ClientSubmissionAdmin(admin.ModelAdmin):
    """Read-only: which client filed which report, with the client's identifiers and media_url."""

    list_display = ("report", "client", "device_id", "account_id", "created_at")
    list_filter = ("client",)
    search_fields = ("report__tracking_code", "device_id", "account_id")
    list_select_related = ("report", "client")
    readonly_fields = ("report", "client", "city_id", "device_id", "account_id", "media_url", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
