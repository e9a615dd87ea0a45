from __future__ import annotations

from datetime import date, time

from django.test import Client

from mahalat.audit.models import Event
from mahalat.territory.models import City
from mahalat.worktime.models import Holiday, WorkingSchedule
from mahalat.worktime.services import holiday_add
from tests.worktime.conftest import People


def logged_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_admin_adds_a_holiday_through_the_service(city: City, people: People) -> None:
    client = logged_in(people.superuser)
    assert client.get("/admin/worktime/holiday/add/").status_code == 200
    response = client.post(
        "/admin/worktime/holiday/add/",
        {
            "city": "",
            "jalali_date": "۱۴۰۵/۰۱/۰۱",
            "name": "نوروز",
            "name_en": "Nowruz",
            "kind": "solar_fixed",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    holiday = Holiday.objects.get()
    assert (holiday.date, holiday.jalali_text, holiday.city) == (date(2026, 3, 21), "1405/01/01", None)
    assert Event.objects.filter(action="worktime.holiday.added", actor=people.superuser).count() == 1
    assert client.get(f"/admin/worktime/holiday/{holiday.pk}/change/").status_code == 200
    assert client.get("/admin/worktime/holiday/").status_code == 200


def test_admin_shows_bad_input_on_the_form(city: City, people: People) -> None:
    holiday_add(actor=None, city=city, jalali_date="1405/01/20", name="روز شهر", name_en="", kind="local")
    client = logged_in(people.superuser)
    for jalali_date, expected in (("1405/13/40", "1405/13/40"), ("1405/01/20", "از پیش یک تعطیلی دارد")):
        response = client.post(
            "/admin/worktime/holiday/add/",
            {"city": city.pk, "jalali_date": jalali_date, "name": "x", "name_en": "", "kind": "local"},
        )
        assert response.status_code == 200
        assert expected in response.content.decode()
    assert Holiday.objects.count() == 1


def test_admin_removes_holidays_through_the_service(city: City, people: People) -> None:
    holiday = holiday_add(
        actor=None, city=None, jalali_date="1405/01/20", name="x", name_en="", kind="religious"
    )
    client = logged_in(people.superuser)
    response = client.post(f"/admin/worktime/holiday/{holiday.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Holiday.objects.exists()
    assert Event.objects.filter(action="worktime.holiday.removed").count() == 1


def test_admin_changes_working_hours_through_the_service(city: City, people: People) -> None:
    client = logged_in(people.superuser)
    data = {
        "city": city.pk,
        "workday_start": "08:00",
        "workday_end": "15:00",
        "thursday": "half",
        "thursday_end": "12:00",
    }
    response = client.post("/admin/worktime/workingschedule/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    schedule = WorkingSchedule.objects.get()
    response = client.post(
        f"/admin/worktime/workingschedule/{schedule.pk}/change/", {**data, "workday_end": "07:00"}
    )
    assert response.status_code == 200  # refused on the form
    assert WorkingSchedule.objects.get().workday_end == time(15)
    response = client.post(
        f"/admin/worktime/workingschedule/{schedule.pk}/change/", {**data, "thursday": "off"}
    )
    assert response.status_code == 302
    assert WorkingSchedule.objects.get().thursday == "off"
    assert Event.objects.filter(action="worktime.schedule.updated").count() == 2


def test_admin_is_for_superusers(city: City, people: People) -> None:
    client = logged_in(people.deputy)
    assert client.get("/admin/worktime/holiday/add/").status_code in (302, 403)
