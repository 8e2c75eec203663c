"""issued credentials erased with their holder's data

When a learner is erased (GDPR art. 17) the regional credentials issued to them are
revoked and then emptied: ``erased_at`` records when; the stored document keeps only
what the status list needs (its id, type, issuer, status entry), and the recipient,
the VC-JWT and the request digest are gone.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 03:00:00
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
    with op.batch_alter_table("issued_credential", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("issued_credential", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
