"""Deadline arithmetic in working time. Every "now" is an explicit datetime; no clock is involved.

Reference week (no holidays in it): Saturday 2025-09-27 (5 Mehr 1404) to Friday 2025-10-03.
Default hours: Saturday–Wednesday 07:30–14:30 (7 h), Thursday 07:30–12:30 (5 h), Friday off: 40 h a week.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mahalat.territory.models import City
from mahalat.worktime.calendar import (
    TEHRAN,
    WorkCalendar,
    add_working_time,
    load_calendar,
    local_date,
    working_time_between,
)
from mahalat.worktime.models import Holiday, HolidayKind, Thursday
from mahalat.worktime.services import working_schedule_update
from tests.worktime.conftest import tehran

SAT, SUN, MON, TUE, WED, THU, FRI = (date(2025, 9, 27) + timedelta(days=i) for i in range(7))
NEXT_SAT = date(2025, 10, 4)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TEHRAN)


def deadline(city: City, start: datetime, hours: float) -> datetime:
    result = add_working_time(city_id=city.pk, start=start, hours=hours)
    assert result.tzinfo is UTC
    return result


def national_holiday(day: date, name: str = "تعطیل آزمایشی") -> Holiday:
    return Holiday.objects.create(
        city=None, jalali_year=1404, jalali_month=1, jalali_day=1, date=day, name=name, kind="religious"
    )


def test_reference_week_is_what_the_tests_assume() -> None:
    assert [d.weekday() for d in (SAT, THU, FRI)] == [5, 3, 4]
    assert local_date(at(SAT, 10)) == SAT


# --- within the default schedule ------------------------------------------------------------------


def test_start_inside_working_hours(city: City) -> None:
    result = deadline(city, at(SAT, 10), 3)
    assert result == at(SAT, 13)
    assert result == datetime(2025, 9, 27, 9, 30, tzinfo=UTC)  # Tehran is UTC+03:30


def test_counting_carries_over_to_the_next_morning(city: City) -> None:
    assert deadline(city, at(SAT, 13), 3) == at(SUN, 9)  # 1.5 h on Saturday, 1.5 h from 07:30 Sunday


def test_start_at_night_counts_from_the_next_opening(city: City) -> None:
    assert deadline(city, at(SAT, 22), 1) == at(SUN, 8, 30)
    assert deadline(city, at(SUN, 3), 1) == at(SUN, 8, 30)
    assert deadline(city, at(SAT, 14, 30), 0.5) == at(SUN, 8)  # closing time is not working time


def test_a_deadline_that_fills_the_day_ends_at_closing_time(city: City) -> None:
    assert deadline(city, at(SAT, 7, 30), 7) == at(SAT, 14, 30)
    assert deadline(city, at(SAT, 6), 7) == at(SAT, 14, 30)


def test_thursday_half_day_by_default(city: City) -> None:
    assert deadline(city, at(WED, 13, 30), 4) == at(THU, 10, 30)
    assert deadline(city, at(WED, 13, 30), 6) == at(THU, 12, 30)
    # 1 h Wednesday + 5 h Thursday, Friday off, then 1 h on Saturday.
    assert deadline(city, at(WED, 13, 30), 7) == at(NEXT_SAT, 8, 30)
    assert deadline(city, at(THU, 13), 1) == at(NEXT_SAT, 8, 30)  # after the half day ended


def test_friday_is_off(city: City) -> None:
    assert deadline(city, at(FRI, 10), 1) == at(NEXT_SAT, 8, 30)
    assert deadline(city, at(THU, 12), 1) == at(NEXT_SAT, 8)


def test_thursday_off(city: City) -> None:
    working_schedule_update(actor=None, city=city, thursday=Thursday.OFF)
    assert deadline(city, at(WED, 13, 30), 2) == at(NEXT_SAT, 8, 30)
    assert deadline(city, at(THU, 9), 1) == at(NEXT_SAT, 8, 30)


def test_thursday_full_day(city: City) -> None:
    working_schedule_update(actor=None, city=city, thursday=Thursday.FULL)
    assert deadline(city, at(WED, 13, 30), 7) == at(THU, 13, 30)
    assert deadline(city, at(WED, 13, 30), 8) == at(THU, 14, 30)


def test_other_working_hours(city: City) -> None:
    working_schedule_update(
        actor=None, city=city, workday_start="08:00", workday_end="16:00", thursday_end="12:00"
    )
    assert deadline(city, at(SAT, 15), 2) == at(SUN, 9)
    assert deadline(city, at(WED, 15), 5) == at(THU, 12)  # 1 h Wednesday, 4 h Thursday (08–12)
    assert deadline(city, at(WED, 15), 6) == at(NEXT_SAT, 9)


def test_a_holiday_is_skipped_whole(city: City) -> None:
    national_holiday(TUE)
    assert deadline(city, at(MON, 14), 1) == at(WED, 8)
    assert deadline(city, at(TUE, 10), 1) == at(WED, 8, 30)


def test_a_city_holiday_affects_only_that_city(city: City, other_city: City) -> None:
    Holiday.objects.create(
        city=city, jalali_year=1404, jalali_month=7, jalali_day=8, date=TUE, name="روز شهر", kind="local"
    )
    assert deadline(city, at(MON, 14), 1) == at(WED, 8)
    assert deadline(other_city, at(MON, 14), 1) == at(TUE, 8)


def test_nowruz(city: City) -> None:
    """1404/01/01 is Friday 2025-03-21; 1–4 Farvardin are off, so Thursday's deadline moves to Tuesday."""
    call_command("load_iranian_holidays", "--year", "1404", stdout=None)
    thursday = date(2025, 3, 20)  # 30 Esfand 1403 (1403 is not loaded: an ordinary Thursday)
    assert deadline(city, at(thursday, 12), 1) == at(date(2025, 3, 25), 8)
    assert working_time_between(city_id=city.pk, start=at(thursday, 12), end=at(date(2025, 3, 25), 8)) == 1


def test_a_run_of_holidays_after_nowruz(city: City) -> None:
    """Farvardin 1404: 1–4 Nowruz, 11–12 Eid al-Fitr (12 also Republic Day), 13 Nature Day."""
    call_command("load_iranian_holidays", "--year", "1404", stdout=None)
    start = at(date(2025, 3, 25), 7, 30)  # Tuesday 1404/01/05
    # Tue 7 + Wed 7 + Thu 5 + Sat 7 + Sun 7 = 33 h, then Mon–Wed (11–13 Farvardin) off, Thu 5 h = 38 h.
    assert deadline(city, start, 40) == at(date(2025, 4, 5), 9, 30)  # Saturday 1404/01/16


def test_a_multi_week_span(city: City) -> None:
    start = at(SAT, 7, 30)
    assert deadline(city, start, 100) == at(date(2025, 10, 13), 13, 30)  # two weeks, then 7 + 7 + 6
    national_holiday(date(2025, 10, 7))
    assert deadline(city, start, 100) == at(date(2025, 10, 14), 13, 30)


def test_zero_hours_is_the_start_itself(city: City) -> None:
    assert deadline(city, at(FRI, 22), 0) == at(FRI, 22)


def test_bad_arguments_are_refused(city: City) -> None:
    with pytest.raises(ValueError, match="aware"):
        add_working_time(city_id=city.pk, start=datetime(2025, 9, 27, 10), hours=1)
    with pytest.raises(ValueError, match="hours"):
        add_working_time(city_id=city.pk, start=at(SAT, 10), hours=-1)
    with pytest.raises(ValueError, match="hours"):
        add_working_time(city_id=city.pk, start=at(SAT, 10), hours=float("nan"))
    with pytest.raises(ValueError, match="aware"):
        working_time_between(city_id=city.pk, start=at(SAT, 10), end=datetime(2025, 9, 28))


# --- time between -----------------------------------------------------------------------------------


def test_working_time_between(city: City) -> None:
    def between(start: datetime, end: datetime) -> float:
        return working_time_between(city_id=city.pk, start=start, end=end)

    assert between(at(SAT, 7, 30), at(SAT, 14, 30)) == 7
    assert between(at(SAT, 0), at(NEXT_SAT, 0)) == 40
    assert between(at(NEXT_SAT, 0), at(SAT, 0)) == -40  # the deadline has passed by this much
    assert between(at(SAT, 20), at(SUN, 7)) == 0
    assert between(at(THU, 12), at(NEXT_SAT, 8)) == 1
    assert between(at(SAT, 10), at(SAT, 10)) == 0


# --- time zone -------------------------------------------------------------------------------------


def test_daylight_saving_years_are_converted_not_offset(city: City) -> None:
    """Iran kept DST until 2022 (+04:30 in summer); the conversion must follow the zone database."""
    summer_saturday = date(2021, 6, 19)
    assert at(summer_saturday, 7, 30).utcoffset() == timedelta(hours=4, minutes=30)
    assert deadline(city, at(summer_saturday, 7, 30), 1) == datetime(2021, 6, 19, 4, 0, tzinfo=UTC)
    # DST ended at midnight after Tuesday 2021-09-21 (30 Shahrivar 1400): +04:30 then +03:30.
    result = deadline(city, at(date(2021, 9, 21), 14), 1)
    assert result == datetime(2021, 9, 22, 4, 30, tzinfo=UTC)
    assert result.astimezone(TEHRAN) == at(date(2021, 9, 22), 8)
    assert working_time_between(city_id=city.pk, start=at(date(2021, 9, 21), 14), end=result) == 1


def test_a_start_given_in_another_zone_is_the_same_instant(city: City) -> None:
    start_utc = at(SAT, 10).astimezone(UTC)
    assert deadline(city, start_utc, 3) == at(SAT, 13)


# --- loading -----------------------------------------------------------------------------------------


def test_add_working_time_over_60_days_makes_two_queries(
    city: City, django_assert_max_num_queries: object
) -> None:
    call_command("load_iranian_holidays", stdout=None)
    start = at(date(2025, 3, 20), 10)  # across Nowruz and the Eid al-Fitr holidays
    with django_assert_max_num_queries(2):  # type: ignore[operator]
        result = add_working_time(city_id=city.pk, start=start, hours=60 * 5)
    assert 55 <= (result - start).days <= 75
    with django_assert_max_num_queries(2):  # type: ignore[operator]
        assert working_time_between(city_id=city.pk, start=start, end=result) == pytest.approx(300)


def test_a_loaded_calendar_answers_many_questions_without_queries(
    city: City, django_assert_num_queries: object
) -> None:
    national_holiday(TUE)
    calendar = load_calendar(city_id=city.pk, first_day=SAT)
    with django_assert_num_queries(0):  # type: ignore[operator]
        for hour in range(100):
            start = at(SAT, 0) + timedelta(hours=hour)
            end = calendar.add_working_time(start=start, hours=10)
            assert calendar.working_time_between(start=start, end=end) == pytest.approx(10)


def test_a_calendar_refuses_days_it_did_not_load(city: City) -> None:
    calendar = load_calendar(city_id=city.pk, first_day=MON, last_day=WED)
    with pytest.raises(ValueError, match="loaded"):
        calendar.working_time_between(start=at(SAT, 10), end=at(TUE, 10))
    with pytest.raises(ValueError, match="loaded"):
        calendar.add_working_time(start=at(WED, 14), hours=2)


def test_a_span_without_any_working_time_is_an_error() -> None:
    calendar = WorkCalendar(holidays=frozenset(date(2025, 1, 1) + timedelta(days=i) for i in range(366 * 11)))
    with pytest.raises(ValueError, match="no working time"):
        calendar.add_working_time(start=tehran(2025, 1, 1), hours=1)


# --- properties ------------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2028, 12, 31)).map(
    lambda naive: naive.replace(tzinfo=TEHRAN)
)
hours = st.floats(min_value=0, max_value=600, allow_nan=False, allow_infinity=False)
calendars = st.builds(
    WorkCalendar,
    thursday=st.sampled_from(list(Thursday)),
    holidays=st.frozensets(st.dates(min_value=date(2019, 1, 1), max_value=date(2029, 12, 31)), max_size=300),
)


@settings(max_examples=300, deadline=None)
@given(calendar=calendars, start=moments, h=hours)
def test_between_is_the_inverse_of_add(calendar: WorkCalendar, start: datetime, h: float) -> None:
    end = calendar.add_working_time(start=start, hours=h)
    assert end >= start
    assert abs(calendar.working_time_between(start=start, end=end) - h) * 3600 < 1
    assert abs(calendar.working_time_between(start=end, end=start) + h) * 3600 < 1
    if timedelta(hours=h):  # a deadline falls inside working hours (or at a closing time)
        opens, closes = calendar.working_interval(end.astimezone(TEHRAN).date()) or (None, None)
        assert opens is not None and opens < end <= closes


def _between_day_by_day(calendar: WorkCalendar, start: datetime, end: datetime) -> float:
    """The plain definition: each day's working interval, clipped to the span, summed."""
    total = timedelta()
    day = start.astimezone(TEHRAN).date()
    while day <= end.astimezone(TEHRAN).date():
        interval = calendar.working_interval(day)
        if interval is not None:
            total += max(timedelta(), min(interval[1], end) - max(interval[0], start))
        day += timedelta(days=1)
    return total / timedelta(hours=1)


@settings(max_examples=300, deadline=None)
@given(calendar=calendars, start=moments, end=moments)
def test_between_counted_by_weeks_equals_the_day_by_day_sum(
    calendar: WorkCalendar, start: datetime, end: datetime
) -> None:
    """Long spans (years, across the daylight-saving changes before 2022) are counted by whole weeks less
    holidays; the result is the same, to the second, as walking every day."""
    start, end = min(start, end), max(start, end)
    assert abs(
        calendar.working_time_between(start=start, end=end) - _between_day_by_day(calendar, start, end)
    ) < (1 / 3600)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=moments, h=hours)
def test_between_is_the_inverse_of_add_through_the_database(city: City, start: datetime, h: float) -> None:
    if not Holiday.objects.exists():
        national_holiday(TUE)
        Holiday.objects.create(
            city=city,
            jalali_year=1404,
            jalali_month=7,
            jalali_day=9,
            date=WED,
            name="x",
            kind=HolidayKind.LOCAL,
        )
    end = add_working_time(city_id=city.pk, start=start, hours=h)
    assert abs(working_time_between(city_id=city.pk, start=start, end=end) - h) * 3600 < 1
