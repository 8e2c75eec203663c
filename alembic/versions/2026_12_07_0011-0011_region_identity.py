"""region identity: the Region's name, scheme, website, logo, colours and footers

One row (id 1) written by the console's identity page; without it the configuration
(``OBHUB_REGION_*``) and then the defaults apply.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 12:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "region_identity",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "fields", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_identity")),
    )


def downgrade() -> None:
    op.drop_table("region_identity")
