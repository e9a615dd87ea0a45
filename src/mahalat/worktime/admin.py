from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mahalat.worktime import services
from mahalat.worktime.models import Holiday, WorkingSchedule


class HolidayAddForm(forms.ModelForm):
    jalali_date = forms.CharField(
        label=_("Date (Jalali)"), max_length=40, help_text=_("Year/month/day, for example 1405/01/01.")
    )

    class Meta:
        model = Holiday
        fields = ("city", "name", "name_en", "kind")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            services.holiday_clean(
                city=data.get("city"),
                jalali_date=data.get("jalali_date", ""),
                name=data.get("name", ""),
                name_en=data.get("name_en", ""),
                kind=data.get("kind", ""),
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data

    def _post_clean(self) -> None:
        """The holiday is built (its dates derived, uniqueness checked) by the service, not the form."""


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Holidays are added and removed through the service (validated, permission-checked, audited);
    a wrong one is removed and added again, so there is no editing."""

    list_display = ("jalali_text", "date", "name", "name_en", "kind", "city")
    list_filter = ("kind", "jalali_year", "city")
    search_fields = ("name", "name_en")
    list_select_related = ("city",)
    ordering = ("date",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = HolidayAddForm
            kwargs["fields"] = ("city", "jalali_date", "name", "name_en", "kind")
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("city", "jalali_date", "name", "name_en", "kind")
        return ("city", "jalali_text", "date", "name", "name_en", "kind", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.get_fields(request, obj)

    @admin.display(description=_("Date (Jalali)"), ordering="date")
    def jalali_text(self, obj: Holiday) -> str:
        return obj.jalali_text

    def save_model(self, request: HttpRequest, obj: Holiday, form: forms.ModelForm, change: bool) -> None:
        created = services.holiday_add(
            actor=request.user,
            city=form.cleaned_data.get("city"),
            jalali_date=form.cleaned_data["jalali_date"],
            name=form.cleaned_data["name"],
            name_en=form.cleaned_data.get("name_en", ""),
            kind=form.cleaned_data["kind"],
        )
        for field in Holiday._meta.concrete_fields:  # the admin goes on to log and show `obj`
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Holiday) -> None:
        services.holiday_remove(actor=request.user, holiday=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Holiday]) -> None:
        for holiday in queryset:
            services.holiday_remove(actor=request.user, holiday=holiday)


@admin.register(WorkingSchedule)
class WorkingScheduleAdmin(admin.ModelAdmin):
    list_display = ("city", "workday_start", "workday_end", "thursday", "thursday_end", "updated_at")
    list_select_related = ("city",)
    fields = ("city", "workday_start", "workday_end", "thursday", "thursday_end")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("city",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # change the hours instead; a city without a row works the defaults

    def save_model(
        self, request: HttpRequest, obj: WorkingSchedule, form: forms.ModelForm, change: bool
    ) -> None:
        saved = services.working_schedule_update(
            actor=request.user,
            city=obj.city,
            **{name: form.cleaned_data[name] for name in services.SCHEDULE_FIELDS},
        )
        obj.pk = saved.pk
