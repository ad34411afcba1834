"""check_run_columns: each column's figures and verdict in a check run, as rows of their own, replacing the
check_runs.columns JSON value (a province's run has ≈ 90,000 columns: ≈ 170 MB held at once to write that one
value, BENCHMARKS.md "The night's site-wide checks on a province of 3,000 units"). The runs already stored are
moved over, one run at a time.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 12:20:00
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000

runs = sa.table("check_runs", sa.column("id", sa.Integer()), sa.column("columns", sa.JSON()))
rows = sa.table(
    "check_run_columns", sa.column("id", sa.Integer()), sa.column("run_id", sa.Integer()),
    sa.column("column_id", sa.Integer()), sa.column("unit", sa.String()), sa.column("name", sa.String()),
    sa.column("category", sa.String()), sa.column("level", sa.Integer()), sa.column("items", sa.Integer()),
    sa.column("newest", sa.Date()), sa.column("age_days", sa.Integer()), sa.column("window_days", sa.Integer()),
    sa.column("verdict", sa.String()), sa.column("url", sa.String()), sa.column("read_mode", sa.String()))
FIELDS = ("column_id", "unit", "name", "category", "level", "items", "newest", "age_days", "window_days",
          "verdict", "url", "read_mode")


def upgrade() -> None:
    op.create_table(
        "check_run_columns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("newest", sa.Date(), nullable=True),
        sa.Column("age_days", sa.Integer(), nullable=True),
        sa.Column("window_days", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("read_mode", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_run_columns")),
    )
    bind = op.get_bind()
    for (run_id,) in bind.execute(sa.select(runs.c.id).order_by(runs.c.id)).all():
        stored = bind.execute(sa.select(runs.c.columns).where(runs.c.id == run_id)).scalar() or []
        for start in range(0, len(stored), BATCH):
            bind.execute(rows.insert(), [_row(run_id, column) for column in stored[start:start + BATCH]])
    # SQLite drops a column by copying the table and dropping the old one, which would cascade to the rows
    # just moved: the run_id foreign key comes after.
    with op.batch_alter_table("check_runs", schema=None) as batch_op:
        batch_op.drop_column("columns")
    with op.batch_alter_table("check_run_columns", schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f("fk_check_run_columns_run_id_check_runs"), "check_runs",
                                    ["run_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(batch_op.f("ix_check_run_columns_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("check_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("columns", sa.JSON(), nullable=True))
    bind = op.get_bind()
    for (run_id,) in bind.execute(sa.select(runs.c.id).order_by(runs.c.id)).all():
        bind.execute(runs.update().where(runs.c.id == run_id).values(columns=list(_stored(bind, run_id))))
    with op.batch_alter_table("check_runs", schema=None) as batch_op:
        batch_op.alter_column("columns", existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table("check_run_columns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_run_columns_run_id"))
    op.drop_table("check_run_columns")


def _row(run_id: int, column: dict[str, Any]) -> dict[str, Any]:
    newest = column.get("newest")
    return {"run_id": run_id, **{name: column.get(name) for name in FIELDS},
            "newest": date.fromisoformat(newest[:10]) if newest else None}


def _stored(bind: sa.Connection, run_id: int) -> Iterator[dict[str, Any]]:
    for row in bind.execute(sa.select(*[rows.c[name] for name in FIELDS]).where(rows.c.run_id == run_id)
                            .order_by(rows.c.id)).mappings():
        yield {**row, "newest": row["newest"].isoformat() if row["newest"] else None}
