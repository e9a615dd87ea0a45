"""A referral's whole life through the services, and the report that follows it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mahalat.audit.models import Event
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.referrals.models import Referral, ReferralState, TargetKind
from mahalat.referrals.services import Target, referral_create, referral_transition
from mahalat.reports.models import ReportState
from mahalat.reports.services import report_submit
from tests.referrals_world import SATURDAY_9, ReferralWorld

S = ReferralState


def _send(world: ReferralWorld, **extra) -> Referral:
    return referral_create(
        actor=world.people["district_officer"],
        report=world.report,
        target=Target(kind=TargetKind.AGENCY, agency=world.water),
        subject="نشت آب",
        note="لطفاً رسیدگی شود",
        now=SATURDAY_9,
        **extra,
    )


def test_report_follows_its_referral_to_the_end(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = _send(w)
    w.report.refresh_from_db()
    assert w.report.state == ReportState.REFERRED
    assert w.report.handler_agency_id == w.water.pk
    assert referral.finish_due_at > referral.answer_due_at > referral.acknowledge_due_at > SATURDAY_9
    liaison = w.people["liaison"]
    later = SATURDAY_9 + timedelta(hours=1)
    referral_transition(actor=liaison, referral=referral, to=S.ACKNOWLEDGED, now=later)
    referral_transition(actor=liaison, referral=referral, to=S.ACCEPTED, now=later)
    referral_transition(
        actor=liaison,
        referral=referral,
        to=S.ANSWERED,
        response="لوله تعویض می‌شود",
        planned_date=date(2026, 12, 5),
        now=later,
    )
    w.report.refresh_from_db()
    assert w.report.state == ReportState.REFERRED
    referral_transition(actor=liaison, referral=referral, to=S.DONE, now=later)
    w.report.refresh_from_db()
    assert w.report.state == ReportState.RESOLVED
    assert w.report.resolution_note == "لوله تعویض می‌شود"
    assert list(referral.transitions.values_list("to_state", flat=True)) == [
        S.SENT,
        S.ACKNOWLEDGED,
        S.ACCEPTED,
        S.ANSWERED,
        S.DONE,
    ]
    assert Event.objects.filter(action="referrals.referral.done").count() == 1


def test_decline_hands_the_report_back_with_the_reason(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = _send(w)
    liaison = w.people["liaison"]
    referral_transition(actor=liaison, referral=referral, to=S.ACKNOWLEDGED, now=SATURDAY_9)
    with pytest.raises(ValidationError):
        referral_transition(actor=liaison, referral=referral, to=S.DECLINED, now=SATURDAY_9)
    referral_transition(
        actor=liaison,
        referral=referral,
        to=S.DECLINED,
        reason="این لوله متعلق به شهرداری است",
        suggested_body="منطقه ۱",
        now=SATURDAY_9,
    )
    w.report.refresh_from_db()
    assert w.report.state == ReportState.IN_PROGRESS
    assert w.report.handler_agency_id is None or w.report.handler_kind == "agency"
    last = w.report.transitions.last()
    assert "این لوله متعلق به شهرداری است" in last.note
    # The report can be referred again, elsewhere.
    again = referral_create(
        actor=w.people["district_officer"],
        report=w.report,
        target=Target(kind=TargetKind.AREA, area=w.town.a11),
        subject="نشت آب",
        now=SATURDAY_9,
    )
    assert again.target_district_id == w.town.d1.pk


def test_one_open_referral_per_report_and_order_of_states(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = _send(w)
    with pytest.raises((ConflictError, TransitionNotAllowed)):
        _send(w)
    with pytest.raises(TransitionNotAllowed):
        referral_transition(actor=w.people["liaison"], referral=referral, to=S.ANSWERED, now=SATURDAY_9)
    with pytest.raises(ConflictError):
        referral_transition(
            actor=w.people["liaison"], referral=referral, to=S.ACKNOWLEDGED, expected_state=S.ACCEPTED
        )


def test_only_the_receiving_agency_acts_and_the_deputy_sends_nothing(referral_world: ReferralWorld) -> None:
    w = referral_world
    with pytest.raises(PermissionDenied):
        referral_create(
            actor=w.people["deputy"],
            report=w.report,
            target=Target(kind=TargetKind.AGENCY, agency=w.water),
            subject="x",
            now=SATURDAY_9,
        )
    referral = _send(w)
    with pytest.raises(PermissionDenied):
        referral_transition(actor=w.people["power_liaison"], referral=referral, to=S.ACKNOWLEDGED)
    with pytest.raises(PermissionDenied):
        referral_transition(actor=w.people["deputy"], referral=referral, to=S.ACKNOWLEDGED)
    assert Referral.objects.get(pk=referral.pk).state == S.SENT


def test_deadline_may_be_shortened_not_lengthened(referral_world: ReferralWorld) -> None:
    w = referral_world
    with pytest.raises(ValidationError) as caught:
        _send(w, deadline=date(2027, 6, 1))
    assert "deadline" in caught.value.message_dict
    referral = _send(w, deadline=date(2026, 11, 29))
    assert referral.finish_due_at.date() <= date(2026, 11, 29)
    assert referral.acknowledge_due_at <= referral.answer_due_at <= referral.finish_due_at


def test_agency_outside_its_jurisdiction_is_refused(referral_world: ReferralWorld) -> None:
    w = referral_world
    # Power serves district 1 only; a report in n2 (district 2) cannot go to it.
    from tests.referrals_world import submit_leak

    lat, lng = w.town.P2
    from mahalat.reports.services import report_submit

    report = report_submit(
        actor=w.people["neighbor"],
        city=w.city,
        description="سیم برق افتاده",
        lat=lat,
        lng=lng,
        now=SATURDAY_9,
    )
    with pytest.raises(ValidationError) as caught:
        referral_create(
            actor=w.people["other_district_officer"],
            report=report,
            target=Target(kind=TargetKind.AGENCY, agency=w.power),
            subject="سیم برق",
            now=SATURDAY_9,
        )
    assert "target" in caught.value.message_dict
    assert submit_leak  # the helper is shared with other tests


def test_municipal_report_done_by_its_agency_is_resolved_and_handed_back(
    referral_world: ReferralWorld,
) -> None:
    """A street-lighting report (the area's own work) referred to the power company: when the company's
    answer is done, the report is resolved with the date and the answer, and no agency holds it any more
    (the auto-close job reads `resolved_at`)."""
    w = referral_world
    lat, lng = w.town.P1
    report = report_submit(
        actor=w.town.people["citizen"],
        city=w.town.city,
        description="تیر چراغ برق کج شده و سیم‌ها آویزان است",
        lat=lat,
        lng=lng,
        category_slug="lighting",
        now=SATURDAY_9,
    )
    referral = referral_create(
        actor=w.people["district_officer"],
        report=report,
        target=Target(kind=TargetKind.AGENCY, agency=w.power),
        subject="سیم آویزان",
        now=SATURDAY_9,
    )
    report.refresh_from_db()
    assert report.handler_agency_id == w.power.pk
    liaison, later = w.people["power_liaison"], SATURDAY_9 + timedelta(hours=2)
    for to in (S.ACKNOWLEDGED, S.ACCEPTED):
        referral_transition(actor=liaison, referral=referral, to=to, now=later)
    referral_transition(
        actor=liaison,
        referral=referral,
        to=S.ANSWERED,
        response="سیم‌ها جمع و تیر تعویض شد",
        planned_date=date(2026, 11, 30),
        now=later,
    )
    referral_transition(actor=w.people["district_officer"], referral=referral, to=S.DONE, now=later)
    report.refresh_from_db()
    assert report.state == ReportState.RESOLVED
    assert report.resolved_at == later
    assert report.resolution_note == "سیم‌ها جمع و تیر تعویض شد"
    assert report.handler_agency_id is None
