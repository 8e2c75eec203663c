"""the inbox processed in batches: a lease on each delivery a batch holds

A partner's deliveries are no longer one job each: a batch job takes the oldest queued
deliveries, holding each until ``lease_until`` (past it — the batch's worker died —
another batch takes it again). The partial index lists the inbox in order of arrival.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 23:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_delivery_queued_received_at",
        "delivery",
        ["received_at"],
        sqlite_where=sa.text("status = 'queued'"),
        postgresql_where=sa.text("status = 'queued'"),
    )


def downgrade() -> None:
    op.drop_index("ix_delivery_queued_received_at", table_name="delivery")
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("lease_until")
