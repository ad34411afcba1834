"""The workspace's findings list pages without OFFSET: findings(unit_id, severity, rule, column_id, id, status,
first_seen, last_seen, points) in the list's order, replacing findings(unit_id) which it starts with (no extra
index to write). It covers the list's grouped count and the summary's points per unit and rule (an index-only
scan: 57 ms instead of 174 ms on 100,000 findings). See portalcheck/exports/findings_pages.py and BENCHMARKS.md
("Workspace pages").

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 01:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["unit_id", "severity", "rule", "column_id", "id", "status", "first_seen", "last_seen", "points"]


def upgrade() -> None:
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index("ix_findings_list_order", COLUMNS, unique=False)
        batch_op.drop_index("ix_findings_unit_id")


def downgrade() -> None:
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index("ix_findings_unit_id", ["unit_id"], unique=False)
        batch_op.drop_index("ix_findings_list_order")
