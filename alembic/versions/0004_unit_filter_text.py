"""crawl_runs.unit_filter as text: a crawl of many units (`crawl --unit … --unit …`, one worker's share of a
province) overflowed varchar(200) on PostgreSQL and the run failed before its first request.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 08:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.alter_column("unit_filter", existing_type=sa.String(length=200), type_=sa.Text(),
                              existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.alter_column("unit_filter", existing_type=sa.Text(), type_=sa.String(length=200),
                              existing_nullable=True)
