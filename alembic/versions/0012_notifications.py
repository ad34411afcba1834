"""notification_log: every message sent through apprise (digests, 复核 results, office alerts, tests) with its
target (secrets removed), status, attempts and error; its dedupe_key keeps a digest to one per unit and day.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 01:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_name", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("dedupe_key", sa.String(length=400), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_log")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_log_dedupe_key")),
    )
    op.create_index("ix_notification_log_kind_day", "notification_log", ["kind", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notification_log_kind_day", table_name="notification_log")
    op.drop_table("notification_log")
