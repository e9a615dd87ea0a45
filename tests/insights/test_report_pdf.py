"""The monthly PDF report of a district: a readable Persian PDF with the district's indicators, its
neighborhoods' early warnings, its programs and circulars; for the readers of the district's early
warnings only; 404 for an unknown district or a malformed or future month; a fixed number of queries."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from mahalat.insights.catalog import ScopeKind, indicator
from mahalat.insights.models import IndicatorValue
from mahalat.insights.periods import month_add, month_of, month_text
from mahalat.insights.refresh import indicators_refresh
from mahalat.insights.reports import district_report
from mahalat.insights.services import target_set
from mahalat.policies.services import policy_acknowledge, policy_publish
from mahalat.programs.models import OrganizerKind, Program, ProgramKind, ProgramNeighborhood, ProgramState
from tests.factories import NeighborhoodFactory
from tests.insights.conftest import NOW, T0, World, clock
from tests.policies.conftest import draft

PROGRAM_TITLE = "پیاده‌روی خانوادگی"
ACKNOWLEDGED = "بخشنامه برگزاری جلسات"
WAITING = "بخشنامه گزارش ماهانه"


def url(slug: str = "town-d1", month: str = "1405-07") -> str:
    return reverse("insights:district-report", kwargs={"slug": slug, "month": month})


def as_(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def held_program(
    world: World, neighborhood: Any, title: str = PROGRAM_TITLE, participants: int = 40
) -> Program:
    town = world.town
    program = Program.objects.create(
        city=town.city,
        district=neighborhood.district,
        area=neighborhood.area,
        neighborhood=neighborhood,
        neighborhood_count=1,
        kind=ProgramKind.SPORT,
        title=title,
        starts_at=T0 + timedelta(days=2),
        ends_at=T0 + timedelta(days=2, hours=2),
        place="بوستان محله",
        organizer_kind=OrganizerKind.DISTRICT,
        state=ProgramState.HELD,
        participants=participants,
    )
    ProgramNeighborhood.objects.create(program=program, neighborhood=neighborhood)
    return program


def circulars(world: World) -> None:
    town = world.town
    with clock(T0):
        for title in (ACKNOWLEDGED, WAITING):
            policy = draft(town, title=title, effective_from=date(2026, 10, 2))
            policy = policy_publish(actor=town.people["deputy"], policy=policy, now=T0)
            if title == ACKNOWLEDGED:
                policy_acknowledge(
                    actor=town.people["district_manager"],
                    policy=policy,
                    district=town.d1,
                    now=T0 + timedelta(days=1),
                )


@pytest.fixture
def ready(world: World) -> World:
    # Names without digits: a PDF's text comes back in visual order, digits and letters apart.
    type(world.town.d1).objects.filter(pk=world.town.d1.pk).update(name="منطقه شمال")
    type(world.town.city).objects.filter(pk=world.city.pk).update(name="کوهپایه")
    world.town.d1.refresh_from_db()
    world.town.city.refresh_from_db()
    indicators_refresh(city=world.city, now=NOW)
    target_set(actor=world.town.people["deputy"], city=world.city, code="resolutions_overdue", target=0)
    held_program(world, world.town.n1)
    held_program(world, world.town.n2, title="جشن محله باغ‌بهشت")  # district 2: not in d1's report
    circulars(world)
    return world


def plain(text: str) -> str:
    return text.replace("\u200c", "")


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 1
    # Text comes back without the zero-width non-joiners (مصوبه‌ها → مصوبهها).
    return plain("".join(page.extract_text() or "" for page in reader.pages))


def test_the_report_is_a_persian_pdf_with_the_districts_month(ready: World) -> None:
    response = as_(ready.town.people["deputy"]).get(url())
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == 'inline; filename="report-town-d1-1405-07.pdf"'
    text = pdf_text(response.content)
    with translation.override("fa"):
        overdue = str(indicator("resolutions_overdue").name)  # type: ignore[union-attr]
        adopted = str(indicator("resolutions_adopted").name)  # type: ignore[union-attr]
    assert ready.town.d1.name in text and ready.town.city.name in text
    assert plain(overdue) in text and plain(adopted) in text
    assert "سرچشمه" in text  # n1's early warning: two overdue resolutions, the target is none
    assert plain(PROGRAM_TITLE) in text and plain("جشن محله باغ‌بهشت") not in text
    assert plain(ACKNOWLEDGED) in text and plain(WAITING) in text


def test_what_the_report_holds(ready: World) -> None:
    with translation.override("fa"):
        report = district_report(district=ready.town.d1, month=(1405, 7))
    lines = {line.indicator.code: line for line in report.lines}
    assert lines["resolutions_adopted"].value == 4.0 and lines["resolutions_adopted"].city_value == 4.0
    assert lines["resolutions_adopted"].previous == 0.0 and lines["resolutions_adopted"].change == 4.0
    assert (
        lines["resolutions_adopted"].trend == "better" and lines["resolutions_adopted"].shown_change == "+4"
    )
    overdue = lines["resolutions_overdue"]
    assert overdue.status == "red" and overdue.target is not None and overdue.target.value == 0
    assert lines["reports_resolved_share"].value == 25.0 and lines["reports_resolved_share"].small_sample
    assert all(not code.startswith("referral_") for code in lines)  # agency indicators are not the district's
    assert [(w.warning.place.slug, w.warning.indicator.code) for w in report.warnings] == [
        ("n1", "resolutions_overdue")
    ]
    assert [p.title for p in report.programs] == [PROGRAM_TITLE] and report.counts["participants"] == 40
    assert [(n.name, n.programs, n.participants) for n in report.by_neighborhood] == [("سرچشمه", 1, 40)]
    acks = {a.policy.title: a for a in report.acknowledgements}
    assert acks[ACKNOWLEDGED].acknowledged_at is not None and acks[WAITING].acknowledged_at is None
    assert report.counts["pending"] == 1 and report.refreshed_at is not None
    # The next month: change from Mehr, the acknowledged circular is no longer listed, the waiting one is.
    with translation.override("fa"):
        aban = district_report(district=ready.town.d1, month=(1405, 8))
    later = {line.indicator.code: line for line in aban.lines}
    assert later["resolutions_overdue"].previous == 2.0 and later["resolutions_adopted"].previous == 4.0
    assert later["resolutions_adopted"].change == -4.0 and later["resolutions_adopted"].trend == "worse"
    assert [a.policy.title for a in aban.acknowledgements] == [WAITING] and aban.programs == []


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("deputy", 200),
        ("city_council", 200),
        ("district_officer", 200),
        ("district_manager", 200),
        ("officer_and_deputy", 200),
        ("other_district_officer", 403),
        ("area_officer", 403),
        ("council_chair", 403),
        ("liaison", 403),
        ("citizen", 403),
        (None, 403),
    ],
)
def test_who_may_read_the_report(ready: World, person: str | None, status: int) -> None:
    user = ready.town.people[person] if person else None
    assert as_(user).get(url()).status_code == status


def test_an_administrator_of_the_city_may_read_it(ready: World) -> None:
    from mahalat.accounts.models import Role
    from mahalat.accounts.models import ScopeKind as RoleScope
    from mahalat.accounts.services import role_assign
    from tests.factories import UserFactory

    admin = UserFactory()
    role_assign(actor=None, user=admin, role=Role.ADMINISTRATOR, scope_kind=RoleScope.CITY, scope_ref="town")
    assert as_(admin).get(url()).status_code == 200
    # District 2's staff read their own district's report.
    assert as_(ready.town.people["other_district_officer"]).get(url("town-d2")).status_code == 200


def test_not_found(ready: World) -> None:
    deputy = as_(ready.town.people["deputy"])
    current = month_of(timezone.now())
    assert deputy.get(url("nowhere")).status_code == 404
    for month in ("1405-13", "1405", "aban-1405", "1405-00"):
        assert deputy.get(url(month=month)).status_code == 404, month
    assert deputy.get(url(month=month_text(month_add(current, 1)))).status_code == 404
    assert deputy.get(url(month=month_text(current))).status_code == 200  # the month so far
    assert deputy.get(url(month="۱۴۰۵-۰۷")).status_code == 200  # Persian digits
    assert as_(ready.town.people["citizen"]).get(url(month="1405-13")).status_code == 404


def _more_neighborhoods(world: World, n: int) -> None:
    """Neighborhoods of district 1 that are all behind, each with a held program."""
    town = world.town
    moment = datetime(2026, 11, 1, tzinfo=NOW.tzinfo)
    rows = []
    for i in range(n):
        place = NeighborhoodFactory(area=town.a11, slug=f"more-{i:02d}")
        held_program(world, place, title="برنامه آخر" if i == n - 1 else "برنامه")
        for month in (5, 6, 7):
            rows.append(
                IndicatorValue(
                    code="resolutions_overdue",
                    scope_kind=ScopeKind.NEIGHBORHOOD,
                    scope_id=place.pk,
                    city=town.city,
                    year=1405,
                    month=month,
                    value=float(i + 1),
                    numerator=float(i + 1),
                    denominator=None,
                    sample=i + 1,
                    computed_at=moment,
                )
            )
    IndicatorValue.objects.bulk_create(rows)


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url()).status_code == 200
    return len(captured.captured_queries)


def test_a_fixed_number_of_queries_whatever_the_number_of_neighborhoods(
    ready: World, django_assert_max_num_queries: Any
) -> None:
    client = as_(ready.town.people["deputy"])
    few = _queries(client)
    _more_neighborhoods(ready, 12)
    with django_assert_max_num_queries(15):
        response = client.get(url())
    text = pdf_text(response.content)
    assert "برنامه آخر" in text
    assert _queries(client) == few
    with translation.override("fa"):
        report = district_report(district=ready.town.d1, month=(1405, 7))
    assert len(report.warnings) == 13 and len(report.programs) == 13


def test_a_past_month_is_judged_by_the_target_then_in_force(ready: World) -> None:
    # From Aban on, at most 10 overdue resolutions is the target: Mehr stays judged by the target of 0.
    target_set(
        actor=ready.town.people["deputy"],
        city=ready.city,
        code="resolutions_overdue",
        target=10,
        effective_from=(1405, 8),
    )
    mehr = district_report(district=ready.town.d1, month=(1405, 7))
    aban = district_report(district=ready.town.d1, month=(1405, 8))
    in_mehr = next(line for line in mehr.lines if line.indicator.code == "resolutions_overdue")
    in_aban = next(line for line in aban.lines if line.indicator.code == "resolutions_overdue")
    assert in_mehr.target is not None and in_mehr.target.value == 0 and in_mehr.status == "red"
    assert in_aban.target is not None and in_aban.target.value == 10 and in_aban.status == "green"
