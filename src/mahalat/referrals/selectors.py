"""Reads about agencies and referrals, already limited to what the user may see, with what a list or a
page needs fetched in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import COUNCIL_ROLES, DISTRICT_ROLES, Role
from mahalat.accounts.rules import has_permission, held_roles, is_superuser
from mahalat.referrals.models import (
    OPEN_REFERRAL_STATES,
    WAITING_FOR_ANSWER_STATES,
    Agency,
    Referral,
    ReferralState,
    ReferralTransition,
    ServiceAgreement,
)
from mahalat.reports.models import Report
from mahalat.worktime.calendar import TEHRAN, local_date

# --- visibility -----------------------------------------------------------------------------------------


def visible_referrals_q(user: Any) -> Q | None:
    """The referrals `user` may see, as one Q (None: everything; an empty match: nothing). Mirrors
    the permission `referrals.view_referral`: readers of the sender's place, and the receiving body."""
    if is_superuser(user):
        return None
    q = Q(pk__in=[])
    for held in held_roles(user):
        s = held.scope
        if held.role in {Role.DEPUTY, Role.CITY_COUNCIL, Role.ADMINISTRATOR}:
            q |= Q(city_id=s.city_id)
        elif held.role in DISTRICT_ROLES:
            q |= Q(district_id=s.district_id) | Q(target_district_id=s.district_id)
        elif held.role == Role.AREA_OFFICER:
            q |= Q(area_id=s.area_id) | Q(target_area_id=s.area_id)
        elif held.role in COUNCIL_ROLES:
            q |= Q(neighborhood_id=s.neighborhood_id)
        elif held.role == Role.AGENCY_LIAISON:
            q |= Q(target_agency_id=s.agency_id)
    return q


def overdue_q(now: datetime) -> Q:
    """Open referrals past a deadline that still binds in their state."""
    return (
        Q(state=ReferralState.SENT, acknowledge_due_at__lt=now)
        | Q(state__in=WAITING_FOR_ANSWER_STATES, answer_due_at__lt=now)
        | Q(state__in=OPEN_REFERRAL_STATES, finish_due_at__lt=now)
    )


def _next_due_q(start: datetime, end: datetime) -> Q:
    """Open referrals whose binding deadline falls in [start, end)."""
    return (
        Q(state=ReferralState.SENT, acknowledge_due_at__gte=start, acknowledge_due_at__lt=end)
        | Q(
            state__in=WAITING_FOR_ANSWER_STATES - {ReferralState.SENT},
            answer_due_at__gte=start,
            answer_due_at__lt=end,
        )
        | Q(state=ReferralState.ANSWERED, finish_due_at__gte=start, finish_due_at__lt=end)
    )


# --- lists ----------------------------------------------------------------------------------------------

DUE_CHOICES = ("overdue", "today", "week")


@dataclass
class ReferralFilters:
    states: list[str] = field(default_factory=list)
    agency_id: int | None = None
    district_id: int | None = None  # the sending district
    target_district_id: int | None = None
    target_area_id: int | None = None
    neighborhood_id: int | None = None
    due: str = ""  # "overdue", "today" (due before tonight), "week" (within seven days)
    escalated: bool = False
    source: str = ""
    query: str = ""  # words of the subject, a report's tracking code or a referral number


def referral_list(
    *, user: Any, city_id: int | None = None, filters: ReferralFilters | None = None
) -> QuerySet[Referral]:
    """The referrals the user may see, filtered, newest first, with what a list row shows (joins only)."""
    filters = filters or ReferralFilters()
    qs = Referral.objects.all()
    visible = visible_referrals_q(user)
    if visible is not None:
        qs = qs.filter(visible)
    if city_id is not None:
        qs = qs.filter(city_id=city_id)
    f = filters
    if f.states:
        qs = qs.filter(state__in=[s for s in f.states if s in ReferralState.values])
    if f.agency_id:
        qs = qs.filter(target_agency_id=f.agency_id)
    if f.district_id:
        qs = qs.filter(district_id=f.district_id)
    if f.target_district_id:
        qs = qs.filter(target_district_id=f.target_district_id)
    if f.target_area_id:
        qs = qs.filter(target_area_id=f.target_area_id)
    if f.neighborhood_id:
        qs = qs.filter(neighborhood_id=f.neighborhood_id)
    if f.source:
        qs = qs.filter(source_kind=f.source)
    if f.escalated:
        qs = qs.filter(escalation_level__gt=0, state__in=OPEN_REFERRAL_STATES)
    now = timezone.now()
    if f.due == "overdue":
        qs = qs.filter(overdue_q(now))
    elif f.due == "today":
        tonight = datetime.combine(local_date(now) + timedelta(days=1), datetime.min.time(), tzinfo=TEHRAN)
        qs = qs.filter(overdue_q(now) | _next_due_q(now, tonight))
    elif f.due == "week":
        qs = qs.filter(overdue_q(now) | _next_due_q(now, now + timedelta(days=7)))
    text = (f.query or "").strip()
    if text:
        from mahalat.persian.digits import to_ascii_digits

        ascii_text = to_ascii_digits(text).lstrip("#")
        match = Q(subject__icontains=text)
        if ascii_text.isdigit():
            match |= Q(pk=int(ascii_text)) if len(ascii_text) < 10 else Q(report__tracking_code=ascii_text)
        qs = qs.filter(match)
    return qs.select_related(
        "target_agency", "target_district", "target_area", "district", "neighborhood", "report"
    ).order_by("-sent_at", "-id")


# --- one referral ---------------------------------------------------------------------------------------


def referral_for_view(*, user: Any, referral_id: int) -> Referral:
    """One referral with its history, attachments and deliveries; 404 when it does not exist, 403 when
    the user may not see it. A fixed number of queries."""
    referral = (
        Referral.objects.select_related(
            "city",
            "district",
            "area",
            "neighborhood",
            "target_agency",
            "target_district",
            "target_area",
            "suggested_agency",
            "category",
            "sent_by",
            "report__reporter",
            "resolution",
        )
        .prefetch_related(
            Prefetch(
                "transitions",
                queryset=ReferralTransition.objects.select_related("actor").order_by("at", "id"),
            ),
            "attachments",
        )
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise Http404(_("There is no such referral."))
    if not has_permission(user, "referrals.view_referral", referral):
        raise PermissionDenied(_("You do not have permission to do this here."))
    return referral


@dataclass(frozen=True, slots=True)
class ReporterContact:
    name: str
    phone: str
    email: str


def reporter_contact(*, user: Any, referral: Referral) -> ReporterContact | None:
    """The reporter's contact details, for the sending side, and for the receiving body only when the
    sender chose to share them; None otherwise (and for referrals not made from a report)."""
    report = referral.report if referral.report_id else None
    if report is None or not has_permission(user, "referrals.view_reporter_contact", referral):
        return None
    person = report.reporter
    return ReporterContact(
        name=person.full_name if person else "",
        phone=person.phone_local if person else report.reporter_phone,
        email=person.email if person else "",
    )


# --- for the citizen ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicReferral:
    """What the citizen sees of a referral of their report: who has it, since when, what they said."""

    body: str
    state: str
    state_label: str
    sent_at: datetime
    acknowledged_at: datetime | None
    answered_at: datetime | None
    response: str
    planned_date: date | None
    declined_at: datetime | None
    decline_reason: str
    suggested_body: str
    done_at: datetime | None


def report_referrals_public(*, report: Report) -> list[PublicReferral]:
    """The referrals of a report, oldest first, in terms a citizen may read (no internal notes). One query."""
    rows = (
        Referral.objects.filter(report=report)
        .select_related("target_agency", "target_district", "target_area")
        .order_by("sent_at", "id")
    )
    return [
        PublicReferral(
            body=r.target_label,
            state=r.state,
            state_label=str(ReferralState(r.state).label),
            sent_at=r.sent_at,
            acknowledged_at=r.acknowledged_at,
            answered_at=r.answered_at,
            response=r.response,
            planned_date=r.planned_date,
            declined_at=r.declined_at,
            decline_reason=r.decline_reason,
            suggested_body=r.suggested_body,
            done_at=r.done_at,
        )
        for r in rows
    ]


# --- agencies -------------------------------------------------------------------------------------------


def agencies_of_city(*, city_id: int, active_only: bool = True) -> QuerySet[Agency]:
    qs = Agency.objects.filter(city_id=city_id)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.prefetch_related("districts").order_by("name")


def agencies_serving(*, district_id: int) -> QuerySet[Agency]:
    """Active agencies whose jurisdiction covers the district: those a district may refer to."""
    return (
        Agency.objects.filter(is_active=True)
        .filter(Q(is_citywide=True) | Q(districts__id=district_id))
        .filter(city__districts__id=district_id)
        .distinct()
        .order_by("name")
    )


def agreements_of(*, city_id: int, agency_id: int | None) -> QuerySet[ServiceAgreement]:
    """An agency's agreements (or, with `agency_id=None`, those between municipal units), default first."""
    body = Q(agency_id=agency_id) if agency_id is not None else Q(agency__isnull=True, city_id=city_id)
    return (
        ServiceAgreement.objects.filter(body)
        .select_related("category", "updated_by")
        .order_by(F("category__position").asc(nulls_first=True), "category__name", "id")
    )
