"""Idempotent writes: INSERT … ON CONFLICT DO UPDATE on both SQLite and PostgreSQL.

Rows go as parameters of one statement (SQLAlchemy's "insertmanyvalues"), not baked into
`.values(rows)`: the statement then compiles once and is cached, which was a fifth of a
crawl's CPU time before (bench/crawl.py). On PostgreSQL, rows of plain columns (numbers, text,
booleans, dates, JSON) go as one array per column, unnested by the server: one short statement whatever
the number of rows, instead of a parameter per value that psycopg converts row by row (a queue
job's storing was 28% of its crawl's CPU, most of it there; BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    TypeDecorator,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from storage.models import Base


def _insert_for(session: Session, table: Table):  # type: ignore[no-untyped-def]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"upsert is not implemented for {dialect}")


# Types psycopg sends as arrays as they are (JSON values serialised one by one into json[]); one dimension: a JSON
# value that is itself a list stays one value.
PLAIN_TYPES = (JSON, Boolean, Date, DateTime, Float, Integer, String)


def _arrays_fit(table: Table, names: Sequence[str]) -> bool:
    """Whether every column named can go as a PostgreSQL array (others, say binary, go value by value)."""
    for name in names:
        kind = table.c[name].type
        if isinstance(kind, TypeDecorator):
            kind = kind.impl_instance
        if not isinstance(kind, PLAIN_TYPES):
            return False
    return True


def _unnested(table: Table, rows: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    """INSERT INTO table (a, b, …) SELECT * FROM unnest(:a::type[], :b::type[], …): the rows as arrays."""
    names = list(rows[0])
    arrays = [bindparam(f"rows_{name}", [row[name] for row in rows], type_=ARRAY(table.c[name].type, dimensions=1))
              for name in names]
    source = func.unnest(*arrays).table_valued(*names).render_derived()
    return postgresql.insert(table).from_select(names, select(*[source.c[name] for name in names]))


def upsert(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]] | Iterable[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str] | None = None,
    returning: str | None = None,
) -> list[Any]:
    """Insert rows, or update `update` columns where a row with the same `keys` exists.

    All rows must have the same columns and distinct keys. With `returning`, gives back that
    column for each row in input order (e.g. the ids). `update=()` keeps existing rows untouched (insert-if-absent).
    """
    rows = list(rows)
    if not rows:
        return []
    table = model.__table__
    as_arrays = session.get_bind().dialect.name == "postgresql" and _arrays_fit(table, list(rows[0]))
    statement = _unnested(table, rows) if as_arrays else _insert_for(session, table)
    columns = update if update is not None else [c for c in rows[0] if c not in keys]
    # With nothing to update, "DO UPDATE" of a key onto itself still makes RETURNING yield the row.
    assignments = {name: statement.excluded[name] for name in (columns or keys[:1])}
    statement = statement.on_conflict_do_update(index_elements=list(keys), set_=assignments)
    parameters = None if as_arrays else rows  # arrays carry their rows in the statement's parameters
    if returning is None:
        session.execute(statement, parameters)
        return []
    # Matched back by key: PostgreSQL does not keep parameter order for rows that hit a conflict.
    key_columns = [table.c[k] for k in keys]
    result = session.execute(statement.returning(table.c[returning], *key_columns), parameters)
    by_key = {tuple(row[1:]): row[0] for row in result}
    return [by_key[tuple(row[k] for k in keys)] for row in rows]
