"""Open data (داده‌های باز): the page listing the city's downloads under its open licence, and the
neighborhoods as a GeoJSON FeatureCollection with their published indicators of the last whole month.

The licence is a setting (`OPEN_DATA_LICENSE_NAME`, `OPEN_DATA_LICENSE_URL`), so a city publishing under
another licence changes no code. What the files hold is what the public sees on the pages: published
indicators only, and no value whose sample is below the indicator's minimum.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mahalat.insights.catalog import Indicator, ScopeKind, Unit, indicators
from mahalat.insights.dashboard_selectors import latest_month, values_grid
from mahalat.insights.periods import Month, month_add, month_label, month_text
from mahalat.insights.selectors import last_refresh, target_book, target_for
from mahalat.insights.tables import SMALL, display_value, judged
from mahalat.territory.models import City, Neighborhood

DEFAULT_LICENSE_NAME = "Creative Commons Attribution 4.0"
DEFAULT_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
GEOJSON_CONTENT_TYPE = "application/geo+json"
# The values are refreshed every 15 minutes: a shared cache may keep the file that long.
GEOJSON_MAX_AGE = 15 * 60
# The status a feature gives a value whose sample is below the minimum (its value is left out).
WITHHELD = "withheld"
CSV_MONTHS = 12


@dataclass(frozen=True)
class License:
    name: str
    url: str


def open_data_license() -> License:
    return License(
        name=getattr(settings, "OPEN_DATA_LICENSE_NAME", DEFAULT_LICENSE_NAME) or DEFAULT_LICENSE_NAME,
        url=getattr(settings, "OPEN_DATA_LICENSE_URL", DEFAULT_LICENSE_URL) or DEFAULT_LICENSE_URL,
    )


def public_indicators() -> list[Indicator]:
    """The neighborhood indicators the public may read (agency ones are not computed for neighborhoods)."""
    return [e for e in indicators(kind=ScopeKind.NEIGHBORHOOD) if e.published]


def _city_or_404(slug: str) -> City:
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise Http404(_("There is no city “%(slug)s”.") % {"slug": slug})
    return city


def _geometry(boundary: Any) -> Any:
    # Boundaries are stored as a geometry, or (as imported) as a Feature holding one.
    if isinstance(boundary, dict) and boundary.get("type") == "Feature":
        return boundary.get("geometry")
    return boundary


# --- the GeoJSON ----------------------------------------------------------------------------------------


def _indicator_properties(
    entries: list[Indicator],
    grid: dict[tuple[str, int, Month], tuple[float | None, int]],
    targets: dict[tuple[str, int | None], Any],
    hood: Neighborhood,
    month: Month,
) -> dict[str, Any]:
    """`<code>`: the value (null when missing or withheld), `<code>_sample`, and `<code>_status`: green,
    amber, red, none, or withheld. Flat, so desktop GIS shows them as columns."""
    out: dict[str, Any] = {}
    for entry in entries:
        value, sample = grid.get((entry.code, hood.pk, month), (None, 0))
        key, small = judged(value, sample, entry, target_for(targets, entry.code, hood.district_id))
        out[entry.code] = None if small else display_value(value, entry)
        out[f"{entry.code}_sample"] = sample
        out[f"{entry.code}_status"] = WITHHELD if key == SMALL else str(key)
    return out


def neighborhood_features(*, city: City, month: Month, entries: list[Indicator]) -> Iterator[dict[str, Any]]:
    """One Feature per neighborhood of the city with a boundary. Three queries: their values for the
    month, the targets, and the neighborhoods with their districts and areas (read in chunks)."""
    codes = [e.code for e in entries]
    grid = values_grid(city_id=city.pk, kind=ScopeKind.NEIGHBORHOOD, codes=codes, months=[month])
    # The city's lines and every district's own (None: all districts), in force in the month.
    targets = target_book(city_id=city.pk, district_ids=None, codes=codes).current(month)
    hoods = (
        Neighborhood.objects.filter(city=city, boundary__isnull=False)
        .select_related("district", "area")
        .only(
            "slug",
            "name",
            "name_en",
            "population",
            "boundary",
            "district_id",
            "area_id",
            "district__slug",
            "district__name",
            "district__name_en",
            "area__slug",
            "area__name",
            "area__name_en",
        )
        .order_by("district__number", "area__number", "pk")
    )
    for hood in hoods.iterator(chunk_size=200):
        geometry = _geometry(hood.boundary)
        if not geometry:
            continue
        properties: dict[str, Any] = {
            "slug": hood.slug,
            "name": hood.name,
            "name_en": hood.name_en,
            "district": hood.district.slug,
            "district_name": hood.district.name,
            "district_name_en": hood.district.name_en,
            "area": hood.area.slug,
            "area_name": hood.area.name,
            "area_name_en": hood.area.name_en,
            "population": hood.population,
            "month": month_text(month),
        }
        properties.update(_indicator_properties(entries, grid, targets, hood, month))
        yield {"type": "Feature", "id": hood.slug, "geometry": geometry, "properties": properties}


def collection_properties(
    *, request: HttpRequest, city: City, month: Month, entries: list[Indicator]
) -> dict[str, Any]:
    licence = open_data_license()
    refreshed = last_refresh(city.pk)
    return {
        "city": city.slug,
        "city_name": city.name,
        "city_name_en": city.name_en,
        "month": month_text(month),
        "license": {"name": licence.name, "url": licence.url},
        "source": request.build_absolute_uri(reverse("public:open-data", args=[city.slug])),
        "generated_at": timezone.now().isoformat(),
        "refreshed_at": refreshed.isoformat() if refreshed else None,
        "indicators": [
            {
                "code": e.code,
                "name": str(e.name),
                "dimension": e.dimension,
                "unit": e.unit,
                "direction": e.direction,
                "min_sample": e.min_sample,
            }
            for e in entries
        ],
    }


def _stream(head: dict[str, Any], features: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The collection written feature by feature, so a city of any size is never held whole."""
    opening = json.dumps(head, ensure_ascii=False)
    yield opening[:-1] + ', "features": ['
    for n, feature in enumerate(features):
        yield ("," if n else "") + "\n" + json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
    yield "\n]}\n"


@require_GET
def neighborhoods_geojson(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    city = _city_or_404(slug)
    month = latest_month(city_id=city.pk)
    entries = public_indicators()
    head = {
        "type": "FeatureCollection",
        "properties": collection_properties(request=request, city=city, month=month, entries=entries),
    }
    response = StreamingHttpResponse(
        _stream(head, neighborhood_features(city=city, month=month, entries=entries)),
        content_type=GEOJSON_CONTENT_TYPE,
    )
    response["Content-Disposition"] = (
        f'inline; filename="neighborhoods-{city.slug}-{month_text(month)}.geojson"'
    )
    response["Cache-Control"] = f"public, max-age={GEOJSON_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- the page -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    title: str
    description: str
    fmt: str
    url: str


def _export_url(params: dict[str, str], fmt: str) -> str:
    name = "api-v1:indicators_csv" if fmt == "csv" else "api-v1:indicators_xlsx"
    return f"{reverse(name)}?{urlencode(params)}"


def downloads(*, city: City, month: Month) -> list[Download]:
    """What the page offers: the GeoJSON, and the API's indicator exports for the last twelve months of
    every neighborhood, every district and the city (the public view of them)."""
    span = {"from": month_text(month_add(month, -(CSV_MONTHS - 1))), "to": month_text(month)}
    scope = f"city:{city.slug}"
    hoods = {"scope": scope, "places": ScopeKind.NEIGHBORHOOD, **span}
    districts = {"scope": scope, "places": ScopeKind.DISTRICT, **span}
    whole = {"scope": scope, **span}
    return [
        Download(
            _("Neighborhoods with their indicators"),
            _(
                "Every neighborhood's boundary, district, area and population, "
                "with its indicators of %(month)s."
            )
            % {"month": month_label(month)},
            "GeoJSON",
            reverse("public:neighborhoods-geojson", args=[city.slug]),
        ),
        Download(
            _("Indicators of every neighborhood"),
            _("One row per neighborhood, indicator and month, for the twelve months up to %(month)s.")
            % {"month": month_label(month)},
            "CSV",
            _export_url(hoods, "csv"),
        ),
        Download(
            _("Indicators of every neighborhood"),
            _("The same table as an Excel workbook."),
            "XLSX",
            _export_url(hoods, "xlsx"),
        ),
        Download(
            _("Indicators of every district"),
            _("One row per district, indicator and month, for the twelve months up to %(month)s.")
            % {"month": month_label(month)},
            "CSV",
            _export_url(districts, "csv"),
        ),
        Download(
            _("Indicators of the whole city"),
            _("One row per indicator and month, for the twelve months up to %(month)s.")
            % {"month": month_label(month)},
            "CSV",
            _export_url(whole, "csv"),
        ),
    ]


@require_GET
def open_data(request: HttpRequest, slug: str) -> HttpResponse:
    city = _city_or_404(slug)
    month = latest_month(city_id=city.pk)
    return render(
        request,
        "portal/numbers_open_data.html",
        {
            "city": city,
            "license": open_data_license(),
            "downloads": downloads(city=city, month=month),
            "entries": [(e, Unit(e.unit).label) for e in public_indicators()],
            "refreshed_at": last_refresh(city.pk),
            "month_label": month_label(month),
        },
    )
