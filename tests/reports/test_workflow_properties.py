"""No sequence of calls, by anyone, in any order, reaches an invalid state."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from mahalat.errors import ConflictError
from mahalat.referrals.models import OPEN_REFERRAL_STATES, Referral, TargetKind
from mahalat.referrals.services import Target, referral_create
from mahalat.reports.models import Report, ReportState, ReportTransition
from mahalat.reports.services import report_submit, report_transition
from mahalat.reports.workflow import TERMINAL_STATES, TRANSITIONS

ACTORS = [
    "citizen",
    "neighbor",
    "area_officer",
    "district_officer",
    "deputy",
    "liaison",
    "council_chair",
    None,
]


@pytest.mark.django_db
def test_no_call_sequence_reaches_an_invalid_state(town) -> None:
    class ReportLifecycle(RuleBasedStateMachine):
        @initialize(anonymous=st.booleans())
        def submit(self, anonymous: bool) -> None:
            cache.clear()  # each run starts with no SMS throttling left over from the one before
            self.report = report_submit(
                actor=None if anonymous else town.people["citizen"],
                city=town.city,
                description="گودال بزرگ در آسفالت",
                lat=town.P1[0],
                lng=town.P1[1],
                category_slug="lighting",
                phone="09121112222" if anonymous else None,
            )
            self.original = report_submit(
                actor=town.people["neighbor"],
                city=town.city,
                description="اصلی",
                lat=town.P1[0],
                lng=town.P1[1],
                category_slug="lighting",
            )
            self.expected = self.report.state

        @rule(
            to=st.sampled_from(ReportState.values),
            who=st.sampled_from(ACTORS),
            note=st.sampled_from(["", "یادداشت"]),
            with_original=st.booleans(),
        )
        def act(self, to: str, who: str | None, note: str, with_original: bool) -> None:
            before = Report.objects.get(pk=self.report.pk).state
            try:
                report_transition(
                    actor=town.people[who] if who else None,
                    report=self.report,
                    to=to,
                    note=note,
                    duplicate_of=self.original if with_original else None,
                )
            except (PermissionDenied, ValidationError, ConflictError):
                assert Report.objects.get(pk=self.report.pk).state == before
                return
            assert (before, to) in TRANSITIONS
            # Only a referral refers a report: a direct call never does.
            assert to != ReportState.REFERRED
            self.expected = to

        @rule(who=st.sampled_from([w for w in ACTORS if w is not None]))
        def refer(self, who: str) -> None:
            """The one way to refer a report: a referral to the water agency, by whoever tries."""
            before = Report.objects.get(pk=self.report.pk).state
            try:
                referral_create(
                    actor=town.people[who],
                    report=self.report,
                    target=Target(kind=TargetKind.AGENCY, agency=town.water),
                    subject="نشت آب",
                )
            except (PermissionDenied, ValidationError, ConflictError):
                assert Report.objects.get(pk=self.report.pk).state == before
                return
            assert (before, ReportState.REFERRED) in TRANSITIONS or before == ReportState.SUBMITTED
            self.expected = ReportState.REFERRED

        @invariant()
        def state_is_valid_and_explained(self) -> None:
            report = Report.objects.get(pk=self.report.pk)
            assert report.state == self.expected
            history = list(ReportTransition.objects.filter(report=report).order_by("id"))
            assert history[0].from_state == ""
            for earlier, later in itertools.pairwise(history):
                assert later.from_state == earlier.to_state
                assert earlier.to_state not in TERMINAL_STATES
            assert history[-1].to_state == report.state
            if report.state == ReportState.DUPLICATE:
                assert report.duplicate_of_id == self.original.pk
            if report.state == ReportState.REJECTED:
                assert report.rejection_reason
            if report.state == ReportState.RESOLVED:
                assert report.resolved_at and report.resolution_note
            if report.state == ReportState.CLOSED:
                assert report.closed_at
            if report.state == ReportState.REFERRED:
                assert report.handler_agency_id == town.water.pk
                # A referred report follows an open referral.
                assert Referral.objects.filter(report=report, state__in=OPEN_REFERRAL_STATES).exists()

    ReportLifecycle.TestCase.settings = settings(
        max_examples=40,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    runner: Any = ReportLifecycle.TestCase("runTest")
    runner.runTest()
