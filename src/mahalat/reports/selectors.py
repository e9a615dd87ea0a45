"""Reads of citizen reports, already limited to what the person may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from math import asin, cos, radians, sin, sqrt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.models import COUNCIL_ROLES, DISTRICT_ROLES, Role
from mahalat.accounts.rules import held_roles
from mahalat.persian.text import search_key
from mahalat.reports.models import OPEN_STATES, Category, Report, ReportState, ReportTransition
from mahalat.territory.models import unit_bulk

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
        .defer(*unit_bulk("neighborhood", "area", "district"))
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


@dataclass(frozen=True)
class SimilarReport:
    report: Report
    distance_m: float
    similarity: float


def _trigrams(text: str) -> set[str]:
    padded = f"  {text} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similar_open_reports(
    *, city_id: int, category_id: int | None, lat: float, lng: float, text: str, limit: int = 5
) -> list[SimilarReport]:
    """Open public reports of the same category near the point, the most alike first — shown before a
    new report is saved, so the citizen can support one instead of filing a duplicate."""
    if category_id is None:
        return []
    radius = Category.objects.filter(pk=category_id).values_list("duplicate_radius_m", flat=True).first() or 0
    if radius <= 0:
        return []
    dlat = radius / 111_320
    dlng = radius / (111_320 * max(0.1, cos(radians(lat))))
    candidates = (
        Report.objects.filter(
            city_id=city_id,
            category_id=category_id,
            state__in=OPEN_STATES,
            is_public=True,
            lat__range=(lat - dlat, lat + dlat),
            lng__range=(lng - dlng, lng + dlng),
        )
        .select_related("neighborhood", "category")
        .order_by("-submitted_at")[:200]
    )
    mine = _trigrams(search_key(text))
    found = []
    for report in candidates:
        a = (
            sin(radians(report.lat - lat) / 2) ** 2
            + cos(radians(lat)) * cos(radians(report.lat)) * sin(radians(report.lng - lng) / 2) ** 2
        )
        distance = 2 * 6_371_000 * asin(sqrt(a))
        if distance > radius:
            continue
        theirs = _trigrams(report.search_key)
        similarity = len(mine & theirs) / len(mine | theirs) if mine and theirs else 0.0
        found.append(SimilarReport(report, distance, similarity))
    # Near and alike first: a nearby report of the same category is worth showing even if worded apart.
    found.sort(key=lambda s: (-(s.similarity * 0.6 + (1 - s.distance_m / radius) * 0.4), s.report.pk))
    return found[:limit]


def report_history(*, report: Report) -> list[Any]:
    return list(
        ReportTransition.objects.filter(report=report).select_related("actor").order_by("created_at", "id")
    )
