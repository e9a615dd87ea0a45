"""Form fields for Jalali dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils import timezone

from mahalat.persian.digits import localize_digits
from mahalat.persian.jalali import format_jalali_date, parse_jalali_date

JALALI_DATE_EXAMPLE = "1405/09/06"


class JalaliDateInput(forms.TextInput):
    """A text box for a Jalali date: numeric keypad on phones, digits kept left to right."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"inputmode": "numeric", "dir": "ltr", **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        # Chosen at render time: fields are built once at import, before any language is active.
        context["widget"]["attrs"].setdefault("placeholder", localize_digits(JALALI_DATE_EXAMPLE))
        return context


class JalaliDateField(forms.Field):
    """A date typed in the Jalali calendar (۱۴۰۵/۰۹/۰۶, ١٤٠٥-٩-٦, 1405.9.6); cleans to ``datetime.date``.

    Built on ``forms.Field`` rather than ``CharField``: CharField's length validators would run on
    the cleaned ``date``.
    """

    widget = JalaliDateInput

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, datetime):
            return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
        if isinstance(value, date):
            return value
        if value in self.empty_values:
            return None
        text = str(value).strip()
        return parse_jalali_date(text) if text else None

    def prepare_value(self, value: Any) -> Any:
        # A date (initial or instance value) is shown as Jalali; typed text is shown back as typed.
        if isinstance(value, date):
            return format_jalali_date(value)
        return value
