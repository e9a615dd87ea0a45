"""`{% load insights_numbers %}{% neighborhood_numbers neighborhood %}`: a few of the neighborhood's
indicators beside the city's, each in one plain sentence, for its public page. Two queries, pre-computed
rows only; a value whose sample is below the indicator's minimum is not shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mahalat.insights.catalog import CATALOG, Indicator, ScopeKind
from mahalat.insights.dashboard_selectors import latest_month
from mahalat.insights.periods import month_label
from mahalat.insights.tables import beside_city

register = template.Library()

# The figures a resident understands without a formula, each with what it says.
PLAIN: dict[str, Promise] = {
    "reports_resolved_share": _("Of the problems residents reported in the month, the share already solved."),
    "resolve_hours_median": _("How many hours it usually took to solve a reported problem."),
    "meetings_held_share": _(
        "Of the council meetings due in the month, how many were held (as a share; extra meetings count too)."
    ),
    "active_citizens_per_1000": _(
        "Of every thousand residents, how many took part: reported, commented, voted."
    ),
}


@dataclass(frozen=True)
class Figure:
    indicator: Indicator
    plain: Promise
    here: float | int | None
    city: float | int | None
    better_here: bool | None  # None when either value is missing


def _better(here: float | int | None, city: float | int | None, entry: Indicator) -> bool | None:
    if here is None or city is None or here == city:
        return None
    return (here > city) == (entry.direction == "higher")


@register.inclusion_tag("insights/_neighborhood_numbers.html")
def neighborhood_numbers(neighborhood: Any) -> dict[str, Any]:
    month = latest_month(city_id=neighborhood.city_id)
    entries = [CATALOG[code] for code in PLAIN if code in CATALOG and CATALOG[code].published]
    values = beside_city(
        city_id=neighborhood.city_id,
        kind=ScopeKind.NEIGHBORHOOD,
        scope_id=neighborhood.pk,
        entries=entries,
        month=month,
    )
    figures = []
    for entry in entries:
        here, city = values[entry.code]
        figures.append(Figure(entry, PLAIN[entry.code], here, city, _better(here, city, entry)))
    return {"figures": figures, "month_label": month_label(month), "neighborhood": neighborhood}
