"""The holiday data (1404–1406), the tabular Hijri calendar it was checked with, and the loading command."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from mahalat.audit.models import Event
from mahalat.persian.jalali import parse_jalali_date
from mahalat.worktime import hijri
from mahalat.worktime.iranian_holidays import (
    ESTIMATED,
    RELIGIOUS,
    RELIGIOUS_EVENTS,
    SOLAR_FIXED,
    YEARS,
    national_holidays,
)
from mahalat.worktime.models import Holiday, HolidayKind

# --- the tabular Islamic calendar ---------------------------------------------------------------


def test_tabular_epoch_and_known_dates() -> None:
    assert hijri.to_gregorian(1, 1, 1) == date(622, 7, 19)  # 16 July 622 Julian
    assert hijri.to_gregorian(1446, 10, 1) == date(2025, 3, 31)  # Eid al-Fitr 1446, as kept in Iran
    assert hijri.to_gregorian(1447, 1, 1) == date(2025, 6, 26) + timedelta(days=1)
    assert hijri.from_gregorian(date(2025, 3, 31)) == (1446, 10, 1)


def test_tabular_month_lengths() -> None:
    assert [hijri.month_length(1446, m) for m in range(1, 13)] == [30, 29] * 5 + [30, 29]
    assert hijri.is_leap_year(1447) is True and hijri.is_leap_year(1448) is False  # years 7 and 8 of a cycle
    assert (hijri.month_length(1447, 12), hijri.month_length(1448, 12)) == (30, 29)
    assert sum(hijri.is_leap_year(y) for y in range(1, 31)) == 11
    with pytest.raises(ValueError, match="not a day"):
        hijri.to_gregorian(1446, 2, 30)
    with pytest.raises(ValueError, match="month"):
        hijri.month_length(1446, 13)


@given(st.dates(min_value=date(622, 7, 19), max_value=date(9999, 12, 31)))
def test_tabular_round_trip(value: date) -> None:
    year, month, day = hijri.from_gregorian(value)
    assert 1 <= day <= hijri.month_length(year, month)
    assert hijri.to_gregorian(year, month, day) == value


def test_a_solar_year_holds_each_lunar_date_once_or_twice() -> None:
    start, end = parse_jalali_date("1405/01/01"), parse_jalali_date("1406/01/01")
    fitr = hijri.occurrences(month=10, day=1, start=start, end=end)
    assert [year for year, _day in fitr] == [1448]  # 1447's fell on 1404/12/29 in the tabular calendar
    safar_end = hijri.occurrences(month=2, day=30, start=start, end=end)
    assert safar_end == [(1448, hijri.to_gregorian(1448, 2, 29))]


# --- the data ---------------------------------------------------------------------------------


def test_fixed_solar_holidays_are_computed_for_each_year() -> None:
    for year in YEARS:
        days = {(h.jalali_month, h.jalali_day) for h in national_holidays(year)}
        assert {(m, d) for m, d, _n, _e in SOLAR_FIXED} <= days
    first = national_holidays(1404)[0]
    assert (first.jalali_text, first.date, first.kind) == ("1404/01/01", date(2025, 3, 21), "solar_fixed")
    assert national_holidays(1405)[0].date == date(2026, 3, 21)
    oil = [h for h in national_holidays(1406) if (h.jalali_month, h.jalali_day) == (12, 29)]
    assert oil[0].name_en == "Oil Industry Nationalization Day"


@pytest.mark.parametrize("year", YEARS)
def test_every_religious_holiday_is_entered_for_every_year(year: int) -> None:
    codes = [code for _text, code, _hijri, _source in RELIGIOUS[year]]
    assert set(codes) == set(RELIGIOUS_EVENTS), "a lunar holiday is missing or unknown"
    texts = [text for text, _code, _hijri, _source in RELIGIOUS[year]]
    assert texts == sorted(texts), "keep each year in date order"
    assert all(text.startswith(f"{year}/") for text in texts)


@pytest.mark.parametrize("year", YEARS)
def test_religious_dates_agree_with_their_lunar_dates(year: int) -> None:
    """Official dates are within a day of the tabular calendar; estimates are exactly its dates."""
    for text, code, (h_year, h_month, h_day), source in RELIGIOUS[year]:
        event = RELIGIOUS_EVENTS[code]
        assert (h_month, min(h_day, 29)) == (event.hijri_month, min(event.hijri_day, 29)), text
        tabular = hijri.to_gregorian(h_year, h_month, min(h_day, hijri.month_length(h_year, h_month)))
        entered = parse_jalali_date(text)
        if source == ESTIMATED:
            assert entered == tabular, text
        else:
            assert abs((entered - tabular).days) <= 1, text


def test_days_with_two_holidays_are_merged() -> None:
    by_day = {h.jalali_text: h for h in national_holidays(1404)}
    second = by_day["1404/01/02"]  # Nowruz and 21 Ramadan 1446
    assert second.name == "عید نوروز، شهادت حضرت علی (ع)"
    assert second.name_en == "Nowruz holiday; Martyrdom of Imam Ali"
    assert second.kind == HolidayKind.SOLAR_FIXED
    assert by_day["1404/01/12"].name_en == "Islamic Republic Day; Eid al-Fitr (second day)"
    assert by_day["1404/01/11"].kind == HolidayKind.RELIGIOUS
    assert len(by_day) == len(national_holidays(1404))  # one entry per day
    assert by_day["1404/01/11"].estimated is False
    assert {h.estimated for h in national_holidays(1406) if h.kind == HolidayKind.RELIGIOUS} == {True}


def test_the_official_1404_calendar() -> None:
    """A few days from the published 1404 calendar, as a guard against typos."""
    days = {h.jalali_text for h in national_holidays(1404)}
    assert {"1404/01/11", "1404/03/16", "1404/04/15", "1404/06/02", "1404/10/13", "1404/11/15"} <= days
    assert len(days) == 25


# --- the command --------------------------------------------------------------------------------


def test_the_command_loads_every_year_and_is_idempotent(db: None) -> None:
    out = StringIO()
    call_command("load_iranian_holidays", stdout=out)
    expected = sum(len(national_holidays(year)) for year in YEARS)
    assert Holiday.objects.filter(city__isnull=True).count() == expected
    assert Event.objects.filter(action="worktime.holiday.added").count() == expected
    assert "تخمینی" in out.getvalue()  # Persian by default: “estimated”
    nowruz = Holiday.objects.get(date=date(2025, 3, 21))
    assert (nowruz.jalali_text, nowruz.kind, nowruz.city) == ("1404/01/01", "solar_fixed", None)

    out = StringIO()
    call_command("load_iranian_holidays", stdout=out)
    assert Holiday.objects.count() == expected
    assert Event.objects.filter(action="worktime.holiday.added").count() == expected
    assert out.getvalue().startswith("0 ")  # “0 national holidays added …”


def test_the_command_keeps_what_is_there(db: None) -> None:
    Holiday.objects.create(
        city=None,
        jalali_year=1405,
        jalali_month=1,
        jalali_day=1,
        date=date(2026, 3, 21),
        name="ویرایش",
        kind="religious",
    )
    call_command("load_iranian_holidays", "--year", "1405", stdout=StringIO())
    assert Holiday.objects.get(date=date(2026, 3, 21)).name == "ویرایش"
    assert Holiday.objects.count() == len(national_holidays(1405))
    assert not Holiday.objects.filter(jalali_year=1404).exists()


def test_the_command_refuses_unknown_years(db: None) -> None:
    with pytest.raises(CommandError, match="1410"):
        call_command("load_iranian_holidays", "--year", "1410", stdout=StringIO())
    assert not Holiday.objects.exists()
