"""columns.read_mode: how a column's list was last read (static / rendered / rendered_failed), so an inspector
sees which columns were judged as a browser draws them and a nightly crawl renders a script-drawn column at once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("columns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_mode", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("columns", schema=None) as batch_op:
        batch_op.drop_column("read_mode")
