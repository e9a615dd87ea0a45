"""Indicator values as files: `GET /api/v1/exports/indicators.csv` and `.xlsx`.

The same query as `GET /api/v1/indicators` (and the same rules: published indicators of the territory are
public, small samples withheld from the public, agencies for their internal readers), plus `places=<kind>`
to list every place of that kind inside the scope. The file holds one row per place × month × indicator;
a large export streams (CSV) or is written row by row into a spooled file (XLSX), never held whole.
"""

import re
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router

from mahalat.accounts.rules import has_permission, require_permission

# The scope and indicator parsing and the query itself are those of /indicators, kept in one place.
from mahalat.api.auth import optional_session_or_token
from mahalat.api.insights import IndicatorsQuery, api_user, indicator_codes, parse_scope, requested_months
from mahalat.api.schemas import ErrorOut
from mahalat.insights.export_rows import INSIDE, indicators_table, places_inside
from mahalat.insights.exporting import table_export_response
from mahalat.insights.periods import Month, month_text
from mahalat.insights.selectors import Place, place_by_slug

router = Router(tags=["exports"])

_NOT_ASCII_SLUG = re.compile(r"[^A-Za-z0-9_-]+")


class ExportQuery(IndicatorsQuery):
    places: str | None = Field(
        None,
        max_length=20,
        description=(
            "List every place of this kind inside the scope instead of the scope itself: district, area, "
            "neighborhood (inside a city, district or area as fits) or agency (inside a city)"
        ),
    )


def _places_kind(scope_kind: str, places: str | None) -> str | None:
    if not places:
        return None
    if places not in INSIDE.get(scope_kind, ()):
        raise ValidationError(
            {"places": [_("Places of this kind cannot be listed inside this scope.")]}, code="invalid"
        )
    return places


def _filename(scope: Place, places_kind: str | None, months: Sequence[Month]) -> str:
    slug = _NOT_ASCII_SLUG.sub("-", scope.slug).strip("-") or str(scope.pk)
    parts = ["indicators", scope.kind, slug]
    if places_kind:
        parts.append(f"{places_kind}s")
    parts += [month_text(months[0]), month_text(months[-1])]
    return "-".join(parts)


def _export(request: HttpRequest, query: ExportQuery, fmt: str) -> HttpResponse:
    kind, slug = parse_scope(query.scope)
    months = requested_months(query)
    places_kind = _places_kind(kind, query.places)
    codes = indicator_codes(query.indicator, places_kind or kind)
    scope = place_by_slug(kind, slug)
    if scope is None:
        raise Http404(_("There is no such place."))
    user = api_user(request)
    require_permission(user, "insights.view_indicators", scope)
    if places_kind is None:
        places = [scope]
    else:
        inside = places_inside(scope, places_kind)
        # Agencies are read by their internal readers only: a liaison gets its own agency's rows.
        places = [p for p in inside if p.is_public or has_permission(user, "insights.view_indicators", p)]
        if inside and not places:
            raise PermissionDenied(_("You do not have permission to do this here."))
    # The reader's view is settled per place: district staff read their own district's places as insiders.
    internal = {p.pk: has_permission(user, "governance.read_internal", p) for p in places}
    table = indicators_table(
        scope=scope,
        places=places,
        months=months,
        codes=codes,
        internal=lambda p: internal[p.pk],
        filename=_filename(scope, places_kind, months),
    )
    return table_export_response(table, fmt)  # type: ignore[return-value]


_DESCRIPTION = (
    "Parameters as `GET /api/v1/indicators` (`scope=kind:slug`, `from`, `to`, `indicator`), plus "
    "`places=<kind>` for every place of that kind inside the scope (e.g. `scope=city:kuhsar&places="
    "neighborhood`). One row per place × month × indicator: place kind, slug and name, indicator code and "
    "name, dimension, Jalali month (YYYY-MM), value, numerator, denominator, sample, target and status. "
    "Headers in the language of Accept-Language (Persian by default). The public gets published "
    "indicators only and no value whose sample is below the minimum."
)


@router.get(
    "/indicators.csv",
    response={403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=optional_session_or_token,
    summary="Indicator values as CSV (UTF-8 with a byte-order mark, streamed)",
    description=_DESCRIPTION,
    openapi_extra={"responses": {"200": {"description": "The CSV file", "content": {"text/csv": {}}}}},
)
def indicators_csv(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponse:
    return _export(request, query, "csv")


@router.get(
    "/indicators.xlsx",
    response={403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=optional_session_or_token,
    summary="Indicator values as an Excel workbook",
    description=_DESCRIPTION,
    openapi_extra={
        "responses": {
            "200": {
                "description": "The XLSX file",
                "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
            }
        }
    },
)
def indicators_xlsx(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponse:
    return _export(request, query, "xlsx")
