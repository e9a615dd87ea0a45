"""No sequence of calls, by anyone, in any order, takes a referral (or the report that follows it)
outside its lifecycle: the table in `referrals.workflow` is the only way a state changes, a refused call
changes nothing at all, and every accepted one leaves exactly one history row and one audit event."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from mahalat.audit.models import Event
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.notifications.models import Notification
from mahalat.referrals.models import (
    OPEN_REFERRAL_STATES,
    Referral,
    ReferralState,
    ReferralTransition,
    TargetKind,
    WebhookDelivery,
)
from mahalat.referrals.services import Target, referral_create, referral_transition
from mahalat.referrals.workflow import (
    CLOSE,
    FOLLOW_UP,
    RECEIVE,
    TERMINAL_STATES,
    TRANSITIONS,
    allowed_targets,
)
from mahalat.reports.models import Report, ReportState, ReportTransition
from mahalat.reports.services import report_submit, report_transition
from mahalat.worktime.calendar import local_date
from tests.referrals_world import SATURDAY_9, ReferralWorld

S = ReferralState
pytestmark = pytest.mark.django_db

ACTORS = [
    "liaison",
    "power_liaison",
    "district_officer",
    "district_manager",
    "area_officer",
    "officer_and_deputy",
    "other_district_officer",
    "deputy",
    "city_council",
    "council_chair",
    "citizen",
    None,
]
# The sending side over n1 (district 1, area 1 of district 1): it sends, follows up and may close.
SENDERS = {"district_officer", "district_manager", "area_officer", "officer_and_deputy"}
# Readers of n1's internal records, besides the sending side and the receiving agency's liaison.
READERS = {"deputy", "city_council", "council_chair"}
# Which timestamp each state leaves behind.
STAMPS = {
    S.ACKNOWLEDGED: "acknowledged_at",
    S.ACCEPTED: "accepted_at",
    S.DECLINED: "declined_at",
    S.ANSWERED: "answered_at",
}
REFERABLE_REPORT_STATES = {
    ReportState.SUBMITTED,
    ReportState.TRIAGED,
    ReportState.IN_PROGRESS,
    ReportState.REOPENED,
}


def _receiver(agency_slug: str) -> str:
    return "liaison" if agency_slug == "town-water" else "power_liaison"


def expected_outcome(
    *,
    state: str,
    who: str | None,
    receiver: str,
    to: str,
    expected_state: str | None,
    note: str,
    reason: str,
    response: str,
    planned: date | None,
    today: date,
    suggested_same: bool,
    other_open: bool,
) -> type[Exception] | None:
    """What `referral_transition` must do, written independently of it: the exception, or None."""
    viewers = SENDERS | READERS | {receiver}
    if who not in viewers:
        return PermissionDenied  # an outsider learns nothing, not even the state
    if expected_state is not None and expected_state != state:
        return ConflictError
    rule = TRANSITIONS.get((state, to))
    if rule is None:
        return TransitionNotAllowed
    allowed = {RECEIVE: {receiver}, FOLLOW_UP: SENDERS, CLOSE: SENDERS | {receiver}}[rule.permission]
    if who not in allowed:
        return PermissionDenied
    if to == S.REOPENED and other_open:
        return ConflictError  # the report has been referred again since, elsewhere
    missing = (
        ("reason" in rule.requires and not (reason or note))
        or ("response" in rule.requires and not (response or note))
        or ("planned_date" in rule.requires and (planned is None or planned < today))
        or ("note" in rule.requires and not note)
    )
    if missing or suggested_same:
        return ValidationError
    return None


def _snapshot(referral_id: int, report_id: int) -> dict[str, Any]:
    """Everything a refused call must leave exactly as it was."""
    return {
        "referral": Referral.objects.filter(pk=referral_id).values().get(),
        "report": Report.objects.filter(pk=report_id).values().get(),
        "referral_transitions": ReferralTransition.objects.count(),
        "report_transitions": ReportTransition.objects.count(),
        "referrals": Referral.objects.count(),
        "events": Event.objects.count(),
        "last_event": Event.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        "notifications": Notification.objects.count(),
        "deliveries": WebhookDelivery.objects.count(),
    }


def test_no_call_sequence_leaves_the_lifecycle(referral_world: ReferralWorld) -> None:
    w = referral_world
    people = w.people
    agencies = {"town-water": w.water, "town-power": w.power}
    walked: set[tuple[str, str]] = set()

    class ReferralLifecycle(RuleBasedStateMachine):
        @initialize(
            category=st.sampled_from(["water-leak", "lighting"]), slug=st.sampled_from(list(agencies))
        )
        def refer(self, category: str, slug: str) -> None:
            cache.clear()  # each run starts with no SMS throttling left over from the one before
            self.now: datetime = SATURDAY_9
            self.report = report_submit(
                actor=people["citizen"],
                city=w.city,
                description="نشت آب از لوله اصلی کوچه",
                lat=w.town.P1[0],
                lng=w.town.P1[1],
                category_slug=category,
                answers={"severity": "high"} if category == "water-leak" else None,
                now=self.now,
            )
            self.referrals: list[Referral] = []
            self.receivers: dict[int, str] = {}
            self.report_state = ReportState.SUBMITTED  # what the report must be in, kept by the model
            self._send(who="district_officer", slug=slug)

        def _send(self, *, who: str | None, slug: str) -> Referral:
            referral = referral_create(
                actor=people[who] if who else None,
                report=self.report,
                target=Target(kind=TargetKind.AGENCY, agency=agencies[slug]),
                subject="نشت آب",
                note="لطفاً رسیدگی شود",
                now=self.now,
            )
            self.referrals.append(referral)
            self.receivers[referral.pk] = _receiver(slug)
            self.report_state = ReportState.REFERRED
            return referral

        @rule(
            which=st.integers(min_value=0, max_value=3),
            to=st.sampled_from(S.values),
            who=st.sampled_from(ACTORS),
            expected=st.sampled_from([None, "current", *S.values]),
            note=st.sampled_from(["", "یادداشت"]),
            reason=st.sampled_from(["", "متعلق به دستگاه دیگری است"]),
            response=st.sampled_from(["", "لوله تعویض می‌شود"]),
            planned_in=st.sampled_from([None, -3, 0, 10]),
            suggested=st.sampled_from([None, "other", "same"]),
            hours=st.integers(min_value=0, max_value=30),
        )
        def act(
            self,
            which: int,
            to: str,
            who: str | None,
            expected: str | None,
            note: str,
            reason: str,
            response: str,
            planned_in: int | None,
            suggested: str | None,
            hours: int,
        ) -> None:
            self.now += timedelta(hours=hours)
            referral = self.referrals[-1 - which % len(self.referrals)]
            before_state = Referral.objects.get(pk=referral.pk).state
            today = local_date(self.now)
            planned = today + timedelta(days=planned_in) if planned_in is not None else None
            expected_state = before_state if expected == "current" else expected
            target = agencies["town-water"] if self.receivers[referral.pk] == "liaison" else w.power
            other = w.power if target == w.water else w.water
            suggested_agency = {None: None, "other": other, "same": target}[suggested]
            outcome = expected_outcome(
                state=before_state,
                who=who,
                receiver=self.receivers[referral.pk],
                to=to,
                expected_state=expected_state,
                note=note,
                reason=reason,
                response=response,
                planned=planned,
                today=today,
                suggested_same=suggested == "same",
                other_open=Referral.objects.filter(report=self.report, state__in=OPEN_REFERRAL_STATES)
                .exclude(pk=referral.pk)
                .exists(),
            )
            snapshot = _snapshot(referral.pk, self.report.pk)
            refused: Exception | None = None
            try:
                referral_transition(
                    actor=people[who] if who else None,
                    referral=referral,
                    to=to,
                    note=note,
                    reason=reason,
                    response=response,
                    planned_date=planned,
                    suggested_agency=suggested_agency,
                    expected_state=expected_state,
                    now=self.now,
                )
            except (PermissionDenied, ValidationError, ConflictError) as exc:
                refused = exc
            if refused is not None:
                # Refused for the expected reason (the exact class), and nothing at all changed.
                assert type(refused) is outcome, (before_state, to, who, refused)
                assert _snapshot(referral.pk, self.report.pk) == snapshot
                return
            assert outcome is None, (before_state, to, who, outcome)
            assert (before_state, to) in TRANSITIONS
            after = _snapshot(referral.pk, self.report.pk)
            # Exactly one history row and one audit event for the move.
            assert after["referral_transitions"] == snapshot["referral_transitions"] + 1
            new_events = Event.objects.for_object(referral).filter(
                pk__gt=snapshot["last_event"], action__startswith="referrals.referral."
            )
            assert list(new_events.values_list("action", flat=True)) == [f"referrals.referral.{to}"]
            assert after["referrals"] == snapshot["referrals"]
            walked.add((before_state, to))
            self._report_follows(to)

        def _report_follows(self, to: str) -> None:
            if to == S.DECLINED:
                self.report_state = ReportState.IN_PROGRESS
            elif to == S.DONE:
                self.report_state = ReportState.RESOLVED
            elif to == S.REOPENED:
                self.report_state = ReportState.REFERRED

        @rule(
            picks=st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=6),
            who=st.sampled_from(sorted(SENDERS)),
            hours=st.integers(min_value=0, max_value=30),
        )
        def advance(self, picks: list[int], who: str, hours: int) -> None:
            """Well-formed next steps by people who may take them, so that runs reach deep states."""
            referral = self.referrals[-1]
            for pick in picks:
                self.now += timedelta(hours=hours)
                state = Referral.objects.get(pk=referral.pk).state
                targets = allowed_targets(state)
                if not targets:
                    return
                to = targets[pick % len(targets)]
                permission = TRANSITIONS[(state, to)].permission
                actor = self.receivers[referral.pk] if permission == RECEIVE else who
                referral_transition(
                    actor=people[actor],
                    referral=referral,
                    to=to,
                    note="یادداشت",
                    planned_date=local_date(self.now) + timedelta(days=7),
                    expected_state=state,
                    now=self.now,
                )
                walked.add((state, to))
                self._report_follows(to)

        @rule(who=st.sampled_from(ACTORS), slug=st.sampled_from(list(agencies)))
        def refer_again(self, who: str | None, slug: str) -> None:
            report_state = Report.objects.get(pk=self.report.pk).state
            snapshot = _snapshot(self.referrals[-1].pk, self.report.pk)
            refused: Exception | None = None
            try:
                self._send(who=who, slug=slug)
            except (PermissionDenied, ConflictError) as exc:
                refused = exc
            if refused is None:
                assert who in SENDERS and report_state in REFERABLE_REPORT_STATES
                return
            if who in SENDERS:
                # Refused only while the report is not open to a referral (it follows an open one, or
                # it is resolved).
                assert type(refused) is TransitionNotAllowed and report_state not in REFERABLE_REPORT_STATES
            else:
                assert type(refused) is PermissionDenied
            assert _snapshot(self.referrals[-1].pk, self.report.pk) == snapshot

        @rule()
        def citizen_reopens_the_report(self) -> None:
            """The citizen says a resolved report is not fixed: the district may refer it again, or
            reopen the referral that resolved it."""
            refused: Exception | None = None
            try:
                report_transition(
                    actor=people["citizen"], report=self.report, to=ReportState.REOPENED, note="درست نشد"
                )
            except ConflictError as exc:
                refused = exc
            if refused is None:
                assert self.report_state == ReportState.RESOLVED
                self.report_state = ReportState.REOPENED
            else:
                assert type(refused) is TransitionNotAllowed
                assert self.report_state != ReportState.RESOLVED

        @invariant()
        def referrals_and_report_agree(self) -> None:
            if not hasattr(self, "report"):
                return
            report = Report.objects.get(pk=self.report.pk)
            rows = list(Referral.objects.filter(report=report).order_by("id"))
            assert [r.pk for r in rows] == [r.pk for r in self.referrals]
            for referral in rows:
                self._check_history(referral)
            assert report.state == self.report_state
            # A report follows one referral at a time, and while it has one it is "referred" to its body.
            open_ones = [r for r in rows if r.state in OPEN_REFERRAL_STATES]
            assert len(open_ones) <= 1
            if open_ones:
                assert report.state == ReportState.REFERRED
                assert report.handler_agency_id == open_ones[0].target_agency_id
            else:
                assert report.state != ReportState.REFERRED

        def _check_history(self, referral: Referral) -> None:
            history = list(ReferralTransition.objects.filter(referral=referral).order_by("at", "id"))
            assert (history[0].from_state, history[0].to_state) == ("", S.SENT)
            assert history[0].at == referral.sent_at
            for earlier, later in itertools.pairwise(history):
                assert later.from_state == earlier.to_state
                assert (later.from_state, later.to_state) in TRANSITIONS
                assert earlier.to_state not in TERMINAL_STATES
                assert later.at >= earlier.at
            assert history[-1].to_state == referral.state
            assert history[-1].at == referral.state_changed_at
            # One audit event per history row, each naming the state reached.
            events = Event.objects.for_object(referral).filter(action__startswith="referrals.referral.")
            assert sorted(e.action for e in events) == sorted(
                f"referrals.referral.{h.to_state}" for h in history
            )
            # A timestamp is set exactly when the referral passed through its state, at the latest pass.
            for state, field in STAMPS.items():
                passes = [h.at for h in history if h.to_state == state]
                assert getattr(referral, field) == (passes[-1] if passes else None), field
            # "Done" holds only while it is done: reopening takes it back.
            done = [h.at for h in history if h.to_state == S.DONE]
            assert referral.done_at == (done[-1] if referral.state == S.DONE else None)
            assert referral.reopen_count == sum(h.to_state == S.REOPENED for h in history)
            if referral.state == S.DECLINED:
                assert referral.decline_reason
            if referral.state == S.ANSWERED:
                assert referral.response and referral.planned_date
            assert referral.acknowledge_due_at <= referral.answer_due_at <= referral.finish_due_at

    ReferralLifecycle.TestCase.settings = settings(
        max_examples=40,
        stateful_step_count=14,
        deadline=None,
        # The same walk every run: a random one that happened to miss a transition would fail the
        # coverage check below by chance.
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    runner: Any = ReferralLifecycle.TestCase("runTest")
    runner.runTest()
    assert walked == set(TRANSITIONS)


def _path_to(state: str) -> list[tuple[str, str]]:
    """The shortest run of transitions from "sent" to `state`."""
    paths: dict[str, list[tuple[str, str]]] = {S.SENT: []}
    frontier = [S.SENT]
    while frontier:
        current = frontier.pop(0)
        for to in allowed_targets(current):
            if to not in paths:
                paths[to] = [*paths[current], (current, to)]
                frontier.append(to)
    return paths[state]


@pytest.mark.parametrize("step", sorted(TRANSITIONS), ids=lambda step: f"{step[0]}-{step[1]}")
def test_every_transition_can_be_taken(referral_world: ReferralWorld, step: tuple[str, str]) -> None:
    """Each row of the table, reached by its shortest path, is taken by the people it names and
    leaves one history row and one audit event per move."""
    w = referral_world
    cache.clear()
    now = SATURDAY_9
    report = report_submit(
        actor=w.people["citizen"],
        city=w.city,
        description="نشت آب از لوله اصلی کوچه",
        lat=w.town.P1[0],
        lng=w.town.P1[1],
        category_slug="water-leak",
        answers={"severity": "high"},
        now=now,
    )
    referral = referral_create(
        actor=w.people["district_officer"],
        report=report,
        target=Target(kind=TargetKind.AGENCY, agency=w.water),
        subject="نشت آب",
        note="لطفاً رسیدگی شود",
        now=now,
    )
    for before, to in [*_path_to(step[0]), step]:
        now += timedelta(hours=2)
        who = "liaison" if TRANSITIONS[(before, to)].permission == RECEIVE else "district_officer"
        referral_transition(
            actor=w.people[who],
            referral=referral,
            to=to,
            note="یادداشت",
            planned_date=local_date(now) + timedelta(days=7),
            expected_state=before,
            now=now,
        )
        referral.refresh_from_db()
        assert referral.state == to
    history = list(ReferralTransition.objects.filter(referral=referral).order_by("at", "id"))
    assert [(h.from_state, h.to_state) for h in history][-1] == step
    assert len(history) == len(_path_to(step[0])) + 2  # the sending, the path, the step
    events = Event.objects.for_object(referral).filter(action__startswith="referrals.referral.")
    assert events.count() == len(history)


@pytest.mark.parametrize("category", ["water-leak", "lighting"])
def test_the_report_keeps_the_answer_it_was_resolved_with(
    referral_world: ReferralWorld, category: str
) -> None:
    """Whoever normally handles the report (an agency for leaks, the area for lighting), once its
    referral is done the report is resolved with the body's answer, at that moment."""
    w = referral_world
    report = report_submit(
        actor=w.people["citizen"],
        city=w.city,
        description="چراغ کوچه و لوله آب",
        lat=w.town.P1[0],
        lng=w.town.P1[1],
        category_slug=category,
        answers={"severity": "high"} if category == "water-leak" else None,
        now=SATURDAY_9,
    )
    referral = referral_create(
        actor=w.people["district_officer"],
        report=report,
        target=Target(kind=TargetKind.AGENCY, agency=w.water),
        subject="نشت آب",
        now=SATURDAY_9,
    )
    liaison = w.people["liaison"]
    for to in (S.ACKNOWLEDGED, S.ACCEPTED):
        referral_transition(actor=liaison, referral=referral, to=to, now=SATURDAY_9)
    referral_transition(
        actor=liaison,
        referral=referral,
        to=S.ANSWERED,
        response="لوله تعویض شد",
        planned_date=date(2026, 12, 1),
        now=SATURDAY_9,
    )
    done_at = SATURDAY_9 + timedelta(hours=2)
    referral_transition(actor=w.people["district_officer"], referral=referral, to=S.DONE, now=done_at)
    report.refresh_from_db()
    assert report.state == ReportState.RESOLVED
    assert (report.resolution_note, report.resolved_at) == ("لوله تعویض شد", done_at)
    assert report.transitions.filter(to_state=ReportState.RESOLVED).get().note == "لوله تعویض شد"


def test_reopening_a_referral_after_the_report_was_referred_elsewhere(referral_world: ReferralWorld) -> None:
    """The paths random runs seldom reach: the citizen reopens a report its referral resolved, the
    district refers it to another body, and then someone reopens the first referral."""
    w = referral_world
    liaison, officer = w.people["liaison"], w.people["district_officer"]
    first = referral_create(
        actor=officer,
        report=w.report,
        target=Target(kind=TargetKind.AGENCY, agency=w.water),
        subject="نشت آب",
        now=SATURDAY_9,
    )
    for to in (S.ACKNOWLEDGED, S.ACCEPTED):
        referral_transition(actor=liaison, referral=first, to=to, now=SATURDAY_9)
    referral_transition(
        actor=liaison,
        referral=first,
        to=S.ANSWERED,
        response="لوله تعویض شد",
        planned_date=date(2026, 12, 1),
        now=SATURDAY_9,
    )
    referral_transition(actor=officer, referral=first, to=S.DONE, now=SATURDAY_9)
    report_transition(actor=w.people["citizen"], report=w.report, to=ReportState.REOPENED, note="درست نشد")
    second = referral_create(
        actor=officer,
        report=w.report,
        target=Target(kind=TargetKind.AGENCY, agency=w.power),
        subject="قطع برق پمپ",
        now=SATURDAY_9,
    )
    # While the second is open, the first cannot be reopened: a clear conflict, nothing written.
    snapshot = _snapshot(first.pk, w.report.pk)
    with pytest.raises(ConflictError) as caught:
        referral_transition(actor=officer, referral=first, to=S.REOPENED, note="باز هم نشت دارد")
    assert type(caught.value) is ConflictError
    assert _snapshot(first.pk, w.report.pk) == snapshot
    # Once the power agency declines it (the report is handed back), the first may be reopened, and the
    # report follows it again.
    referral_transition(actor=w.people["power_liaison"], referral=second, to=S.ACKNOWLEDGED)
    referral_transition(
        actor=w.people["power_liaison"], referral=second, to=S.DECLINED, reason="مربوط به برق نیست"
    )
    assert Report.objects.get(pk=w.report.pk).state == ReportState.IN_PROGRESS
    referral_transition(actor=officer, referral=first, to=S.REOPENED, note="باز هم نشت دارد")
    report = Report.objects.get(pk=w.report.pk)
    assert (report.state, report.handler_agency_id) == (ReportState.REFERRED, w.water.pk)
    assert report.transitions.last().to_state == ReportState.REFERRED
