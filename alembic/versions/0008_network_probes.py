"""network_probes: what the nightly network round saw of each host (site.ipv6 and site.https, issue #18);
check_runs.network: the figures per host a check run concluded from them (the summary export shows them).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "network_probes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("probed_at", sa.DateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_network_probes_site_id_sites"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_probes")),
    )
    with op.batch_alter_table("network_probes", schema=None) as batch_op:
        batch_op.create_index("ix_network_probes_kind_host_time", ["kind", "host", "probed_at"], unique=False)
    with op.batch_alter_table("check_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("network", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("check_runs", schema=None) as batch_op:
        batch_op.drop_column("network")
    with op.batch_alter_table("network_probes", schema=None) as batch_op:
        batch_op.drop_index("ix_network_probes_kind_host_time")
    op.drop_table("network_probes")
