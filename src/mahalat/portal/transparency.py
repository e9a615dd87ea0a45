"""The city in numbers (شهر در یک نگاه): the city's main published indicators by district for a Jalali
month, each explained in one plain sentence, a bar chart drawn from the table under it, the city's trend
over twelve months for one of them, and when the values were computed.

Public: the reader sees what the public dashboards show (published indicators only, no value whose
sample is below the indicator's minimum). Reads the pre-computed `IndicatorValue` rows only, in a fixed
number of queries whatever the number of districts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from mahalat.insights.catalog import CATALOG, Dimension, Indicator, ScopeKind, Unit
from mahalat.insights.dashboard_selectors import latest_month, values_grid
from mahalat.insights.periods import Month, month_add, month_label, month_of, month_text, parse_month
from mahalat.insights.selectors import indicator_series, last_refresh, places_of, target_for, targets_of
from mahalat.insights.tables import SMALL, display_value, judged, place_of, status_text
from mahalat.insights.templatetags.insights_numbers import PLAIN
from mahalat.territory.models import City

# The main indicators, one or two per good-governance dimension, in the order the page shows them.
NUMBERS_CODES: tuple[str, ...] = (
    "active_citizens_per_1000",
    "reports_resolved_share",
    "resolve_hours_median",
    "satisfaction",
    "minutes_published_share",
    "meetings_held_share",
)
# Sentences for the ones the neighborhood page does not already explain.
MORE_PLAIN: dict[str, Promise] = {
    "satisfaction": gettext_lazy(
        "How satisfied residents were with the handling of their reports, from 1 to 5."
    ),
    "minutes_published_share": gettext_lazy(
        "Of the council meetings held in the month, the share whose minutes were published within a week."
    ),
}
TREND_MONTHS = 12
# How many past months the month choice offers.
MONTH_CHOICES = 24


def numbers_entries() -> list[Indicator]:
    """The page's indicators that exist and are published (an unpublished one never reaches the public)."""
    return [CATALOG[c] for c in NUMBERS_CODES if c in CATALOG and CATALOG[c].published]


def plain_sentence(entry: Indicator) -> Promise:
    return PLAIN.get(entry.code) or MORE_PLAIN.get(entry.code) or entry.formula


@dataclass(frozen=True)
class Line:
    """One place's value of one indicator in the month, as the public may see it."""

    name: str
    value: float | int | None  # None when missing or withheld
    sample: int
    status: str  # a status key: green, amber, red, none, or small (withheld)
    word: str
    is_city: bool = False

    @property
    def withheld(self) -> bool:
        return self.status == SMALL


@dataclass
class Block:
    indicator: Indicator
    plain: Promise
    unit: str
    dimension: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class TrendLine:
    label: str
    month: str
    value: float | int | None
    status: str
    word: str


def _line(name: str, cell: tuple[float | None, int], entry: Indicator, target: Any, *, is_city: bool) -> Line:
    value, sample = cell
    key, small = judged(value, sample, entry, target)
    # The public never sees a value whose sample is below the minimum.
    shown = None if small else display_value(value, entry)
    return Line(name, shown, sample, key, status_text(key), is_city)


def numbers_blocks(*, city: City, month: Month, entries: list[Indicator]) -> list[Block]:
    """Each indicator by district, and the city, for the month. Four queries."""
    codes = [e.code for e in entries]
    districts = places_of(city_id=city.pk, kind=ScopeKind.DISTRICT)
    grid = values_grid(city_id=city.pk, kind=ScopeKind.DISTRICT, codes=codes, months=[month])
    city_grid = values_grid(
        city_id=city.pk, kind=ScopeKind.CITY, codes=codes, months=[month], scope_ids=[city.pk]
    )
    targets = targets_of(city_id=city.pk, district_ids=list(districts), month=month)
    blocks: list[Block] = []
    for entry in entries:
        block = Block(
            entry, plain_sentence(entry), str(Unit(entry.unit).label), str(Dimension(entry.dimension).label)
        )
        for place in districts.values():
            cell = grid.get((entry.code, place.pk, month), (None, 0))
            target = target_for(targets, entry.code, place.pk)
            block.lines.append(_line(place.name, cell, entry, target, is_city=False))
        city_cell = city_grid.get((entry.code, city.pk, month), (None, 0))
        block.lines.append(
            _line(_("The whole city"), city_cell, entry, target_for(targets, entry.code, None), is_city=True)
        )
        blocks.append(block)
    return blocks


def city_trend(*, city: City, month: Month, entry: Indicator) -> list[TrendLine]:
    """The city's value of one indicator over the twelve months up to `month`. Two queries."""
    months = [month_add(month, -n) for n in range(TREND_MONTHS - 1, -1, -1)]
    found = indicator_series(place=place_of(city), months=months, codes=[entry.code], internal=False)
    lines: list[TrendLine] = []
    for point in found[0].points if found else []:
        small = point.withheld or (point.value is not None and point.sample < entry.min_sample)
        key = SMALL if small else point.status
        value = None if small else display_value(point.value, entry)
        lines.append(TrendLine(point.label, month_text(point.month), value, key, status_text(key)))
    return lines


def _chosen_month(request: HttpRequest, city: City, errors: list[str]) -> Month:
    """The month asked for (`?month=1405-08`, Persian digits accepted), or the last whole month with
    values. A malformed month or one still to come is reported and the default used."""
    text = request.GET.get("month", "").strip()
    if text:
        try:
            month = parse_month(text, field="month")
        except ValidationError as error:
            errors.extend(error.message_dict["month"])
        else:
            if month <= month_of(timezone.now()):
                return month
            errors.append(_("That month has not come yet; the last whole month is shown."))
    return latest_month(city_id=city.pk)


def _chosen_trend(request: HttpRequest, entries: list[Indicator], errors: list[str]) -> Indicator:
    code = request.GET.get("trend", "").strip()
    for entry in entries:
        if entry.code == code:
            return entry
    if code:
        errors.append(_("There is no such indicator on this page; the first one is shown."))
    return entries[0]


@require_GET
def numbers(request: HttpRequest, slug: str) -> HttpResponse:
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise Http404(_("There is no city “%(slug)s”.") % {"slug": slug})
    errors: list[str] = []
    entries = numbers_entries()
    month = _chosen_month(request, city, errors)
    current = month_of(timezone.now())
    # The month choice: the last whole months, and the shown one even when it is older.
    choices = [month_add(current, -n) for n in range(1, MONTH_CHOICES + 1)]
    if month not in choices:
        choices.insert(0, month)
    context: dict[str, Any] = {
        "city": city,
        "month": month,
        "month_label": month_label(month),
        "month_text": month_text(month),
        "month_choices": [(month_text(m), month_label(m)) for m in choices],
        "errors": errors,
        "refreshed_at": last_refresh(city.pk),
        "blocks": [],
        "trend": [],
        "trend_indicator": None,
        "entries": entries,
    }
    if entries:
        trend_entry = _chosen_trend(request, entries, errors)
        context["blocks"] = numbers_blocks(city=city, month=month, entries=entries)
        context["trend_indicator"] = trend_entry
        context["trend_unit"] = str(Unit(trend_entry.unit).label)
        context["trend"] = city_trend(city=city, month=month, entry=trend_entry)
    return render(request, "portal/numbers.html", context)
