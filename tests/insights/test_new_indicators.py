"""The programs, participation and transparency indicators, each on a small hand-made set worked out
by hand, and incremental refresh equal to a full recompute after changes to their sources.

On `world` (see conftest.py: n1 2,000, n2 4,000, n3 1,000 residents; n1 and n3 in a11/d1, n2 in d2),
Mehr 1405, with T0 = 2026-10-01 10:00 Tehran:
- programs: P1 for n1 and n3, held, 60 people; P2 for n1, held, 20; P3 for n2, only planned; P4 for
  n3, cancelled; P5 for n2, held in Aban, 40 people;
- activity: the citizen reported in n1 and n2 (world); B supports r4 (n1) and withdraws it an hour later;
  C comments on r4; E's comment on r4 is hidden; D answers a needs assessment of n3 and votes in n1;
  F applies to a council call for n1;
- meetings of n1's council: the world's meeting (5 Mehr, no minutes), M2 (minutes out 3 days after
  closing), M3 (out after 10 days); in Azar: M4 closed two days before NOW without minutes (not judged
  yet), M5 closed three days before NOW with its minutes out the next day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from mahalat.councils.models import SeatType
from mahalat.elections.models import Application, Ballot, Election, RegistrationCall
from mahalat.insights.models import IndicatorValue, RefreshState
from mahalat.insights.refresh import indicators_refresh
from mahalat.meetings.models import Meeting, MeetingState, Minutes, MinutesState
from mahalat.programs.models import OrganizerKind, Program, ProgramKind, ProgramNeighborhood, ProgramState
from mahalat.reports.interactions import report_support, report_support_withdraw
from mahalat.reports.models import Report, ReportComment
from mahalat.surveys.models import AuthorKind, Response, Survey, SurveyState
from tests.factories import UserFactory
from tests.insights.conftest import ABAN, AZAR, MEHR, NOW, T0, TEHRAN, World, clock, hours
from tests.insights.test_formulas import check
from tests.insights.test_refresh import snapshot


def program(
    w: World, neighborhoods: list[Any], at: datetime, state: str, participants: int | None
) -> Program:
    town = w.town
    row = Program.objects.create(
        city=town.city,
        district_id=neighborhoods[0].district_id,
        kind=ProgramKind.CULTURE,
        title="جشن محله",
        starts_at=at,
        ends_at=at + hours(2),
        place="سرای محله",
        organizer_kind=OrganizerKind.DISTRICT,
        state=state,
        participants=participants,
        cancel_reason="باران" if state == ProgramState.CANCELLED else "",
        state_changed_at=at,
    )
    ProgramNeighborhood.objects.bulk_create(
        [ProgramNeighborhood(program=row, neighborhood=n) for n in neighborhoods]
    )
    return row


def build_programs(w: World) -> dict[str, Program]:
    t = w.town
    return {
        "P1": program(w, [t.n1, t.n3], T0, ProgramState.HELD, 60),
        "P2": program(w, [t.n1], T0 + timedelta(days=1), ProgramState.HELD, 20),
        "P3": program(w, [t.n2], T0, ProgramState.PLANNED, None),
        "P4": program(w, [t.n3], T0, ProgramState.CANCELLED, None),
        "P5": program(w, [t.n2], datetime(2026, 10, 30, 18, 0, tzinfo=TEHRAN), ProgramState.HELD, 40),
    }


def placed(n: Any) -> dict[str, Any]:
    return {"city_id": n.city_id, "district_id": n.district_id, "area_id": n.area_id, "neighborhood": n}


def build_activity(w: World) -> dict[str, Any]:
    t = w.town
    people = {k: UserFactory() for k in "BCDEF"}
    r4 = Report.objects.get(pk=w.reports["r4"].pk)
    with clock(T0 + hours(1)):
        report_support(actor=people["B"], report=r4)
    with clock(T0 + hours(2)):
        report_support_withdraw(actor=people["B"], report=r4)
    with clock(T0 + hours(3)):
        ReportComment.objects.create(
            report=r4, city_id=t.city.pk, neighborhood_id=t.n1.pk, author=people["C"], text="من هم دیدم"
        )
        ReportComment.objects.create(
            report=r4,
            city_id=t.city.pk,
            neighborhood_id=t.n1.pk,
            author=people["E"],
            text="…",
            is_hidden=True,
        )
    survey = Survey.objects.create(
        **placed(t.n3),
        author_kind=AuthorKind.DISTRICT,
        created_by=t.people["district_officer"],
        title="نیازسنجی",
        opens_at=T0 - timedelta(days=1),
        closes_at=T0 + timedelta(days=10),
        state=SurveyState.OPEN,
    )
    Response.objects.create(
        survey=survey, respondent=people["D"], city=t.city, neighborhood=t.n3, submitted_at=T0
    )
    seat_type = SeatType.objects.filter(template=w.council.seat_template).first()
    with clock(T0):
        call = RegistrationCall.objects.create(
            city=t.city,
            district=t.d1,
            title="فراخوان",
            opens_at=T0 - timedelta(days=1),
            closes_at=T0 + timedelta(days=5),
            created_by=t.people["district_officer"],
        )
        Application.objects.create(
            **placed(t.n1),
            call=call,
            applicant=people["F"],
            seat_type=seat_type,
            birth_date=date(1990, 1, 1),
            address="کوچهٔ یکم",
            statement="برای محله",
        )
    election = Election.objects.create(
        **placed(t.n1),
        council=w.council,
        seat_type=seat_type,
        seats=1,
        opens_at=T0,
        closes_at=T0 + timedelta(days=2),
    )
    Ballot.objects.create(election=election, voter=people["D"], voted_on=date(2026, 10, 2))
    return {"people": people, "election": election}


def meeting(w: World, number: int, closed_at: datetime, published_after: timedelta | None) -> Meeting:
    c = w.council
    row = Meeting.objects.create(
        city_id=c.city_id,
        district_id=c.district_id,
        area_id=c.area_id,
        neighborhood_id=c.neighborhood_id,
        council=c,
        number=number,
        starts_at=closed_at - hours(2),
        ends_at=closed_at,
        state=MeetingState.CLOSED,
        seated_members=4,
        opened_at=closed_at - hours(2),
        closed_at=closed_at,
    )
    if published_after is not None:
        with clock(closed_at + published_after):
            Minutes.objects.create(
                meeting=row, state=MinutesState.PUBLISHED, published_at=closed_at + published_after
            )
    return row


def build_meetings(w: World) -> dict[str, Meeting]:
    return {
        "M2": meeting(w, 10, datetime(2026, 10, 8, 19, 0, tzinfo=TEHRAN), timedelta(days=3)),
        "M3": meeting(w, 11, datetime(2026, 10, 12, 19, 0, tzinfo=TEHRAN), timedelta(days=10)),
        "M4": meeting(w, 12, NOW - timedelta(days=2), None),
        "M5": meeting(w, 13, NOW - timedelta(days=3), timedelta(days=1)),
    }


@pytest.fixture
def rich(world: World) -> World:
    build_programs(world)
    build_activity(world)
    build_meetings(world)
    indicators_refresh(city=world.city, now=NOW)
    return world


def test_programs_held_count_once_per_place(rich: World) -> None:
    # P1 (n1 and n3) and P2 (n1): n1 2, n3 1, a11 and d1 2 (P1 once), the city 2; P3, P4 not held.
    check(rich, "programs_held", MEHR, {"n1": 2.0, "n3": 1.0, "n2": 0.0, "a11": 2.0, "d1": 2.0, "city": 2.0})
    check(rich, "programs_held", ABAN, {"n2": 1.0, "d2": 1.0, "city": 1.0, "n1": 0.0})


def test_program_participants_are_shared_among_neighborhoods(rich: World) -> None:
    # P1's 60 split 30/30 between n1 and n3; n1 also has P2's 20: n1 50 / 2,000; n3 30 / 1,000;
    # a11 80 / 3,000; the city 80 / 7,000.
    check(
        rich,
        "program_participants_per_1000",
        MEHR,
        {"n1": (25.0, 2000), "n3": (30.0, 1000), "a11": 80_000 / 3000, "n2": 0.0, "city": 80_000 / 7000},
    )
    check(rich, "program_participants_per_1000", ABAN, {"n2": 10.0, "city": 40_000 / 7000})


def test_active_citizens_are_distinct_per_place(rich: World) -> None:
    # n1: the citizen, B (support withdrawn later still counts), C, D (ballot), F (application) = 5;
    # E's hidden comment does not count. n2: the citizen. n3: D. d1: the same five as n1 (D once);
    # the city: five (the citizen once, though active in two districts).
    check(
        rich,
        "active_citizens_per_1000",
        MEHR,
        {"n1": (2.5, 2000), "n2": 0.25, "n3": 1.0, "a11": 5000 / 3000, "d2": 0.25, "city": 5000 / 7000},
    )
    row = IndicatorValue.objects.get(
        code="active_citizens_per_1000", scope_kind="city", scope_id=rich.town.city.pk, year=1405, month=7
    )
    assert row.numerator == 5
    check(rich, "active_citizens_per_1000", ABAN, {"n3": 1.0, "n1": 0.0})  # r6's reporter


def test_minutes_published_within_a_week(rich: World) -> None:
    # Mehr: the world's meeting (no minutes), M2 on time, M3 late → 1 of 3. Azar: M4 is still within its
    # week (not judged), M5 on time → 1 of 1.
    check(rich, "minutes_published_share", MEHR, {"n1": (100 / 3, 3), "d1": 100 / 3, "city": 100 / 3})
    check(rich, "minutes_published_share", AZAR, {"n1": (100.0, 1), "n2": (None, 0)})
    check(rich, "minutes_published_share", ABAN, {"n1": (None, 0)})


def test_incremental_refreshes_equal_a_full_recompute_for_the_new_sources(rich: World) -> None:
    town, extra = rich.town, {}
    step1 = NOW + timedelta(days=1)
    # P3 is held after all (a Mehr program, marked a day later); a new supporter and a new respondent.
    Program.objects.filter(title="جشن محله", state=ProgramState.PLANNED).update(
        state=ProgramState.HELD, participants=12, state_changed_at=step1
    )
    r4 = Report.objects.get(pk=rich.reports["r4"].pk)
    extra["G"] = UserFactory()
    with clock(step1):
        report_support(actor=extra["G"], report=r4)
    indicators_refresh(city=town.city, now=step1 + hours(1))

    step2 = NOW + timedelta(days=3)
    # The world's Mehr meeting gets its minutes (late); C's comment is hidden.
    first = Meeting.objects.filter(council=rich.council, number__lt=10).first()
    assert first is not None
    with clock(step2):
        Minutes.objects.create(meeting=first, state=MinutesState.PUBLISHED, published_at=step2)
        ReportComment.objects.filter(is_hidden=False).update(is_hidden=True, hidden_at=step2)
    indicators_refresh(city=town.city, now=step2 + hours(1))

    # Later: M4's week runs out with no row changing.
    step3 = datetime(2026, 12, 26, 9, 0, tzinfo=TEHRAN)
    stats = indicators_refresh(city=town.city, now=step3)
    assert "1405-09" in stats.months
    incremental = snapshot()
    IndicatorValue.objects.all().delete()
    RefreshState.objects.all().delete()
    indicators_refresh(city=town.city, now=step3)
    assert snapshot() == incremental
    check(rich, "minutes_published_share", AZAR, {"n1": (50.0, 2)})  # M4 judged late now
    check(rich, "programs_held", MEHR, {"n2": 1.0, "city": 3.0})
    # G supported in Azar (NOW + 1 day is 8 Azar); C no longer counts in Mehr: n1 4 of 2,000.
    check(rich, "active_citizens_per_1000", MEHR, {"n1": 2.0})
