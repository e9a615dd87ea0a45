"""Reads the dashboards need beyond `insights.selectors`: one indicator's values for many places in a
month, the last month with values, outlines of places, and circulars a district has not acknowledged.
Each is one query whatever the number of places; none touches reports or meetings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from mahalat.insights.catalog import ScopeKind
from mahalat.insights.models import IndicatorValue
from mahalat.insights.periods import Month, month_of, months_q
from mahalat.policies.models import Acknowledgement, PolicyState
from mahalat.referrals.models import Agency
from mahalat.territory.models import Area, City, District, Neighborhood

_TERRITORY_MODELS: dict[str, type[models.Model]] = {
    ScopeKind.CITY: City,
    ScopeKind.DISTRICT: District,
    ScopeKind.AREA: Area,
    ScopeKind.NEIGHBORHOOD: Neighborhood,
}

# (value, sample) of one place for one indicator and month.
Cell = tuple[float | None, int]


def latest_month(*, city_id: int) -> Month:
    """The last whole month the city has values for: a dashboard opens on a finished month, since the
    current one is still filling up (its reports are days, not a month); the current month when there is
    nothing earlier. Read from the city's own rows (every refreshed month has them), newest first along
    the scope index: one short index scan however many places and months are stored."""
    current = month_of(timezone.now())
    row = (
        IndicatorValue.objects.filter(scope_kind=ScopeKind.CITY, scope_id=city_id, value__isnull=False)
        .filter(Q(year__lt=current[0]) | Q(year=current[0], month__lt=current[1]))
        .order_by("-year", "-month")
        .values_list("year", "month")
        .first()
    )
    return (row[0], row[1]) if row else current


def values_grid(
    *,
    city_id: int,
    kind: str,
    codes: Iterable[str],
    months: Iterable[Month],
    scope_ids: Iterable[int] | None = None,
) -> dict[tuple[str, int, Month], Cell]:
    """Values of indicators × places of a kind × months, keyed by (code, scope id, month). One query."""
    qs = IndicatorValue.objects.filter(
        months_q(list(months)), city_id=city_id, scope_kind=kind, code__in=list(codes)
    )
    if scope_ids is not None:
        qs = qs.filter(scope_id__in=list(scope_ids))
    return {
        (code, scope_id, (year, month)): (value, sample)
        for code, scope_id, year, month, value, sample in qs.values_list(
            "code", "scope_id", "year", "month", "value", "sample"
        )
    }


def outlines(*, kind: str, ids: Iterable[int]) -> dict[int, Any]:
    """The GeoJSON boundary of each place of a territory kind (places without one are left out)."""
    model = _TERRITORY_MODELS[kind]
    rows = model.objects.filter(pk__in=list(ids), boundary__isnull=False).values_list("pk", "boundary")  # type: ignore[attr-defined]
    return {pk: boundary for pk, boundary in rows if boundary}


def city_agencies(*, city_id: int) -> list[Agency]:
    return list(Agency.objects.filter(city_id=city_id).order_by("pk"))


@dataclass(frozen=True)
class Waiting:
    """One district that has not yet acknowledged a published circular."""

    policy_id: int
    title: str
    kind_label: str
    district_name: str
    published_at: datetime | None
    days: int


def pending_acknowledgements(
    *, city_id: int, district_id: int | None = None, limit: int = 50
) -> list[Waiting]:
    """Published policies and circulars not yet acknowledged, one line per silent district, the longest
    waiting first. One query."""
    qs = Acknowledgement.objects.filter(
        city_id=city_id, acknowledged_at__isnull=True, policy__state=PolicyState.PUBLISHED
    ).select_related("policy", "district")
    if district_id is not None:
        qs = qs.filter(district_id=district_id)
    now = timezone.now()
    out: list[Waiting] = []
    for ack in qs.order_by("policy__published_at", "policy_id", "district__number", "district_id")[:limit]:
        published = ack.policy.published_at
        out.append(
            Waiting(
                policy_id=ack.policy_id,
                title=ack.policy.title,
                kind_label=str(ack.policy.get_kind_display()),
                district_name=str(ack.district),
                published_at=published,
                days=max((now - published).days, 0) if published else 0,
            )
        )
    return out
