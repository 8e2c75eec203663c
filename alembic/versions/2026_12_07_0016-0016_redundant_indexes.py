"""drop four indexes that a unique constraint's index already provides

Each of these columns leads a unique constraint, whose index answers every lookup on
the column alone (and the foreign key's cascades): ``delivery_item.delivery_id``
(unique with ``position``), ``regional_award.learner_id`` (with ``achievement_code``),
``status_allocation.status_list_id`` (with ``status_index``) and
``issued_credential.client_id`` (with ``idempotency_key``). The second index only cost
every insert — and every update of an indexed column — one more index entry to write.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 23:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REDUNDANT = (
    ("delivery_item", "delivery_id"),
    ("regional_award", "learner_id"),
    ("status_allocation", "status_list_id"),
    ("issued_credential", "client_id"),
)


def upgrade() -> None:
    for table, column in _REDUNDANT:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)


def downgrade() -> None:
    for table, column in _REDUNDANT:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])
