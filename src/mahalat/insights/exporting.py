"""Tables as downloadable files: CSV that Excel opens with Persian intact, and XLSX.

A dashboard builds each table once as a `Table`; the page renders it and the export writes it, so a file
always holds what the page shows. Rows may be a generator: both writers consume them one at a time, so a
large export never holds all its rows in memory (CSV streams to the client; XLSX goes through openpyxl's
write-only mode into a spooled temporary file).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils.encoding import force_str
from django.utils.functional import Promise

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel reads a CSV as the machine's legacy code page unless the file starts with a byte-order mark.
UTF8_BOM = "\ufeff"
# Kept in memory up to this size, then spilled to disk.
SPOOL_BYTES = 4 * 1024 * 1024
# Excel refuses sheet titles longer than this or containing any of these characters.
SHEET_TITLE_MAX = 31
SHEET_TITLE_FORBIDDEN = set("[]:*?/\\")


@dataclass(frozen=True)
class Column:
    key: str
    header: str | Promise
    # "text" | "number" | "percent" | "month" | "status": how a page formats the cell.
    kind: str = "text"


@dataclass
class Table:
    title: str | Promise
    columns: list[Column]
    rows: Iterable[Sequence[object]]
    # Without extension, ASCII (it goes into Content-Disposition as is).
    filename: str

    @property
    def headers(self) -> list[str]:
        return [force_str(c.header) for c in self.columns]


def _cell(value: object) -> Any:
    """A value as a file cell: numbers stay numbers, lazy translations and the rest become text."""
    if value is None or isinstance(value, (bool, int, float, date, datetime)):
        return value
    return force_str(value)


class _Echo:
    """A file-like object whose write returns what it was given: csv.writer formats, we yield."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(table: Table) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield UTF8_BOM + writer.writerow(table.headers)
    for row in table.rows:
        yield writer.writerow(["" if v is None else _cell(v) for v in row])


def _attachment(filename: str, extension: str) -> str:
    return f'attachment; filename="{filename}.{extension}"'


def csv_response(table: Table) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(table), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(table.filename, "csv")
    response["Cache-Control"] = "private, no-store"
    return response


def sheet_title(title: str | Promise) -> str:
    cleaned = "".join(" " if ch in SHEET_TITLE_FORBIDDEN else ch for ch in force_str(title)).strip()
    return (cleaned or "Sheet")[:SHEET_TITLE_MAX]


def xlsx_file(table: Table) -> tempfile.SpooledTemporaryFile[bytes]:
    """The table as an XLSX workbook in a temporary file, positioned at its start."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(table.title))
    sheet.sheet_view.rightToLeft = True
    bold = Font(bold=True)
    header = []
    for text in table.headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_cell(v) for v in row])
    # Handed to the response, which closes it once sent: no context manager here.
    out: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    workbook.save(out)
    out.seek(0)
    return out


def xlsx_response(table: Table) -> FileResponse:
    response = FileResponse(
        xlsx_file(table),
        as_attachment=True,
        filename=f"{table.filename}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def table_export_response(table: Table, fmt: str) -> HttpResponse | StreamingHttpResponse | FileResponse:
    if fmt == "csv":
        return csv_response(table)
    if fmt == "xlsx":
        return xlsx_response(table)
    raise Http404("Unknown export format.")
