"""Facts for the page rules of issue #18: article pages' 集约化 <meta> (pages.page_meta), axe-core audits of a
bounded set of pages per night (accessibility_audits) and the 政府网站工作年度报表 found on the site
(annual_reports).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("page_meta", sa.JSON(), nullable=True))
    op.create_table(
        "accessibility_audits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=True),
        sa.Column("audited_at", sa.DateTime(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("care_entry", sa.String(length=200), nullable=True),
        sa.Column("violations", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_accessibility_audits_unit_id_units"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accessibility_audits")),
        sa.UniqueConstraint("url", name=op.f("uq_accessibility_audits_url")),
    )
    op.create_table(
        "annual_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("linked_from_home", sa.Boolean(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("error", sa.String(length=40), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_reports")),
        sa.UniqueConstraint("url", name=op.f("uq_annual_reports_url")),
    )


def downgrade() -> None:
    op.drop_table("annual_reports")
    op.drop_table("accessibility_audits")
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("page_meta")
