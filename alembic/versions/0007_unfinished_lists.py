"""unfinished_lists: where a partly read column or message board stopped, written as its pages arrive, so
that the next run of any kind continues it (a killed full crawl followed by incremental ones left columns
holding their first pages only, for good).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unfinished_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("list_url", sa.String(length=2000), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.Column("pages_read", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"], name=op.f("fk_unfinished_lists_run_id_crawl_runs"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unfinished_lists_unit_id_units"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unfinished_lists")),
        sa.UniqueConstraint("kind", "list_url", name=op.f("uq_unfinished_lists_kind")),
    )
    with op.batch_alter_table("unfinished_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unfinished_lists_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("unfinished_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unfinished_lists_unit_id"))
    op.drop_table("unfinished_lists")
