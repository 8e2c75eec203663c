"""sign-up by link: a sign-in link may be sent to an address no learner holds yet

The link then carries the address (sealed under the KEK, and its keyed-hash lookup)
instead of a learner; the learner is created when the link is used — never before, so
an address someone typed opens no account until its owner follows the link. Such rows
are forgotten with every other expired link.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 15:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sign_in_token") as batch:
        batch.alter_column("learner_id", existing_type=sa.String(36), nullable=True)
        batch.add_column(
            sa.Column(
                "email_sealed",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("email_lookup", sa.String(64), nullable=True))
        batch.create_check_constraint(
            op.f("ck_sign_in_token_learner_or_address"),
            "learner_id IS NOT NULL OR (email_sealed IS NOT NULL AND email_lookup IS NOT NULL)",
        )


def downgrade() -> None:
    op.execute("DELETE FROM sign_in_token WHERE learner_id IS NULL")
    with op.batch_alter_table("sign_in_token") as batch:
        batch.drop_constraint(op.f("ck_sign_in_token_learner_or_address"), type_="check")
        batch.drop_column("email_lookup")
        batch.drop_column("email_sealed")
        batch.alter_column("learner_id", existing_type=sa.String(36), nullable=False)
