"""The demo city's citizen reports: a smaller year (150 reports) loaded once for the whole module.

The load runs inside a transaction that is rolled back when the module ends, so the rest of the suite
starts from an empty database as usual; each test runs in its own savepoint inside it.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from mahalat.accounts.models import Role, RoleAssignment, User
from mahalat.audit.models import Event
from mahalat.demo import report_texts
from mahalat.demo.city import CITY_SLUG, COUNCIL_NEIGHBORHOOD_SLUG
from mahalat.demo.management.commands import load_demo_city
from mahalat.demo.referral_loader import DemoReferralsSummary
from mahalat.demo.reports import HISTORY_DAYS, RESIDENTS, UNREAD_KEPT, DemoReportsSummary, demo_reports_load
from mahalat.demo.services import demo_city_load
from mahalat.notifications.models import Channel, Notification, State
from mahalat.persian.text import normalize_text
from mahalat.reports.models import (
    OPEN_STATES,
    Report,
    ReportComment,
    ReportEndorsement,
    ReportRating,
    ReportState,
    ReportSupport,
    ReportTransition,
)
from mahalat.territory.locate import invalidate_index, locate
from mahalat.territory.models import Area, City

COUNT = 150
CITIZEN_PHONE = "+989120000001"


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[DemoReportsSummary]:
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        demo_city_load(progress=False)
        invalidate_index()
        summary = demo_reports_load(count=COUNT, progress=False)
        yield summary
        transaction.set_rollback(True)
    invalidate_index()


def _reports() -> list[Report]:
    return list(Report.objects.filter(city__slug=CITY_SLUG).order_by("id"))


# --- the texts, without a database --------------------------------------------------------------


def test_texts_compose_for_every_category_and_kind() -> None:
    rng = random.Random(7)
    places = report_texts.local_places(rng, neighborhood="سرچشمه", own_landmarks=["مظهر قنات سرچشمه"])
    seen = set()
    for category in report_texts.CATEGORY_TEXTS:
        for kind in ("problem", "request", "proposal", "criticism", "complaint", "thanks"):
            for _ in range(5):
                place = report_texts.place_in(rng, places)
                text, fix = report_texts.compose_description(
                    rng, category=category, kind=kind, place=place.phrase, neighborhood="سرچشمه"
                )
                for written in (text, fix, place.address):
                    assert "{" not in written
                    assert "}" not in written
                    # Stored exactly as written: the services normalize what they save.
                    assert normalize_text(written, multiline=True) == written
                assert 20 < len(text) < 1000
                assert fix.endswith(".")
                assert place.address.startswith("سرچشمه، ")
                seen.add(text)
    assert len(seen) > 400  # varied, not a handful of sentences repeated


# --- the load -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_state_appears(loaded: DemoReportsSummary) -> None:
    assert loaded.created == COUNT
    states = set(Report.objects.values_list("state", flat=True))
    assert states == set(ReportState.values) - {ReportState.UNVERIFIED}
    assert loaded.by_state[ReportState.CLOSED] > COUNT / 2
    assert sum(loaded.by_state.values()) == COUNT


@pytest.mark.django_db
def test_timestamps_lie_in_the_past_year_and_follow_the_history(loaded: DemoReportsSummary) -> None:
    now = timezone.now()
    year_ago = now - timedelta(days=HISTORY_DAYS)
    transitions: dict[int, list[ReportTransition]] = {}
    for t in ReportTransition.objects.order_by("report_id", "created_at", "id"):
        transitions.setdefault(t.report_id, []).append(t)
    for report in _reports():
        history = transitions[report.pk]
        assert year_ago <= report.submitted_at <= now
        assert history[0].from_state == ""
        assert history[0].to_state == ReportState.SUBMITTED
        assert history[0].created_at == report.submitted_at
        for before, after in itertools.pairwise(history):
            assert before.created_at < after.created_at, report.tracking_code
            assert after.from_state == before.to_state
        assert history[-1].to_state == report.state
        assert history[-1].created_at == report.state_changed_at <= now
        closing = [t.created_at for t in history if t.to_state == ReportState.CLOSED]
        assert report.closed_at == (closing[-1] if closing else None)
        if report.state in {ReportState.RESOLVED, ReportState.CLOSED}:
            assert report.resolved_at == max(
                t.created_at for t in history if t.to_state == ReportState.RESOLVED
            )
        # The audit log tells the same story at the same moments.
        submitted = Event.objects.for_object(report).get(action="reports.report.submitted")
        assert submitted.occurred_at == report.submitted_at
    # Supports, comments and ratings come after the report and before today.
    for model, field in (
        (ReportSupport, "created_at"),
        (ReportComment, "created_at"),
        (ReportRating, "created_at"),
    ):
        for row in model.objects.select_related("report"):
            assert row.report.submitted_at < getattr(row, field) <= now, model.__name__


@pytest.mark.django_db
def test_the_year_has_a_rhythm(loaded: DemoReportsSummary) -> None:
    local = [timezone.localtime(r.submitted_at) for r in _reports()]
    nights = sum(1 for t in local if 1 <= t.hour < 6)
    fridays = sum(1 for t in local if t.weekday() == 4)
    assert nights < COUNT * 0.08
    assert fridays < COUNT / 7
    months = {(t.year, t.month) for t in local}
    assert len(months) >= 10


@pytest.mark.django_db
def test_overdue_reports_are_escalated(loaded: DemoReportsSummary) -> None:
    escalated = list(Report.objects.filter(escalation_level__gt=0))
    assert escalated
    assert loaded.escalated >= len(escalated)
    now = timezone.now()
    for report in escalated:
        assert report.state in OPEN_STATES
        assert report.triage_due_at < now or report.resolve_due_at < now
        assert report.escalated_at is not None
        assert now - timedelta(minutes=10) < report.escalated_at <= now


@pytest.mark.django_db
def test_supports_count_matches_the_supports(loaded: DemoReportsSummary) -> None:
    counted = dict(ReportSupport.objects.values_list("report_id").annotate(n=Count("id")))
    assert sum(counted.values()) >= COUNT  # about two a report, a few reports with dozens
    for report in _reports():
        assert report.supports_count == counted.get(report.pk, 0), report.tracking_code
        assert not ReportSupport.objects.filter(report=report, user_id=report.reporter_id).exists()


@pytest.mark.django_db
def test_outcomes_carry_what_they_need(loaded: DemoReportsSummary) -> None:
    for report in _reports():
        if report.state == ReportState.REJECTED:
            assert report.rejection_reason
        if report.state == ReportState.DUPLICATE:
            original = report.duplicate_of
            assert original is not None
            assert original.submitted_at < report.submitted_at
            assert (original.neighborhood_id, original.category_id) == (
                report.neighborhood_id,
                report.category_id,
            )
            assert original.state != ReportState.DUPLICATE
        if report.state == ReportState.REFERRED:
            assert report.handler_agency_id is not None
        if report.state in {ReportState.RESOLVED, ReportState.CLOSED}:
            assert report.resolution_note
        assert report.category is not None
        assert not report.category.children.exists()
        assert set(report.answers) == {q["code"] for q in report.category.questions}
    ratings = ReportRating.objects.select_related("report")
    assert ratings.count() > loaded.by_state[ReportState.CLOSED] / 2
    assert all(r.report.state == ReportState.CLOSED for r in ratings)
    hidden = ReportComment.objects.filter(is_hidden=True)
    assert all(c.hidden_reason and c.hidden_by_id for c in hidden)
    assert ReportComment.objects.filter(is_hidden=False).exists()
    for endorsement in ReportEndorsement.objects.select_related("report__neighborhood", "endorsed_by"):
        assert endorsement.report.neighborhood.slug == COUNCIL_NEIGHBORHOOD_SLUG


@pytest.mark.django_db
def test_every_report_lies_in_its_neighborhood(loaded: DemoReportsSummary) -> None:
    invalidate_index()
    for report in _reports():
        located = locate(report.lat, report.lng)
        assert located is not None
        assert located.neighborhood_id == report.neighborhood_id, report.tracking_code


@pytest.mark.django_db
def test_no_notification_of_the_load_is_left_pending(loaded: DemoReportsSummary) -> None:
    rows = Notification.objects.all()
    assert rows.count() == loaded.notifications > COUNT
    assert not rows.filter(state=State.PENDING).exists()
    assert not rows.filter(sent_at=None).exists()
    for created_at, sent_at in rows.values_list("created_at", "sent_at"):
        assert sent_at == created_at
    unread = rows.filter(recipient__phone=CITIZEN_PHONE, channel=Channel.IN_APP, read_at=None)
    assert 0 < unread.count() <= UNREAD_KEPT
    residents_unread = rows.filter(
        recipient__phone__startswith="+98912100", read_at=None, channel=Channel.IN_APP
    )
    assert not residents_unread.exists()


@pytest.mark.django_db
def test_the_demo_citizen_has_reports_in_many_states(loaded: DemoReportsSummary) -> None:
    mine = Report.objects.filter(reporter__phone=CITIZEN_PHONE)
    states = set(mine.values_list("state", flat=True))
    assert mine.count() >= 8
    assert {
        ReportState.CLOSED,
        ReportState.RESOLVED,
        ReportState.IN_PROGRESS,
        ReportState.SUBMITTED,
    } <= states
    assert len(states) >= 7
    assert ReportRating.objects.filter(report__in=mine).exists()


@pytest.mark.django_db
def test_residents_and_staff(loaded: DemoReportsSummary) -> None:
    residents = User.objects.filter(phone__startswith="+98912100")
    assert residents.count() == RESIDENTS == loaded.residents_created
    assert len(set(residents.values_list("full_name", flat=True))) == RESIDENTS
    assert not any(u.has_usable_password() for u in residents)
    active = RoleAssignment.objects.active()
    for area in Area.objects.filter(city__slug=CITY_SLUG).exclude(district__number=1):
        assert active.filter(role=Role.AREA_OFFICER, area=area).exists(), area.slug
    for number in (2, 3, 4):
        assert active.filter(role=Role.DISTRICT_OFFICER, district__number=number).exists()
    # Every transition was made by someone allowed to, or by the system.
    actors = set(ReportTransition.objects.exclude(actor=None).values_list("actor_id", flat=True))
    assert actors <= set(User.objects.values_list("id", flat=True))


@pytest.mark.django_db
def test_loading_again_adds_nothing(loaded: DemoReportsSummary) -> None:
    before = (
        Report.objects.count(),
        User.objects.count(),
        Notification.objects.count(),
        Event.objects.count(),
    )
    summary = demo_reports_load(count=COUNT, progress=False)
    assert summary.created == 0
    assert (
        Report.objects.count(),
        User.objects.count(),
        Notification.objects.count(),
        Event.objects.count(),
    ) == before
    out = StringIO()
    call_command("load_demo_reports", "--count", str(COUNT), "--no-progress", stdout=out)
    assert str(COUNT) in out.getvalue()
    assert Report.objects.count() == before[0]


@pytest.mark.django_db
def test_load_demo_city_loads_the_reports_unless_told_not_to(
    loaded: DemoReportsSummary, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, object]] = []

    def fake_load(**kwargs: object) -> DemoReportsSummary:
        calls.append(kwargs)
        return loaded

    referral_calls: list[dict[str, object]] = []

    def fake_referrals(**kwargs: object) -> DemoReferralsSummary:
        referral_calls.append(kwargs)
        return DemoReferralsSummary(
            created=0, referrals=7, by_state={}, by_source={}, escalated=0, notifications=0, seconds=0.1
        )

    monkeypatch.setattr(load_demo_city, "demo_reports_load", fake_load)
    monkeypatch.setattr(load_demo_city, "demo_referrals_load", fake_referrals)
    call_command("load_demo_city", "--no-reports", "--no-progress", "--no-deputy", stdout=StringIO())
    assert calls == [] and referral_calls == []  # the other referrals come with the reports
    out = StringIO()
    call_command("load_demo_city", "--no-progress", "--no-deputy", stdout=out)
    assert calls == [{"progress": False}]
    assert referral_calls == [{"progress": False}]
    assert str(COUNT) in out.getvalue()
    call_command("load_demo_city", "--no-progress", "--no-referrals", "--no-deputy", stdout=StringIO())
    assert len(calls) == 2 and len(referral_calls) == 1


@pytest.mark.django_db
def test_refuses_without_the_demo_city(loaded: DemoReportsSummary) -> None:
    City.objects.filter(slug=CITY_SLUG).update(is_demo=False)
    with pytest.raises(ValidationError):
        demo_reports_load(count=COUNT, progress=False)
