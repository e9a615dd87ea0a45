"""Template filters for Persian digits, Jalali dates and left-to-right fragments.

Registered as a template builtin in settings, so no ``{% load %}`` is needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe

from mahalat.persian.digits import format_number, is_persian_active, to_ascii_digits, to_persian_digits
from mahalat.persian.jalali import format_jalali_date, format_jalali_datetime

register = template.Library()

# Tags and character references in already-safe HTML: their digits (href="/r/12", &#39;) must stay.
_MARKUP = re.compile(r"(<[^>]*>|&#?[0-9A-Za-z]+;)")
_PLAIN_NUMBER = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?")


@register.filter(is_safe=True)
def fa_digits(value: object) -> str:
    """Persian digits when the active language is fa; unchanged otherwise. ``None`` → ``""``."""
    if value is None:
        return ""
    if not is_persian_active():
        return str(value)  # str() of a SafeString stays safe
    if isinstance(value, SafeData):
        parts = _MARKUP.split(str(value))
        # split() with one group alternates text (even indexes) and markup (odd indexes).
        return "".join(part if index % 2 else to_persian_digits(part) for index, part in enumerate(parts))
    return to_persian_digits(value)


@register.filter(name="jdate")
def jdate_filter(value: object, arg: str = "short") -> str:
    """``{{ d|jdate }}`` → ۱۴۰۵/۰۹/۰۶, ``{{ d|jdate:"long" }}`` → ۶ آذر ۱۴۰۵; ``""`` for a non-date."""
    if not isinstance(value, date):
        return ""
    try:
        return format_jalali_date(value, style="long" if arg == "long" else "short")
    except ValueError:  # outside jdatetime's range
        return ""


@register.filter(name="jdatetime")
def jdatetime_filter(value: object) -> str:
    """``{{ moment|jdatetime }}`` → ۱۴۰۵/۰۹/۰۶ ساعت ۱۴:۳۰; a plain date gives just the date."""
    if isinstance(value, datetime):
        try:
            return format_jalali_datetime(value)
        except ValueError:
            return ""
    return jdate_filter(value)


@register.filter(name="number")
def number_filter(value: object) -> str:
    """Thousands separators and the active language's digits; non-numbers are returned as they are."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = to_ascii_digits(value.strip())
        # Plain decimals only: Decimal() would also take "1e999999999", a billion digits to print.
        if not _PLAIN_NUMBER.fullmatch(text):
            return value
        value = Decimal(text)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    try:
        return format_number(value, persian=is_persian_active())
    except ValueError:  # NaN and infinities
        return str(value)


@register.filter(needs_autoescape=True)
def ltr(value: object, autoescape: bool = True) -> SafeString:
    """Isolate a left-to-right fragment (phone number, tracking code) inside right-to-left text."""
    if value is None:
        return SafeString("")
    # Like Django's own filters, escape unless the template turned autoescaping off.
    escape: Callable[[object], str] = conditional_escape if autoescape else str
    return mark_safe(f'<bdi dir="ltr">{escape(value)}</bdi>')
