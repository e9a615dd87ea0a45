"""The rows of the indicator export (`GET /api/v1/exports/indicators.csv|xlsx`): one row per place ×
month × indicator, the same values, targets and statuses `GET /api/v1/indicators` gives.

An export may cover every neighborhood of a city for three years, so its rows come from a generator
reading `IndicatorValue` through `.iterator(chunk_size=…)`, merged with the places and months as they
come: at most one place-month of values is held at a time, never the whole export. Labels, targets and
the places are read before the first row (a fixed number of queries whatever the number of places).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from mahalat.insights.catalog import TERRITORY_KINDS, Dimension, Indicator, ScopeKind, indicators
from mahalat.insights.exporting import Column, Table
from mahalat.insights.models import IndicatorValue
from mahalat.insights.periods import Month, month_text, months_q
from mahalat.insights.selectors import Place, Status, places_of, status, target_book

# Rows fetched from the database at a time.
CHUNK_SIZE = 2000

# The kinds of place an export may list inside a scope of each kind.
INSIDE: dict[str, tuple[str, ...]] = {
    ScopeKind.CITY: (ScopeKind.DISTRICT, ScopeKind.AREA, ScopeKind.NEIGHBORHOOD, ScopeKind.AGENCY),
    ScopeKind.DISTRICT: (ScopeKind.AREA, ScopeKind.NEIGHBORHOOD),
    ScopeKind.AREA: (ScopeKind.NEIGHBORHOOD,),
    ScopeKind.NEIGHBORHOOD: (),
    ScopeKind.AGENCY: (),
}


def columns() -> list[Column]:
    """The export's columns, headers translated now (the rows may be written after the request's
    language is gone)."""
    specs = [
        ("place_kind", _("Place kind"), "text"),
        ("place_slug", _("Place slug"), "text"),
        ("place_name", _("Place"), "text"),
        ("indicator_code", _("Indicator code"), "text"),
        ("indicator_name", _("Indicator"), "text"),
        ("dimension", _("Dimension"), "text"),
        ("month", _("Month"), "month"),
        ("value", _("Value"), "number"),
        ("numerator", _("Numerator"), "number"),
        ("denominator", _("Denominator"), "number"),
        ("sample", _("Sample"), "number"),
        ("target", _("Target"), "number"),
        ("status", _("Status"), "status"),
    ]
    return [Column(key, str(header), kind) for key, header, kind in specs]


def places_inside(scope: Place, kind: str) -> list[Place]:
    """Every place of `kind` inside the scope, in id order (one query)."""
    district_id = scope.pk if scope.kind == ScopeKind.DISTRICT else None
    found = places_of(city_id=scope.city_id, kind=kind, district_id=district_id)
    if scope.kind == ScopeKind.AREA:
        return [p for p in found.values() if p.area_id == scope.pk]
    return list(found.values())


@dataclass(frozen=True)
class _Labels:
    kind: str
    names: dict[str, str]
    dimensions: dict[str, str]
    statuses: dict[str, str]


def _labels(kind: str, entries: Sequence[Indicator]) -> _Labels:
    return _Labels(
        kind=str(ScopeKind(kind).label),
        names={e.code: str(e.name) for e in entries},
        dimensions={d.value: str(d.label) for d in Dimension},
        statuses={s.value: str(s.label) for s in Status},
    )


def indicator_rows(
    *,
    places: Sequence[Place],
    months: Sequence[Month],
    codes: Sequence[str] | None,
    internal: Callable[[Place], bool],
    whole_city: bool = False,
    chunk_size: int | None = None,
) -> Iterator[list[object]]:
    """Rows for every place (all of one kind and one city) × month × indicator, in place id, month and
    catalog order. Readers for whom `internal(place)` is false get published indicators only, and no
    value whose sample is below the indicator's minimum (its sample is still given).

    The labels, the readers' view per place and the targets are settled here, before the first row; the
    values are read lazily, chunk by chunk. `whole_city` leaves out the filter by place (every place of
    the kind in the city is listed)."""
    if not places:
        return iter(())
    kind = places[0].kind
    city_id = places[0].city_id
    entries = indicators(kind=kind, codes=codes)
    labels = _labels(kind, entries)
    ordered = sorted(places, key=lambda p: p.pk)
    views = {p.pk: [e for e in entries if internal(p) or e.published] for p in ordered}
    internal_ids = {p.pk for p in ordered if internal(p)}
    territory = kind in TERRITORY_KINDS
    # Each month is judged by the targets in force in it: the whole history, read once.
    book = target_book(
        city_id=city_id,
        district_ids={p.district_id for p in ordered if territory and p.district_id},
        codes=[e.code for e in entries],
    )
    ordered_months = sorted(set(months))
    qs = IndicatorValue.objects.filter(
        months_q(ordered_months), city_id=city_id, scope_kind=kind, code__in=[e.code for e in entries]
    )
    if not whole_city:
        qs = qs.filter(scope_id__in=[p.pk for p in ordered])
    values = qs.order_by("scope_id", "year", "month").values_list(
        "scope_id", "year", "month", "code", "value", "numerator", "denominator", "sample"
    )

    def rows() -> Iterator[list[object]]:
        stream = values.iterator(chunk_size=chunk_size or CHUNK_SIZE)
        pending = next(stream, None)
        for place in ordered:
            district_id = place.district_id if territory else None
            is_internal = place.pk in internal_ids
            for month in ordered_months:
                key = (place.pk, month)
                # Skip the rows of places the reader does not get (a whole-city read lists them all).
                while pending is not None and (pending[0], (pending[1], pending[2])) < key:
                    pending = next(stream, None)
                found: dict[str, tuple[object, ...]] = {}
                while pending is not None and (pending[0], (pending[1], pending[2])) == key:
                    found[pending[3]] = pending
                    pending = next(stream, None)
                for entry in views[place.pk]:
                    row = found.get(entry.code)
                    value = numerator = denominator = None
                    sample = 0
                    if row is not None:
                        sample = int(row[7])  # type: ignore[call-overload]
                        if is_internal or sample >= entry.min_sample:
                            value, numerator, denominator = row[4], row[5], row[6]
                    target = book.in_force(entry.code, district_id, month)
                    state = status(
                        value,  # type: ignore[arg-type]
                        target.value if target else None,
                        entry.direction,
                        target.amber_band if target else 0.0,
                    )
                    yield [
                        labels.kind,
                        place.slug,
                        place.name,
                        entry.code,
                        labels.names[entry.code],
                        labels.dimensions.get(entry.dimension, entry.dimension),
                        month_text(month),
                        value,
                        numerator,
                        denominator,
                        sample,
                        target.value if target else None,
                        labels.statuses[state],
                    ]

    return rows()


def indicators_table(
    *,
    scope: Place,
    places: Sequence[Place],
    months: Sequence[Month],
    codes: Sequence[str] | None,
    internal: Callable[[Place], bool],
    filename: str,
) -> Table:
    """The export as a `Table` for `mahalat.insights.exporting` to write."""
    whole_city = scope.kind == ScopeKind.CITY and bool(places) and places[0].kind != ScopeKind.CITY
    return Table(
        title=_("Indicators of %(place)s") % {"place": scope.name},
        columns=columns(),
        rows=indicator_rows(
            places=places, months=months, codes=codes, internal=internal, whole_city=whole_city
        ),
        filename=filename,
    )
