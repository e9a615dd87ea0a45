"""The file writers behind every export: what goes in comes back out, Persian intact, rows streamed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import openpyxl
import pytest
from django.http import Http404

from mahalat.insights.exporting import (
    UTF8_BOM,
    Column,
    Table,
    csv_response,
    sheet_title,
    table_export_response,
    xlsx_response,
)

COLUMNS = [Column("place", "محله"), Column("value", "مقدار", "number"), Column("status", "وضعیت", "status")]
ROWS = [("نارمک", 12.5, "سبز"), ("تجریش, بالا", None, 'قرمز "زیر هدف"'), ("Evin", 3, "")]


def _table(rows: object = None) -> Table:
    return Table(
        title="مقایسه مناطق", columns=COLUMNS, rows=rows or list(ROWS), filename="comparison-1405-08"
    )


def _csv_rows(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith(UTF8_BOM), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_has_bom_persian_headers_and_every_row() -> None:
    response = csv_response(_table())
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="comparison-1405-08.csv"'
    rows = _csv_rows(b"".join(response.streaming_content))
    assert rows[0] == ["محله", "مقدار", "وضعیت"]
    assert rows[1:] == [["نارمک", "12.5", "سبز"], ["تجریش, بالا", "", 'قرمز "زیر هدف"'], ["Evin", "3", ""]]


def test_csv_consumes_rows_lazily() -> None:
    produced: list[int] = []

    def rows() -> Iterator[tuple[object, ...]]:
        for i in range(3):
            produced.append(i)
            yield (f"n{i}", i, "")

    response = csv_response(_table(rows()))
    chunks = iter(response.streaming_content)
    next(chunks)  # the header
    assert produced == [], "no row is read before the client asks for it"
    next(chunks)
    assert produced == [0]


def test_xlsx_reads_back_with_numbers_as_numbers() -> None:
    response = xlsx_response(_table())
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "comparison-1405-08.xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    assert sheet.title == "مقایسه مناطق"
    assert sheet.sheet_view.rightToLeft
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["محله", "مقدار", "وضعیت"]
    assert values[1] == ["نارمک", 12.5, "سبز"]
    assert values[2][1] is None
    assert values[3][1] == 3 and isinstance(values[3][1], int)


def test_sheet_titles_obey_excel() -> None:
    assert sheet_title("a/b:c" + "x" * 40) == ("a b c" + "x" * 40)[:31]
    assert sheet_title("") == "Sheet"


def test_unknown_format_is_not_found() -> None:
    with pytest.raises(Http404):
        table_export_response(_table(), "pdf")
    assert table_export_response(_table(), "csv")["Content-Type"].startswith("text/csv")
