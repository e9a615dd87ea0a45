"""Every dashboard table downloads as CSV and XLSX holding exactly the rows the page shows, with Persian
headers and status words; the download takes the page's parameters and the page's permission."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mahalat.insights.exporting import UTF8_BOM
from tests.insights.test_dashboards import CODE, Valued, as_, make_valued
from tests.towns import Town


@pytest.fixture
def valued(town: Town) -> Valued:
    return make_valued(town)


PAGES = [
    # (reader, page URL, export parameters, tables on the page)
    ("deputy", "insights:city", {}, ["comparison", "map", "trend", "warnings", "agencies"]),
    (
        "district_officer",
        "insights:district",
        {"district": "town-d1"},
        ["comparison", "map", "trend", "warnings"],
    ),
    (None, "insights:neighborhood", {"neighborhood": "n1"}, ["neighborhood", "trend"]),
]


def _page_url(name: str, params: dict[str, str]) -> str:
    if name == "insights:district":
        return reverse(name, kwargs={"slug": params["district"]})
    if name == "insights:neighborhood":
        return reverse(name, kwargs={"slug": params["neighborhood"]})
    return reverse(name)


def _export(client: Client, table: str, fmt: str, params: dict[str, str]) -> Any:
    return client.get(reverse("insights:export-table", kwargs={"table": table, "fmt": fmt}), params)


def _csv_rows(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith(UTF8_BOM)
    return list(csv.reader(io.StringIO(text[len(UTF8_BOM) :])))


def _xlsx_rows(response: Any) -> list[list[Any]]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    # Empty cells at the end of a row are not written: pad to the header's width.
    width = len(rows[0])
    return [row + [None] * (width - len(row)) for row in rows]


def _as_csv(value: object) -> str:
    return "" if value is None else str(value)


@pytest.mark.django_db
@pytest.mark.parametrize(("reader", "name", "params", "keys"), PAGES)
def test_each_export_holds_what_the_page_shows(
    valued: Valued, reader: str | None, name: str, params: dict[str, str], keys: list[str]
) -> None:
    client = as_(valued.town.people[reader]) if reader else Client()
    choice = {"indicator": CODE, "month": "1405-08"}
    page = client.get(_page_url(name, params), choice)
    assert page.status_code == 200
    for key in keys:
        shown = page.context[f"{key}_table"]
        headers = [str(c.header) for c in shown.table.columns]
        rows = [list(r) for r in shown.table.rows]
        assert rows, key
        written = _csv_rows(_export(client, key, "csv", {**params, **choice}))
        assert written[0] == headers, key
        assert written[1:] == [[_as_csv(v) for v in row] for row in rows], key
        sheet = _xlsx_rows(_export(client, key, "xlsx", {**params, **choice}))
        assert list(sheet[0]) == headers, key
        assert [list(r) for r in sheet[1:]] == rows, key
        # The page shows the same cells.
        assert len(shown.rows) == len(rows)


@pytest.mark.django_db
def test_headers_and_status_words_are_persian(valued: Valued) -> None:
    client = as_(valued.town.people["deputy"])
    with translation.override("fa"):
        written = _csv_rows(_export(client, "map", "csv", {"indicator": CODE, "month": "1405-08"}))
    header = written[0]
    assert any("\u0600" <= ch <= "\u06ff" for ch in "".join(header))
    statuses = {row[0]: row[4] for row in written[1:]}
    town = valued.town
    with translation.override("fa"):
        from mahalat.insights.tables import status_text

        assert statuses[town.n1.name] == status_text("green")
        assert statuses[town.n2.name] == status_text("amber")
        assert statuses[town.n3.name] == status_text("small")
    for name in [town.n1.name, town.n2.name]:
        assert any("\u0600" <= ch <= "\u06ff" for ch in statuses[name])


@pytest.mark.django_db
def test_exports_take_the_pages_permission(valued: Valued) -> None:
    people = valued.town.people
    params = {"indicator": CODE, "month": "1405-08"}
    assert _export(as_(people["citizen"]), "comparison", "csv", params).status_code == 403
    assert _export(as_(people["district_officer"]), "comparison", "csv", params).status_code == 403
    assert (
        _export(
            as_(people["district_officer"]), "comparison", "csv", {**params, "district": "town-d1"}
        ).status_code
        == 200
    )
    assert (
        _export(
            as_(people["other_district_officer"]), "map", "csv", {**params, "district": "town-d1"}
        ).status_code
        == 403
    )
    anonymous = _export(Client(), "comparison", "csv", params)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    # The public neighborhood table is open to everyone.
    assert _export(Client(), "neighborhood", "xlsx", {**params, "neighborhood": "n1"}).status_code == 200


@pytest.mark.django_db
def test_exports_refuse_unknown_tables_formats_and_bad_input(valued: Valued) -> None:
    client = as_(valued.town.people["deputy"])
    params = {"indicator": CODE, "month": "1405-08"}
    assert _export(client, "everything", "csv", params).status_code == 404
    assert _export(client, "map", "pdf", params).status_code == 404
    # A table that is not on that page.
    assert _export(client, "neighborhood", "csv", params).status_code == 404
    assert _export(client, "agencies", "csv", {**params, "district": "town-d1"}).status_code == 404
    assert _export(client, "map", "csv", {**params, "indicator": "nope"}).status_code == 404
    assert _export(client, "map", "csv", {**params, "month": "1405-13"}).status_code == 404
    assert _export(client, "map", "csv", {**params, "district": "nowhere"}).status_code == 404
    assert _export(client, "map", "csv", {**params, "city": "nowhere"}).status_code == 404


@pytest.mark.django_db
def test_all_warnings_export_with_the_page(valued: Valued) -> None:
    client = as_(valued.town.people["deputy"])
    params = {"indicator": CODE, "month": "1405-08", "warnings": "all"}
    page = client.get(reverse("insights:city"), params)
    rows = [list(r) for r in page.context["warnings_table"].table.rows]
    written = _csv_rows(_export(client, "warnings", "csv", params))
    assert written[1:] == [[_as_csv(v) for v in row] for row in rows]
