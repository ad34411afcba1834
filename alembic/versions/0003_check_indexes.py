"""check indexes: findings(rule, status), column_visits(column_id, visited_at), list_items(column_id, published_on)

Each composite index replaces the single-column index it starts with, so writes pay for no extra index.
Measured with bench/checks.py (BENCHMARKS.md, "Checks").

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, new index, its columns, the single-column index it replaces, that index's column)
INDEXES = [
    ("findings", "ix_findings_rule_status", ["rule", "status"], "ix_findings_rule", "rule"),
    ("column_visits", "ix_column_visits_column_visited", ["column_id", "visited_at"], "ix_column_visits_column_id",
     "column_id"),
    ("list_items", "ix_list_items_column_published", ["column_id", "published_on"], "ix_list_items_column_id",
     "column_id"),
]


def upgrade() -> None:
    for table, name, columns, old, _old_column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)
            batch_op.drop_index(old)


def downgrade() -> None:
    for table, name, _columns, old, old_column in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(old, [old_column], unique=False)
            batch_op.drop_index(name)
