"""Delivering regional badges to wallets (OpenID for Verifiable Credential Issuance 1.0).

A :class:`WalletOffer` is one credential offer a learner made for one of their regional
badges: the pre-authorised code and the PIN (``tx_code``) are kept only as SHA-256
hashes, the code is single use (``redeemed_at``) and short lived (``expires_at``), and
``failed_attempts`` counts wrong PINs (the offer is burnt at the limit).

A :class:`WalletAccessToken` is the bearer token a wallet got for an offer (hash only).
A :class:`WalletNonce` is a ``c_nonce`` already used (its hash, until it would have
expired anyway): the nonces themselves are self-authenticating and stored nowhere.
A :class:`WalletDelivery` records a badge delivered: which badge, to which holder DID,
when, and the id of the copy bound to that DID (the learner's original is unchanged).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from issuer_api.models.base import Base, TimestampMixin, new_id


class WalletOffer(TimestampMixin, Base):
    __tablename__ = "wallet_offer"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    learner_id: Mapped[str] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("issued_credential.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 (hex) of the secret in the offer's URL, of the code, of the PIN.
    reference_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column()
    redeemed_at: Mapped[datetime | None] = mapped_column(default=None)
    failed_attempts: Mapped[int] = mapped_column(default=0)


class WalletAccessToken(TimestampMixin, Base):
    __tablename__ = "wallet_access_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    offer_id: Mapped[str] = mapped_column(
        ForeignKey("wallet_offer.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class WalletNonce(TimestampMixin, Base):
    __tablename__ = "wallet_nonce"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class WalletDelivery(Base):
    __tablename__ = "wallet_delivery"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    learner_id: Mapped[str] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("issued_credential.id", ondelete="CASCADE"), index=True
    )
    offer_id: Mapped[str | None] = mapped_column(
        ForeignKey("wallet_offer.id", ondelete="SET NULL"), default=None
    )
    holder_did: Mapped[str] = mapped_column(String(4200))
    # The urn:uuid: id of the copy bound to ``holder_did``.
    delivered_uri: Mapped[str] = mapped_column(String(100))
    delivered_at: Mapped[datetime] = mapped_column()
