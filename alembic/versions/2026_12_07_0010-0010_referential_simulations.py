"""referential simulations: a draft référentiel run on the data of the day

The console simulates a draft before publishing it: the draft as simulated, the state
of the data it ran on, and what would change for learners, so that publishing refers
to a simulation of the exact same draft and data.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 12:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.create_table(
        "referential_simulation",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("document", json, nullable=False),
        sa.Column("base_number", sa.Integer(), nullable=True),
        sa.Column("data_state", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("result", json, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_number", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referential_simulation")),
    )
    with op.batch_alter_table("referential_simulation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referential_simulation_digest"), ["digest"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("referential_simulation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referential_simulation_digest"))
    op.drop_table("referential_simulation")
