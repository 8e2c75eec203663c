"""staff accounts and sessions: the Region's console

Staff members (email sealed, found by keyed hash; Argon2id password for local accounts,
issuer + subject once signed in through OpenID Connect), their console sessions (token
hashed) and failed password sign-ins (keyed hashes, for the lock-out).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 12:20:15.181634
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_member",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("email_lookup", sa.String(length=64), nullable=False),
        sa.Column(
            "email_sealed", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("oidc_issuer", sa.String(length=500), nullable=True),
        sa.Column("oidc_subject", sa.String(length=255), nullable=True),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_member")),
        sa.UniqueConstraint("email_lookup", name=op.f("uq_staff_member_email_lookup")),
        sa.UniqueConstraint(
            "oidc_issuer", "oidc_subject", name=op.f("uq_staff_member_oidc_issuer_oidc_subject")
        ),
    )
    op.create_table(
        "staff_sign_in_failure",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sign_in_failure")),
    )
    with op.batch_alter_table("staff_sign_in_failure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_sign_in_failure_account_key"), ["account_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_staff_sign_in_failure_client_key"), ["client_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_staff_sign_in_failure_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "staff_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_member.id"],
            name=op.f("fk_staff_session_staff_id_staff_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_session")),
    )
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_session_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_staff_session_staff_id"), ["staff_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_session_staff_id"))
        batch_op.drop_index(batch_op.f("ix_staff_session_expires_at"))

    op.drop_table("staff_session")
    with op.batch_alter_table("staff_sign_in_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_sign_in_failure_created_at"))
        batch_op.drop_index(batch_op.f("ix_staff_sign_in_failure_client_key"))
        batch_op.drop_index(batch_op.f("ix_staff_sign_in_failure_account_key"))

    op.drop_table("staff_sign_in_failure")
    op.drop_table("staff_member")
