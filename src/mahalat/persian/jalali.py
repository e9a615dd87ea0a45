"""Jalali (Solar Hijri) calendar: conversion, display and parsing of dates typed by people."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal, overload

import jdatetime
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext, pgettext_lazy

from mahalat.persian.digits import DigitStyle, is_persian_active, localize_digits, to_ascii_digits

# Month names are English transliterations as msgids, so English pages show "Azar".
PERSIAN_MONTHS: tuple[Promise, ...] = (
    pgettext_lazy("Jalali month", "Farvardin"),
    pgettext_lazy("Jalali month", "Ordibehesht"),
    pgettext_lazy("Jalali month", "Khordad"),
    pgettext_lazy("Jalali month", "Tir"),
    pgettext_lazy("Jalali month", "Mordad"),
    pgettext_lazy("Jalali month", "Shahrivar"),
    pgettext_lazy("Jalali month", "Mehr"),
    pgettext_lazy("Jalali month", "Aban"),
    pgettext_lazy("Jalali month", "Azar"),
    pgettext_lazy("Jalali month", "Dey"),
    pgettext_lazy("Jalali month", "Bahman"),
    pgettext_lazy("Jalali month", "Esfand"),
)

# The Persian week starts on Saturday (index 0, as in jdatetime's weekday()).
WEEKDAYS: tuple[Promise, ...] = (
    pgettext_lazy("Jalali weekday", "Saturday"),
    pgettext_lazy("Jalali weekday", "Sunday"),
    pgettext_lazy("Jalali weekday", "Monday"),
    pgettext_lazy("Jalali weekday", "Tuesday"),
    pgettext_lazy("Jalali weekday", "Wednesday"),
    pgettext_lazy("Jalali weekday", "Thursday"),
    pgettext_lazy("Jalali weekday", "Friday"),
)

# Used only while the fa catalogue lacks an entry (it is written after this code), so Persian pages
# never show an English word in a date.
_FA_MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
_FA_WEEKDAYS = ("شنبه", "یک‌شنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنج‌شنبه", "جمعه")
_FA_DATETIME = "%(date)s ساعت %(time)s"

INVALID_JALALI_DATE = "invalid_jalali_date"

_MONTH_LENGTHS = (31, 31, 31, 31, 31, 31, 30, 30, 30, 30, 30, 29)  # Esfand has 30 in leap years

# Bidi marks often come along when a date is copied from a right-to-left page.
_BIDI_MARKS = dict.fromkeys([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_SEPARATOR = r"(?:\s*[/\-.\u066b\u2215\u2044]\s*|\s+)"  # / - . and the look-alikes ٫ ∕ ⁄, or spaces
_JALALI_DATE = re.compile(
    rf"([0-9]{{4}}){_SEPARATOR}([0-9]{{1,2}}){_SEPARATOR}([0-9]{{1,2}})"
    # Also YYYYMMDD: phone keypads opened by inputmode="numeric" may offer no separator at all.
    r"|([0-9]{4})([0-9]{2})([0-9]{2})"
)


def _persian_fallback(translated: str, persian: str) -> str:
    # A Persian translation is never pure ASCII, so ASCII under fa means "not translated yet".
    return persian if translated.isascii() and is_persian_active() else translated


def jalali_month_name(month: int) -> str:
    """The name of Jalali month 1–12 in the active language."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be in 1..12, not {month}")
    return _persian_fallback(str(PERSIAN_MONTHS[month - 1]), _FA_MONTHS[month - 1])


def jalali_weekday_name(value: date | datetime) -> str:
    """The weekday name (شنبه … جمعه) in the active language."""
    weekday = (_local(value).weekday() + 2) % 7  # Python counts from Monday, the Persian week from Saturday
    return _persian_fallback(str(WEEKDAYS[weekday]), _FA_WEEKDAYS[weekday])


@overload
def to_jalali(value: datetime) -> jdatetime.datetime: ...
@overload
def to_jalali(value: date) -> jdatetime.date: ...
def to_jalali(value: date | datetime) -> jdatetime.date | jdatetime.datetime:
    """A Gregorian date or datetime as a jdatetime one.

    Aware datetimes are first converted to the current Django time zone, so a moment shows on the
    day it was in Iran. Raises ``ValueError`` outside jdatetime's range (before 622-03-21).
    """
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return jdatetime.datetime.fromgregorian(datetime=value)
    return jdatetime.date.fromgregorian(date=value)


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


# The two helpers below skip building jdatetime objects, whose constructor inspects the process
# locale and is several times slower than the arithmetic; list pages format many dates.
def _jalali_ymd(value: date) -> tuple[int, int, int]:
    year, month, day = jdatetime.GregorianToJalali(value.year, value.month, value.day).getJalaliList()
    if not jdatetime.MINYEAR <= year <= jdatetime.MAXYEAR:
        raise ValueError(f"{value} is outside the Jalali calendar's supported range")
    return year, month, day


def _gregorian(ymd: tuple[int, int, int]) -> date | None:
    """The Gregorian date for a Jalali (year, month, day), or ``None`` if there is no such day."""
    year, month, day = ymd
    if not (jdatetime.MINYEAR <= year <= jdatetime.MAXYEAR and 1 <= month <= 12 and day >= 1):
        return None
    # Esfand's 30th exists only in leap years; the conversion would silently roll it over to 1/1.
    leap_day = month == 12 and day == 30 and jdatetime.date(year, 1, 1).isleap()
    if day > _MONTH_LENGTHS[month - 1] and not leap_day:
        return None
    return date(*jdatetime.JalaliToGregorian(year, month, day).getGregorianList())


def _short(ymd: tuple[int, int, int]) -> str:
    return "{:04d}/{:02d}/{:02d}".format(*ymd)


def format_jalali_date(
    value: date | datetime,
    *,
    style: Literal["short", "long"] = "short",
    digits: DigitStyle | None = None,
) -> str:
    """``۱۴۰۵/۰۹/۰۶`` (short) or ``۶ آذر ۱۴۰۵`` (long).

    ``digits=None`` uses Persian digits when the active language is fa and ASCII otherwise.
    """
    ymd = _jalali_ymd(_local(value))
    if style == "long":
        year, month, day = ymd
        day_text, year_text = localize_digits(day, digits=digits), localize_digits(year, digits=digits)
        return f"{day_text} {jalali_month_name(month)} {year_text}"
    return localize_digits(_short(ymd), digits=digits)


def format_jalali_datetime(value: datetime, *, digits: DigitStyle | None = None) -> str:
    """``۱۴۰۵/۰۹/۰۶ ساعت ۱۴:۳۰`` in fa, ``1405/09/06 14:30`` in English."""
    if not isinstance(value, datetime):
        raise TypeError(f"format_jalali_datetime() needs a datetime, not {type(value).__name__}")
    value = _local(value)
    # Translators: a Jalali date (1405/09/06) and a 24-hour time (14:30); Persian puts «ساعت» between them.
    pattern = _persian_fallback(pgettext("Jalali date and time", "%(date)s %(time)s"), _FA_DATETIME)
    return pattern % {
        "date": localize_digits(_short(_jalali_ymd(value)), digits=digits),
        "time": localize_digits(f"{value.hour:02d}:{value.minute:02d}", digits=digits),
    }


def parse_jalali_date(text: str) -> date:
    """The Gregorian date for a Jalali year/month/day typed by a person.

    Accepts Persian, Arabic-Indic or ASCII digits; ``/``, ``-``, ``.`` or spaces between the parts; a
    four-digit year and one- or two-digit month and day, or eight digits in a row (14050906).
    Anything else, including a day the month does not have (1404/12/30), raises ``ValidationError``
    with code ``invalid_jalali_date``.
    """
    cleaned = to_ascii_digits(text.translate(_BIDI_MARKS)).strip()
    match = _JALALI_DATE.fullmatch(cleaned)
    if match:
        year, month, day = (int(part) for part in match.groups() if part is not None)
        result = _gregorian((year, month, day))
        if result is not None:
            return result
    if not cleaned:
        raise ValidationError(
            gettext("Enter a Jalali date as year/month/day, for example 1405/09/06."),
            code=INVALID_JALALI_DATE,
        )
    raise ValidationError(
        gettext("“%(value)s” is not a valid Jalali date. Use year/month/day, for example 1405/09/06."),
        code=INVALID_JALALI_DATE,
        params={"value": text.strip()},
    )


def jalali_month_bounds(*, year: int, month: int) -> tuple[date, date]:
    """Gregorian first day of the Jalali month and first day of the next one (a half-open range)."""
    start = _gregorian((year, month, 1))
    end = _gregorian((year + 1, 1, 1) if month == 12 else (year, month + 1, 1))
    if start is None or end is None:
        raise ValueError(f"no Jalali month {year}/{month} in the supported range")
    return start, end
