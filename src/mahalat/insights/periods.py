"""Jalali months as the unit of every indicator: a month is `(year, month)`, its bounds are midnights in
Tehran, and "1405-08" is how people and the API write it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import jdatetime
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from mahalat.persian.digits import localize_digits, to_ascii_digits
from mahalat.persian.jalali import jalali_month_bounds, jalali_month_name

Month = tuple[int, int]

_TZ = ZoneInfo(settings.TIME_ZONE)
_MONTH_TEXT = re.compile(r"([0-9]{4})[-/]([0-9]{1,2})")


def month_of_date(day: date) -> Month:
    year, month, _day = jdatetime.GregorianToJalali(day.year, day.month, day.day).getJalaliList()
    return year, month


def month_of(moment: datetime) -> Month:
    """The Jalali month a moment falls in, in Tehran."""
    return month_of_date(moment.astimezone(_TZ).date())


def month_bounds(month: Month) -> tuple[datetime, datetime]:
    """The half-open range [start, end) of aware datetimes: Tehran midnights of the first days."""
    start, end = jalali_month_bounds(year=month[0], month=month[1])
    return datetime.combine(start, time.min, tzinfo=_TZ), datetime.combine(end, time.min, tzinfo=_TZ)


def month_days(month: Month) -> tuple[date, date]:
    """The month's first day and the first day of the next month (dates, half-open)."""
    return jalali_month_bounds(year=month[0], month=month[1])


def month_add(month: Month, n: int) -> Month:
    index = month[0] * 12 + (month[1] - 1) + n
    return index // 12, index % 12 + 1


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from `first` to `last`, both included (empty when first > last)."""
    out: list[Month] = []
    current = first
    while current <= last:
        out.append(current)
        current = month_add(current, 1)
    return out


def month_key(month: Month) -> int:
    return month[0] * 100 + month[1]


def month_text(month: Month) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def month_label(month: Month) -> str:
    """«آبان ۱۴۰۵» in Persian, "Aban 1405" in English."""
    return f"{jalali_month_name(month[1])} {localize_digits(month[0])}"


def parse_month(text: str, *, field: str) -> Month:
    """ "1405-08" (or 1405/8, Persian digits too) → (1405, 8); anything else is a ValidationError."""
    match = _MONTH_TEXT.fullmatch(to_ascii_digits((text or "").strip()))
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and jdatetime.MINYEAR <= year <= jdatetime.MAXYEAR:
            return year, month
    raise ValidationError(
        {field: [_("Write a Jalali month as year-month, for example 1405-08.")]}, code="invalid_month"
    )


def months_q(months: Iterable[Month]) -> Q:
    """Rows (with `year` and `month` fields) of any of these months."""
    by_year: dict[int, list[int]] = {}
    for year, month in months:
        by_year.setdefault(year, []).append(month)
    q = Q(pk__in=[])
    for year, listed in by_year.items():
        q |= Q(year=year, month__in=sorted(listed))
    return q


def iter_months(months: Iterable[Month]) -> Iterator[Month]:
    return iter(sorted(set(months)))


def year_start(moment: datetime) -> Month:
    """Farvardin of the Jalali year `moment` falls in: targets are annual and start there by default."""
    return month_of(moment)[0], 1
