"""The dashboards: the deputy's city, a district's, and a neighborhood's (public), and the download of
any of their tables as CSV or XLSX with the same GET parameters as the page.

Thin: every table comes from `insights.tables`, built once and rendered or exported as is. Each page
reads a fixed number of queries, from pre-computed indicator rows only. Those rows change only when
the indicators are refreshed or a target is set, so a page's content is rendered once per refresh and
kept in the cache under a key that holds both moments (`_body`); what can change at any time (the
circulars not yet acknowledged, the reader's own menu) is read on every request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mahalat.accounts.rules import has_permission, held_roles, is_superuser, require_permission
from mahalat.insights import tables
from mahalat.insights.catalog import ScopeKind, indicators
from mahalat.insights.dashboard_selectors import latest_month, pending_acknowledgements
from mahalat.insights.exporting import table_export_response
from mahalat.insights.forms_dashboards import DashboardForm
from mahalat.insights.periods import month_label, month_text
from mahalat.insights.selectors import places_of, values_stamp
from mahalat.territory.models import City, District, Neighborhood

CITY_TABLES = ("comparison", "map", "trend", "warnings", "agencies")
DISTRICT_TABLES = ("comparison", "map", "trend", "warnings")
NEIGHBORHOOD_TABLES = ("neighborhood", "trend")
CIRCULARS_SHOWN = 50


@dataclass
class Page:
    """A dashboard resolved from the request: whose it is, the reader's choices, its tables' names."""

    kind: str  # "city" | "district" | "neighborhood"
    query: tables.DashboardContext
    form: DashboardForm
    # The place parameter the export links carry (city=…, district=… or neighborhood=…).
    place_params: dict[str, str]
    table_keys: tuple[str, ...]


@dataclass
class Shown:
    """One table as the page renders it: the same `Table` the export writes, its rows with each status
    cell's colour key, and links that are not data (a district's monthly report)."""

    key: str
    table: tables.DashboardTable
    rows: list[list[tables.RenderedCell]]
    actions: list[list[tuple[str, str]]]

    @property
    def lines(self) -> list[tuple[list[tables.RenderedCell], str, list[tuple[str, str]]]]:
        links = self.table.links
        return [
            (
                cells,
                (links[i] if i < len(links) else None) or "",
                self.actions[i] if i < len(self.actions) else [],
            )
            for i, cells in enumerate(self.rows)
        ]


def shown(
    key: str, table: tables.DashboardTable, actions: list[list[tuple[str, str]]] | None = None
) -> Shown:
    return Shown(key, table, tables.rendered_rows(table), actions or [])


def _reader_city(request: HttpRequest) -> City:
    """`?city=<slug>`, else the city of the reader's roles (the first, for someone in several); a
    superuser without roles sees the first city."""
    slug = request.GET.get("city", "")
    if slug:
        city = City.objects.filter(slug=slug[:80]).first()
        if city is None:
            raise Http404(_("There is no such city."))
        return city
    ids = sorted({h.scope.city_id for h in held_roles(request.user) if h.scope.city_id is not None})
    city = City.objects.filter(pk=ids[0]).first() if ids else None
    if city is None and is_superuser(request.user):
        city = City.objects.order_by("pk").first()
    if city is None:
        raise PermissionDenied(_("You do not have permission to do this here."))
    return city


def _form(request: HttpRequest, *, city: City, internal: bool, kinds: list[str]) -> DashboardForm:
    return DashboardForm(
        request.GET,
        entries=[i for i in indicators(kind=ScopeKind.NEIGHBORHOOD) if internal or i.published],
        kinds=kinds,
        latest=latest_month(city_id=city.pk),
    )


def _query(form: DashboardForm, **where: Any) -> tables.DashboardContext:
    entry, month, kind, all_warnings = form.choice()
    return tables.DashboardContext(
        indicator=entry, month=month, map_kind=kind, all_warnings=all_warnings, **where
    )


def city_page(request: HttpRequest) -> Page:
    city = _reader_city(request)
    require_permission(request.user, "insights.view_early_warnings", city)
    kinds = [ScopeKind.NEIGHBORHOOD, ScopeKind.AREA, ScopeKind.DISTRICT]
    form = _form(request, city=city, internal=True, kinds=kinds)
    params = {"city": city.slug} if request.GET.get("city") else {}
    return Page("city", _query(form, city=city), form, params, CITY_TABLES)


def district_page(request: HttpRequest, slug: str) -> Page:
    district = District.objects.select_related("city").filter(slug=slug[:80]).first()
    if district is None:
        raise Http404(_("There is no such district."))
    wanted_city = request.GET.get("city", "")
    if wanted_city and wanted_city != district.city.slug:
        raise Http404(_("There is no such district in this city."))
    require_permission(request.user, "insights.view_early_warnings", district)
    form = _form(request, city=district.city, internal=True, kinds=[ScopeKind.NEIGHBORHOOD, ScopeKind.AREA])
    query = _query(form, city=district.city, district=district)
    return Page("district", query, form, {"district": district.slug}, DISTRICT_TABLES)


def neighborhood_page(request: HttpRequest, slug: str) -> Page:
    neighborhood = Neighborhood.objects.select_related("city").filter(slug=slug[:80]).first()
    if neighborhood is None:
        raise Http404(_("There is no such neighborhood."))
    # The rules judge the place (public at the territory kinds), as the indicators API does.
    place = tables.place_of(neighborhood)
    require_permission(request.user, "insights.view_indicators", place)
    internal = has_permission(request.user, "governance.read_internal", place)
    city = neighborhood.city
    form = _form(request, city=city, internal=internal, kinds=[ScopeKind.NEIGHBORHOOD])
    query = _query(form, city=city, neighborhood=neighborhood, internal=internal)
    return Page("neighborhood", query, form, {"neighborhood": neighborhood.slug}, NEIGHBORHOOD_TABLES)


def _export_query(page: Page) -> str:
    """The page's parameters, for its tables' download links (the export builds the same tables)."""
    q = page.query
    params = {
        **page.place_params,
        "indicator": q.indicator.code,
        "month": month_text(q.month),
    }
    if page.kind != "neighborhood":
        params["kind"] = q.map_kind
    if q.all_warnings:
        params["warnings"] = "all"
    return urlencode(params)


def _report_links(page: Page, table: tables.DashboardTable) -> list[list[tuple[str, str]]]:
    """On the deputy's comparison, each district's monthly PDF report beside its row (the rows are the
    districts in the order `places_of` gives, then the city)."""
    q = page.query
    if page.kind != "city":
        return []
    month = month_text(q.month)
    label = _("Monthly report (PDF)")
    return [
        [(label, reverse("insights:district-report", kwargs={"slug": p.slug, "month": month}))]
        for p in places_of(city_id=q.city.pk, kind=ScopeKind.DISTRICT).values()
    ]


def _context(request: HttpRequest, page: Page, *, refreshed_at: datetime | None) -> dict[str, Any]:
    q = page.query
    context: dict[str, Any] = {
        "page": page,
        "q": q,
        "form": page.form,
        "month_text": month_text(q.month),
        "month_label": month_label(q.month),
        "export_query": _export_query(page),
        "refreshed_at": refreshed_at,
        "district": q.district,
    }
    if "map" in page.table_keys:
        found = tables.map_data(q)
        context["map"] = found
        context["map_table"] = shown("map", found.table)
    if "comparison" in page.table_keys:
        comparison = tables.comparison_table(q)
        context["comparison_table"] = shown("comparison", comparison, _report_links(page, comparison))
    if "trend" in page.table_keys:
        trend = tables.trend_table(q)
        context["trend_table"] = shown("trend", trend)
        context["trend_chart"] = _chart(q, trend)
    if "warnings" in page.table_keys:
        warnings = tables.warnings_table(q)
        context["warnings_table"] = shown("warnings", warnings)
        context["warnings_total"] = warnings.total or 0
        more = QueryDict(mutable=True)
        more.update({k: v for k, v in request.GET.items() if k != "warnings"})
        more["warnings"] = "all"
        context["warnings_all_query"] = more.urlencode()
    if "agencies" in page.table_keys:
        context["agencies_table"] = shown("agencies", tables.agencies_table(q))
    if "neighborhood" in page.table_keys:
        context["neighborhood_table"] = shown("neighborhood", tables.neighborhood_table(q))
    return context


def _body(request: HttpRequest, page: Page) -> str:
    """The page's content from the pre-computed rows, rendered once per refresh and target change."""
    q = page.query
    refreshed_at, targets_changed_at, targets = values_stamp(city_id=q.city.pk)
    template = f"insights/_{page.kind}_body.html"
    seconds = settings.ANSWER_CACHE_SECONDS
    if not seconds:
        return render_to_string(template, _context(request, page, refreshed_at=refreshed_at), request)
    parts = [
        page.kind,
        translation.get_language(),
        request.get_full_path(),
        q.city.pk,
        q.indicator.code,
        month_text(q.month),
        q.map_kind,
        q.district.pk if q.district else "",
        q.neighborhood.pk if q.neighborhood else "",
        q.internal,
        q.all_warnings,
        ",".join(page.table_keys),
        refreshed_at.isoformat() if refreshed_at else "",
        targets_changed_at.isoformat() if targets_changed_at else "",
        targets,
    ]
    key = "dashboard:" + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    body = cache.get(key)
    if body is None:
        body = render_to_string(template, _context(request, page, refreshed_at=refreshed_at), request)
        cache.set(key, body, seconds)
    return mark_safe(body)  # rendered by our own template, escaped there


def _render(request: HttpRequest, page: Page, template: str) -> HttpResponse:
    q = page.query
    context: dict[str, Any] = {"page": page, "q": q, "district": q.district, "body": _body(request, page)}
    if page.kind != "neighborhood":
        context["circulars"] = pending_acknowledgements(
            city_id=q.city.pk, district_id=q.district.pk if q.district else None, limit=CIRCULARS_SHOWN
        )
    return render(request, template, context)


def _chart(q: tables.DashboardContext, trend: tables.DashboardTable) -> dict[str, Any]:
    """The trend chart's data, read from the trend table's own rows (month, value, target, …)."""
    keys = [c.key for c in trend.columns]
    rows: list[Any] = list(trend.rows)
    at = {k: keys.index(k) for k in ("month", "value", "target")}
    values = [r[at["value"]] if isinstance(r[at["value"]], int | float) else None for r in rows]
    targets = [r[at["target"]] for r in rows if isinstance(r[at["target"]], int | float)]
    return {
        "title": str(trend.title),
        "labels": [str(r[at["month"]]) for r in rows],
        "values": values,
        "target": targets[-1] if targets else None,
        "value_label": str(q.indicator.name),
        "target_label": _("Target"),
    }


def _login_first(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


@require_GET
def city_dashboard(request: HttpRequest) -> HttpResponse:
    if (redirect := _login_first(request)) is not None:
        return redirect
    return _render(request, city_page(request), "insights/dashboard_city.html")


@require_GET
def district_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    if (redirect := _login_first(request)) is not None:
        return redirect
    return _render(request, district_page(request, slug), "insights/dashboard_district.html")


@require_GET
def neighborhood_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    return _render(request, neighborhood_page(request, slug), "insights/dashboard_neighborhood.html")


@require_GET
def export_table(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """One dashboard table as a file, with the page's parameters and the page's permission."""
    if table not in tables.TABLE_BUILDERS or fmt not in {"csv", "xlsx"}:
        raise Http404(_("There is no such table to download."))
    page: Page
    if request.GET.get("neighborhood"):
        page = neighborhood_page(request, request.GET["neighborhood"])
    else:
        if (redirect := _login_first(request)) is not None:
            return redirect
        if request.GET.get("district"):
            page = district_page(request, request.GET["district"])
        else:
            page = city_page(request)
    if table not in page.table_keys:
        raise Http404(_("There is no such table to download."))
    if page.form.errors:
        raise Http404(_("Correct the indicator or the month to download this table."))
    return table_export_response(tables.TABLE_BUILDERS[table](page.query), fmt)  # type: ignore[return-value]
