"""oauth authorization server: registered clients, grants, codes, refresh tokens

Clients registered through the OB 3.0 API (RFC 7591) keep their metadata on
``api_client.registration`` and may be linked to a partner (``oauth_client_partner``).
A learner's consent is an ``oauth_grant``; codes and refresh tokens are stored hashed.
Sign-in links keep a longer ``next`` (an authorization request URL).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registration", _JSON, nullable=True))
    op.create_table(
        "oauth_client_partner",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("linked_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["api_client.id"],
            name=op.f("fk_oauth_client_partner_client_id_api_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_oauth_client_partner_partner_id_partner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_oauth_client_partner")),
    )
    with op.batch_alter_table("oauth_client_partner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_client_partner_partner_id"), ["partner_id"])
    with op.batch_alter_table("sign_in_token", schema=None) as batch_op:
        batch_op.alter_column(
            "next_path",
            existing_type=sa.String(length=512),
            type_=sa.String(length=2048),
            existing_nullable=True,
        )
    op.create_table(
        "oauth_grant",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("learner_id", sa.String(length=36), nullable=False),
        sa.Column("scopes", _JSON, nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["api_client.id"],
            name=op.f("fk_oauth_grant_client_id_api_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learner.id"],
            name=op.f("fk_oauth_grant_learner_id_learner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_grant")),
    )
    with op.batch_alter_table("oauth_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_grant_client_id"), ["client_id"])
        batch_op.create_index(batch_op.f("ix_oauth_grant_learner_id"), ["learner_id"])
    for table, extra in (
        (
            "oauth_authorization_code",
            [
                sa.Column("redirect_uri", sa.String(length=2000), nullable=True),
                sa.Column("code_challenge", sa.String(length=128), nullable=False),
                sa.Column("code_challenge_method", sa.String(length=8), nullable=False),
            ],
        ),
        ("oauth_refresh_token", []),
    ):
        op.create_table(
            table,
            sa.Column("id", sa.String(length=64), nullable=False),
            sa.Column("grant_id", sa.String(length=36), nullable=False),
            sa.Column("client_id", sa.String(length=64), nullable=False),
            sa.Column("scope", sa.String(length=1000), nullable=False),
            *extra,
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["grant_id"],
                ["oauth_grant.id"],
                name=op.f(f"fk_{table}_grant_id_oauth_grant"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_grant_id"), ["grant_id"])


def downgrade() -> None:
    for table in ("oauth_refresh_token", "oauth_authorization_code"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_grant_id"))
        op.drop_table(table)
    with op.batch_alter_table("oauth_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_grant_learner_id"))
        batch_op.drop_index(batch_op.f("ix_oauth_grant_client_id"))
    op.drop_table("oauth_grant")
    with op.batch_alter_table("sign_in_token", schema=None) as batch_op:
        batch_op.alter_column(
            "next_path",
            existing_type=sa.String(length=2048),
            type_=sa.String(length=512),
            existing_nullable=True,
        )
    with op.batch_alter_table("oauth_client_partner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_client_partner_partner_id"))
    op.drop_table("oauth_client_partner")
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.drop_column("registration")
