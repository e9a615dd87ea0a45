"""What needs attention today, for the people who run a district or an area: referrals late, escalated,
waiting for an answer or for them to close; citizen reports late or escalated; resolutions past their
deadline; and what waits for their approval (residency claims, council applications, elections to
certify). Also the deputy's attention list of referrals.

Each section is a count and the first rows, with a link to the full list. The number of queries is fixed
whatever the number of rows: one count per kind of thing (several sections counted in one aggregate),
one query for the rows of each section.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mahalat.accounts.models import DISTRICT_ROLES, Role
from mahalat.elections.models import (
    Application,
    ApplicationState,
    Election,
    ElectionState,
    Residency,
    ResidencyState,
)
from mahalat.elections.workflow import REVIEWABLE_CALL_STATES
from mahalat.referrals.models import (
    OPEN_REFERRAL_STATES,
    WAITING_FOR_ANSWER_STATES,
    Referral,
    ReferralEscalation,
    ReferralState,
)
from mahalat.referrals.selectors import overdue_q
from mahalat.reports.models import OPEN_STATES, Report, ReportState
from mahalat.resolutions.models import Resolution
from mahalat.resolutions.selectors import overdue_q as resolution_overdue_q
from mahalat.workspace.selectors import ROWS, active_assignments, decorate_referrals, query_url, referral_rows

TODAY_ROLES = (Role.DISTRICT_MANAGER, Role.DISTRICT_OFFICER, Role.AREA_OFFICER)


@dataclass
class Section:
    key: str
    kind: str  # what a row is: referral, report, resolution, residency, application, election
    title: Promise
    description: Promise
    count: int
    rows: list[Any]
    more_url: str
    more_label: Promise = field(default=_("See them all"))


@dataclass(frozen=True)
class Unit:
    """Where the person works in this role: the districts (district roles) or areas (area officers)."""

    district_ids: frozenset[int]
    area_ids: frozenset[int]

    def place_q(self, *, district: str = "district_id", area: str = "area_id") -> Q:
        q = Q(pk__in=[])
        if self.district_ids:
            q |= Q(**{f"{district}__in": sorted(self.district_ids)})
        if self.area_ids:
            q |= Q(**{f"{area}__in": sorted(self.area_ids)})
        return q

    @property
    def is_district(self) -> bool:
        return bool(self.district_ids)


def unit_of(*, user: Any, role: str) -> Unit:
    """The scopes the person holds `role` over now (one query per user object, then remembered)."""
    held = [a for a in active_assignments(user=user) if a.role == role]
    if role in DISTRICT_ROLES:
        return Unit(frozenset(a.district_id for a in held if a.district_id), frozenset())
    return Unit(frozenset(), frozenset(a.area_id for a in held if a.area_id))


def referral_sections(*, unit: Unit, now: datetime) -> list[Section]:
    """Referrals the unit sent (from its place) or that were sent to it. One count, five row queries."""
    sent = unit.place_q()
    received = unit.place_q(district="target_district_id", area="target_area_id")
    mine = Referral.objects.filter(sent | received)
    late = overdue_q(now)
    escalated = Q(escalation_level__gt=ReferralEscalation.NONE, state__in=OPEN_REFERRAL_STATES)
    to_answer = received & Q(state__in=WAITING_FOR_ANSWER_STATES)
    waiting = sent & Q(state__in=WAITING_FOR_ANSWER_STATES)
    to_close = sent & Q(state=ReferralState.ANSWERED)
    counts = mine.aggregate(
        late=Count("pk", filter=late),
        escalated=Count("pk", filter=escalated),
        to_answer=Count("pk", filter=to_answer),
        waiting=Count("pk", filter=waiting),
        to_close=Count("pk", filter=to_close),
    )
    waiting_states = sorted(WAITING_FOR_ANSWER_STATES)
    specs: list[tuple[str, Q, tuple[str, ...], Promise, Promise, str]] = [
        (
            "late",
            late,
            ("-escalation_level", "answer_due_at"),
            _("Overdue referrals"),
            _("Referrals your unit sent or received that are past a deadline."),
            query_url("referrals:list", due="overdue"),
        ),
        (
            "escalated",
            escalated,
            ("-escalation_level", "escalated_at"),
            _("Escalated referrals"),
            _("Open referrals escalated to the district manager or to the deputy."),
            query_url("referrals:list", escalated="on"),
        ),
        (
            "to_answer",
            to_answer,
            ("answer_due_at",),
            _("Referrals waiting for your answer"),
            _("Referrals sent to your unit that it has not answered yet."),
            query_url("referrals:list", state=waiting_states),
        ),
        (
            "waiting",
            waiting,
            ("answer_due_at",),
            _("Referrals waiting for an answer"),
            _("Referrals your unit sent that the receiving body has not answered yet."),
            query_url("referrals:list", state=waiting_states),
        ),
        (
            "to_close",
            to_close,
            ("answered_at",),
            _("Answered: close or reopen"),
            _("The receiving body answered: check the answer, then confirm it done or reopen it."),
            query_url("referrals:list", state=ReferralState.ANSWERED),
        ),
    ]
    sections = []
    for key, q, order, title, description, more in specs:
        rows = referral_rows(mine.filter(q), *order) if counts[key] else []
        sections.append(
            Section(
                key=f"referrals-{key}",
                kind="referral",
                title=title,
                description=description,
                count=counts[key],
                rows=decorate_referrals(rows, now),
                more_url=more,
            )
        )
    return sections


def report_sections(*, unit: Unit, now: datetime) -> list[Section]:
    """Citizen reports of the unit's place, late or escalated. One count, two row queries."""
    mine = Report.objects.filter(unit.place_q())
    late = Q(state=ReportState.SUBMITTED, triage_due_at__lt=now) | Q(
        state__in=OPEN_STATES, resolve_due_at__lt=now
    )
    escalated = Q(escalation_level__gt=0, state__in=OPEN_STATES)
    counts = mine.aggregate(late=Count("pk", filter=late), escalated=Count("pk", filter=escalated))
    inbox = reverse("workspace:inbox")
    specs = [
        (
            "late",
            late,
            ("resolve_due_at",),
            _("Overdue citizen reports"),
            _("Open reports past their triage or resolution deadline."),
            f"{inbox}?overdue=on",
        ),
        (
            "escalated",
            escalated,
            ("-escalation_level", "escalated_at"),
            _("Escalated citizen reports"),
            _("Open reports escalated to the district or to the deputy's attention list."),
            f"{inbox}?escalation=1",
        ),
    ]
    sections = []
    for key, q, order, title, description, more in specs:
        rows: list[Report] = []
        if counts[key]:
            rows = list(
                mine.filter(q).select_related("category", "neighborhood").order_by(*order, "id")[:ROWS]
            )
        for report in rows:
            report.is_late = (report.state == ReportState.SUBMITTED and report.triage_due_at < now) or (
                report.state in OPEN_STATES and report.resolve_due_at < now
            )
        sections.append(
            Section(
                key=f"reports-{key}",
                kind="report",
                title=title,
                description=description,
                count=counts[key],
                rows=rows,
                more_url=more,
            )
        )
    return sections


def _counted(
    qs: QuerySet[Any],
    *,
    key: str,
    kind: str,
    title: Promise,
    description: Promise,
    more_url: str,
    order: tuple[str, ...],
) -> Section:
    count = qs.count()
    rows = list(qs.order_by(*order, "id")[:ROWS]) if count else []
    return Section(
        key=key, kind=kind, title=title, description=description, count=count, rows=rows, more_url=more_url
    )


def resolution_section(*, unit: Unit) -> Section:
    qs = (
        Resolution.objects.filter(unit.place_q())
        .filter(resolution_overdue_q())
        .select_related("neighborhood", "responsible_agency", "area", "district")
    )
    return _counted(
        qs,
        key="resolutions-late",
        kind="resolution",
        title=_("Overdue council resolutions"),
        description=_("Resolutions of your neighborhoods' councils still open after their deadline."),
        more_url=query_url("resolutions:staff-list", overdue="on"),
        order=("deadline",),
    )


def approval_sections(*, unit: Unit) -> list[Section]:
    """What waits for the unit's decision: residency claims (district and area staff verify them);
    council applications and elections to certify (the district's)."""
    sections = [
        _counted(
            Residency.objects.filter(unit.place_q(), state=ResidencyState.CLAIMED).select_related(
                "neighborhood", "user"
            ),
            key="approvals-residency",
            kind="residency",
            title=_("Residents waiting for verification"),
            description=_("People who say they live in your neighborhoods; only verified residents vote."),
            more_url=reverse("elections:staff-residency"),
            order=("claimed_at",),
        )
    ]
    if unit.is_district:
        sections.append(
            _counted(
                Application.objects.filter(
                    unit.place_q(), state=ApplicationState.SUBMITTED, call__state__in=REVIEWABLE_CALL_STATES
                ).select_related("neighborhood", "seat_type", "call"),
                key="approvals-applications",
                kind="application",
                title=_("Council applications to review"),
                description=_("Applications to open registration calls, waiting to be accepted or rejected."),
                more_url=reverse("elections:staff-calls"),
                order=("submitted_at",),
            )
        )
        sections.append(
            _counted(
                Election.objects.filter(unit.place_q(), state=ElectionState.CLOSED).select_related(
                    "neighborhood", "seat_type"
                ),
                key="approvals-elections",
                kind="election",
                title=_("Elections to certify"),
                description=_("Polls have closed; the results wait for the district to certify them."),
                more_url=reverse("elections:staff-elections"),
                order=("closes_at",),
            )
        )
    return sections


def today_sections(*, user: Any, role: str, now: datetime) -> list[Section]:
    """Every section of the "today" page of a person in `role`, for the places they hold it over."""
    unit = unit_of(user=user, role=role)
    return [
        *referral_sections(unit=unit, now=now),
        *report_sections(unit=unit, now=now),
        resolution_section(unit=unit),
        *approval_sections(unit=unit),
    ]
