"""Indicators and early warnings, read from the pre-computed values (never from raw records).

Published indicators of the city, its districts, areas and neighborhoods are public, so citizens see the
same picture as the deputy; for the public, a value whose sample is below the indicator's minimum is
withheld (`withheld: true`). Agency values and the early-warning list are for the internal readers
whose scope holds the place (403 otherwise).
"""

import math
from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from mahalat.accounts.rules import has_permission, held_roles, require_permission
from mahalat.api.auth import optional_session_or_token
from mahalat.api.schemas import ErrorOut
from mahalat.insights.catalog import Dimension, Direction, Indicator, ScopeKind, Unit, indicator
from mahalat.insights.periods import (
    Month,
    month_add,
    month_label,
    month_of,
    month_text,
    months_between,
    parse_month,
)
from mahalat.insights.selectors import (
    FALLING_THRESHOLD,
    Place,
    TargetView,
    early_warnings,
    indicator_series,
    last_refresh,
    place_by_slug,
)
from mahalat.territory.models import City, District

router = Router(tags=["indicators"])

# The longest range of months one request may ask for.
MAX_MONTHS = 36


class IndicatorsQuery(Schema):
    scope: str = Field(
        description="`kind:slug`; kind: city, district, area, neighborhood or agency (district:kuhsar-d1)"
    )
    start: str | None = Field(
        None, alias="from", description="First Jalali month, YYYY-MM (default: 11 before `to`)"
    )
    end: str | None = Field(
        None, alias="to", description="Last Jalali month, YYYY-MM (default: the current one)"
    )
    indicator: str | None = Field(None, max_length=60, description="Only this indicator (its code)")


class WarningsQuery(Schema):
    month: str | None = Field(None, description="Jalali month, YYYY-MM (default: the current one)")
    scope_kind: str = Field(
        ScopeKind.NEIGHBORHOOD.value, description="neighborhood, area, district or agency"
    )
    city: str | None = Field(None, description="The city's slug (default: the city of the caller's role)")
    district: str | None = Field(None, description="Only the places of this district (its slug)")
    indicator: str | None = Field(None, max_length=60, description="Only this indicator (its code)")


class PlaceOut(Schema):
    kind: str
    slug: str
    name: str


class TargetOut(Schema):
    value: float
    amber_band: float
    district_own: bool = Field(description="True when it is the district's own target, not the city's")


class PointOut(Schema):
    month: str
    label: str
    value: float | None
    numerator: float | None
    denominator: float | None
    sample: int
    status: str = Field(description="green, amber, red or none")
    target: TargetOut | None = Field(None, description="The target in force in this month, if any")
    computed_at: datetime | None
    withheld: bool = Field(description="Hidden from the public: the sample is below the minimum")


class IndicatorInfo(Schema):
    code: str
    name: str
    dimension: str
    dimension_label: str
    unit: str
    unit_label: str
    direction: str
    direction_label: str
    formula: str
    min_sample: int
    sample_of: str


class SeriesOut(IndicatorInfo):
    target: TargetOut | None
    values: list[PointOut]


class IndicatorsOut(Schema):
    scope: PlaceOut
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    refreshed_at: datetime | None = Field(description="When the values were last brought up to date")
    indicators: list[SeriesOut]


class TrendOut(Schema):
    month: str
    label: str
    value: float | None


class WarningOut(Schema):
    indicator: IndicatorInfo
    place: PlaceOut
    value: float
    sample: int
    target: TargetOut | None
    status: str
    falling: bool
    worsening: float | None = Field(
        description="How much worse than two months earlier (a share of that value)"
    )
    trend: list[TrendOut]


class WarningsOut(Schema):
    city: PlaceOut
    month: str
    scope_kind: str
    falling_threshold: float
    refreshed_at: datetime | None
    warnings: list[WarningOut]


def api_user(request: HttpRequest) -> object:
    return getattr(request, "auth", None) or request.user


def _info(entry: Indicator) -> dict[str, object]:
    return {
        "code": entry.code,
        "name": str(entry.name),
        "dimension": entry.dimension,
        "dimension_label": str(Dimension(entry.dimension).label),
        "unit": entry.unit,
        "unit_label": str(Unit(entry.unit).label),
        "direction": entry.direction,
        "direction_label": str(Direction(entry.direction).label),
        "formula": str(entry.formula),
        "min_sample": entry.min_sample,
        "sample_of": str(entry.sample_of),
    }


def _place(place: Place) -> dict[str, str]:
    return {"kind": place.kind, "slug": place.slug, "name": place.name}


def _target(target: TargetView | None) -> dict[str, object] | None:
    if target is None:
        return None
    return {
        "value": target.value,
        "amber_band": target.amber_band,
        "district_own": target.district_id is not None,
    }


def requested_months(query: IndicatorsQuery) -> list[Month]:
    """The Jalali months `from`…`to` asked for (default: the twelve up to this one), at most MAX_MONTHS."""
    end = parse_month(query.end, field="to") if query.end else month_of(timezone.now())
    start = parse_month(query.start, field="from") if query.start else month_add(end, -11)
    if start > end:
        raise ValidationError({"from": [_("The first month cannot be after the last.")]})
    months = months_between(start, end)
    if len(months) > MAX_MONTHS:
        raise ValidationError({"from": [_("Ask for at most %(n)s months at a time.") % {"n": MAX_MONTHS}]})
    return months


def parse_scope(text: str) -> tuple[str, str]:
    kind, sep, slug = (text or "").partition(":")
    if not sep or kind not in ScopeKind.values or not slug.strip():
        raise ValidationError(
            {"scope": [_("Write the scope as kind:slug (city, district, area, neighborhood or agency).")]}
        )
    return kind, slug.strip()


def indicator_codes(code: str | None, kind: str) -> list[str] | None:
    if not code:
        return None
    entry = indicator(code)
    if entry is None:
        raise ValidationError({"indicator": [_("There is no such indicator.")]})
    if kind not in entry.scope_kinds:
        raise ValidationError({"indicator": [_("This indicator is not computed for this kind of place.")]})
    return [code]


@router.get(
    "/indicators",
    response={200: IndicatorsOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=optional_session_or_token,
    by_alias=True,
    summary="A place's indicators per Jalali month, with the target and its status",
    description=(
        "Values are pre-computed by the periodic refresh (`refreshed_at`, and `computed_at` per value). "
        "Status: green on target, amber within the target's amber band, red beyond it, none without a "
        "target or a value. Published indicators of the territory are public; agency values are for the "
        "internal readers of the agency's city and the agency's liaisons."
    ),
)
def indicators_api(request: HttpRequest, query: Query[IndicatorsQuery]) -> dict[str, object]:
    kind, slug = parse_scope(query.scope)
    months = requested_months(query)
    codes = indicator_codes(query.indicator, kind)
    place = place_by_slug(kind, slug)
    if place is None:
        raise Http404(_("There is no such place."))
    user = api_user(request)
    require_permission(user, "insights.view_indicators", place)
    internal = has_permission(user, "governance.read_internal", place)
    series = indicator_series(place=place, months=months, codes=codes, internal=internal)
    return {
        "scope": _place(place),
        "from": month_text(months[0]),
        "to": month_text(months[-1]),
        "refreshed_at": last_refresh(place.city_id),
        "indicators": [
            {
                **_info(s.indicator),
                "target": _target(s.target),
                "values": [
                    {
                        "month": month_text(p.month),
                        "label": p.label,
                        "value": p.value,
                        "numerator": p.numerator,
                        "denominator": p.denominator,
                        "sample": p.sample,
                        "status": p.status,
                        "target": _target(p.target),
                        "computed_at": p.computed_at,
                        "withheld": p.withheld,
                    }
                    for p in s.points
                ],
            }
            for s in series
        ],
    }


def _city_for(user: object, slug: str | None) -> City:
    if slug:
        city = City.objects.filter(slug=slug).first()
        if city is None:
            raise Http404(_("There is no such city."))
        return city
    city_ids = sorted({h.scope.city_id for h in held_roles(user) if h.scope.city_id is not None})
    if not city_ids:
        raise ValidationError({"city": [_("Name the city (its slug).")]})
    return City.objects.get(pk=city_ids[0])


@router.get(
    "/early-warnings",
    response={200: WarningsOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=optional_session_or_token,
    by_alias=True,
    summary="Places falling behind: red against the target, or worse than two months earlier",
    description=(
        "Only places whose sample in the month reaches the indicator's minimum are ranked. Red ones come "
        "first, the farthest behind first; then those falling by more than `falling_threshold` of their "
        "value two months earlier. For the internal readers of the city (or of the district asked for)."
    ),
)
def early_warnings_api(request: HttpRequest, query: Query[WarningsQuery]) -> dict[str, object]:
    month: Month = parse_month(query.month, field="month") if query.month else month_of(timezone.now())
    if query.scope_kind not in ScopeKind.values or query.scope_kind == ScopeKind.CITY:
        raise ValidationError({"scope_kind": [_("Choose neighborhood, area, district or agency.")]})
    codes = indicator_codes(query.indicator, query.scope_kind)
    user = api_user(request)
    city = _city_for(user, query.city)
    district = None
    if query.district:
        district = District.objects.filter(city=city, slug=query.district).first()
        if district is None:
            raise Http404(_("There is no such district in this city."))
        if query.scope_kind == ScopeKind.AGENCY:
            raise ValidationError({"district": [_("Agencies are not listed by district.")]})
    require_permission(user, "insights.view_early_warnings", district or city)
    found = early_warnings(
        city=city, month=month, scope_kind=query.scope_kind, district=district, codes=codes
    )
    return {
        "city": {"kind": ScopeKind.CITY.value, "slug": city.slug, "name": str(city)},
        "month": month_text(month),
        "scope_kind": query.scope_kind,
        "falling_threshold": FALLING_THRESHOLD,
        "refreshed_at": last_refresh(city.pk),
        "warnings": [
            {
                "indicator": _info(w.indicator),
                "place": _place(w.place),
                "value": w.value,
                "sample": w.sample,
                "target": _target(w.target),
                "status": w.status,
                "falling": w.falling,
                "worsening": w.worsening if math.isfinite(w.worsening) else None,
                "trend": [{"month": month_text(m), "label": month_label(m), "value": v} for m, v in w.trend],
            }
            for w in found
        ],
    }
