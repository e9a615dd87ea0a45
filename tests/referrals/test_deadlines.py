"""Reminders and escalations under a frozen clock: the periodic job runs every five minutes, and each
reminder and each breach happens once per deadline and round, to the right people.

The clock is the `now=` every service takes; the job is run at chosen instants, as beat would run it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import jdatetime
import pytest
from django.core.exceptions import ValidationError

from mahalat.accounts.models import Role, ScopeKind
from mahalat.accounts.services import role_assign
from mahalat.audit.models import Event
from mahalat.notifications.models import Notification
from mahalat.referrals.models import (
    AlarmKind,
    DeadlineKind,
    Referral,
    ReferralAlarm,
    ReferralEscalation,
    ReferralState,
    ReferralTransition,
    TargetKind,
)
from mahalat.referrals.services import (
    DeadlineStats,
    Target,
    referral_create,
    referral_transition,
    referrals_check_deadlines,
)
from mahalat.worktime.calendar import TEHRAN, load_calendar, local_date
from mahalat.worktime.models import Holiday, HolidayKind
from tests.factories import UserFactory
from tests.referrals_world import SATURDAY_9, ReferralWorld

pytestmark = pytest.mark.django_db

S = ReferralState
FIVE_MINUTES = timedelta(minutes=5)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TEHRAN)


def _send(w: ReferralWorld, *, now: datetime = SATURDAY_9, **extra: Any) -> Referral:
    return referral_create(
        actor=w.people["district_officer"],
        report=w.report,
        target=Target(kind=TargetKind.AGENCY, agency=w.water),
        subject="نشت آب",
        note="لطفاً رسیدگی شود",
        now=now,
        **extra,
    )


def run_job(moments: Iterable[datetime]) -> DeadlineStats:
    """Run the periodic job at each moment in order and add up what it did."""
    total = DeadlineStats()
    for moment in sorted(set(moments)):
        stats = referrals_check_deadlines(now=moment)
        total.reminders += stats.reminders
        total.breaches += stats.breaches
        total.to_district += stats.to_district
        total.to_deputy += stats.to_deputy
    return total


def every_five_minutes(start: datetime, end: datetime) -> list[datetime]:
    moments, moment = [], start
    while moment <= end:
        moments.append(moment)
        moment += FIVE_MINUTES
    return moments


def schedule(start: datetime, end: datetime, *, around: Iterable[datetime]) -> list[datetime]:
    """Every two hours from `start` to `end`, and every five minutes in the hour either side of each
    moment in `around` (the deadlines and reminder times, where running often matters)."""
    moments = every_five_minutes(start, end)[::24]
    for moment in around:
        moments += every_five_minutes(moment - timedelta(hours=1), moment + timedelta(hours=1))
    return [m for m in moments if start <= m <= end]


def alarms(referral: Referral) -> list[tuple[str, str, int]]:
    return sorted(ReferralAlarm.objects.filter(referral=referral).values_list("deadline", "kind", "round"))


def told(kind: str, **context: Any) -> set[int]:
    rows = Notification.objects.filter(kind=kind)
    for key, value in context.items():
        rows = rows.filter(**{f"context__{key}": value})
    return set(rows.values_list("recipient_id", flat=True))


@pytest.fixture
def council_people(referral_world: ReferralWorld) -> dict[str, Any]:
    """n1's council beside its chair (a member and a secretary), and a member of n2's council."""
    people = {}
    for name, role, ref in [
        ("member", Role.COUNCIL_MEMBER, "n1"),
        ("secretary", Role.COUNCIL_SECRETARY, "n1"),
        ("n2_member", Role.COUNCIL_MEMBER, "n2"),
    ]:
        people[name] = UserFactory()
        role_assign(
            actor=None, user=people[name], role=role, scope_kind=ScopeKind.NEIGHBORHOOD, scope_ref=ref
        )
    return people


def test_deadlines_come_from_the_agreement_in_working_time(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = _send(w)
    # 4, 16 and 40 working hours from Saturday 9:00 (7:30–14:30, Thursday to 12:30, Friday off).
    assert referral.acknowledge_due_at == at(28, 13)
    assert referral.answer_due_at == at(30, 11)
    assert referral.finish_due_at == at(5, 9, month=12)  # the Friday in between is skipped
    calendar = load_calendar(city_id=w.city.pk, first_day=local_date(SATURDAY_9))
    for due in (referral.acknowledge_due_at, referral.answer_due_at, referral.finish_due_at):
        interval = calendar.working_interval(local_date(due))
        assert interval is not None and interval[0] < due <= interval[1]


def test_a_holiday_is_skipped(referral_world: ReferralWorld) -> None:
    w = referral_world
    sunday = date(2026, 11, 29)
    jalali = jdatetime.date.fromgregorian(date=sunday)
    Holiday.objects.create(
        city=w.city,
        jalali_year=jalali.year,
        jalali_month=jalali.month,
        jalali_day=jalali.day,
        date=sunday,
        name="تعطیل محلی",
        kind=HolidayKind.LOCAL,
    )
    referral = _send(w)
    assert referral.acknowledge_due_at == at(28, 13)
    assert referral.answer_due_at == at(1, 11, month=12)  # a working day later than without it
    assert referral.finish_due_at == at(6, 9, month=12)


def test_each_reminder_and_breach_once_however_often_the_job_runs(
    referral_world: ReferralWorld, council_people: dict[str, Any]
) -> None:
    w = referral_world
    p = w.people
    referral = _send(w)
    ack, answer, finish = referral.acknowledge_due_at, referral.answer_due_at, referral.finish_due_at
    moments = schedule(
        SATURDAY_9,
        finish + timedelta(hours=6),
        around=[at(28, 11), ack, at(29, 11), answer, finish - timedelta(days=1), finish],
    )

    # Before the acknowledge deadline: one reminder, at half the four hours (11:00), to the liaison.
    stats = run_job(m for m in moments if m < ack)
    assert (stats.reminders, stats.breaches) == (1, 0)
    reminder = ReferralAlarm.objects.get(referral=referral, deadline=DeadlineKind.ACKNOWLEDGE)
    assert (reminder.kind, reminder.at) == (AlarmKind.REMINDER, at(28, 11))
    assert told("referrals.reminder") == {p["liaison"].pk}
    assert not told("referrals.escalation")

    # The first breach: the district manager, the sender, the liaison and n1's council — not the deputy.
    stats = run_job(m for m in moments if ack <= m < answer)
    assert (stats.breaches, stats.to_district, stats.to_deputy) == (1, 1, 0)
    assert stats.reminders == 1  # the answer deadline's, the day before it
    referral.refresh_from_db()
    assert referral.escalation_level == ReferralEscalation.DISTRICT
    assert referral.escalated_at == ack + FIVE_MINUTES  # the first run after the deadline
    council = {p["council_chair"].pk, council_people["member"].pk, council_people["secretary"].pk}
    first = told("referrals.escalation", deadline=DeadlineKind.ACKNOWLEDGE)
    assert first == {p["liaison"].pk, p["district_manager"].pk, p["district_officer"].pk} | council
    assert council_people["n2_member"].pk not in first

    # The next breach reaches the deputy's attention list.
    stats = run_job(m for m in moments if answer <= m < finish)
    assert (stats.breaches, stats.to_district, stats.to_deputy) == (1, 0, 1)
    referral.refresh_from_db()
    assert referral.escalation_level == ReferralEscalation.DEPUTY
    second = told("referrals.escalation", deadline=DeadlineKind.ANSWER)
    assert second == first | {p["deputy"].pk, p["officer_and_deputy"].pk}

    # The finish deadline: its own reminder and breach; the level cannot go higher.
    stats = run_job(m for m in moments if m >= finish)
    assert (stats.breaches, stats.to_deputy) == (1, 1)
    assert alarms(referral) == sorted(
        (deadline, kind, 0)
        for deadline in (DeadlineKind.ACKNOWLEDGE, DeadlineKind.ANSWER, DeadlineKind.FINISH)
        for kind in (AlarmKind.REMINDER, AlarmKind.BREACH)
    )
    referral.refresh_from_db()
    assert referral.escalation_level == ReferralEscalation.DEPUTY
    assert Event.objects.for_object(referral).filter(action="referrals.referral.breached").count() == 3

    # Running the job again, all day long, changes nothing at all.
    counts = (ReferralAlarm.objects.count(), Notification.objects.count(), Event.objects.count())
    again = run_job(schedule(SATURDAY_9, finish + timedelta(hours=8), around=[ack, answer, finish]))
    assert (again.reminders, again.breaches) == (0, 0)
    assert (ReferralAlarm.objects.count(), Notification.objects.count(), Event.objects.count()) == counts
    # The referral itself was only escalated: no state change, no history row.
    assert referral.state == S.SENT
    assert ReferralTransition.objects.filter(referral=referral).count() == 1


def test_acknowledging_in_time_prevents_the_acknowledge_breach(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = _send(w)
    run_job(every_five_minutes(SATURDAY_9, at(28, 12)))
    referral_transition(actor=w.people["liaison"], referral=referral, to=S.ACKNOWLEDGED, now=at(28, 12))
    stats = run_job(schedule(at(28, 12), at(30, 10, 55), around=[at(28, 13), at(29, 11, 30)]))
    assert stats.breaches == 0
    assert not ReferralAlarm.objects.filter(
        referral=referral, deadline=DeadlineKind.ACKNOWLEDGE, kind=AlarmKind.BREACH
    ).exists()
    referral.refresh_from_db()
    assert referral.escalation_level == ReferralEscalation.NONE
    # The answer deadline still binds: its breach is the first, so it goes to the district manager.
    stats = run_job(every_five_minutes(at(30, 10, 55), at(30, 12)))
    assert (stats.breaches, stats.to_district, stats.to_deputy) == (1, 1, 0)
    referral.refresh_from_db()
    assert referral.escalation_level == ReferralEscalation.DISTRICT
    assert not told("referrals.escalation") & {w.people["deputy"].pk}


def test_answering_stops_the_answer_deadline_and_done_stops_all(referral_world: ReferralWorld) -> None:
    w = referral_world
    liaison = w.people["liaison"]
    referral = _send(w)
    for to in (S.ACKNOWLEDGED, S.ACCEPTED):
        referral_transition(actor=liaison, referral=referral, to=to, now=at(28, 10))
    referral_transition(
        actor=liaison,
        referral=referral,
        to=S.ANSWERED,
        response="لوله تعویض می‌شود",
        planned_date=date(2026, 12, 2),
        now=at(28, 10),
    )
    stats = run_job(schedule(at(28, 10), at(4, 8, month=12), around=[referral.answer_due_at]))
    assert (stats.reminders, stats.breaches) == (0, 0)
    referral_transition(
        actor=w.people["district_officer"], referral=referral, to=S.DONE, now=at(4, 8, month=12)
    )
    stats = run_job(schedule(at(4, 8, month=12), at(5, 12, month=12), around=[referral.finish_due_at]))
    assert (stats.reminders, stats.breaches) == (0, 0)
    assert not ReferralAlarm.objects.filter(referral=referral).exists()


def test_a_reopened_referral_gets_new_deadlines_and_its_own_alarms(referral_world: ReferralWorld) -> None:
    w = referral_world
    liaison, officer = w.people["liaison"], w.people["district_officer"]
    referral = _send(w)
    # Round 0: nobody acknowledges until the answer deadline has been breached too.
    run_job(schedule(SATURDAY_9, at(30, 12), around=[at(28, 11), at(28, 13), at(29, 11), at(30, 11)]))
    assert alarms(referral) == sorted(
        (deadline, kind, 0)
        for deadline in (DeadlineKind.ACKNOWLEDGE, DeadlineKind.ANSWER)
        for kind in (AlarmKind.REMINDER, AlarmKind.BREACH)
    )
    for to in (S.ACKNOWLEDGED, S.ACCEPTED):
        referral_transition(actor=liaison, referral=referral, to=to, now=at(30, 12))
    referral_transition(
        actor=liaison,
        referral=referral,
        to=S.ANSWERED,
        response="لوله تعویض شد",
        planned_date=date(2026, 11, 30),
        now=at(30, 12),
    )
    referral_transition(actor=officer, referral=referral, to=S.DONE, now=at(30, 12, 30))
    reopened_at = at(1, 9, month=12)
    referral = referral_transition(
        actor=officer, referral=referral, to=S.REOPENED, note="هنوز نشت دارد", now=reopened_at
    )
    # Fresh deadlines, counted from the reopening: 16 and 40 working hours from Tuesday 9:00.
    assert referral.reopen_count == 1
    assert referral.answer_due_at == at(3, 11, month=12)
    assert referral.finish_due_at == at(8, 9, month=12)
    notified = Notification.objects.filter(kind="referrals.escalation").count()

    stats = run_job(
        schedule(
            reopened_at,
            referral.finish_due_at + timedelta(hours=2),
            around=[
                referral.answer_due_at - timedelta(days=1),
                referral.answer_due_at,
                referral.finish_due_at - timedelta(days=1),
                referral.finish_due_at,
            ],
        )
    )
    assert (stats.reminders, stats.breaches) == (2, 2)
    assert [a for a in alarms(referral) if a[2] == 1] == sorted(
        (deadline, kind, 1)
        for deadline in (DeadlineKind.ANSWER, DeadlineKind.FINISH)
        for kind in (AlarmKind.REMINDER, AlarmKind.BREACH)
    )
    # The round's breaches are told again (the deputy too: it stays on the attention list).
    assert Notification.objects.filter(kind="referrals.escalation").count() > notified
    assert w.people["deputy"].pk in told("referrals.escalation", deadline=DeadlineKind.FINISH)
    assert (
        Event.objects.for_object(referral)
        .filter(action="referrals.referral.breached", after__round=1)
        .count()
        == 2
    )
    referral.refresh_from_db()
    assert referral.escalation_level == ReferralEscalation.DEPUTY


def test_a_shortened_deadline_is_followed(referral_world: ReferralWorld) -> None:
    w = referral_world
    referral = _send(w, deadline=date(2026, 11, 29))
    end_of_sunday = datetime(2026, 11, 29, 23, 59, 59, tzinfo=TEHRAN)
    assert referral.acknowledge_due_at == at(28, 13)
    assert referral.answer_due_at == referral.finish_due_at == end_of_sunday
    referral_transition(actor=w.people["liaison"], referral=referral, to=S.ACKNOWLEDGED, now=at(28, 12))
    stats = run_job(every_five_minutes(at(29, 23), at(30, 1)))
    assert stats.breaches == 2  # the answer and the finish deadline, in the first run after midnight
    assert ReferralAlarm.objects.filter(referral=referral, kind=AlarmKind.BREACH, at=at(30, 0)).count() == 2


def test_the_deadline_is_shortened_never_lengthened(referral_world: ReferralWorld) -> None:
    w = referral_world
    same = _send(w, deadline=date(2026, 12, 5))  # the agreement's own last day: nothing changes
    assert same.finish_due_at == at(5, 9, month=12)
    referral_transition(actor=w.people["liaison"], referral=same, to=S.ACKNOWLEDGED, now=SATURDAY_9)
    referral_transition(
        actor=w.people["liaison"], referral=same, to=S.DECLINED, reason="مربوط به ما نیست", now=SATURDAY_9
    )
    counts = (Referral.objects.count(), ReferralTransition.objects.count(), Event.objects.count())
    for later in (date(2026, 12, 6), date(2027, 1, 1)):
        with pytest.raises(ValidationError) as caught:
            _send(w, deadline=later)
        assert list(caught.value.message_dict) == ["deadline"]
    with pytest.raises(ValidationError) as caught:
        _send(w, deadline=date(2026, 11, 27))
    assert list(caught.value.message_dict) == ["deadline"]
    assert (Referral.objects.count(), ReferralTransition.objects.count(), Event.objects.count()) == counts
