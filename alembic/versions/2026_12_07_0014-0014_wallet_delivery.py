"""wallet delivery: credential offers (pre-authorised code), access tokens, nonces, deliveries

OpenID for Verifiable Credential Issuance 1.0 with a pre-authorised code: the learner's
offers of their regional badges (code and PIN hashed, single use, short lived), the
wallets' access tokens (hashed), the c_nonce values already used (hashed, until they
expire) and the record of each badge delivered to a holder's DID.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-07 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wallet_offer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("learner_id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("reference_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["issued_credential.id"],
            name=op.f("fk_wallet_offer_credential_id_issued_credential"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learner.id"],
            name=op.f("fk_wallet_offer_learner_id_learner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_offer")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_wallet_offer_code_hash")),
        sa.UniqueConstraint("reference_hash", name=op.f("uq_wallet_offer_reference_hash")),
    )
    op.create_index(
        op.f("ix_wallet_offer_credential_id"), "wallet_offer", ["credential_id"], unique=False
    )
    op.create_index(
        op.f("ix_wallet_offer_learner_id"), "wallet_offer", ["learner_id"], unique=False
    )
    op.create_table(
        "wallet_access_token",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("offer_id", sa.String(length=36), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["wallet_offer.id"],
            name=op.f("fk_wallet_access_token_offer_id_wallet_offer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_wallet_access_token")),
    )
    op.create_index(
        op.f("ix_wallet_access_token_offer_id"),
        "wallet_access_token",
        ["offer_id"],
        unique=False,
    )
    op.create_table(
        "wallet_nonce",
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce_hash", name=op.f("pk_wallet_nonce")),
    )
    op.create_index(
        op.f("ix_wallet_nonce_expires_at"), "wallet_nonce", ["expires_at"], unique=False
    )
    op.create_table(
        "wallet_delivery",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("learner_id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("offer_id", sa.String(length=36), nullable=True),
        sa.Column("holder_did", sa.String(length=4200), nullable=False),
        sa.Column("delivered_uri", sa.String(length=100), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["issued_credential.id"],
            name=op.f("fk_wallet_delivery_credential_id_issued_credential"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learner.id"],
            name=op.f("fk_wallet_delivery_learner_id_learner"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["wallet_offer.id"],
            name=op.f("fk_wallet_delivery_offer_id_wallet_offer"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_delivery")),
    )
    op.create_index(
        op.f("ix_wallet_delivery_credential_id"),
        "wallet_delivery",
        ["credential_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_wallet_delivery_learner_id"), "wallet_delivery", ["learner_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("wallet_delivery")
    op.drop_table("wallet_nonce")
    op.drop_table("wallet_access_token")
    op.drop_table("wallet_offer")
