from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mahalat.accounts import services
from mahalat.accounts.models import ApiToken, RoleAssignment, User


class UserAddForm(forms.ModelForm):
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, required=False)

    class Meta:
        model = User
        fields = ("phone", "full_name", "national_code", "email")

    def validate_unique(self) -> None:
        """Uniqueness is the service's to check (on the normalized number)."""


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("phone", "full_name", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("phone", "full_name", "national_code")
    readonly_fields = ("phone", "last_login", "date_joined", "password")
    fields = (
        "phone",
        "full_name",
        "national_code",
        "email",
        "is_active",
        "is_staff",
        "is_superuser",
        "password",
        "last_login",
        "date_joined",
    )
    ordering = ("-date_joined",)

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = UserAddForm
            kwargs["fields"] = (*UserAddForm.Meta.fields, "password")
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields if obj is not None else (*UserAddForm.Meta.fields, "password")

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            created = services.user_register(
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data.get("password") or None,
                full_name=form.cleaned_data.get("full_name", ""),
                national_code=form.cleaned_data.get("national_code") or None,
                email=form.cleaned_data.get("email", ""),
                actor=request.user,
            )
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        obj.pk = created.pk


class RoleAssignmentForm(forms.ModelForm):
    scope_ref = forms.CharField(
        label=_("Scope (slug)"),
        help_text=_("The slug of the city, district, area, neighborhood or agency the role is held over."),
    )

    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "scope_kind", "valid_from", "valid_until")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("role") and data.get("scope_kind") and data.get("scope_ref"):
            try:
                services.resolve_scope(
                    role=data["role"], scope_kind=data["scope_kind"], scope_ref=data["scope_ref"]
                )
            except ValidationError as exc:
                for messages in exc.message_dict.values():
                    self.add_error("scope_ref", messages)
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "role",
        "scope_kind",
        "city",
        "district",
        "area",
        "neighborhood",
        "agency",
        "valid_from",
        "valid_until",
        "revoked_at",
    )
    list_filter = ("role", "scope_kind", "city")
    search_fields = ("user__phone", "user__full_name")
    list_select_related = ("user", "city", "district", "area", "neighborhood", "agency")
    autocomplete_fields = ("user",)
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an assignment is revoked and a new one made, so the history stays true

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> type[forms.ModelForm]:
        kwargs["form"] = RoleAssignmentForm
        return super().get_form(request, obj, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: RoleAssignment, form: forms.ModelForm, change: bool
    ) -> None:
        created = services.role_assign(
            actor=request.user,
            user=form.cleaned_data["user"],
            role=form.cleaned_data["role"],
            scope_kind=form.cleaned_data["scope_kind"],
            scope_ref=form.cleaned_data["scope_ref"],
            valid_from=form.cleaned_data.get("valid_from"),
            valid_until=form.cleaned_data.get("valid_until"),
        )
        obj.pk = created.pk

    @admin.action(description=_("Revoke the selected role assignments"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for assignment in queryset:
            services.role_revoke(actor=request.user, assignment=assignment)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "key_hash", "prefix", "name", "created_at", "expires_at", "last_used_at")
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
