"""The program pages: the Jalali calendar, the public pages, the staff list and forms."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mahalat.persian.jalali import parse_jalali_date
from mahalat.programs.models import Program, ProgramState
from mahalat.programs.services import program_cancel, program_mark_held
from tests.programs.conftest import at, png, save
from tests.towns import Town


def _jalali(text: str, hour: int = 17) -> datetime:
    return timezone.make_aware(datetime.combine(parse_jalali_date(text), time(hour)))


def _client(user: Any | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_calendar_shows_the_month_in_jalali(town: Town) -> None:
    officer = town.people["district_officer"]
    save(
        town,
        officer,
        title="جشن نوروزی محله",
        starts_at=_jalali("1405/01/05"),
        ends_at=_jalali("1405/01/05", 20),
    )
    save(
        town,
        officer,
        title="کارگاه اردیبهشت",
        starts_at=_jalali("1405/02/10"),
        ends_at=_jalali("1405/02/10", 20),
    )
    response = _client().get("/programs/", {"city": "town", "month": "۱۴۰۵-۰۱"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "جشن نوروزی محله" in page and "کارگاه اردیبهشت" not in page
    assert "فروردین ۱۴۰۵" in page
    assert "اسفند ۱۴۰۴" in page and "اردیبهشت ۱۴۰۵" in page  # previous and next month
    assert "month=1404-12" in page and "month=1405-02" in page
    # The grid: Farvardin 1405 starts on a Saturday, so day 5 is in the first week's fifth cell.
    weeks = response.context["weeks"]
    assert weeks[0][4] is not None and weeks[0][4].jalali_day == 5
    assert [p.title for p in weeks[0][4].programs] == ["جشن نوروزی محله"]
    assert len([c for w in weeks for c in w if c is not None]) == 31
    assert "۱۴۰۵/۰۱/۰۵" in page  # the accessible list's dates


def test_calendar_default_month_and_several_cities(town: Town) -> None:
    save(town, town.people["district_officer"], title="برنامهٔ این ماه", starts_at=at(0, 1), ends_at=at(0, 2))
    assert "برنامهٔ این ماه" in _client().get("/programs/").content.decode()


def test_public_pages_of_a_cancelled_program_show_only_the_reason(town: Town) -> None:
    officer = town.people["district_officer"]
    program = save(
        town,
        officer,
        title="مسابقه فوتبال",
        description="شرح داخلی محرمانه",
        place="زمین چمن",
        planned_budget=777_000,
    )
    program_cancel(actor=officer, program=program, reason="تعمیر زمین")
    for url in (f"/programs/{program.pk}/", "/n/n1/programs/"):
        page = _client().get(url).content.decode()
        assert "مسابقه فوتبال" in page
        assert "شرح داخلی محرمانه" not in page
        assert "۷۷۷٬۰۰۰" not in page
        assert "زمین چمن" not in page
    detail = _client().get(f"/programs/{program.pk}/").content.decode()
    assert "تعمیر زمین" in detail and "زمین چمن" not in detail
    assert "Work on it" not in detail and "کار روی آن" not in detail


def test_public_detail_shows_budgets_and_participants(town: Town) -> None:
    officer = town.people["district_officer"]
    program = save(town, officer, planned_budget=12_500_000, starts_at=at(-2), ends_at=at(-2, 20))
    program_mark_held(
        actor=officer, program=program, participants=1500, spent_budget=9_800_000, photos=[png()]
    )
    page = _client().get(f"/programs/{program.pk}/").content.decode()
    assert "ریال" in page
    assert "۱۲٬۵۰۰٬۰۰۰ " in page and "۹٬۸۰۰٬۰۰۰ " in page and "۱٬۵۰۰" in page
    assert "<img" in page


def test_neighborhood_page_lists_upcoming_and_past(town: Town) -> None:
    officer = town.people["district_officer"]
    save(town, officer, title="آینده", starts_at=at(5), ends_at=at(5, 20))
    save(town, officer, title="گذشته", starts_at=at(-40), ends_at=at(-40, 20))
    save(town, officer, title="جای دیگر", neighborhoods=[town.n3])
    response = _client().get("/n/n1/programs/")
    assert [p.title for p in response.context["upcoming"]] == ["آینده"]
    assert [p.title for p in response.context["page"].object_list] == ["گذشته"]
    assert "جای دیگر" not in response.content.decode()


def _many(town: Town, count: int) -> None:
    officer = town.people["district_officer"]
    for i in range(count):
        save(
            town,
            officer,
            title=f"برنامه {i}",
            neighborhoods=[town.n1, town.n3],
            starts_at=at(i + 1),
            ends_at=at(i + 1, 20),
        )


@pytest.mark.parametrize("count", [3, 25])
def test_list_pages_have_bounded_queries(town: Town, count: int, django_assert_max_num_queries: Any) -> None:
    _many(town, count)
    client = _client(town.people["district_officer"])
    with django_assert_max_num_queries(13):
        assert client.get("/workspace/programs/", {"state": "planned", "kind": "sport"}).status_code == 200
    anonymous = _client()
    with django_assert_max_num_queries(8):
        assert anonymous.get("/programs/", {"city": "town"}).status_code == 200
    with django_assert_max_num_queries(10):
        assert anonymous.get("/n/n1/programs/").status_code == 200


def test_staff_list_filters_and_scope(town: Town) -> None:
    officer = town.people["district_officer"]
    save(town, officer, title="ورزشی", kind="sport")
    save(town, officer, title="بهداشتی", kind="health", neighborhoods=[town.n3])
    save(
        town,
        town.people["other_district_officer"],
        title="منطقه دو",
        district=town.d2,
        neighborhoods=[town.n2],
    )
    page = _client(officer).get("/workspace/programs/", {"kind": "health"})
    assert [p.title for p in page.context["page"].object_list] == ["بهداشتی"]
    page = _client(officer).get("/workspace/programs/", {"neighborhood": "n1"})
    assert [p.title for p in page.context["page"].object_list] == ["ورزشی"]
    deputy = _client(town.people["deputy"]).get("/workspace/programs/")
    assert {p.title for p in deputy.context["page"].object_list} == {"ورزشی", "بهداشتی", "منطقه دو"}
    assert not deputy.context["may_create"]
    assert _client(town.people["citizen"]).get("/workspace/programs/").status_code == 403


def test_create_and_mark_held_through_the_pages(town: Town) -> None:
    client = _client(town.people["district_officer"])
    assert client.get("/workspace/programs/new/").status_code == 200
    response = client.post(
        "/workspace/programs/new/",
        {
            "kind": "environment",
            "title": "پاکسازی محله",
            "neighborhoods": ["n1", "n3"],
            "start_date": "۱۴۰۵/۰۱/۲۰",
            "start_time": "08:00",
            "end_time": "12:00",
            "place": "میدان اصلی",
            "organizer_kind": "district",
            "planned_budget": "۵٬۰۰۰٬۰۰۰",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    program = Program.objects.get(title="پاکسازی محله")
    assert program.planned_budget == 5_000_000
    assert timezone.localtime(program.starts_at).hour == 8
    response = client.post(
        f"/workspace/programs/{program.pk}/",
        {
            "action": "held",
            "held-participants": "۲۳۰",
            "held-spent_budget": "4,200,000",
            "held-outcome": "دو تن زباله جمع شد",
            "held-photos": [png()],
        },
    )
    assert response.status_code == 302
    program.refresh_from_db()
    assert (program.state, program.participants, program.photos.count()) == (ProgramState.HELD, 230, 1)


def test_bad_form_input_shows_errors_and_writes_nothing(town: Town) -> None:
    client = _client(town.people["district_officer"])
    response = client.post(
        "/workspace/programs/new/",
        {
            "kind": "sport",
            "title": "x",
            "neighborhoods": ["n1"],
            "start_date": "1405/01/20",
            "start_time": "18:00",
            "end_time": "17:00",
            "place": "p",
            "organizer_kind": "district",
            "planned_budget": "-5",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "ends_at" in form.errors or form.non_field_errors()
    assert "planned_budget" in form.errors
    assert not Program.objects.exists()


def test_deputy_and_city_council_cannot_use_the_forms(town: Town) -> None:
    program = save(town, town.people["district_officer"])
    for who in ("deputy", "city_council"):
        client = _client(town.people[who])
        assert client.get("/workspace/programs/new/").status_code == 403
        assert client.get(f"/workspace/programs/{program.pk}/edit/").status_code == 403
        response = client.post(
            f"/workspace/programs/{program.pk}/", {"action": "cancel", "cancel-reason": "x"}
        )
        assert response.status_code == 403
        assert client.get(f"/workspace/programs/{program.pk}/").status_code == 200  # reads it
    program.refresh_from_db()
    assert program.state == ProgramState.PLANNED


def test_cancel_then_held_through_the_page_is_a_conflict(town: Town) -> None:
    officer = town.people["district_officer"]
    program = save(town, officer, starts_at=at(-1), ends_at=at(-1, 20))
    client = _client(officer)
    assert (
        client.post(
            f"/workspace/programs/{program.pk}/", {"action": "cancel", "cancel-reason": "باد"}
        ).status_code
        == 302
    )
    response = client.post(
        f"/workspace/programs/{program.pk}/",
        {"action": "held", "held-participants": "5", "held-spent_budget": "0"},
    )
    assert response.status_code == 409
    program.refresh_from_db()
    assert program.state == ProgramState.CANCELLED and program.participants is None
