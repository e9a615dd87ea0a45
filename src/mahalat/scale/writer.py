"""Writing many rows fast: ids handed out in Python, rows buffered per table and written in chunks,
with PostgreSQL's `COPY … FROM STDIN` or, elsewhere, `bulk_create`.

No model's `save()`, signal or service runs. Fields the database would not fill (Django's defaults
live in Python) are filled from the model's defaults; `auto_now`/`auto_now_add` are switched off while
the rows are written, so their history keeps the dates given.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, models
from django.db.models import Max
from tqdm import tqdm

CHUNK = 20_000


@dataclass
class TableStats:
    table: str
    rows: int = 0
    seconds: float = 0.0  # time spent writing the rows (building them is counted in the total)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class Ids:
    """The next free primary key of each table, read once, then counted up in Python."""

    next: dict[type[models.Model], int] = field(default_factory=dict)

    def take(self, model: type[models.Model], count: int = 1) -> int:
        """The first of `count` consecutive new ids."""
        if model not in self.next:
            highest = model.objects.aggregate(top=Max("pk"))["top"] or 0
            self.next[model] = highest + 1
        first = self.next[model]
        self.next[model] = first + count
        return first


class TableWriter:
    def __init__(
        self,
        model: type[models.Model],
        *,
        use_copy: bool,
        stats: TableStats,
        progress: bool,
        expected: int = 0,
        position: int = 0,
    ) -> None:
        self.model = model
        self.use_copy = use_copy
        self.stats = stats
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.defaults = [f.get_default() for f in self.fields]
        self.json_columns = {i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)}
        self.buffer: list[dict[str, Any]] = []
        self.bar = (
            tqdm(
                total=expected or None,
                desc=model._meta.db_table,
                unit=" rows",
                position=position,
                leave=True,
                file=sys.stderr,
                dynamic_ncols=True,
                mininterval=0.5,
            )
            if progress
            else None
        )

    def add(self, row: dict[str, Any]) -> bool:
        """Buffer a row; True when the buffer is full and should be written."""
        self.buffer.append(row)
        return len(self.buffer) >= CHUNK

    def flush(self) -> None:
        if not self.buffer:
            return
        started = time.monotonic()
        rows = self.buffer
        self.buffer = []
        if self.use_copy:
            self._copy(rows)
        else:
            self.model.objects.bulk_create([self.model(**row) for row in rows], batch_size=2_000)
        self.stats.rows += len(rows)
        self.stats.seconds += time.monotonic() - started
        if self.bar is not None:
            self.bar.update(len(rows))

    def _copy(self, rows: list[dict[str, Any]]) -> None:
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        table = connection.ops.quote_name(self.model._meta.db_table)
        names, defaults = self.attnames, self.defaults
        json_columns = self.json_columns
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    values = list(map(row.get, names, defaults))
                    for i in json_columns:
                        if values[i] is not None:
                            values[i] = json.dumps(values[i], ensure_ascii=False)
                    copy.write_row(values)

    def close(self) -> None:
        self.flush()
        if self.bar is not None:
            self.bar.close()


def reset_sequences(models_written: list[type[models.Model]]) -> None:
    """After rows were written with explicit ids, the next id the database hands out follows them."""
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT already follows the largest id written
    with connection.cursor() as cursor:
        for model in models_written:
            table = model._meta.db_table
            column = model._meta.pk.column
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                f"COALESCE((SELECT MAX({connection.ops.quote_name(column)}) FROM "
                f"{connection.ops.quote_name(table)}), 1))",
                [table, column],
            )


@contextmanager
def dates_as_given(model_list: list[type[models.Model]]) -> Iterator[None]:
    """Switch off `auto_now`/`auto_now_add` so the rows keep the moments they are given."""
    switched: list[tuple[models.Field[Any, Any], bool, bool]] = []
    for model in model_list:
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add):
                switched.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in switched:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def may_skip_trigger_checks() -> bool:
    """Whether this PostgreSQL session may switch row triggers off (superusers only).

    Foreign keys are checked by a trigger per row at commit; for millions of rows written in one go a
    set-based check afterwards (`foreign_keys_verify`) does the same work many times faster.
    """
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def trigger_checks_off() -> None:
    """Until the end of the transaction, no row trigger fires (so no per-row foreign key check)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")


def foreign_keys_verify(first_ids: dict[type[models.Model], int]) -> None:
    """Every foreign key of the rows written from `first_ids` on points at a row, checked per column
    with one anti-join; raises IntegrityError (and the transaction is rolled back) when one does not."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, first in first_ids.items():
            for f in model._meta.concrete_fields:
                if not isinstance(f, models.ForeignKey):
                    continue
                parent = f.related_model._meta
                cursor.execute(
                    f"SELECT c.{quote(model._meta.pk.column)} FROM {quote(model._meta.db_table)} c "
                    f"WHERE c.{quote(model._meta.pk.column)} >= %s AND c.{quote(f.column)} IS NOT NULL "
                    f"AND NOT EXISTS (SELECT 1 FROM {quote(parent.db_table)} p "
                    f"WHERE p.{quote(f.target_field.column)} = c.{quote(f.column)}) LIMIT 1",
                    [first],
                )
                row = cursor.fetchone()
                if row is not None:
                    raise IntegrityError(
                        f"{model._meta.db_table}.{f.column} of row {row[0]} points at no "
                        f"{parent.db_table} row"
                    )
