from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mahalat.audit.models import Event
from mahalat.territory.models import City
from mahalat.worktime.models import Holiday, HolidayKind, Thursday, WorkingSchedule
from mahalat.worktime.selectors import holidays_of, working_schedule_of
from mahalat.worktime.services import holiday_add, holiday_remove, working_schedule_update
from tests.worktime.conftest import People


def add(actor: Any, city: City | None, jalali_date: str = "1405/01/20", **kw: Any) -> Holiday:
    fields = {"name": "روز شهر", "name_en": "City day", "kind": HolidayKind.LOCAL if city else "religious"}
    return holiday_add(actor=actor, city=city, jalali_date=jalali_date, **{**fields, **kw})


def changes() -> tuple[int, int, int]:
    return Holiday.objects.count(), WorkingSchedule.objects.count(), Event.objects.count()


# --- holidays -----------------------------------------------------------------------------------


def test_deputy_adds_a_city_holiday_typed_in_persian_digits(city: City, people: People) -> None:
    holiday = add(people.deputy, city, "۱۴۰۵/۰۱/۰۱", name="نوروز  شهر ", kind=HolidayKind.LOCAL)
    assert (holiday.jalali_year, holiday.jalali_month, holiday.jalali_day) == (1405, 1, 1)
    assert holiday.date == date(2026, 3, 21)
    assert holiday.name == "نوروز شهر"
    assert holiday.city == city
    event = Event.objects.get(action="worktime.holiday.added")
    assert event.actor == people.deputy
    assert event.city_id == city.pk
    assert event.after["date"] == "2026-03-21"


def test_administrator_of_the_city_may_add(city: City, people: People) -> None:
    assert add(people.administrator, city).city == city


@pytest.mark.parametrize("who", ["other_deputy", "district_officer", "city_council", "citizen"])
def test_others_may_not_add_a_city_holiday(city: City, people: People, who: str) -> None:
    before = changes()
    with pytest.raises(PermissionDenied):
        add(getattr(people, who), city)
    assert changes() == before


@pytest.mark.parametrize("who", ["deputy", "administrator", "other_deputy"])
def test_only_a_superuser_adds_national_holidays(city: City, people: People, who: str) -> None:
    before = changes()
    with pytest.raises(PermissionDenied):
        add(getattr(people, who), None)
    assert changes() == before
    holiday = add(people.superuser, None)
    assert holiday.is_national
    assert Event.objects.get(action="worktime.holiday.added").city_id is None


def test_an_impossible_date_is_refused_in_persian_and_nothing_is_written(city: City, people: People) -> None:
    before = changes()
    with translation.override("fa"), pytest.raises(ValidationError) as caught:
        add(people.deputy, city, "۱۴۰۵/۱۳/۴۰")
    message = caught.value.message_dict["jalali_date"][0]
    assert "۱۴۰۵/۱۳/۴۰" in message
    assert "not a valid" not in message  # translated, not the English msgid
    for bad in ("", "1404/12/30", "tomorrow"):
        with pytest.raises(ValidationError) as caught:
            add(people.deputy, city, bad)
        assert "jalali_date" in caught.value.message_dict
    assert changes() == before


def test_duplicates_are_refused(city: City, other_city: City, people: People) -> None:
    add(people.deputy, city, "1405/01/20")
    add(people.superuser, None, "1405/01/21")
    before = changes()
    with translation.override("en"), pytest.raises(ValidationError, match="already has a holiday"):
        add(people.deputy, city, "۱۴۰۵/۰۱/۲۰")
    with translation.override("en"), pytest.raises(ValidationError, match="already a national holiday"):
        add(people.deputy, city, "1405/01/21")
    with translation.override("en"), pytest.raises(ValidationError, match="already a national holiday"):
        add(people.superuser, None, "1405/1/21")
    assert changes() == before
    # The same day in another city, or as a national holiday, is a different row.
    add(people.superuser, other_city, "1405/01/20")
    add(people.superuser, None, "1405/01/20")
    assert Holiday.objects.filter(date=date(2026, 4, 9)).count() == 3


def test_other_bad_input(city: City, people: People) -> None:
    before = changes()
    with pytest.raises(ValidationError) as caught:
        add(people.deputy, city, name="  ", kind="weekly")
    assert set(caught.value.message_dict) == {"name", "kind"}
    with translation.override("en"), pytest.raises(ValidationError, match="belongs to a city"):
        add(people.superuser, None, kind=HolidayKind.LOCAL)
    with pytest.raises(ValidationError):
        add(people.deputy, city, name="x" * 201)
    assert changes() == before


def test_remove_a_holiday(city: City, people: People) -> None:
    local = add(people.deputy, city)
    national = add(people.superuser, None, "1405/02/01")
    with pytest.raises(PermissionDenied):
        holiday_remove(actor=people.other_deputy, holiday=local)
    with pytest.raises(PermissionDenied):
        holiday_remove(actor=people.deputy, holiday=national)
    assert Holiday.objects.count() == 2
    holiday_remove(actor=people.administrator, holiday=local)
    holiday_remove(actor=people.superuser, holiday=national)
    assert not Holiday.objects.exists()
    removed = Event.objects.filter(action="worktime.holiday.removed").order_by("id")
    assert [e.before["name"] for e in removed] == ["روز شهر", "روز شهر"]
    assert [e.city_id for e in removed] == [city.pk, None]


# --- working schedule ---------------------------------------------------------------------------


def test_schedule_defaults_without_a_row(city: City) -> None:
    schedule = working_schedule_of(city)
    assert schedule.pk is None
    assert (schedule.workday_start, schedule.workday_end) == (time(7, 30), time(14, 30))
    assert (schedule.thursday, schedule.thursday_end) == (Thursday.HALF, time(12, 30))


def test_deputy_changes_the_hours_and_the_row_is_created_on_demand(city: City, people: People) -> None:
    schedule = working_schedule_update(actor=people.deputy, city=city, workday_start="۰۸:۰۰", thursday="off")
    assert (schedule.workday_start, schedule.workday_end, schedule.thursday) == (time(8), time(14, 30), "off")
    event = Event.objects.get(action="worktime.schedule.updated")
    assert event.before is None
    assert event.after["workday_start"] == "08:00:00"
    schedule = working_schedule_update(actor=people.administrator, city=city, workday_end=time(16, 0))
    assert WorkingSchedule.objects.get().workday_end == time(16)
    latest = Event.objects.filter(action="worktime.schedule.updated").order_by("-id").first()
    assert latest is not None and latest.before["workday_end"] == "14:30:00"


@pytest.mark.parametrize("who", ["other_deputy", "district_officer", "city_council", "citizen"])
def test_others_may_not_change_the_hours(city: City, people: People, who: str) -> None:
    before = changes()
    with pytest.raises(PermissionDenied):
        working_schedule_update(actor=getattr(people, who), city=city, workday_start="08:00")
    assert changes() == before


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"workday_start": "15:00"}, "workday_end"),  # ends before it starts
        ({"workday_end": "07:00"}, "workday_end"),
        ({"thursday_end": "15:00"}, "thursday_end"),  # half day ends after the day
        ({"thursday_end": "07:00"}, "thursday_end"),
        ({"workday_start": "25:00"}, "workday_start"),
        ({"thursday": "sometimes"}, "thursday"),
        ({"lunch": "12:00"}, "lunch"),
    ],
)
def test_bad_hours_change_nothing(city: City, people: People, fields: dict[str, str], bad_field: str) -> None:
    before = changes()
    with pytest.raises(ValidationError) as caught:
        working_schedule_update(actor=people.deputy, city=city, **fields)
    assert bad_field in caught.value.message_dict
    assert changes() == before  # not even the default row


def test_bad_hours_leave_an_existing_schedule_as_it_was(city: City, people: People) -> None:
    working_schedule_update(actor=people.deputy, city=city, workday_end="15:00")
    before = changes()
    with pytest.raises(ValidationError):
        working_schedule_update(actor=people.deputy, city=city, workday_start="16:00")
    assert changes() == before
    assert WorkingSchedule.objects.get().workday_start == time(7, 30)


def test_thursday_end_is_checked_only_for_a_half_day(city: City, people: People) -> None:
    schedule = working_schedule_update(
        actor=people.deputy, city=city, thursday=Thursday.FULL, workday_end="12:00", workday_start="08:00"
    )
    assert schedule.thursday_end == time(12, 30)  # kept, unused
    with translation.override("en"), pytest.raises(ValidationError, match="half day"):
        working_schedule_update(actor=people.deputy, city=city, thursday=Thursday.HALF)


# --- selectors ----------------------------------------------------------------------------------


def test_holidays_of_a_city(city: City, other_city: City, people: People) -> None:
    add(people.superuser, None, "1405/01/20")
    add(people.deputy, city, "1405/02/01")
    add(people.superuser, other_city, "1405/02/02")
    add(people.superuser, None, "1406/01/20")
    assert [h.jalali_text for h in holidays_of(city)] == ["1405/01/20", "1405/02/01", "1406/01/20"]
    assert [h.jalali_text for h in holidays_of(city, jalali_year=1405)] == ["1405/01/20", "1405/02/01"]
    assert [h.jalali_text for h in holidays_of(None)] == ["1405/01/20", "1406/01/20"]
