from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mahalat.audit.models import Event
from mahalat.errors import ConflictError
from mahalat.referrals.models import TargetKind
from mahalat.referrals.services import Target, referral_create
from mahalat.reports.models import EscalationLevel, HandlerKind, Report, ReportState, ReportTransition
from mahalat.reports.services import (
    TransitionNotAllowed,
    report_submit,
    report_transition,
    reports_close_resolved,
    reports_escalate_overdue,
    route,
    tracking_code_is_well_formed,
)
from mahalat.reports.workflow import TERMINAL_STATES, TRANSITIONS, allowed_targets

S = ReportState
# A Saturday morning in Tehran (1405/09/08 08:00 +03:30).
MONDAY_MORNING = datetime(2026, 11, 28, 4, 30, tzinfo=UTC)


def submit(town, *, who="citizen", point=None, category="lighting", **extra) -> Report:
    lat, lng = point or town.P1
    actor = town.people[who] if who else None
    return report_submit(
        actor=actor,
        city=town.city,
        description=extra.pop("description", "چراغ کوچه خاموش است"),
        lat=lat,
        lng=lng,
        category_slug=category,
        now=extra.pop("now", MONDAY_MORNING),
        **extra,
    )


def test_table_is_consistent() -> None:
    states = set(S.values)
    for (frm, to), rule in TRANSITIONS.items():
        assert frm in states and to in states and frm != to
        assert rule.permission or rule.system_may
    for state in TERMINAL_STATES:
        assert allowed_targets(state) == []
    # Every non-terminal state can move on; every state but "unverified" can be reached.
    for state in states - TERMINAL_STATES:
        assert allowed_targets(state), state
    assert {to for (_f, to) in TRANSITIONS} == states - {S.UNVERIFIED}


def test_submit_locates_routes_and_sets_deadlines(town) -> None:
    report = submit(town)
    assert tracking_code_is_well_formed(report.tracking_code)
    assert (report.neighborhood, report.area, report.district) == (town.n1, town.a11, town.d1)
    assert report.state == S.SUBMITTED
    assert report.handler_kind == HandlerKind.AREA and not report.needs_routing
    assert MONDAY_MORNING < report.triage_due_at < report.resolve_due_at < report.deputy_due_at
    assert ReportTransition.objects.get(report=report).to_state == S.SUBMITTED
    assert Event.objects.filter(action="reports.report.submitted", object_id=str(report.pk)).exists()


def test_agency_category_routes_to_the_agency(town) -> None:
    report = submit(town, category="water-leak", answers={"severity": "high"})
    assert report.handler_kind == HandlerKind.AGENCY and report.handler_agency == town.water


def test_uncategorized_and_inactive_agency_go_to_the_district_queue(town) -> None:
    report = submit(town, category=None)
    assert report.handler_kind == HandlerKind.DISTRICT and report.needs_routing
    town.water.is_active = False
    town.water.save()
    assert route(category=town.leaks, neighborhood=town.n1).needs_routing


def test_anonymous_report_waits_for_phone_confirmation(town) -> None:
    report = submit(town, who=None, phone="۰۹۱۲۳۴۵۶۷۸۹")
    assert (
        report.state == S.UNVERIFIED and report.reporter is None and report.reporter_phone == "+989123456789"
    )
    with pytest.raises(ValidationError) as exc:
        submit(town, who=None, phone="")
    assert "phone" in exc.value.message_dict


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"description": ""}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"point": (36.0, 52.0)}, "location"),
        ({"point": (95.0, 51.0)}, "lat"),
        ({"point": ("abc", 51.0)}, "lat"),
        ({"category": "no-such"}, "category"),
        ({"category": "water-leak"}, "answers.severity"),
        ({"category": "water-leak", "answers": {"severity": "extreme"}}, "answers.severity"),
        ({"category": "water-leak", "answers": {"severity": "low", "colour": "red"}}, "answers.colour"),
        ({"kind": "rant"}, "kind"),
    ],
)
def test_bad_submissions_change_nothing(town, kwargs, field) -> None:
    with translation.override("fa"), pytest.raises(ValidationError) as exc:
        submit(town, **kwargs)
    assert field in exc.value.message_dict
    assert not Report.objects.exists()
    assert not Event.objects.filter(action__startswith="reports.").exists()


def test_the_happy_path(town) -> None:
    report = submit(town)
    officer = town.people["area_officer"]
    report = report_transition(actor=officer, report=report, to=S.TRIAGED)
    report = report_transition(actor=officer, report=report, to=S.IN_PROGRESS)
    report = report_transition(actor=officer, report=report, to=S.RESOLVED, note="لامپ تعویض شد")
    assert report.resolved_at is not None and report.resolution_note == "لامپ تعویض شد"
    report = report_transition(actor=town.people["citizen"], report=report, to=S.CLOSED)
    assert report.closed_at is not None
    history = list(ReportTransition.objects.filter(report=report).values_list("from_state", "to_state"))
    assert history == [
        ("", S.SUBMITTED),
        (S.SUBMITTED, S.TRIAGED),
        (S.TRIAGED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.RESOLVED),
        (S.RESOLVED, S.CLOSED),
    ]


def test_reopen_and_refer(town) -> None:
    officer = town.people["district_officer"]
    report = submit(town)
    for to, extra in [(S.TRIAGED, {}), (S.IN_PROGRESS, {}), (S.RESOLVED, {"note": "انجام شد"})]:
        report = report_transition(actor=officer, report=report, to=to, **extra)
    report = report_transition(
        actor=town.people["citizen"], report=report, to=S.REOPENED, note="هنوز خاموش است"
    )
    assert report.resolved_at is None
    # A report is referred only through a referral, which it then follows.
    with pytest.raises(ValidationError) as caught:
        report_transition(actor=officer, report=report, to=S.REFERRED)
    assert "referral" in caught.value.message_dict
    referral_create(
        actor=officer,
        report=report,
        target=Target(kind=TargetKind.AGENCY, agency=town.water),
        subject="روشنایی کوچه",
    )
    report.refresh_from_db()
    assert report.state == S.REFERRED
    assert report.handler_agency == town.water


@pytest.mark.parametrize(
    "who",
    ["deputy", "city_council", "liaison", "council_chair", "other_district_officer", "neighbor", "citizen"],
)
def test_who_may_not_triage(town, who) -> None:
    report = submit(town)
    with pytest.raises(PermissionDenied):
        report_transition(actor=town.people[who], report=report, to=S.TRIAGED)
    assert Report.objects.get(pk=report.pk).state == S.SUBMITTED


def test_only_the_reporter_confirms_or_reopens(town) -> None:
    officer = town.people["area_officer"]
    report = submit(town)
    for to, extra in [(S.TRIAGED, {}), (S.IN_PROGRESS, {}), (S.RESOLVED, {"note": "انجام شد"})]:
        report = report_transition(actor=officer, report=report, to=to, **extra)
    for who in ("area_officer", "neighbor", "deputy"):
        with pytest.raises(PermissionDenied):
            report_transition(actor=town.people[who], report=report, to=S.CLOSED)
    # The system closes resolved reports after N days.
    assert report_transition(actor=None, report=report, to=S.CLOSED).state == S.CLOSED


def test_out_of_order_transitions_are_refused(town) -> None:
    report = submit(town)
    officer = town.people["area_officer"]
    with translation.override("en"), pytest.raises(TransitionNotAllowed) as exc:
        report_transition(actor=officer, report=report, to=S.RESOLVED, note="x")
    assert exc.value.status == 409
    assert "“Submitted” cannot become “Resolved”" in exc.value.message
    with pytest.raises(TransitionNotAllowed):
        report_transition(actor=officer, report=report, to="vanished")
    assert Report.objects.get(pk=report.pk).state == S.SUBMITTED
    assert ReportTransition.objects.filter(report=report).count() == 1


@pytest.mark.parametrize(
    ("to", "kwargs", "field"),
    [
        (S.REJECTED, {}, "note"),
        (S.DUPLICATE, {}, "duplicate_of"),
    ],
)
def test_required_inputs(town, to, kwargs, field) -> None:
    report = submit(town)
    with pytest.raises(ValidationError) as exc:
        report_transition(actor=town.people["area_officer"], report=report, to=to, **kwargs)
    assert field in exc.value.message_dict
    assert Report.objects.get(pk=report.pk).state == S.SUBMITTED


def test_duplicates_point_to_the_original(town) -> None:
    officer = town.people["area_officer"]
    original = submit(town)
    second = submit(town)
    third = submit(town)
    report_transition(actor=officer, report=second, to=S.DUPLICATE, duplicate_of=original)
    third = report_transition(
        actor=officer, report=third, to=S.DUPLICATE, duplicate_of=Report.objects.get(pk=second.pk)
    )
    assert third.duplicate_of == original  # no chains
    with pytest.raises(ValidationError):
        report_transition(actor=officer, report=original, to=S.DUPLICATE, duplicate_of=original)


def test_two_officers_at_once_cannot_both_win(town) -> None:
    report = submit(town)
    seen = report.state
    report_transition(actor=town.people["area_officer"], report=report, to=S.TRIAGED, expected_state=seen)
    with pytest.raises(ConflictError):
        report_transition(
            actor=town.people["district_officer"],
            report=report,
            to=S.REJECTED,
            note="تکراری",
            expected_state=seen,
        )
    assert Report.objects.get(pk=report.pk).state == S.TRIAGED


def test_escalation_once_per_breach(town) -> None:
    report = submit(town)
    assert reports_escalate_overdue(now=report.triage_due_at - timedelta(minutes=1)).to_district == 0
    after_triage = report.triage_due_at + timedelta(minutes=1)
    stats = reports_escalate_overdue(now=after_triage)
    assert (stats.to_district, stats.to_deputy) == (1, 0)
    assert reports_escalate_overdue(now=after_triage + timedelta(minutes=5)).to_district == 0
    report.refresh_from_db()
    assert report.escalation_level == EscalationLevel.DISTRICT
    # Never triaged by its resolution deadline: on to the deputy, once.
    stats = reports_escalate_overdue(now=report.resolve_due_at + timedelta(minutes=1))
    assert (stats.to_district, stats.to_deputy) == (0, 1)
    assert reports_escalate_overdue(now=report.resolve_due_at + timedelta(days=30)).to_deputy == 0
    assert Event.objects.filter(action="reports.report.escalated", object_id=str(report.pk)).count() == 2


def test_closed_and_unverified_reports_never_escalate(town) -> None:
    waiting = submit(town, who=None, phone="09123456789")
    assert reports_escalate_overdue(now=waiting.deputy_due_at + timedelta(days=1)).to_district == 0
    assert Report.objects.get(pk=waiting.pk).escalation_level == EscalationLevel.NONE


def test_resolved_reports_close_themselves_after_the_grace_period(town, settings) -> None:
    settings.REPORT_AUTO_CLOSE_DAYS = 7
    officer = town.people["area_officer"]
    report = submit(town)
    for to, extra in [(S.TRIAGED, {}), (S.IN_PROGRESS, {}), (S.RESOLVED, {"note": "انجام شد"})]:
        report = report_transition(actor=officer, report=report, to=to, now=MONDAY_MORNING, **extra)
    assert reports_close_resolved(now=MONDAY_MORNING + timedelta(days=6)) == 0
    assert reports_close_resolved(now=MONDAY_MORNING + timedelta(days=8)) == 1
    report.refresh_from_db()
    assert report.state == S.CLOSED
    assert ReportTransition.objects.filter(report=report, to_state=S.CLOSED, actor=None).exists()
    assert reports_close_resolved(now=MONDAY_MORNING + timedelta(days=9)) == 0


def test_the_address_can_stand_for_the_pin(town) -> None:
    town.n2.name = "باغ‌بهشت"
    town.n2.save()
    report = report_submit(
        actor=town.people["citizen"],
        city=town.city,
        description="چاله",
        lat=None,
        lng=None,
        address="كوچه سوم، محله باغ‌بهشت",
        category_slug="lighting",
        now=MONDAY_MORNING,
    )
    assert report.neighborhood == town.n2
    with pytest.raises(ValidationError) as exc:
        report_submit(
            actor=town.people["citizen"],
            city=town.city,
            description="چاله",
            lat=None,
            lng=None,
            address="جایی در شهر",
            category_slug="lighting",
        )
    assert "location" in exc.value.message_dict
