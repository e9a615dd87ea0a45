"""Every table of the dashboards, built once as an `exporting.Table`: the page renders it and the export
writes it, so a downloaded file always holds what the page shows.

Cells are plain values (text, numbers, None). Statuses are written as words ("On target", "Not enough
data"), never as colors alone; the page colors a status cell from its word (`rendered_rows`). Each
builder reads a fixed number of queries whatever the number of places, from `IndicatorValue` rows only.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mahalat.insights.catalog import AGENCY_KINDS, Indicator, ScopeKind, Unit, indicator, indicators
from mahalat.insights.dashboard_selectors import city_agencies, outlines, values_grid
from mahalat.insights.exporting import Column, Table
from mahalat.insights.models import IndicatorValue
from mahalat.insights.periods import Month, month_add, month_label, month_text
from mahalat.insights.selectors import (
    Place,
    Status,
    TargetView,
    early_warnings,
    indicator_series,
    places_of,
    status,
    target_for,
    targets_of,
)
from mahalat.persian.digits import localize_digits
from mahalat.territory.models import City, District, Neighborhood

NOT_ENOUGH = gettext_lazy("Not enough data")
FALLING = gettext_lazy("Falling")
# The early-warning list on a page; "all" shows (and exports) the rest.
WARNINGS_ON_PAGE = 20
TREND_MONTHS = 12
SMALL = "small"  # the status key of a value whose sample is below the indicator's minimum

# Colors of the map and of the status cells (the word is always there too).
STATUS_COLORS = {
    Status.GREEN: "#198754",
    Status.AMBER: "#ffc107",
    Status.RED: "#dc3545",
    Status.NONE: "#adb5bd",
    SMALL: "#f1f3f5",
}
# From the lowest fifth of the values to the highest (when the indicator has no target).
QUINTILE_COLORS = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]

AGENCY_CODES = ("referral_acknowledge_hours_median", "referral_answer_hours_median")


@dataclass
class DashboardTable(Table):
    """A table with what only the page needs: where each row's first cell links to, and how many rows
    there are in all when the page shows the first ones."""

    links: list[str | None] = field(default_factory=list)
    total: int | None = None


@dataclass(frozen=True)
class DashboardContext:
    """What a dashboard (and each of its exports) shows: the place, indicator, month, kind of place on
    the map, and whether the reader is internal (sees small samples and unpublished indicators)."""

    city: City
    indicator: Indicator
    month: Month
    map_kind: str = ScopeKind.NEIGHBORHOOD
    district: District | None = None
    neighborhood: Neighborhood | None = None
    internal: bool = True
    all_warnings: bool = False

    @property
    def slug(self) -> str:
        return (self.neighborhood or self.district or self.city).slug

    def filename(self, name: str) -> str:
        return f"{name}-{self.slug}-{month_text(self.month)}"


def place_of(unit: City | District | Neighborhood) -> Place:
    """The selectors' `Place` of a territory row already loaded (no query)."""
    if isinstance(unit, City):
        return Place(ScopeKind.CITY, unit.pk, unit.slug, unit.display_name, city_id=unit.pk)
    if isinstance(unit, District):
        return Place(
            ScopeKind.DISTRICT,
            unit.pk,
            unit.slug,
            unit.display_name,
            city_id=unit.city_id,
            district_id=unit.pk,
        )
    return Place(
        ScopeKind.NEIGHBORHOOD,
        unit.pk,
        unit.slug,
        unit.display_name,
        city_id=unit.city_id,
        district_id=unit.district_id,
        area_id=unit.area_id,
    )


def display_value(value: float | None, entry: Indicator) -> float | int | None:
    """Counts whole, everything else to one decimal: as the page shows it, and as the file holds it."""
    if value is None:
        return None
    if entry.unit == Unit.COUNT or float(value).is_integer():
        return round(value)
    return round(value, 1)


def beside_city(
    *, city_id: int, kind: str, scope_id: int, entries: list[Indicator], month: Month
) -> dict[str, tuple[float | int | None, float | int | None]]:
    """For each indicator, the place's value and the city's in the month, as shown (one query); a value
    whose sample is below the indicator's minimum is None, as is one not computed."""
    rows = (
        IndicatorValue.objects.filter(
            city_id=city_id, code__in=[e.code for e in entries], year=month[0], month=month[1]
        )
        .filter(Q(scope_kind=kind, scope_id=scope_id) | Q(scope_kind=ScopeKind.CITY, scope_id=city_id))
        .values_list("code", "scope_kind", "value", "sample")
    )
    values: dict[tuple[str, str], float | int | None] = {}
    by_code = {e.code: e for e in entries}
    for code, row_kind, value, sample in rows:
        entry = by_code[code]
        values[(code, row_kind)] = display_value(value, entry) if sample >= entry.min_sample else None
    return {e.code: (values.get((e.code, kind)), values.get((e.code, ScopeKind.CITY))) for e in entries}


def status_text(key: str) -> str:
    return str(NOT_ENOUGH) if key == SMALL else str(Status(key).label)


def judged(value: float | None, sample: int, entry: Indicator, target: TargetView | None) -> tuple[str, bool]:
    """(status key, small): a value whose sample is below the minimum is "not enough data", unjudged."""
    if value is not None and sample < entry.min_sample:
        return SMALL, True
    return status(
        value, target.value if target else None, entry.direction, target.amber_band if target else 0.0
    ), False


def _shown(value: float | None, entry: Indicator, *, small: bool, internal: bool) -> float | int | None:
    # The public never sees a value whose sample is below the minimum (one person's rating).
    return None if small and not internal else display_value(value, entry)


# --- the map and its list --------------------------------------------------------------------------------


@dataclass
class MapData:
    table: DashboardTable
    mode: str  # "status" when the indicator has a target in the city, "quintile" otherwise
    features: list[dict[str, Any]]
    legend: list[tuple[str, str]]


def _geometry(boundary: Any) -> Any:
    if isinstance(boundary, dict) and boundary.get("type") == "Feature":
        return boundary.get("geometry")
    return boundary


def _place_url(place: Place) -> str | None:
    if place.kind == ScopeKind.NEIGHBORHOOD:
        return reverse("insights:neighborhood", args=[place.slug])
    if place.kind == ScopeKind.DISTRICT:
        return reverse("insights:district", args=[place.slug])
    return None


def map_data(ctx: DashboardContext) -> MapData:
    """The chosen indicator for every place of the map's kind (in the district, on a district's page):
    the list under the map, and the GeoJSON features colored by status (or by fifth of the values when
    the indicator has no target). Five queries."""
    entry, kind = ctx.indicator, ctx.map_kind
    district_id = ctx.district.pk if ctx.district else None
    places = places_of(city_id=ctx.city.pk, kind=kind, district_id=district_id)
    districts = (
        places if kind == ScopeKind.DISTRICT else places_of(city_id=ctx.city.pk, kind=ScopeKind.DISTRICT)
    )
    grid = values_grid(city_id=ctx.city.pk, kind=kind, codes=[entry.code], months=[ctx.month])
    targets = targets_of(city_id=ctx.city.pk, district_ids=list(districts), month=ctx.month)
    mode = "status" if any(code == entry.code for code, _district in targets) else "quintile"
    shapes = outlines(kind=kind, ids=list(places))

    lines: list[tuple[Place, float | None, int, str, bool]] = []
    for place in places.values():
        value, sample = grid.get((entry.code, place.pk, ctx.month), (None, 0))
        key, small = judged(value, sample, entry, target_for(targets, entry.code, place.district_id))
        lines.append((place, value, sample, key, small))
    ranked = sorted(v for _p, v, _s, _k, small in lines if v is not None and not small)

    def fifth(value: float) -> int:
        # 0 … 4: which fifth of the ranked values this one falls in.
        return min(4, (bisect_right(ranked, value) - 1) * 5 // max(len(ranked), 1))

    rows: list[list[object]] = []
    links: list[str | None] = []
    features: list[dict[str, Any]] = []
    for place, value, sample, key, small in lines:
        if mode == "quintile" and value is not None and not small:
            n = fifth(value)
            color = QUINTILE_COLORS[n]
            word = _("Fifth %(n)s of 5 (from the lowest)") % {"n": localize_digits(n + 1)}
        else:
            color = STATUS_COLORS[key if mode == "status" or small else Status.NONE]
            word = status_text(key)
        shown = _shown(value, entry, small=small, internal=ctx.internal)
        district = districts.get(place.district_id) if place.district_id else None
        rows.append([place.name, district.name if district else "", shown, sample, word])
        links.append(_place_url(place))
        if place.pk in shapes:
            features.append(
                {
                    "type": "Feature",
                    "geometry": _geometry(shapes[place.pk]),
                    "properties": {
                        "name": place.name,
                        "value": "" if shown is None else localize_digits(shown),
                        "status": key,
                        "word": word,
                        "color": color,
                        "url": links[-1] or "",
                    },
                }
            )
    if mode == "status":
        legend = [
            (STATUS_COLORS[k], status_text(k)) for k in (Status.GREEN, Status.AMBER, Status.RED, Status.NONE)
        ]
    else:
        legend = [
            (color, _("Fifth %(n)s of 5 (from the lowest)") % {"n": localize_digits(i + 1)})
            for i, color in enumerate(QUINTILE_COLORS)
        ]
    legend.append((STATUS_COLORS[SMALL], str(NOT_ENOUGH)))
    table = DashboardTable(
        title=_("%(indicator)s by %(kind)s, %(month)s")
        % {"indicator": entry.name, "kind": ScopeKind(kind).label, "month": month_label(ctx.month)},
        columns=[
            Column("place", ScopeKind(kind).label),
            Column("district", _("District")),
            Column("value", _("Value"), "number"),
            Column("sample", _("Sample"), "number"),
            Column("status", _("Status"), "status"),
        ],
        rows=rows,
        filename=ctx.filename("map"),
        links=links,
    )
    return MapData(table=table, mode=mode, features=features, legend=legend)


def map_table(ctx: DashboardContext) -> DashboardTable:
    return map_data(ctx).table


# --- comparison of places -------------------------------------------------------------------------------


def comparison_table(ctx: DashboardContext) -> DashboardTable:
    """Every territory indicator for the month, its value and status, one row per place: the districts and
    the city (the city's page), or the areas, neighborhoods and the district (a district's page)."""
    entries = indicators(kind=ScopeKind.NEIGHBORHOOD)
    codes = [e.code for e in entries]
    city_id = ctx.city.pk
    if ctx.district is None:
        groups = [(ScopeKind.DISTRICT, places_of(city_id=city_id, kind=ScopeKind.DISTRICT))]
        total = (ScopeKind.CITY, {ctx.city.pk: place_of(ctx.city)})
    else:
        d = ctx.district.pk
        groups = [
            (ScopeKind.AREA, places_of(city_id=city_id, kind=ScopeKind.AREA, district_id=d)),
            (ScopeKind.NEIGHBORHOOD, places_of(city_id=city_id, kind=ScopeKind.NEIGHBORHOOD, district_id=d)),
        ]
        total = (ScopeKind.DISTRICT, {d: place_of(ctx.district)})
    groups.append(total)
    district_ids = [p.district_id for _k, places in groups for p in places.values() if p.district_id]
    targets = targets_of(city_id=city_id, district_ids=set(district_ids), month=ctx.month)
    rows: list[list[object]] = []
    links: list[str | None] = []
    for kind, places in groups:
        grid = values_grid(
            city_id=city_id, kind=kind, codes=codes, months=[ctx.month], scope_ids=list(places)
        )
        for place in places.values():
            row: list[object] = [str(ScopeKind(kind).label), place.name]
            for entry in entries:
                value, sample = grid.get((entry.code, place.pk, ctx.month), (None, 0))
                key, small = judged(value, sample, entry, target_for(targets, entry.code, place.district_id))
                row += [_shown(value, entry, small=small, internal=ctx.internal), status_text(key)]
            rows.append(row)
            links.append(_place_url(place))
    columns = [Column("kind", _("Kind")), Column("place", _("Place"))]
    for entry in entries:
        columns += [
            Column(entry.code, entry.name, "number"),
            Column(f"{entry.code}_status", _("Status: %(indicator)s") % {"indicator": entry.name}, "status"),
        ]
    title = _("Places compared, %(month)s") % {"month": month_label(ctx.month)}
    return DashboardTable(title, columns, rows, ctx.filename("comparison"), links=links)


# --- trend ----------------------------------------------------------------------------------------------


def trend_place(ctx: DashboardContext) -> Place:
    return place_of(ctx.neighborhood or ctx.district or ctx.city)


def trend_table(ctx: DashboardContext) -> DashboardTable:
    """The chosen indicator for the page's place over the twelve months up to the chosen one. Two queries."""
    entry, place = ctx.indicator, trend_place(ctx)
    months = [month_add(ctx.month, -n) for n in range(TREND_MONTHS - 1, -1, -1)]
    found = indicator_series(place=place, months=months, codes=[entry.code], internal=ctx.internal)
    rows: list[list[object]] = []
    if found:
        series = found[0]
        target = display_value(series.target.value, entry) if series.target else None
        for point in series.points:
            small = point.withheld or (point.value is not None and point.sample < entry.min_sample)
            key = SMALL if small else point.status
            rows.append(
                [
                    point.label,
                    _shown(point.value, entry, small=small, internal=ctx.internal),
                    target,
                    point.sample,
                    status_text(key),
                ]
            )
    title = _("%(indicator)s in %(place)s, month by month") % {"indicator": entry.name, "place": place.name}
    columns = [
        Column("month", _("Month"), "month"),
        Column("value", _("Value"), "number"),
        Column("target", _("Target"), "number"),
        Column("sample", _("Sample"), "number"),
        Column("status", _("Status"), "status"),
    ]
    return DashboardTable(title, columns, rows, ctx.filename("trend"))


# --- early warnings -------------------------------------------------------------------------------------


def warnings_table(ctx: DashboardContext) -> DashboardTable:
    """Neighborhoods falling behind in the month (red against the target, or falling), with their last
    three months; the first `WARNINGS_ON_PAGE` unless all are asked for. Four queries."""
    found = early_warnings(
        city=ctx.city, month=ctx.month, scope_kind=ScopeKind.NEIGHBORHOOD, district=ctx.district
    )
    shown = found if ctx.all_warnings else found[:WARNINGS_ON_PAGE]
    districts = places_of(city_id=ctx.city.pk, kind=ScopeKind.DISTRICT)
    months = [month_add(ctx.month, -2), month_add(ctx.month, -1), ctx.month]
    rows: list[list[object]] = []
    links: list[str | None] = []
    for w in shown:
        district = districts.get(w.place.district_id) if w.place.district_id else None
        trend = dict(w.trend)
        rows.append(
            [
                w.place.name,
                district.name if district else "",
                str(w.indicator.name),
                display_value(w.value, w.indicator),
                display_value(w.target.value, w.indicator) if w.target else None,
                status_text(w.status),
                str(FALLING) if w.falling else None,
                *(display_value(trend.get(m), w.indicator) for m in months),
            ]
        )
        links.append(_place_url(w.place))
    columns = [
        Column("place", _("Neighborhood")),
        Column("district", _("District")),
        Column("indicator", _("Indicator")),
        Column("value", _("Value"), "number"),
        Column("target", _("Target"), "number"),
        Column("status", _("Status"), "status"),
        Column("falling", _("Trend"), "status"),
        *(Column(f"value_{month_text(m)}", month_label(m), "number") for m in months),
    ]
    title = _("Early warnings, %(month)s") % {"month": month_label(ctx.month)}
    return DashboardTable(title, columns, rows, ctx.filename("warnings"), links=links, total=len(found))


# --- agencies -------------------------------------------------------------------------------------------


def agencies_table(ctx: DashboardContext) -> DashboardTable:
    """Every executive agency of the city with its referral times for the month, and all agencies
    together (the city's value). Four queries."""
    entries = [
        e for code in AGENCY_CODES if (e := indicator(code)) is not None and e.scope_kinds >= AGENCY_KINDS
    ]
    codes = [e.code for e in entries]
    agencies = city_agencies(city_id=ctx.city.pk)
    grid = values_grid(city_id=ctx.city.pk, kind=ScopeKind.AGENCY, codes=codes, months=[ctx.month])
    city_grid = values_grid(
        city_id=ctx.city.pk, kind=ScopeKind.CITY, codes=codes, months=[ctx.month], scope_ids=[ctx.city.pk]
    )
    targets = targets_of(city_id=ctx.city.pk, month=ctx.month)
    rows: list[list[object]] = []
    links: list[str | None] = []
    lines: list[tuple[str, str | None, dict[tuple[str, int, Month], tuple[float | None, int]], int]] = [
        (a.display_name, reverse("referrals:scorecard", args=[a.pk]), grid, a.pk) for a in agencies
    ]
    lines.append((_("All agencies of the city"), reverse("referrals:scorecards"), city_grid, ctx.city.pk))
    for name, url, values, pk in lines:
        row: list[object] = [name]
        for entry in entries:
            value, sample = values.get((entry.code, pk, ctx.month), (None, 0))
            key, _small = judged(value, sample, entry, target_for(targets, entry.code, None))
            row += [display_value(value, entry), sample, status_text(key)]
        rows.append(row)
        links.append(url)
    columns = [Column("agency", _("Agency"))]
    for entry in entries:
        columns += [
            Column(entry.code, entry.name, "number"),
            Column(f"{entry.code}_sample", _("Sample"), "number"),
            Column(f"{entry.code}_status", _("Status"), "status"),
        ]
    title = _("Agencies, %(month)s") % {"month": month_label(ctx.month)}
    return DashboardTable(title, columns, rows, ctx.filename("agencies"), links=links)


# --- a neighborhood against its district and the city ---------------------------------------------------


def neighborhood_table(ctx: DashboardContext) -> DashboardTable:
    """The neighborhood's indicators for the month beside its district's and the city's (published ones
    only, small samples withheld, for the public). Four queries."""
    assert ctx.neighborhood is not None
    hood = place_of(ctx.neighborhood)
    entries = [e for e in indicators(kind=ScopeKind.NEIGHBORHOOD) if ctx.internal or e.published]
    codes = [e.code for e in entries]
    grids = {
        kind: values_grid(city_id=ctx.city.pk, kind=kind, codes=codes, months=[ctx.month], scope_ids=[pk])
        for kind, pk in (
            (ScopeKind.NEIGHBORHOOD, hood.pk),
            (ScopeKind.DISTRICT, hood.district_id),
            (ScopeKind.CITY, ctx.city.pk),
        )
        if pk is not None
    }
    targets = targets_of(
        city_id=ctx.city.pk, district_ids=[hood.district_id] if hood.district_id else [], month=ctx.month
    )
    rows: list[list[object]] = []
    for entry in entries:
        target = target_for(targets, entry.code, hood.district_id)
        row: list[object] = [str(entry.name), str(Unit(entry.unit).label)]
        for kind, pk in (
            (ScopeKind.NEIGHBORHOOD, hood.pk),
            (ScopeKind.DISTRICT, hood.district_id),
            (ScopeKind.CITY, ctx.city.pk),
        ):
            value, sample = grids.get(kind, {}).get((entry.code, pk or 0, ctx.month), (None, 0))
            key, small = judged(
                value,
                sample,
                entry,
                target if kind != ScopeKind.CITY else target_for(targets, entry.code, None),
            )
            row += [_shown(value, entry, small=small, internal=ctx.internal), status_text(key)]
            if kind == ScopeKind.NEIGHBORHOOD:
                row.insert(len(row) - 1, sample)
        row.append(display_value(target.value, entry) if target else None)
        rows.append(row)
    columns = [
        Column("indicator", _("Indicator")),
        Column("unit", _("Unit")),
        Column("value", _("This neighborhood"), "number"),
        Column("sample", _("Sample"), "number"),
        Column("status", _("Status"), "status"),
        Column("district_value", _("The district"), "number"),
        Column("district_status", _("Status of the district"), "status"),
        Column("city_value", _("The city"), "number"),
        Column("city_status", _("Status of the city"), "status"),
        Column("target", _("Target"), "number"),
    ]
    title = _("%(place)s, %(month)s") % {"place": hood.name, "month": month_label(ctx.month)}
    return DashboardTable(title, columns, rows, ctx.filename("neighborhood"))


# --- the page's rendering of a table --------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedCell:
    value: object
    kind: str
    status: str  # a status key ("green", "small", …) for status cells, else ""


def rendered_rows(table: Table) -> list[list[RenderedCell]]:
    """The table's rows (materialized: the page reads them once) with each status cell's key for its
    color, found from its word."""
    keys = {status_text(k): k for k in (*Status.values, SMALL)}
    keys[str(FALLING)] = "falling"
    rows = table.rows if isinstance(table.rows, list) else list(table.rows)
    table.rows = rows
    out: list[list[RenderedCell]] = []
    for row in rows:
        cells: list[RenderedCell] = []
        for column, value in zip(table.columns, row, strict=True):
            key = keys.get(str(value), "none") if column.kind == "status" and value else ""
            cells.append(RenderedCell(value, column.kind, key))
        out.append(cells)
    return out


TABLE_BUILDERS = {
    "comparison": comparison_table,
    "map": map_table,
    "trend": trend_table,
    "warnings": warnings_table,
    "agencies": agencies_table,
    "neighborhood": neighborhood_table,
}
