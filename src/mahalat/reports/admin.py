from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from mahalat.reports.models import Category, Report, ReportTransition, RoutingRule
from mahalat.reports.services import category_save


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    extra = 0
    autocomplete_fields = ("district",)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Categories are saved through the category service (validation, permission, audit event)."""

    list_display = (
        "name",
        "name_en",
        "slug",
        "city",
        "handler_kind",
        "agency",
        "triage_hours",
        "resolve_hours",
        "is_active",
    )
    list_filter = ("city", "handler_kind", "is_active")
    search_fields = ("name", "name_en", "slug", "keywords")
    list_select_related = ("city", "agency")
    inlines = [RoutingRuleInline]

    def save_model(self, request: HttpRequest, obj: Category, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        try:
            saved, _created = category_save(
                actor=request.user,
                city=data["city"],
                slug=data["slug"],
                name=data["name"],
                name_en=data["name_en"],
                handler_kind=data["handler_kind"],
                agency_slug=data["agency"].slug if data.get("agency") else None,
                parent_slug=data["parent"].slug if data.get("parent") else None,
                triage_hours=data["triage_hours"],
                resolve_hours=data["resolve_hours"],
                public_by_default=data["public_by_default"],
                duplicate_radius_m=data["duplicate_radius_m"],
                keywords=data.get("keywords", ""),
                questions=data.get("questions") or [],
            )
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        obj.pk = saved.pk


class TransitionInline(admin.TabularInline):
    model = ReportTransition
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "actor", "from_state", "to_state", "note")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Read-only here: reports move only through their workflow, in the workspace or the API."""

    list_display = ("tracking_code", "state", "category", "neighborhood", "submitted_at", "escalation_level")
    list_filter = ("state", "escalation_level", "city", "district")
    search_fields = ("tracking_code",)
    list_select_related = ("category", "neighborhood")
    date_hierarchy = "submitted_at"
    show_full_result_count = False
    inlines = [TransitionInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Report._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
