"""The tabular (arithmetical) Islamic calendar, for estimating lunar holidays.

Python's standard library has no Hijri calendar, so this is the classic arithmetic one: 30-year
cycles of 354- and 355-day years (leap years 2, 5, 7, 10, 13, 16, 18, 21, 24, 26 and 29 of each
cycle), odd months of 30 days and even months of 29, Dhu al-Hijjah 30 days in a leap year, counted
from the civil epoch 1 Muharram 1 AH = Friday 16 July 622 (Julian), 19 July 622 proleptic Gregorian.

It is only an estimate of the calendar Iran keeps. Iran's official calendar starts each lunar
month from the predicted sighting of the crescent over Iran (published by the Calendar Center of the
University of Tehran's Institute of Geophysics), and the real start can still move by a day when the
crescent is or is not seen. The tabular date differs from the official one by a day either way (for
1404 it was off by one day for about half of the religious holidays), and neither calendar makes
Safar 30 days long the way Iran sometimes does. Use it to fill a year whose official calendar is not
published yet, and replace the estimates once it is.
"""

from __future__ import annotations

from datetime import date

# Python date ordinal (0001-01-01 = 1) of 1 Muharram 1 AH, civil epoch.
EPOCH_ORDINAL = date(622, 7, 19).toordinal()
MONTH_NAMES_EN = (
    "Muharram",
    "Safar",
    "Rabi al-Awwal",
    "Rabi al-Thani",
    "Jumada al-Awwal",
    "Jumada al-Thani",
    "Rajab",
    "Sha'ban",
    "Ramadan",
    "Shawwal",
    "Dhu al-Qa'dah",
    "Dhu al-Hijjah",
)


def is_leap_year(year: int) -> bool:
    return (14 + 11 * year) % 30 < 11


def month_length(year: int, month: int) -> int:
    if not 1 <= month <= 12:
        raise ValueError(f"Hijri month must be in 1..12, not {month}")
    if month == 12 and is_leap_year(year):
        return 30
    return 30 if month % 2 == 1 else 29


def _ordinal(year: int, month: int, day: int) -> int:
    # Days before the month in its year: odd months 30 days, even months 29, i.e. ceil(29.5 * (m - 1)).
    days_before_month = (59 * (month - 1) + 1) // 2
    return EPOCH_ORDINAL - 1 + (year - 1) * 354 + (3 + 11 * year) // 30 + days_before_month + day


def to_gregorian(year: int, month: int, day: int) -> date:
    """The Gregorian date of a tabular Hijri date. Raises ``ValueError`` for a day that does not exist."""
    if year < 1:
        raise ValueError(f"Hijri year must be 1 or later, not {year}")
    if not 1 <= day <= month_length(year, month):
        raise ValueError(f"{year}/{month}/{day} is not a day of the tabular Hijri calendar")
    return date.fromordinal(_ordinal(year, month, day))


def from_gregorian(value: date) -> tuple[int, int, int]:
    """The tabular Hijri (year, month, day) of a Gregorian date on or after 19 July 622."""
    ordinal = value.toordinal()
    if ordinal < EPOCH_ORDINAL:
        raise ValueError(f"{value} is before the Hijri epoch")
    year = (30 * (ordinal - EPOCH_ORDINAL) + 10646) // 10631
    month = 12
    while month > 1 and ordinal < _ordinal(year, month, 1):
        month -= 1
    return year, month, ordinal - _ordinal(year, month, 1) + 1


def occurrences(*, month: int, day: int, start: date, end: date) -> list[tuple[int, date]]:
    """Every (Hijri year, Gregorian date) of tabular ``month``/``day`` with start <= date < end.

    A lunar year is about 11 days shorter than a solar one, so a solar year holds each lunar date
    once and sometimes twice. ``day=30`` in a 29-day month means the last day of that month.
    """
    found: list[tuple[int, date]] = []
    year = from_gregorian(start)[0]
    while True:
        when = to_gregorian(year, month, min(day, month_length(year, month)))
        if when >= end:
            return found
        if when >= start:
            found.append((year, when))
        year += 1
