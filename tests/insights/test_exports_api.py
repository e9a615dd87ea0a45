"""GET /api/v1/exports/indicators.csv and .xlsx: the files hold exactly what /indicators gives, with
Persian headers by default, the public's view for the public, bounded queries however many places, and
clear errors."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from mahalat.insights import export_rows
from mahalat.insights.catalog import ScopeKind, indicator, indicators
from mahalat.insights.models import IndicatorValue
from mahalat.insights.refresh import indicators_refresh
from mahalat.insights.selectors import Status
from mahalat.insights.services import target_set
from tests.factories import NeighborhoodFactory
from tests.insights.conftest import NOW, World

CSV = "/api/v1/exports/indicators.csv"
XLSX = "/api/v1/exports/indicators.xlsx"
API = "/api/v1/indicators"
RANGE = {"from": "1405-07", "to": "1405-08"}
NUMBER_COLUMNS = ("value", "numerator", "denominator", "sample", "target")
KEYS = [c.key for c in export_rows.columns()]


def as_(user: Any = None, language: str | None = None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def ready(world: World) -> World:
    indicators_refresh(city=world.city, now=NOW)
    target_set(actor=world.town.people["deputy"], city=world.city, code="resolutions_overdue", target=0)
    target_set(actor=world.town.people["deputy"], city=world.city, code="reports_resolved_share", target=50)
    return world


def _number(text: object) -> float | None:
    return None if text in ("", None) else float(text)  # type: ignore[arg-type]


def read_csv(response: Any) -> tuple[list[str], list[dict[str, object]]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    raw = b"".join(response.streaming_content).decode("utf-8")
    assert raw.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(raw[1:])))
    return header, [_typed(dict(zip(KEYS, row, strict=True))) for row in rows]


def read_xlsx(response: Any) -> tuple[list[str], list[dict[str, object]]]:
    assert response.status_code == 200, response.content
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = workbook.worksheets[0]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return [str(h) for h in header], [_typed(dict(zip(KEYS, row, strict=True))) for row in rows]


def _typed(row: dict[str, object]) -> dict[str, object]:
    return {k: (_number(v) if k in NUMBER_COLUMNS else ("" if v is None else v)) for k, v in row.items()}


def expected(body: dict, status_labels: dict[str, str]) -> dict[tuple[str, str, str], dict[str, object]]:
    """The rows /indicators gives, keyed by (place slug, code, month)."""
    out = {}
    for series in body["indicators"]:
        for point in series["values"]:
            target = point["target"]["value"] if point["target"] else None
            out[(body["scope"]["slug"], series["code"], point["month"])] = {
                "value": point["value"],
                "numerator": point["numerator"],
                "denominator": point["denominator"],
                "sample": float(point["sample"]),
                "target": target,
                "status": status_labels[point["status"]],
            }
    return out


def got(rows: list[dict[str, object]]) -> dict[tuple[str, str, str], dict[str, object]]:
    keyed = {(r["place_slug"], r["indicator_code"], r["month"]): r for r in rows}
    assert len(keyed) == len(rows)  # one row per place × indicator × month
    return {k: {c: r[c] for c in (*NUMBER_COLUMNS, "status")} for k, r in keyed.items()}


def fa_labels() -> dict[str, str]:
    with translation.override("fa"):
        return {s.value: str(s.label) for s in Status}


def fa_headers() -> list[str]:
    with translation.override("fa"):
        return [c.header for c in export_rows.columns()]


@pytest.mark.parametrize("reader", ["district_officer", "deputy", None])
def test_csv_holds_exactly_what_the_api_gives(ready: World, reader: str | None) -> None:
    user = ready.town.people[reader] if reader else None
    query = {"scope": "district:town-d1", **RANGE}
    body = as_(user).get(API, query).json()
    header, rows = read_csv(as_(user).get(CSV, query))
    assert header == fa_headers() and "ماه" in header and "محل" in header  # Persian by default
    assert got(rows) == expected(body, fa_labels())
    with translation.override("fa"):
        assert {r["place_kind"] for r in rows} == {str(ScopeKind.DISTRICT.label)}
    assert {r["place_name"] for r in rows} == {body["scope"]["name"]}


def test_each_month_is_judged_by_the_target_then_in_force(ready: World) -> None:
    deputy = ready.town.people["deputy"]
    code = "reports_resolved_share"
    target_set(actor=deputy, city=ready.city, code=code, target=100, effective_from=(1405, 8))
    query = {"scope": "district:town-d1", **RANGE, "indicator": code}
    body = as_(deputy).get(API, query).json()
    assert [p["target"]["value"] for p in body["indicators"][0]["values"]] == [50, 100]
    _header, rows = read_csv(as_(deputy).get(CSV, query))
    assert {r["month"]: r["target"] for r in rows} == {"1405-07": 50, "1405-08": 100}
    assert got(rows) == expected(body, fa_labels())


def test_xlsx_holds_exactly_what_the_api_gives(ready: World) -> None:
    user = ready.town.people["deputy"]
    query = {"scope": "neighborhood:n1", **RANGE, "indicator": "reports_resolved_share"}
    body = as_(user).get(API, query).json()
    response = as_(user).get(XLSX, query)
    assert response["Content-Disposition"].startswith('attachment; filename="indicators-neighborhood-n1-')
    header, rows = read_xlsx(response)
    assert header == fa_headers()
    assert got(rows) == expected(body, fa_labels())
    [mehr] = [r for r in rows if r["month"] == "1405-07"]
    assert mehr["value"] == 25.0 and mehr["sample"] == 4 and mehr["target"] == 50


def test_english_headers_with_accept_language(ready: World) -> None:
    header, rows = read_csv(
        as_(ready.town.people["deputy"], "en").get(
            CSV, {"scope": "city:town", **RANGE, "indicator": "satisfaction"}
        )
    )
    assert header[:3] == ["Place kind", "Place slug", "Place"] and "Month" in header
    assert {r["status"] for r in rows} <= {str(s.label) for s in Status}
    assert rows[0]["place_kind"] == "City"


def test_every_neighborhood_of_the_city(ready: World) -> None:
    user = ready.town.people["deputy"]
    _header, rows = read_csv(as_(user).get(CSV, {"scope": "city:town", **RANGE, "places": "neighborhood"}))
    codes = [e.code for e in indicators(kind=ScopeKind.NEIGHBORHOOD)]
    assert len(rows) == 3 * len(codes) * 2
    assert [r["place_slug"] for r in rows][:: len(codes) * 2] == ["n1", "n2", "n3"]
    for slug in ("n1", "n2", "n3"):
        body = as_(user).get(API, {"scope": f"neighborhood:{slug}", **RANGE}).json()
        assert {k: v for k, v in got(rows).items() if k[0] == slug} == expected(body, fa_labels())


def test_the_public_sees_no_agency_and_no_withheld_value(ready: World) -> None:
    public = as_()
    _header, rows = read_csv(public.get(CSV, {"scope": "district:town-d1", **RANGE}))
    share = [r for r in rows if r["indicator_code"] == "reports_resolved_share" and r["month"] == "1405-07"]
    assert share[0]["value"] is None and share[0]["numerator"] is None and share[0]["sample"] == 4
    for row in rows:
        entry = indicator(str(row["indicator_code"]))
        assert entry is not None and entry.published
        if row["value"] is not None:
            assert row["sample"] >= entry.min_sample  # type: ignore[operator]
    # The district's own staff read it whole.
    _header, inside = read_csv(
        as_(ready.town.people["district_officer"]).get(CSV, {"scope": "district:town-d1", **RANGE})
    )
    assert next(r for r in inside if r["indicator_code"] == "reports_resolved_share")["value"] == 25.0
    for query in (
        {"scope": "agency:town-water", **RANGE},
        {"scope": "city:town", **RANGE, "places": "agency"},
    ):
        for client in (
            public,
            as_(ready.town.people["citizen"]),
            as_(ready.town.people["other_district_officer"]),
        ):
            response = client.get(CSV, query)
            assert response.status_code == 403, query
            assert set(response.json()) == {"code", "message", "fields"}
    liaison = as_(ready.town.people["liaison"])
    _h, agency_rows = read_csv(liaison.get(CSV, {"scope": "city:town", **RANGE, "places": "agency"}))
    assert {r["place_slug"] for r in agency_rows} == {"town-water"}
    assert any(
        r["indicator_code"] == "referral_acknowledge_hours_median" and r["value"] == 5.0 for r in agency_rows
    )


def test_district_staff_read_their_own_neighborhoods_inside_the_city(ready: World) -> None:
    _h, rows = read_csv(
        as_(ready.town.people["district_officer"]).get(
            CSV,
            {"scope": "city:town", **RANGE, "places": "neighborhood", "indicator": "reports_resolved_share"},
        )
    )
    mehr = {r["place_slug"]: r for r in rows if r["month"] == "1405-07"}
    assert mehr["n1"]["value"] == 25.0  # d1's own: internal, small sample shown
    assert mehr["n2"]["value"] is None and mehr["n2"]["sample"] == 1  # d2's: the public view


def _add_neighborhoods(ready: World, n: int) -> None:
    """More neighborhoods with a full set of values, so the export has more rows to read."""
    town = ready.town
    codes = [e.code for e in indicators(kind=ScopeKind.NEIGHBORHOOD)]
    moment = datetime(2026, 11, 1, tzinfo=NOW.tzinfo)
    values = []
    for i in range(n):
        area = town.a11 if i % 2 else town.a21
        place = NeighborhoodFactory(area=area, slug=f"extra-{i:02d}", population=1000)
        for code in codes:
            for month in (7, 8):
                values.append(
                    IndicatorValue(
                        code=code,
                        scope_kind=ScopeKind.NEIGHBORHOOD,
                        scope_id=place.pk,
                        city=town.city,
                        year=1405,
                        month=month,
                        value=float(i + month),
                        numerator=float(i),
                        denominator=10.0,
                        sample=1000,
                        computed_at=moment,
                    )
                )
    IndicatorValue.objects.bulk_create(values)


def _count(client: Client, query: dict[str, str]) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CSV, query)
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    return len(captured.captured_queries), lines - 1


def test_the_big_export_reads_a_fixed_number_of_queries(
    ready: World, monkeypatch: pytest.MonkeyPatch, django_assert_max_num_queries: Any
) -> None:
    monkeypatch.setattr(export_rows, "CHUNK_SIZE", 7)  # many chunks, so the merge crosses their edges
    client = as_(ready.town.people["deputy"])
    query = {"scope": "city:town", **RANGE, "places": "neighborhood"}
    per_place = len(indicators(kind=ScopeKind.NEIGHBORHOOD)) * 2
    few, few_rows = _count(client, query)
    _add_neighborhoods(ready, 27)
    with django_assert_max_num_queries(few):
        many, many_rows = _count(client, query)
    assert (few_rows, many_rows) == (3 * per_place, 30 * per_place)
    assert many == few
    _h, rows = read_csv(client.get(CSV, query))
    for row in rows:
        if str(row["place_slug"]).startswith("extra-"):
            i = int(str(row["place_slug"])[-2:])
            assert row["value"] == i + int(str(row["month"])[-2:]) and row["denominator"] == 10.0
    # A district's neighborhoods only, the others' rows skipped as they stream past.
    _h, d1 = read_csv(client.get(CSV, {"scope": "district:town-d1", **RANGE, "places": "neighborhood"}))
    assert len(d1) == (2 + 13) * per_place


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"scope": "district"}, 422, "scope"),
        ({"scope": "planet:town"}, 422, "scope"),
        ({"scope": "district:town-d1", "from": "1405-13"}, 422, "from"),
        ({"scope": "district:town-d1", "to": "آبان"}, 422, "to"),
        ({"scope": "district:town-d1", "from": "1405-08", "to": "1405-07"}, 422, "from"),
        ({"scope": "district:town-d1", "from": "1401-01", "to": "1405-07"}, 422, "from"),
        ({"scope": "district:town-d1", "indicator": "nope"}, 422, "indicator"),
        ({"scope": "district:town-d1", "indicator": "referral_answer_hours_median"}, 422, "indicator"),
        ({"scope": "district:town-d1", "places": "city"}, 422, "places"),
        ({"scope": "district:town-d1", "places": "agency"}, 422, "places"),
        ({"scope": "neighborhood:n1", "places": "neighborhood"}, 422, "places"),
        ({"scope": "city:town", "places": "x" * 30}, 422, "places"),
        ({"scope": "district:nowhere"}, 404, None),
        ({}, 422, "scope"),
    ],
)
def test_bad_parameters(ready: World, query: dict[str, str], status: int, field: str | None) -> None:
    for url in (CSV, XLSX):
        response = as_(ready.town.people["deputy"], "en").get(url, query)
        assert response.status_code == status, (url, query, response.content)
        body = response.json()
        assert set(body) == {"code", "message", "fields"} and body["message"]
        if field:
            assert field in body["fields"], body


def test_persian_digits_in_months(ready: World) -> None:
    _h, rows = read_csv(
        as_(ready.town.people["deputy"]).get(
            CSV, {"scope": "district:town-d1", "from": "۱۴۰۵-۰۷", "to": "۱۴۰۵/۷", "indicator": "satisfaction"}
        )
    )
    assert [r["month"] for r in rows] == ["1405-07"]
