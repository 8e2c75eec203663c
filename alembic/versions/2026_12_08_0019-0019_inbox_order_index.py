"""the inbox's index in the order a batch takes it: (received_at, id)

A batch takes the oldest queued deliveries ``ORDER BY received_at, id LIMIT 20``.
Revision 0017's index held ``received_at`` only, so the take could not stop after 20
entries: PostgreSQL read every queued delivery and sorted them (auto_explain under the
ingestion benchmark: 3,150 rows and 3 to 5 ms per take), a cost that grows with the
backlog. With ``id`` in the index, the take walks it in order and stops at its limit.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 02:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ix_delivery_queued_received_at"
_QUEUED = "status = 'queued'"


def _recreate(*columns: str) -> None:
    op.drop_index(_NAME, table_name="delivery")
    op.create_index(
        _NAME,
        "delivery",
        list(columns),
        sqlite_where=sa.text(_QUEUED),
        postgresql_where=sa.text(_QUEUED),
    )


def upgrade() -> None:
    _recreate("received_at", "id")


def downgrade() -> None:
    _recreate("received_at")
