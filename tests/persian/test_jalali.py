from datetime import UTC, date, datetime, timedelta

import jdatetime
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext
from hypothesis import given, settings
from hypothesis import strategies as st

from mahalat.persian.jalali import (
    PERSIAN_MONTHS,
    WEEKDAYS,
    format_jalali_date,
    format_jalali_datetime,
    jalali_month_bounds,
    jalali_month_name,
    jalali_weekday_name,
    parse_jalali_date,
    to_jalali,
)

# 1405/09/06 (the example used in the UI) is 2026-11-27; 1404/09/06 is 2025-11-27.
EXAMPLE = date(2026, 11, 27)
INVALID_MESSAGE = "“%(value)s” is not a valid Jalali date. Use year/month/day, for example 1405/09/06."
# The span jdatetime supports, Jalali 0001/01/01 to 9377/12/29.
supported_dates = st.dates(min_value=date(622, 3, 22), max_value=date(9999, 3, 19))


def test_known_anchors() -> None:
    assert to_jalali(date(2025, 3, 21)) == jdatetime.date(1404, 1, 1)
    assert parse_jalali_date("1404/01/01") == date(2025, 3, 21)
    assert parse_jalali_date("1405/09/06") == EXAMPLE
    assert parse_jalali_date("1404/09/06") == date(2025, 11, 27)
    assert format_jalali_date(date(2025, 3, 20), digits="ascii") == "1403/12/30"


def test_leap_years() -> None:
    assert parse_jalali_date("1403/12/30") == date(2025, 3, 20)  # 1403 is a leap year
    with pytest.raises(ValidationError):
        parse_jalali_date("1404/12/30")  # 1404 is not
    assert jalali_month_bounds(year=1403, month=12) == (date(2025, 2, 19), date(2025, 3, 21))
    assert jalali_month_bounds(year=1404, month=12) == (date(2026, 2, 20), date(2026, 3, 21))


def test_month_bounds() -> None:
    assert jalali_month_bounds(year=1405, month=1) == (date(2026, 3, 21), date(2026, 4, 21))
    assert jalali_month_bounds(year=1405, month=9) == (date(2026, 11, 22), date(2026, 12, 22))
    for bad_month in (0, 13):
        with pytest.raises(ValueError, match="no Jalali month"):
            jalali_month_bounds(year=1405, month=bad_month)


def test_to_jalali_types_and_time_zone() -> None:
    jalali_date = to_jalali(date(2025, 3, 21))
    assert type(jalali_date) is jdatetime.date
    # 20:45 UTC on 20 March is 00:15 on 21 March in Tehran (UTC+03:30): already the new year.
    moment = datetime(2025, 3, 20, 20, 45, tzinfo=UTC)
    with timezone.override("Asia/Tehran"):
        jalali_moment = to_jalali(moment)
        assert isinstance(jalali_moment, jdatetime.datetime)
        assert (jalali_moment.year, jalali_moment.month, jalali_moment.day) == (1404, 1, 1)
        assert (jalali_moment.hour, jalali_moment.minute) == (0, 15)
        assert format_jalali_date(moment, digits="ascii") == "1404/01/01"
    with timezone.override("UTC"):
        assert format_jalali_date(moment, digits="ascii") == "1403/12/30"
    naive = datetime(2025, 3, 20, 20, 45)  # naive values are taken as they are
    assert format_jalali_date(naive, digits="ascii") == "1403/12/30"


def test_format_jalali_date_styles_and_digits() -> None:
    with translation.override("fa"):
        assert format_jalali_date(EXAMPLE) == "۱۴۰۵/۰۹/۰۶"
        assert format_jalali_date(EXAMPLE, style="long") == "۶ آذر ۱۴۰۵"
        assert format_jalali_date(EXAMPLE, digits="ascii") == "1405/09/06"
    with translation.override("en"):
        assert format_jalali_date(EXAMPLE) == "1405/09/06"
        assert format_jalali_date(EXAMPLE, style="long") == "6 Azar 1405"
        assert format_jalali_date(EXAMPLE, style="long", digits="persian") == "۶ Azar ۱۴۰۵"


def test_format_jalali_datetime() -> None:
    moment = datetime(2026, 11, 27, 11, 0, 59, tzinfo=UTC)  # 14:30 in Tehran
    with timezone.override("Asia/Tehran"):
        with translation.override("fa"):
            assert format_jalali_datetime(moment) == "۱۴۰۵/۰۹/۰۶ ساعت ۱۴:۳۰"
        with translation.override("en"):
            assert format_jalali_datetime(moment) == "1405/09/06 14:30"
            assert format_jalali_datetime(moment, digits="persian") == "۱۴۰۵/۰۹/۰۶ ۱۴:۳۰"
    with pytest.raises(TypeError, match="needs a datetime"):
        format_jalali_datetime(EXAMPLE)  # type: ignore[arg-type]


def test_month_and_weekday_names() -> None:
    assert len(PERSIAN_MONTHS) == 12
    assert len(WEEKDAYS) == 7
    with translation.override("fa"):
        assert [jalali_month_name(m) for m in (1, 9, 10, 12)] == ["فروردین", "آذر", "دی", "اسفند"]
        assert jalali_weekday_name(date(2025, 3, 21)) == "جمعه"
        assert jalali_weekday_name(date(2025, 3, 22)) == "شنبه"
        assert jalali_weekday_name(date(2025, 3, 25)) == "سه‌شنبه"
    with translation.override("en"):
        names = [jalali_month_name(m) for m in (1, 2, 9, 10, 12)]
        assert names == ["Farvardin", "Ordibehesht", "Azar", "Dey", "Esfand"]
        assert str(PERSIAN_MONTHS[5]) == "Shahrivar"
        assert jalali_weekday_name(date(2025, 3, 22)) == "Saturday"
        assert jalali_weekday_name(datetime(2025, 3, 21, 9, 0)) == "Friday"
    with pytest.raises(ValueError, match=r"1\.\.12"):
        jalali_month_name(13)


@pytest.mark.parametrize(
    "text",
    [
        "1405/09/06",
        "1405/9/6",
        "1405-9-6",
        "1405.09.06",
        "1405 9 6",
        "1405 / 09 / 06",
        "  1405/09/06\n",
        "۱۴۰۵/۰۹/۰۶",
        "١٤٠٥/٠٩/٠٦",
        "۱۴۰۵/9/٠٦",  # mixed digit sets
        "۱۴۰۵٫۰۹٫۰۶",  # Arabic decimal separator
        "\u200f۱۴۰۵/۰۹/۰۶\u200f",  # right-to-left marks from a copied RTL page
        "\u00a01405/09/06\u00a0",
        "14050906",  # phone numeric keypads may have no separator
        "۱۴۰۵۰۹۰۶",
    ],
)
def test_parse_accepted_forms(text: str) -> None:
    assert parse_jalali_date(text) == EXAMPLE


@pytest.mark.parametrize(
    "text",
    [
        "1405/13/01",  # month 13
        "1405/00/10",
        "1405/09/40",  # day 40
        "1405/09/00",
        "1405/07/31",  # the second half of the year has 30-day months
        "1404/12/30",  # not a leap year
        "۱۴۰۵/۱۳/۴۰",
        "05/09/06",  # two-digit year
        "14055/09/06",
        "1405/009/06",
        "1405/09",
        "1405/09/06/01",
        "06/09/1405",  # day first
        "1405//09/06",
        "1405/09/06 12:00",
        "1405۰9/06x",
        "۱۴۰۵ آذر ۶",
        "0000/01/01",
        "9378/01/01",  # beyond jdatetime's range
        "1405۰۹۰۶۱",
        "١٤٠٥\u0669/09/06",
        "१४०५/०९/०६",  # Devanagari digits are not accepted
        "abc",
    ],
)
def test_parse_rejects(text: str) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        parse_jalali_date(text)
    assert caught.value.code == "invalid_jalali_date"
    assert caught.value.messages == [INVALID_MESSAGE % {"value": text.strip()}]


@pytest.mark.parametrize("text", ["", "   ", "\u200f"])
def test_parse_rejects_empty(text: str) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        parse_jalali_date(text)
    assert caught.value.code == "invalid_jalali_date"
    assert "1405/09/06" in caught.value.messages[0]
    with translation.override("fa"), pytest.raises(ValidationError) as caught:
        parse_jalali_date(text)
    assert "۱۴۰۵/۰۹/۰۶" in caught.value.messages[0]


def test_parse_error_message_is_translated() -> None:
    with translation.override("fa"), pytest.raises(ValidationError) as caught:
        parse_jalali_date("۱۴۰۵/۱۳/۴۰")
    assert caught.value.messages == [gettext(INVALID_MESSAGE) % {"value": "۱۴۰۵/۱۳/۴۰"}]


def test_every_day_of_jalali_years_1300_to_1500() -> None:
    expected_start = date(1921, 3, 21)  # 1300/01/01
    days = 0
    for year in range(1300, 1501):
        leap = jalali_month_bounds(year=year, month=12)
        assert ((leap[1] - leap[0]).days == 30) == jdatetime.date(year, 1, 1).isleap()
        for month in range(1, 13):
            start, end = jalali_month_bounds(year=year, month=month)
            assert start == expected_start  # months tile the calendar with no gap or overlap
            expected_start = end
            for day in range(1, (end - start).days + 1):
                gregorian = start + timedelta(days=day - 1)
                # Jalali → Gregorian → Jalali, then format → parse (Persian digits, the harder case).
                assert format_jalali_date(gregorian, digits="ascii") == f"{year:04d}/{month:02d}/{day:02d}"
                assert parse_jalali_date(format_jalali_date(gregorian, digits="persian")) == gregorian
                days += 1
    assert expected_start == date(2122, 3, 21)  # 1501/01/01
    assert days == (date(2122, 3, 21) - date(1921, 3, 21)).days


def test_esfand_30_exists_exactly_in_leap_years_of_the_whole_range() -> None:
    # Validation uses jdatetime's leap rule and conversion uses its arithmetic: they must agree.
    for year in range(1, 9377):
        start, end = jalali_month_bounds(year=year, month=12)
        assert ((end - start).days == 30) == jdatetime.date(year, 1, 1).isleap(), year
    assert parse_jalali_date("9377/12/29") == date(9999, 3, 19)
    with pytest.raises(ValueError, match="no Jalali month"):
        jalali_month_bounds(year=9377, month=12)  # its end is beyond the range


def test_jdatetime_agrees_on_samples() -> None:
    for day in range(0, 200 * 366, 97):
        gregorian = date(1921, 3, 21) + timedelta(days=day)
        jalali = jdatetime.date.fromgregorian(date=gregorian)
        assert format_jalali_date(gregorian, digits="ascii") == jalali.strftime("%Y/%m/%d")
        assert jalali.togregorian() == gregorian


@settings(deadline=None)
@given(supported_dates, st.sampled_from(["persian", "ascii"]))
def test_parse_inverts_format(value: date, digits: str) -> None:
    assert parse_jalali_date(format_jalali_date(value, digits=digits)) == value  # type: ignore[arg-type]


@settings(deadline=None)
@given(supported_dates)
def test_long_format_shows_the_same_day(value: date) -> None:
    year, month, day = map(int, format_jalali_date(value, digits="ascii").split("/"))
    with translation.override("en"):
        assert format_jalali_date(value, style="long") == f"{day} {PERSIAN_MONTHS[month - 1]} {year}"


@settings(deadline=None)
@given(st.integers(min_value=1, max_value=9376), st.integers(min_value=1, max_value=12))
def test_month_bounds_properties(year: int, month: int) -> None:
    start, end = jalali_month_bounds(year=year, month=month)
    assert format_jalali_date(start, digits="ascii") == f"{year:04d}/{month:02d}/01"
    assert 29 <= (end - start).days <= 31
    assert format_jalali_date(end - timedelta(days=1), digits="ascii").startswith(f"{year:04d}/{month:02d}/")


def test_outside_supported_range() -> None:
    with pytest.raises(ValueError, match="range"):
        format_jalali_date(date(600, 1, 1))
    with pytest.raises(ValueError, match="range"):
        to_jalali(date(600, 1, 1))
