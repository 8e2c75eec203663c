"""Issuer profiles (the Region, partner organisations) and their signing keys.

Invariants the database enforces (partial unique indexes, on SQLite and PostgreSQL):

* at most one issuer is the Region (``is_region``);
* an issuer has at most one *active* key per key type; retired keys are kept for ever
  (they stay in the DID document so the credentials they signed keep verifying).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from issuer_api.models.base import Base, TimestampMixin, new_id


class Issuer(TimestampMixin, Base):
    """An OB 3.0 Profile this service issues for. ``slug`` names it in URLs and did:web ids."""

    __tablename__ = "issuer"
    __table_args__ = (
        Index(
            "uq_issuer_is_region",
            "is_region",
            unique=True,
            sqlite_where=text("is_region"),
            postgresql_where=text("is_region"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    email: Mapped[str | None] = mapped_column(String(320))
    description: Mapped[str | None] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(Text)
    is_region: Mapped[bool] = mapped_column(default=False)
    # Extra OB 3.0 Profile properties (address, otherIdentifier, official, phone), as the
    # JSON-LD terms: validated by issuer_api.issuers.schemas before they are stored.
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)

    keys: Mapped[list[SigningKey]] = relationship(
        back_populates="issuer", order_by="SigningKey.number", lazy="selectin"
    )


class SigningKey(TimestampMixin, Base):
    """An issuer's signing key: private part sealed (KEK); retired keys stay published.

    ``number`` counts the issuer's keys from 1; ``fragment`` (``key-<number>``) is the
    verification method fragment under did:web. Under did:key (no public base URL) the
    issuer's identity is its first key and the fragment is that key's Multikey, derived.
    """

    __tablename__ = "signing_key"
    __table_args__ = (
        UniqueConstraint("issuer_id", "fragment"),
        Index(
            "uq_signing_key_active_type",
            "issuer_id",
            "key_type",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuer.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    fragment: Mapped[str] = mapped_column(String(100))
    key_type: Mapped[str] = mapped_column(String(16))  # ed25519 | p256 | rsa
    public_jwk: Mapped[dict[str, Any]] = mapped_column()
    sealed_private: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | retired
    retired_at: Mapped[datetime | None] = mapped_column(default=None)

    issuer: Mapped[Issuer] = relationship(back_populates="keys")
