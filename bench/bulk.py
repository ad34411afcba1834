"""Bulk loading for benchmark stores: COPY on PostgreSQL, executemany in one transaction on SQLite.

The ORM would take minutes for millions of rows; a benchmark must spend its time on what it
measures. Rows are plain tuples in the order of the columns named, ids given by the caller
(foreign keys are known without RETURNING). Values are converted the way SQLAlchemy stores
them (naive UTC datetimes as "YYYY-MM-DD HH:MM:SS.ffffff" text and JSON as text on SQLite), so
the checks read exactly what the crawler's pipeline would have written.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, make_url

from storage.models import Base, UTCDateTime

Row = Sequence[Any]


def _sqlite_datetime() -> Callable[[Any], Any]:
    memo: dict[datetime, str] = {}

    def convert(value: datetime | None) -> str | None:
        if value is None:
            return None
        text = memo.get(value)
        if text is None:
            text = value.isoformat(" ", "microseconds")
            if len(memo) < 100_000:
                memo[value] = text
        return text

    return convert


def _json(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else json.dumps(value)


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _converters(table: str, columns: Sequence[str], dialect: str) -> list[Callable[[Any], Any] | None]:
    """Per column: how a Python value becomes what the dialect stores (None: as is)."""
    out: list[Callable[[Any], Any] | None] = []
    for name in columns:
        kind = Base.metadata.tables[table].c[name].type
        if isinstance(kind, JSON):
            out.append(_json)  # pre-serialised strings pass through
        elif dialect == "sqlite" and isinstance(kind, UTCDateTime):
            out.append(_sqlite_datetime())
        elif dialect == "sqlite" and isinstance(kind, Date):
            out.append(_date)
        elif dialect == "sqlite" and isinstance(kind, Boolean):
            out.append(lambda v: None if v is None else int(v))
        else:
            out.append(None)
    return out


def _converted(rows: Iterable[Row], converters: list[Callable[[Any], Any] | None]) -> Iterable[tuple]:
    active = [(i, f) for i, f in enumerate(converters) if f is not None]
    if not active:
        yield from (tuple(r) for r in rows)
        return
    for row in rows:
        values = list(row)
        for i, convert in active:
            values[i] = convert(values[i])
        yield values


class BulkWriter:
    """Writes whole tables into an already migrated, empty database."""

    def __init__(self, url: str):
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        self.counts: dict[str, int] = {}
        if self.dialect == "sqlite":
            self.connection: Any = sqlite3.connect(parsed.database, isolation_level=None)
            for pragma in ("foreign_keys=OFF", "synchronous=OFF", "cache_size=-400000", "temp_store=MEMORY"):
                self.connection.execute(f"PRAGMA {pragma}")
        elif self.dialect == "postgresql":
            import psycopg

            self.connection = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(
                hide_password=False))
            with self.connection.cursor() as cursor:
                # Foreign keys hold by construction; checking 1M rows one trigger call each is load time only.
                cursor.execute("SET session_replication_role = replica")
        else:
            raise NotImplementedError(self.dialect)

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> int:
        """Insert every row; returns the count."""
        counted = _Counted(_converted(rows, _converters(table, columns, self.dialect)))
        names = ", ".join(columns)
        if self.dialect == "sqlite":
            marks = ", ".join("?" for _ in columns)
            self.connection.execute("BEGIN")
            self.connection.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", counted)
            self.connection.execute("COMMIT")
        else:
            with self.connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in counted:
                    copy.write_row(row)
            self.connection.commit()
        self.counts[table] = self.counts.get(table, 0) + counted.n
        return counted.n

    def finish(self) -> None:
        """Sequences past the given ids (PostgreSQL), statistics like autovacuum would gather them."""
        if self.dialect == "postgresql":
            with self.connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
                for table in self.counts:
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
            self.connection.commit()
            self.connection.autocommit = True
            self.connection.execute("VACUUM ANALYZE")
        self.connection.close()


class _Counted:
    def __init__(self, rows: Iterable[Any]):
        self.rows, self.n = iter(rows), 0

    def __iter__(self) -> _Counted:
        return self

    def __next__(self) -> Any:
        row = next(self.rows)
        self.n += 1
        return row
