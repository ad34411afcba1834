"""Evidence pictures of findings (issue #17): finding_pictures, one row per screenshot taken (or failed).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 01:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "finding_pictures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("page_url", sa.String(length=2000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("path", sa.String(length=200), nullable=True),
        sa.Column("box_x", sa.Float(), nullable=True),
        sa.Column("box_y", sa.Float(), nullable=True),
        sa.Column("box_w", sa.Float(), nullable=True),
        sa.Column("box_h", sa.Float(), nullable=True),
        sa.Column("clip_x", sa.Float(), nullable=True),
        sa.Column("clip_y", sa.Float(), nullable=True),
        sa.Column("clip_w", sa.Float(), nullable=True),
        sa.Column("clip_h", sa.Float(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"], name=op.f("fk_finding_pictures_finding_id_findings"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_pictures")),
    )
    op.create_index(op.f("ix_finding_pictures_finding_id"), "finding_pictures", ["finding_id"])
    op.create_index(op.f("ix_finding_pictures_sha256"), "finding_pictures", ["sha256"])
    op.create_index("ix_finding_pictures_taken_at", "finding_pictures", ["taken_at"])


def downgrade() -> None:
    op.drop_index("ix_finding_pictures_taken_at", table_name="finding_pictures")
    op.drop_index(op.f("ix_finding_pictures_sha256"), table_name="finding_pictures")
    op.drop_index(op.f("ix_finding_pictures_finding_id"), table_name="finding_pictures")
    op.drop_table("finding_pictures")
