"""Reads of citizen reports, already limited to what the person may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import COUNCIL_ROLES, DISTRICT_ROLES, Role
from mahalat.accounts.rules import held_roles
from mahalat.persian.text import search_key
from mahalat.reports.models import OPEN_STATES, Report, ReportState

_CITY_READERS = {Role.ADMINISTRATOR, Role.DEPUTY, Role.CITY_COUNCIL}


def visibility_q(*, user: Any) -> Q:
    """Public reports, the person's own, and what their roles cover (the rule of reports.view_report)."""
    visible = Q(is_public=True) & ~Q(state=ReportState.UNVERIFIED)
    if user is None or not getattr(user, "is_authenticated", False):
        return visible
    if user.is_superuser:
        return Q()
    visible |= Q(reporter_id=user.pk)
    for held in held_roles(user):
        scope = held.scope
        if held.role in _CITY_READERS:
            visible |= Q(city_id=scope.city_id)
        elif held.role in DISTRICT_ROLES:
            visible |= Q(district_id=scope.district_id)
        elif held.role == Role.AREA_OFFICER:
            visible |= Q(area_id=scope.area_id)
        elif held.role in COUNCIL_ROLES:
            visible |= Q(neighborhood_id=scope.neighborhood_id)
        elif held.role == Role.AGENCY_LIAISON:
            visible |= Q(handler_agency_id=scope.agency_id)
    return visible


@dataclass(frozen=True)
class ReportFilters:
    state: list[str] | None = None
    category: str | None = None
    neighborhood: str | None = None
    district: str | None = None
    area: str | None = None
    overdue: bool | None = None
    q: str | None = None
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    mine: bool = False


def report_list(*, user: Any, filters: ReportFilters) -> QuerySet[Report]:
    qs = (
        Report.objects.filter(visibility_q(user=user))
        .select_related("category", "neighborhood", "area", "district", "handler_agency", "reporter")
        .order_by("-submitted_at", "-id")
    )
    if filters.state:
        qs = qs.filter(state__in=filters.state)
    if filters.category:
        qs = qs.filter(category__slug=filters.category)
    if filters.neighborhood:
        qs = qs.filter(neighborhood__slug=filters.neighborhood)
    if filters.district:
        qs = qs.filter(district__slug=filters.district)
    if filters.area:
        qs = qs.filter(area__slug=filters.area)
    if filters.overdue is not None:
        now = timezone.now()
        late = Q(state=ReportState.SUBMITTED, triage_due_at__lt=now) | Q(
            state__in=OPEN_STATES, resolve_due_at__lt=now
        )
        qs = qs.filter(late) if filters.overdue else qs.exclude(late)
    if filters.q:
        key = search_key(filters.q)
        if key:
            qs = qs.filter(search_key__contains=key)
    if filters.submitted_from:
        qs = qs.filter(submitted_at__gte=filters.submitted_from)
    if filters.submitted_to:
        qs = qs.filter(submitted_at__lt=filters.submitted_to)
    if filters.mine:
        qs = qs.filter(reporter_id=getattr(user, "pk", None))
    return qs


def report_get(*, user: Any, tracking_code: str) -> Report:
    report = (
        Report.objects.filter(visibility_q(user=user), tracking_code=tracking_code.strip())
        .select_related("category", "neighborhood", "area", "district", "city", "handler_agency", "reporter")
        .first()
    )
    if report is None:
        raise Http404(
            _("There is no report with the tracking code “%(code)s”.") % {"code": tracking_code[:20]}
        )
    return report
