"""the inbox's index in the order a batch takes it: (received_at, id)

A batch takes the oldest queued deliveries ``ORDER BY received_at, id LIMIT 20``.
Revision 0017's index (``ix_delivery_queued_received_at``) held ``received_at`` only,
so the take could not stop after 20 entries: PostgreSQL read every queued delivery and
sorted them (auto_explain under the ingestion benchmark: 3,150 rows and 3 to 5 ms per
take), a cost that grows with the backlog. ``ix_delivery_inbox_order`` holds
``(received_at, id)``: the take walks it in order and stops at its limit.

On PostgreSQL both indexes are built and dropped ``CONCURRENTLY``, outside the
migration's transaction: the inbox keeps taking deliveries while the index is built on
a large ``delivery`` table. (A concurrent build that fails leaves an invalid index of
that name: drop it before running the migration again.)

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

_OLD = "ix_delivery_queued_received_at"
_NEW = "ix_delivery_inbox_order"
_QUEUED = "status = 'queued'"


def _replace(drop: str, create: str, columns: list[str]) -> None:
    where = sa.text(_QUEUED)
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(create, "delivery", columns, sqlite_where=where)
        op.drop_index(drop, table_name="delivery")
        return
    with op.get_context().autocommit_block():
        op.create_index(
            create, "delivery", columns, postgresql_where=where, postgresql_concurrently=True
        )
        op.drop_index(drop, table_name="delivery", postgresql_concurrently=True)


def upgrade() -> None:
    _replace(_OLD, _NEW, ["received_at", "id"])


def downgrade() -> None:
    _replace(_NEW, _OLD, ["received_at"])
