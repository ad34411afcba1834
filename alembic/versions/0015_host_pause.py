"""host_pauses: a host that refuses (WAF 403/429, resets) paused for every queue worker (issue #15).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 01:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "host_pauses",
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_host_pauses")),
    )


def downgrade() -> None:
    op.drop_table("host_pauses")
