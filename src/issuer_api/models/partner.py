"""Partner structures that push badges to the hub, what they are trusted for, their secrets.

A :class:`Partner` is an organisation (training centre, integration structure,
employer) whose LMS/ERP delivers badges by signed webhook or OAuth call. The hub
accepts a badge from a partner only if the credential's issuer is one of the
partner's :class:`PartnerTrustedIssuer` identifiers (a DID, an https issuer id, an
OB 2.0 issuer URL). Webhook signing secrets (:class:`PartnerWebhookSecret`) are
sealed under the KEK; two may be active at once so a partner can rotate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from issuer_api.models.base import Base, TimestampMixin, new_id


class Partner(TimestampMixin, Base):
    __tablename__ = "partner"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(300), default=None)
    contact_email: Mapped[str | None] = mapped_column(String(320), default=None)
    url: Mapped[str | None] = mapped_column(String(2000), default=None)
    state: Mapped[str] = mapped_column(String(16), default="active")  # active | suspended
    # The partner's OAuth client (scope `deliver`, acting for this partner only).
    client_id: Mapped[str | None] = mapped_column(
        ForeignKey("api_client.id", ondelete="SET NULL"), unique=True, default=None
    )
    # Where the hub sends this partner's notifications (regional badges awarded …).
    notify_url: Mapped[str | None] = mapped_column(String(2000), default=None)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)

    trusted_issuers: Mapped[list[PartnerTrustedIssuer]] = relationship(
        back_populates="partner",
        order_by="PartnerTrustedIssuer.id",
        lazy="selectin",
        cascade="all, delete-orphan",
    )


class PartnerTrustedIssuer(TimestampMixin, Base):
    """An issuer identifier whose credentials this partner may deliver."""

    __tablename__ = "partner_trusted_issuer"
    __table_args__ = (UniqueConstraint("partner_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), index=True
    )
    identifier: Mapped[str] = mapped_column(String(2000), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # did | url

    partner: Mapped[Partner] = relationship(back_populates="trusted_issuers")


class PartnerWebhookSecret(TimestampMixin, Base):
    """A webhook signing secret (Standard Webhooks ``whsec_…``), sealed under the KEK."""

    __tablename__ = "partner_webhook_secret"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), index=True
    )
    sealed: Mapped[dict[str, Any]] = mapped_column()
    # The first characters of the secret, to tell secrets apart in listings.
    hint: Mapped[str] = mapped_column(String(16))
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
