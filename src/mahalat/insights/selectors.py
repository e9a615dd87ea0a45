"""Reads of pre-computed indicator values: a place's series with targets and statuses, and the
early-warning list. Each reads a fixed number of queries, and only `IndicatorValue` rows, never the
reports or meetings they were computed from."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mahalat.insights.catalog import TERRITORY_KINDS, Direction, Indicator, ScopeKind, indicators
from mahalat.insights.models import IndicatorTarget, IndicatorValue, RefreshState
from mahalat.insights.periods import Month, month_add, month_label, month_of, months_q
from mahalat.persian.text import localized_name
from mahalat.referrals.models import Agency
from mahalat.territory.models import Area, City, District, Neighborhood
from mahalat.territory.scope import Scope

# Falling: worse than three months earlier by more than this share of the earlier value.
FALLING_THRESHOLD = 0.2


class Status(models.TextChoices):
    GREEN = "green", _("On target")
    AMBER = "amber", _("Near the target")
    RED = "red", _("Behind the target")
    NONE = "none", _("No target or no value")


def status(value: float | None, target: float | None, direction: str, amber_band: float = 10.0) -> str:
    """Green when the value reaches the target (≥ for "higher is better", ≤ for "lower is better");
    amber when it misses by at most `amber_band` % of the target; red when it misses by more;
    none when there is no value or no target."""
    if value is None or target is None:
        return Status.NONE
    margin = abs(target) * amber_band / 100
    miss = target - value if direction == Direction.HIGHER else value - target
    if miss <= 0:
        return Status.GREEN
    return Status.AMBER if miss <= margin else Status.RED


# --- places ---------------------------------------------------------------------------------------------

_MODELS: dict[str, type[models.Model]] = {
    ScopeKind.CITY: City,
    ScopeKind.DISTRICT: District,
    ScopeKind.AREA: Area,
    ScopeKind.NEIGHBORHOOD: Neighborhood,
    ScopeKind.AGENCY: Agency,
}


@dataclass(frozen=True)
class Place:
    """A scope indicators are computed for, with what the permission rules need to know of it."""

    kind: str
    pk: int
    slug: str
    name: str
    city_id: int
    district_id: int | None = None
    area_id: int | None = None

    @property
    def scope(self) -> Scope:
        if self.kind == ScopeKind.AGENCY:
            return Scope(city_id=self.city_id, agency_id=self.pk)
        return Scope(
            city_id=self.city_id,
            district_id=self.district_id,
            area_id=self.area_id,
            neighborhood_id=self.pk if self.kind == ScopeKind.NEIGHBORHOOD else None,
        )

    @property
    def is_public(self) -> bool:
        return self.kind in TERRITORY_KINDS


def _place(kind: str, row: models.Model) -> Place:
    name = localized_name(name=row.name, name_en=row.name_en)  # type: ignore[attr-defined]
    if kind == ScopeKind.CITY:
        return Place(kind, row.pk, row.slug, name, city_id=row.pk)  # type: ignore[attr-defined]
    ids = {
        "district_id": row.pk if kind == ScopeKind.DISTRICT else getattr(row, "district_id", None),
        "area_id": row.pk if kind == ScopeKind.AREA else getattr(row, "area_id", None),
    }
    return Place(kind, row.pk, row.slug, name, city_id=row.city_id, **ids)  # type: ignore[attr-defined]


def place_by_slug(kind: str, slug: str) -> Place | None:
    model = _MODELS[kind]
    row = model.objects.filter(slug=slug).first()  # type: ignore[attr-defined]
    return None if row is None else _place(kind, row)


def places_of(*, city_id: int, kind: str, district_id: int | None = None) -> dict[int, Place]:
    """Every place of a kind in the city (in a district, for the territory kinds below it)."""
    model = _MODELS[kind]
    qs = model.objects.filter(pk=city_id) if kind == ScopeKind.CITY else model.objects.filter(city_id=city_id)  # type: ignore[attr-defined]
    if district_id is not None and kind in {ScopeKind.AREA, ScopeKind.NEIGHBORHOOD}:
        qs = qs.filter(district_id=district_id)
    elif district_id is not None and kind == ScopeKind.DISTRICT:
        qs = qs.filter(pk=district_id)
    # Only what a Place holds: a neighborhood row also carries its boundary and profile.
    own = {f.attname for f in model._meta.concrete_fields}  # type: ignore[attr-defined]
    fields = [f for f in ("id", "slug", "name", "name_en", "city_id", "district_id", "area_id") if f in own]
    return {row.pk: _place(kind, row) for row in qs.only(*fields).order_by("pk")}


# --- targets and series ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetView:
    value: float
    amber_band: float
    district_id: int | None
    # The version's first month and the policy that set it (None when set without one).
    effective_from: Month | None = None
    policy_id: int | None = None


class TargetBook:
    """Every version of the city's target lines (one query), answering "which target was in force for
    this indicator, in this district, in this month": the district's own line when it has a version in
    force, otherwise the city's."""

    def __init__(self, versions: Iterable[IndicatorTarget]) -> None:
        self._lines: dict[tuple[str, int | None], list[tuple[Month, TargetView | None]]] = {}
        for row in sorted(versions, key=lambda r: (r.effective_year, r.effective_month)):
            view = (
                None
                if row.target is None
                else TargetView(
                    row.target, row.amber_band, row.district_id, row.effective_from, row.policy_id
                )
            )
            self._lines.setdefault((row.code, row.district_id), []).append((row.effective_from, view))

    def line(self, code: str, district_id: int | None, month: Month) -> TargetView | None:
        """The version of one line in force in `month` (None before its first, or once it ended)."""
        found: TargetView | None = None
        for start, view in self._lines.get((code, district_id), ()):
            if start > month:
                break
            found = view
        return found

    def in_force(self, code: str, district_id: int | None, month: Month) -> TargetView | None:
        if district_id is not None:
            own = self.line(code, district_id, month)
            if own is not None:
                return own
        return self.line(code, None, month)

    def current(self, month: Month) -> dict[tuple[str, int | None], TargetView]:
        """Each line's version in force in `month`, keyed as `targets_of` returns them."""
        out: dict[tuple[str, int | None], TargetView] = {}
        for code, district_id in self._lines:
            view = self.line(code, district_id, month)
            if view is not None:
                out[(code, district_id)] = view
        return out


def target_book(
    *, city_id: int, district_ids: Iterable[int] | None = (), codes: Iterable[str] | None = None
) -> TargetBook:
    """The versions of the city-wide lines and of these districts' own (`None`: every district)."""
    rows = IndicatorTarget.objects.filter(city_id=city_id)
    if district_ids is not None:
        wanted = [d for d in district_ids if d is not None]
        rows = rows.filter(Q(district__isnull=True) | Q(district_id__in=wanted))
    if codes is not None:
        rows = rows.filter(code__in=list(codes))
    return TargetBook(
        rows.only(
            "code", "district_id", "effective_year", "effective_month", "target", "amber_band", "policy_id"
        )
    )


def targets_of(
    *, city_id: int, district_ids: Iterable[int] = (), month: Month | None = None
) -> dict[tuple[str, int | None], TargetView]:
    """The city's targets in force in `month` (default: the current one) keyed by (code, district id or
    None), with the districts' own (one query)."""
    book = target_book(city_id=city_id, district_ids=district_ids)
    return book.current(month or month_of(timezone.now()))


def target_for(
    targets: dict[tuple[str, int | None], TargetView], code: str, district_id: int | None
) -> TargetView | None:
    """A district's own target overrides the city-wide one."""
    if district_id is not None and (code, district_id) in targets:
        return targets[(code, district_id)]
    return targets.get((code, None))


@dataclass
class Point:
    month: Month
    label: str
    value: float | None
    numerator: float | None
    denominator: float | None
    sample: int
    status: str
    computed_at: datetime | None
    # True when the value is hidden from this reader because the sample is below the minimum.
    withheld: bool = False
    # The target in force in this month (the status was judged against it).
    target: TargetView | None = None


@dataclass
class Series:
    indicator: Indicator
    # The target in force in the last month asked for (each point carries its own month's).
    target: TargetView | None
    points: list[Point] = field(default_factory=list)


def indicator_series(
    *, place: Place, months: list[Month], codes: Iterable[str] | None = None, internal: bool
) -> list[Series]:
    """The place's values, target and status for each month, per indicator (two queries). Each month is
    judged by the target in force in it.

    Readers who are not `internal` see published indicators only, and no value whose sample is below the
    indicator's minimum."""
    entries = [i for i in indicators(kind=place.kind, codes=codes) if internal or i.published]
    rows = IndicatorValue.objects.filter(
        months_q(months), scope_kind=place.kind, scope_id=place.pk, code__in=[i.code for i in entries]
    ).only("code", "year", "month", "value", "numerator", "denominator", "sample", "computed_at")
    by_key = {(r.code, (r.year, r.month)): r for r in rows}
    district_id = place.district_id if place.kind in TERRITORY_KINDS else None
    book = target_book(
        city_id=place.city_id,
        district_ids=[district_id] if district_id else [],
        codes=[i.code for i in entries],
    )
    out: list[Series] = []
    for entry in entries:
        last = max(months) if months else None
        series = Series(
            indicator=entry, target=book.in_force(entry.code, district_id, last) if last else None
        )
        for month in months:
            target = book.in_force(entry.code, district_id, month)
            row = by_key.get((entry.code, month))
            withheld = row is not None and not internal and row.sample < entry.min_sample
            if row is None or withheld:
                value = numerator = denominator = None
            else:
                value, numerator, denominator = row.value, row.numerator, row.denominator
            series.points.append(
                Point(
                    month=month,
                    label=month_label(month),
                    value=value,
                    numerator=numerator,
                    denominator=denominator,
                    sample=row.sample if row is not None else 0,
                    status=status(
                        value,
                        target.value if target else None,
                        entry.direction,
                        target.amber_band if target else 0.0,
                    ),
                    computed_at=row.computed_at if row is not None else None,
                    withheld=withheld,
                    target=target,
                )
            )
        out.append(series)
    return out


def last_refresh(city_id: int) -> datetime | None:
    """When the city's values were last brought up to date: the freshness shown with them."""
    return RefreshState.objects.filter(city_id=city_id).values_list("last_refresh_at", flat=True).first()


def values_stamp(*, city_id: int) -> tuple[datetime | None, datetime | None, int]:
    """What a dashboard's content depends on: the last refresh, the last change to a target line and
    the number of target versions (two small queries). Content kept under an older stamp is stale."""
    targets = IndicatorTarget.objects.filter(city_id=city_id).aggregate(
        changed=models.Max("updated_at"), versions=models.Count("pk")
    )
    return last_refresh(city_id), targets["changed"], targets["versions"]


# --- early warnings -------------------------------------------------------------------------------------


@dataclass
class EarlyWarning:
    indicator: Indicator
    place: Place
    month: Month
    value: float
    sample: int
    target: TargetView | None
    status: str
    trend: list[tuple[Month, float | None]]
    falling: bool
    worsening: float  # how much worse than three months earlier, as a share of that value
    gap: float  # how far behind the target, as a share of it (0 when not red)


def _worsening(first: float | None, last: float | None, direction: str) -> float:
    if first is None or last is None:
        return 0.0
    delta = (first - last) if direction == Direction.HIGHER else (last - first)
    if delta <= 0:
        return 0.0
    return delta / abs(first) if first else math.inf


def early_warnings(
    *,
    city: City,
    month: Month,
    scope_kind: str = ScopeKind.NEIGHBORHOOD,
    district: District | None = None,
    codes: Iterable[str] | None = None,
) -> list[EarlyWarning]:
    """Places falling behind in `month`: red against their target, or falling (worse than two months
    earlier by more than `FALLING_THRESHOLD` of that value), with the last three months' values.

    Only places whose sample in `month` reaches the indicator's minimum are ranked (a neighborhood with
    two reports is not "worst" in anything). Red ones come first, the farthest behind the target first;
    then the falling ones, the steepest first. Three queries, whatever the size of the city."""
    places = places_of(city_id=city.pk, kind=scope_kind, district_id=getattr(district, "pk", None))
    entries = indicators(kind=scope_kind, codes=codes)
    months = [month_add(month, -2), month_add(month, -1), month]
    rows = IndicatorValue.objects.filter(
        months_q(months),
        city_id=city.pk,
        scope_kind=scope_kind,
        scope_id__in=list(places),
        code__in=[e.code for e in entries],
    ).values_list("code", "scope_id", "year", "month", "value", "sample")
    values: dict[tuple[str, int], dict[Month, tuple[float | None, int]]] = {}
    for code, scope_id, year, m, value, sample in rows:
        values.setdefault((code, scope_id), {})[(year, m)] = (value, sample)
    # The month is judged by the targets in force in it.
    targets = targets_of(
        city_id=city.pk, district_ids={p.district_id for p in places.values() if p.district_id}, month=month
    )
    warnings: list[EarlyWarning] = []
    for entry in entries:
        for scope_id, place in places.items():
            series = values.get((entry.code, scope_id), {})
            value, sample = series.get(month, (None, 0))
            if value is None or sample < entry.min_sample:
                continue
            district_id = place.district_id if scope_kind in TERRITORY_KINDS else None
            target = target_for(targets, entry.code, district_id)
            state = status(
                value, target.value if target else None, entry.direction, target.amber_band if target else 0.0
            )
            trend = [(m, series.get(m, (None, 0))[0]) for m in months]
            worsening = _worsening(trend[0][1], value, entry.direction)
            falling = worsening > FALLING_THRESHOLD
            if state != Status.RED and not falling:
                continue
            gap = 0.0
            if state == Status.RED and target is not None:
                miss = abs(value - target.value)
                gap = miss / abs(target.value) if target.value else math.inf
            warnings.append(
                EarlyWarning(
                    entry, place, month, value, sample, target, state, trend, falling, worsening, gap
                )
            )
    warnings.sort(
        key=lambda w: (w.status != Status.RED, -w.gap, -w.worsening, w.place.name, w.indicator.code)
    )
    return warnings


# --- the targets page -------------------------------------------------------------------------------------


@dataclass
class TargetLine:
    """One indicator on the targets page: the city-wide target in force, the districts' own, and
    every version of its lines, newest first."""

    indicator: Indicator
    city_wide: IndicatorTarget | None
    overrides: list[IndicatorTarget] = field(default_factory=list)
    history: list[IndicatorTarget] = field(default_factory=list)


def _in_force(versions: list[IndicatorTarget], month: Month) -> IndicatorTarget | None:
    found = None
    for row in versions:  # oldest first
        if row.effective_from <= month:
            found = row
    return None if found is None or found.target is None else found


def target_lines(*, city: City, month: Month | None = None) -> list[TargetLine]:
    """Every territory indicator with its targets in force in `month` (default: the current one) and
    their history, with who set each version and under which policy (one query)."""
    month = month or month_of(timezone.now())
    rows = (
        IndicatorTarget.objects.filter(city=city)
        .select_related("district", "policy", "set_by")
        .order_by("code", "district__number", "district_id", "effective_year", "effective_month", "pk")
    )
    by_line: dict[tuple[str, int | None], list[IndicatorTarget]] = {}
    for row in rows:
        by_line.setdefault((row.code, row.district_id), []).append(row)
    out: list[TargetLine] = []
    for entry in indicators():
        if not (entry.scope_kinds & TERRITORY_KINDS - {ScopeKind.CITY}):
            continue
        line = TargetLine(indicator=entry, city_wide=_in_force(by_line.get((entry.code, None), []), month))
        for (code, district_id), versions in by_line.items():
            if code != entry.code:
                continue
            line.history.extend(versions)
            if district_id is not None and (own := _in_force(versions, month)) is not None:
                line.overrides.append(own)
        line.history.sort(key=lambda r: (r.effective_from, r.updated_at, r.pk), reverse=True)
        out.append(line)
    return out


def policy_targets(policy_id: int) -> list[IndicatorTarget]:
    """The target versions a policy set (one query), in the catalog's order."""
    order = {code: i for i, code in enumerate(i.code for i in indicators())}
    rows = list(IndicatorTarget.objects.filter(policy_id=policy_id).select_related("district"))
    rows.sort(key=lambda r: (order.get(r.code, len(order)), r.district_id or 0, r.effective_from))
    return rows
