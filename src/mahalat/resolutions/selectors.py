"""Reads of council resolutions, already limited to what the person may see, in a fixed number of
queries whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import COUNCIL_ROLES, DISTRICT_ROLES, Role
from mahalat.accounts.rules import held_roles
from mahalat.reports.models import Report
from mahalat.reports.selectors import visibility_q as report_visibility_q
from mahalat.resolutions.models import (
    OPEN_RESOLUTION_STATES,
    Milestone,
    Resolution,
    ResolutionEscalation,
    ResolutionState,
    ResolutionTransition,
)

_CITY_READERS = {Role.ADMINISTRATOR, Role.DEPUTY, Role.CITY_COUNCIL}


def today() -> date:
    return timezone.localdate()


def overdue_q(*, on: date | None = None) -> Q:
    """Open and past its deadline (the deadline day itself is still on time)."""
    return Q(state__in=OPEN_RESOLUTION_STATES, deadline__lt=on or today())


def role_q(*, user: Any) -> Q:
    """The resolutions the person's roles cover (public or not): the rule of view_resolution's readers."""
    covered = Q(pk__in=[])
    for held in held_roles(user):
        scope = held.scope
        if held.role in _CITY_READERS:
            covered |= Q(city_id=scope.city_id)
        elif held.role in DISTRICT_ROLES:
            covered |= Q(district_id=scope.district_id)
        elif held.role == Role.AREA_OFFICER:
            covered |= Q(area_id=scope.area_id)
        elif held.role in COUNCIL_ROLES:
            covered |= Q(neighborhood_id=scope.neighborhood_id)
        elif held.role == Role.AGENCY_LIAISON:
            covered |= Q(responsible_agency_id=scope.agency_id)
    return covered


def visibility_q(*, user: Any) -> Q:
    """Public resolutions, and the private ones the person's roles cover."""
    visible = Q(is_public=True)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return visible
    if user.is_superuser:
        return Q()
    return visible | role_q(user=user)


@dataclass(frozen=True)
class ResolutionFilters:
    council: int | None = None
    neighborhood: str | None = None  # slug
    neighborhood_id: int | None = None
    state: list[str] | None = None
    overdue: bool | None = None
    year: int | None = None
    responsible_kind: str | None = None
    responsible_agency: str | None = None  # slug
    escalation_level: int | None = None


def _with_related(qs: QuerySet[Resolution], *, user: Any = None) -> QuerySet[Resolution]:
    """The rows a page shows with each resolution: milestones, and the linked reports the person may see."""
    reports = (
        Report.objects.filter(report_visibility_q(user=user))
        .only("id", "tracking_code", "is_public", "state")
        .order_by("id")
    )
    return qs.select_related("neighborhood", "area", "district", "responsible_agency").prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "position", "id")),
        Prefetch("reports", queryset=reports),
    )


def apply_filters(qs: QuerySet[Resolution], filters: ResolutionFilters) -> QuerySet[Resolution]:
    if filters.council is not None:
        qs = qs.filter(council_id=filters.council)
    if filters.neighborhood:
        qs = qs.filter(neighborhood__slug=filters.neighborhood)
    if filters.neighborhood_id is not None:
        qs = qs.filter(neighborhood_id=filters.neighborhood_id)
    if filters.state:
        qs = qs.filter(state__in=filters.state)
    if filters.overdue is not None:
        qs = qs.filter(overdue_q()) if filters.overdue else qs.exclude(overdue_q())
    if filters.year is not None:
        qs = qs.filter(jalali_year=filters.year)
    if filters.responsible_kind:
        qs = qs.filter(responsible_kind=filters.responsible_kind)
    if filters.responsible_agency:
        qs = qs.filter(responsible_agency__slug=filters.responsible_agency)
    if filters.escalation_level is not None:
        qs = qs.filter(escalation_level=filters.escalation_level)
    return qs


def resolution_list(*, user: Any, filters: ResolutionFilters) -> QuerySet[Resolution]:
    """What the person may see, filtered, newest number first, with milestones and reports prefetched."""
    qs = Resolution.objects.filter(visibility_q(user=user))
    return _with_related(apply_filters(qs, filters), user=user).order_by("-adopted_at", "-id")


def staff_resolution_list(*, user: Any, filters: ResolutionFilters) -> QuerySet[Resolution]:
    """The resolutions the person's roles cover (their tracker at work), the nearest deadline first."""
    qs = Resolution.objects.all() if user.is_superuser else Resolution.objects.filter(role_q(user=user))
    return _with_related(apply_filters(qs, filters), user=user).order_by("deadline", "id")


def deputy_attention_list(*, user: Any, filters: ResolutionFilters | None = None) -> QuerySet[Resolution]:
    """Resolutions escalated to the deputy and still open, in the person's scope, the longest late first."""
    qs = staff_resolution_list(user=user, filters=filters or ResolutionFilters()).filter(
        escalation_level=ResolutionEscalation.DEPUTY, state__in=OPEN_RESOLUTION_STATES
    )
    return qs.order_by("deadline", "id")


def resolution_get(*, user: Any, pk: int) -> Resolution:
    resolution = (
        _with_related(Resolution.objects.filter(visibility_q(user=user), pk=pk), user=user)
        .select_related("council", "meeting", "agenda_item", "city")
        .first()
    )
    if resolution is None:
        raise Http404(_("There is no such resolution."))
    return resolution


def resolution_history(*, resolution: Resolution) -> list[ResolutionTransition]:
    return list(
        ResolutionTransition.objects.filter(resolution=resolution)
        .select_related("actor")
        .order_by("at", "id")
    )


@dataclass(frozen=True)
class Summary:
    total: int
    open: int
    done: int
    not_feasible: int
    overdue: int
    done_on_time: int

    @property
    def on_time_percent(self) -> int | None:
        """Of the resolutions whose deadline has come (finished or late), the share done by it."""
        due = self.done + self.overdue
        return round(100 * self.done_on_time / due) if due else None


def summarize(qs: QuerySet[Resolution]) -> Summary:
    """Counts over a set of resolutions, in one query."""
    # "Done on time": finished on or before the deadline day (finished_at is a moment; compared by day).
    done = Q(state=ResolutionState.DONE)
    row = qs.order_by().aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(state__in=OPEN_RESOLUTION_STATES)),
        done=Count("id", filter=done),
        not_feasible=Count("id", filter=Q(state=ResolutionState.NOT_FEASIBLE)),
        overdue=Count("id", filter=overdue_q()),
        done_on_time=Count("id", filter=done & Q(finished_at__date__lte=F("deadline"))),
    )
    return Summary(**{k: v or 0 for k, v in row.items()})


def accountability_list(*, neighborhood_id: int, filters: ResolutionFilters) -> QuerySet[Resolution]:
    """The public resolutions of every council (all terms) of one neighborhood."""
    qs = Resolution.objects.filter(neighborhood_id=neighborhood_id, is_public=True)
    return _with_related(apply_filters(qs, filters)).order_by("-jalali_year", "-sequence", "-id")


def accountability_years(*, neighborhood_id: int) -> list[int]:
    return list(
        Resolution.objects.filter(neighborhood_id=neighborhood_id, is_public=True)
        .order_by("-jalali_year")
        .values_list("jalali_year", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class TrackerPanel:
    summary: Summary
    counts: dict[str, int]
    overdue: list[Resolution]
    recent: list[Resolution]


def tracker_panel(*, user: Any, council_id: int, limit: int = 5) -> TrackerPanel:
    """The council workspace's tracker: counts by state, the overdue ones, the latest ones (4 queries)."""
    qs = Resolution.objects.filter(visibility_q(user=user), council_id=council_id)
    counts = dict(qs.order_by().values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    summary = summarize(qs)
    related = qs.select_related("responsible_agency")
    overdue = list(related.filter(overdue_q()).order_by("deadline", "id")[:limit])
    recent = list(related.order_by("-adopted_at", "-id")[:limit])
    return TrackerPanel(summary=summary, counts=counts, overdue=overdue, recent=recent)


def resolutions_of_report(*, user: Any, report: Report) -> list[Resolution]:
    """The resolutions a citizen report is linked to, that the person may see (one query)."""
    return list(
        Resolution.objects.filter(visibility_q(user=user), reports=report)
        .select_related("responsible_agency")
        .order_by("-adopted_at", "-id")
    )
