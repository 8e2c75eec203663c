"""learner display name: the name a learner chose through the Open Badges API profile

Sealed under the KEK like every other personal datum of a learner; NULL until chosen.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-07 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("learner") as batch:
        batch.add_column(
            sa.Column(
                "display_name_sealed",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("learner") as batch:
        batch.drop_column("display_name_sealed")
