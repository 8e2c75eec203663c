"""Issuer profiles (the Region, partner organisations) and their signing keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from issuer_api.models.base import Base, TimestampMixin, new_id


class Issuer(TimestampMixin, Base):
    """An OB 3.0 Profile this service issues for. ``slug`` names it in URLs."""

    __tablename__ = "issuer"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    email: Mapped[str | None] = mapped_column(String(320))
    description: Mapped[str | None] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(Text)
    is_region: Mapped[bool] = mapped_column(default=False)
    # Extra OB 3.0 Profile properties (address, otherIdentifier, official, …).
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    keys: Mapped[list[SigningKey]] = relationship(
        back_populates="issuer", order_by="SigningKey.created_at", lazy="selectin"
    )


class SigningKey(TimestampMixin, Base):
    """An issuer's signing key: private part sealed (KEK); retired keys stay published."""

    __tablename__ = "signing_key"
    __table_args__ = (UniqueConstraint("issuer_id", "fragment"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuer.id", ondelete="CASCADE"), index=True)
    fragment: Mapped[str] = mapped_column(String(100))
    key_type: Mapped[str] = mapped_column(String(16))  # ed25519 | p256 | rsa
    public_jwk: Mapped[dict[str, Any]] = mapped_column()
    sealed_private: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | retired
    retired_at: Mapped[datetime | None] = mapped_column(default=None)

    issuer: Mapped[Issuer] = relationship(back_populates="keys")
