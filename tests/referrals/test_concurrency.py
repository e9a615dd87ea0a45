"""Two people (or two runs of the periodic job) act on one referral at the same moment: exactly one
wins and the other is told. Real threads on PostgreSQL, whose row locks serialise them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from mahalat.accounts.models import Role, ScopeKind
from mahalat.accounts.services import role_assign
from mahalat.audit.models import Event
from mahalat.errors import ConflictError
from mahalat.notifications.models import Notification
from mahalat.referrals.models import (
    OPEN_REFERRAL_STATES,
    AlarmKind,
    Referral,
    ReferralAlarm,
    ReferralEscalation,
    ReferralState,
    ReferralTransition,
    TargetKind,
)
from mahalat.referrals.services import (
    Target,
    referral_create,
    referral_transition,
    referrals_check_deadlines,
)
from mahalat.reports.models import Report, ReportState
from mahalat.reports.services import report_transition
from tests.factories import UserFactory
from tests.referrals_world import SATURDAY_9, ReferralWorld, submit_leak

S = ReferralState
pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def _race(calls: list[Callable[[], Any]]) -> list[str]:
    """Start the calls together; "won" for each that returned, "refused" for each told it lost."""
    outcomes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("won")
        except (ConflictError, ValidationError):  # TransitionNotAllowed is a ConflictError
            outcomes.append("refused")
        except BaseException as exc:  # anything else fails the test, with its cause
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return sorted(outcomes)


def _send(w: ReferralWorld, actor: Any) -> Referral:
    return referral_create(
        actor=actor,
        report=w.report,
        target=Target(kind=TargetKind.AGENCY, agency=w.water),
        subject="نشت آب",
        now=SATURDAY_9,
    )


@pytest.fixture
def second_liaison(referral_world: ReferralWorld) -> Any:
    person = UserFactory()
    role_assign(
        actor=None, user=person, role=Role.AGENCY_LIAISON, scope_kind=ScopeKind.AGENCY, scope_ref="town-water"
    )
    return person


@pytest.mark.parametrize("seen", [S.SENT, None])
def test_two_liaisons_acknowledge_at_once(
    referral_world: ReferralWorld, second_liaison: Any, seen: str | None
) -> None:
    """With the state they saw the loser gets a conflict; without it, "acknowledged → acknowledged" is
    not in the table. Either way one history row."""
    w = referral_world
    referral = _send(w, w.people["district_officer"])
    calls = [
        lambda person=person: referral_transition(
            actor=person, referral=referral, to=S.ACKNOWLEDGED, expected_state=seen
        )
        for person in (w.people["liaison"], second_liaison)
    ]
    assert _race(calls) == ["refused", "won"]
    assert Referral.objects.get(pk=referral.pk).state == S.ACKNOWLEDGED
    assert ReferralTransition.objects.filter(referral=referral, to_state=S.ACKNOWLEDGED).count() == 1
    assert Event.objects.filter(action="referrals.referral.acknowledged").count() == 1


def test_a_liaison_declines_while_the_sender_confirms_the_answer(referral_world: ReferralWorld) -> None:
    """Two sides, two different moves from one state: the first wins, the second finds it changed."""
    w = referral_world
    liaison = w.people["liaison"]
    referral = _send(w, w.people["district_officer"])
    referral_transition(actor=liaison, referral=referral, to=S.ACKNOWLEDGED, now=SATURDAY_9)
    referral_transition(actor=liaison, referral=referral, to=S.ACCEPTED, now=SATURDAY_9)
    referral_transition(
        actor=liaison,
        referral=referral,
        to=S.ANSWERED,
        response="انجام می‌شود",
        planned_date=SATURDAY_9.date(),
        now=SATURDAY_9,
    )
    calls = [
        lambda: referral_transition(
            actor=w.people["district_officer"], referral=referral, to=S.DONE, expected_state=S.ANSWERED
        ),
        lambda: referral_transition(
            actor=w.people["district_manager"],
            referral=referral,
            to=S.REOPENED,
            note="هنوز انجام نشده",
            expected_state=S.ANSWERED,
        ),
    ]
    assert _race(calls) == ["refused", "won"]
    final = Referral.objects.get(pk=referral.pk)
    assert final.state in {S.DONE, S.REOPENED}
    assert ReferralTransition.objects.filter(referral=referral).count() == 5
    report = Report.objects.get(pk=w.report.pk)
    assert report.state == (ReportState.RESOLVED if final.state == S.DONE else ReportState.REFERRED)


def test_two_officers_refer_one_report_at_once(referral_world: ReferralWorld) -> None:
    w = referral_world
    calls = [
        lambda person=person: _send(w, person)
        for person in (w.people["district_officer"], w.people["area_officer"])
    ]
    assert _race(calls) == ["refused", "won"]
    assert Referral.objects.filter(report=w.report).count() == 1
    assert Event.objects.filter(action="referrals.referral.sent").count() == 1
    report = Report.objects.get(pk=w.report.pk)
    assert report.state == ReportState.REFERRED
    assert report.transitions.filter(to_state=ReportState.REFERRED).count() == 1


def test_the_deadline_job_run_twice_at_once_acts_once(referral_world: ReferralWorld) -> None:
    w = referral_world
    referrals = [_send(w, w.people["district_officer"])]
    # A few more referrals from reports of their own, so that the two runs overlap over several rows.
    for _ in range(3):
        report = submit_leak(w.town)
        referrals.append(
            referral_create(
                actor=w.people["district_officer"],
                report=report,
                target=Target(kind=TargetKind.AGENCY, agency=w.water),
                subject="نشت آب",
                now=SATURDAY_9,
            )
        )
    late = SATURDAY_9 + timedelta(hours=4, minutes=30)  # the acknowledge deadline (13:00) has passed
    calls = [lambda: referrals_check_deadlines(now=late) for _ in range(2)]
    assert _race(calls) == ["won", "won"]
    assert ReferralAlarm.objects.filter(kind=AlarmKind.BREACH).count() == len(referrals)
    assert Event.objects.filter(action="referrals.referral.breached").count() == len(referrals)
    assert set(Referral.objects.values_list("escalation_level", flat=True)) == {ReferralEscalation.DISTRICT}
    # Each person heard of each breach once on each channel.
    rows = Notification.objects.filter(kind="referrals.escalation")
    assert rows.count() == len(set(rows.values_list("recipient_id", "channel", "context__referral_id")))
    assert rows.values("context__referral_id").distinct().count() == len(referrals)


def test_reopening_a_referral_while_another_officer_refers_the_report_again(
    referral_world: ReferralWorld,
) -> None:
    """The citizen reopened the report its referral resolved; one officer reopens that referral while
    another refers the report elsewhere. One wins, the other is told (no deadlock, no database error)."""
    w = referral_world
    liaison, officer = w.people["liaison"], w.people["district_officer"]
    first = _send(w, officer)
    for to in (S.ACKNOWLEDGED, S.ACCEPTED):
        referral_transition(actor=liaison, referral=first, to=to, now=SATURDAY_9)
    referral_transition(
        actor=liaison,
        referral=first,
        to=S.ANSWERED,
        response="لوله تعویض شد",
        planned_date=SATURDAY_9.date(),
        now=SATURDAY_9,
    )
    referral_transition(actor=officer, referral=first, to=S.DONE, now=SATURDAY_9)
    report_transition(actor=w.people["citizen"], report=w.report, to=ReportState.REOPENED, note="درست نشد")
    calls = [
        lambda: referral_transition(actor=officer, referral=first, to=S.REOPENED, note="هنوز نشت دارد"),
        lambda: referral_create(
            actor=w.people["area_officer"],
            report=w.report,
            target=Target(kind=TargetKind.AGENCY, agency=w.power),
            subject="قطع برق پمپ",
        ),
    ]
    assert _race(calls) == ["refused", "won"]
    open_ones = Referral.objects.filter(report=w.report, state__in=OPEN_REFERRAL_STATES)
    assert open_ones.count() == 1
    report = Report.objects.get(pk=w.report.pk)
    assert (report.state, report.handler_agency_id) == (
        ReportState.REFERRED,
        open_ones.get().target_agency_id,
    )
