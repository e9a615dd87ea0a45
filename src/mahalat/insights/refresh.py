"""The periodic refresh of indicator values: incremental by default, a full recompute on demand.

Incremental: the months recomputed are those whose source rows changed since the last refresh (each
source of the catalog says which, from its timestamps, with a few minutes of overlap for transactions
that were still open), every month since the last refresh (the current one always; a whole month is
never skipped if the job stopped for a while), and, when a change reaches back before the months
covered so far, the months in between. A full recompute covers every month from the first with data
(at most `MAX_MONTHS` back). Both write the same rows for the same data: a month's rows are always
computed whole, for every scope.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from mahalat.insights.catalog import SOURCES, indicators
from mahalat.insights.measures import MeasureContext, Territory
from mahalat.insights.models import IndicatorValue, RefreshState
from mahalat.insights.periods import Month, month_add, month_of, month_text, months_between
from mahalat.territory.models import City

# Older months are left as they are (a typo'd date in a source row cannot make every refresh huge).
MAX_MONTHS = 60
# Rows written by a transaction that was still open when the last refresh read are picked up next time.
OVERLAP = timedelta(minutes=5)
_UNIQUE = ["code", "scope_kind", "scope_id", "year", "month"]


@dataclass
class RefreshStats:
    city_id: int
    full: bool
    months: list[str] = field(default_factory=list)
    rows: int = 0
    duration_ms: int = 0


def _months_to_compute(*, state: RefreshState, city_id: int, now: datetime, full: bool) -> list[Month]:
    current = month_of(now)
    floor = month_add(current, -(MAX_MONTHS - 1))
    used = {i.source for i in indicators()}
    firsts = [m for key in sorted(used) if (m := SOURCES[key].earliest_month(city_id=city_id))]
    first = min(max(floor, min(firsts)) if firsts else current, current)
    if full or state.last_refresh_at is None or state.first_year is None:
        return months_between(first, current)
    candidates = months_between(floor, current)
    since = state.last_refresh_at - OVERLAP
    touched: set[Month] = set(months_between(month_of(state.last_refresh_at), current))
    for key in sorted(used):
        touched |= SOURCES[key].changed_months(city_id=city_id, since=since, now=now, candidates=candidates)
    covered_from = (state.first_year, state.first_month or 1)
    # Nothing before the first month with data (or already covered): a full recompute has no such rows.
    touched = {m for m in touched if min(first, covered_from) <= m <= current}
    if touched and min(touched) < covered_from:
        touched |= set(months_between(min(touched), covered_from))
    return sorted(touched)


def indicators_refresh(*, city: City, now: datetime | None = None, full: bool = False) -> RefreshStats:
    """Recompute the city's indicator values for the months that need it (all of them with `full`) and
    upsert them. Refreshes of one city are serialised by a lock on its refresh state."""
    now = now or timezone.now()
    started = time.monotonic()
    stats = RefreshStats(city_id=city.pk, full=full)
    with transaction.atomic():
        RefreshState.objects.get_or_create(city=city)
        state = RefreshState.objects.select_for_update().get(city=city)
        full = full or state.last_refresh_at is None
        stats.full = full
        months = _months_to_compute(state=state, city_id=city.pk, now=now, full=full)
        ctx = MeasureContext(city_id=city.pk, months=months, now=now, territory=Territory.load(city.pk))
        rows: list[IndicatorValue] = []
        for entry in indicators():
            for cell in entry.compute()(ctx):
                rows.append(
                    IndicatorValue(
                        code=entry.code,
                        scope_kind=cell.scope_kind,
                        scope_id=cell.scope_id,
                        city_id=city.pk,
                        year=cell.month[0],
                        month=cell.month[1],
                        value=cell.value,
                        numerator=cell.numerator,
                        denominator=cell.denominator,
                        sample=cell.sample,
                        computed_at=now,
                    )
                )
        IndicatorValue.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=_UNIQUE,
            update_fields=["city", "value", "numerator", "denominator", "sample", "computed_at"],
        )
        stats.months = [month_text(m) for m in months]
        stats.rows = len(rows)
        stats.duration_ms = int((time.monotonic() - started) * 1000)
        first = min(months)
        if state.first_year is not None and (state.first_year, state.first_month or 1) < first:
            first = (state.first_year, state.first_month or 1)
        state.first_year, state.first_month = first
        state.last_refresh_at = now
        if full:
            state.last_full_at = now
        state.last_months = stats.months
        state.last_rows = stats.rows
        state.last_duration_ms = stats.duration_ms
        state.save()
    return stats
