"""The inbox of partner deliveries, learners, and the partner badges kept for them.

A :class:`Delivery` is one webhook call or ``POST /v1/badges`` (or a learner's claim):
it is stored, with one :class:`DeliveryItem` per badge, in the transaction that
answers ``202`` — nothing is verified on the request path. Workers then verify each
item; the item's ``outcome`` (accepted, duplicate, rejected with reason codes) is what
the receipts API shows. Payloads and recipients are personal data: sealed under the
KEK, with ``recipient_lookup`` (a keyed hash) to find them again for an erasure.

A :class:`Learner` is one real person across partners. Personal identifiers live in
:class:`LearnerIdentifier` rows: the value sealed, the lookup a keyed hash of the
normalised value (unique per kind), so the same email from two partners finds the
same learner without the email being readable in the database.

A :class:`PartnerBadge` is a verified partner credential kept for a learner with its
provenance. OB 3.0 equality (same issuer id, same credential id) makes it unique:
``equality_key`` is the SHA-256 of both. :class:`PartnerBadgeEvent` records each change
(stored, replaced, revoked, suspended, reinstated, expired) for the aggregation module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text, true
from sqlalchemy.orm import Mapped, mapped_column

from issuer_api.models.base import Base, TimestampMixin, new_id


class Delivery(Base):
    """One inbound delivery (a receipt). ``status``: queued → done, or dead.

    ``lease_until``: a batch of the inbox (:func:`issuer_api.ingestion.batches.drain`)
    holds the delivery until then; past it, another batch may take it again.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("partner_id", "webhook_id"),
        Index("ix_delivery_partner_id_received_at", "partner_id", "received_at"),
        # The inbox in the order a batch takes it (received_at, id): the take stops at
        # its limit instead of sorting the whole inbox.
        Index(
            "ix_delivery_inbox_order",
            "received_at",
            "id",
            postgresql_where=text("status = 'queued'"),
            sqlite_where=text("status = 'queued'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # NULL for a learner's or counsellor's claim (no sending partner).
    partner_id: Mapped[str | None] = mapped_column(
        ForeignKey("partner.id", ondelete="RESTRICT"), default=None
    )
    channel: Mapped[str] = mapped_column(String(16))  # webhook | api | claim | obapi
    webhook_id: Mapped[str | None] = mapped_column(String(255), default=None)
    client_id: Mapped[str | None] = mapped_column(String(64), default=None)
    body_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the request body
    received_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    item_count: Mapped[int] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)


class DeliveryItem(Base):
    """One badge of a delivery and its outcome."""

    __tablename__ = "delivery_item"
    __table_args__ = (UniqueConstraint("delivery_id", "position"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # Indexed by the unique (delivery_id, position), whose leading column it is.
    delivery_id: Mapped[str] = mapped_column(ForeignKey("delivery.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    reference: Mapped[str | None] = mapped_column(String(200), default=None)  # the partner's id
    # json | jwt | url | image (what the partner sent, as declared or detected)
    payload_kind: Mapped[str] = mapped_column(String(16))
    # The badge as sent and the envelope recipient, sealed (PII_PURPOSE); NULL once erased.
    payload_sealed: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    recipient_sealed: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    recipient_kind: Mapped[str | None] = mapped_column(String(8), default=None)  # email | did
    recipient_lookup: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    payload_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the original bytes
    # Outcome: pending, accepted, duplicate, rejected, or failed (dead-lettered).
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    reasons: Mapped[list[Any]] = mapped_column(default=list)  # [{"code", "check", ...}]
    learner_id: Mapped[str | None] = mapped_column(
        ForeignKey("learner.id", ondelete="SET NULL"), default=None, index=True
    )
    partner_badge_id: Mapped[str | None] = mapped_column(
        ForeignKey("partner_badge.id", ondelete="SET NULL"), default=None
    )
    processed_at: Mapped[datetime | None] = mapped_column(default=None)


class Learner(TimestampMixin, Base):
    __tablename__ = "learner"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)
    # The learner's own choices: language of emails and pages (NULL: not chosen, French
    # by default) and whether they receive notification emails.
    language: Mapped[str | None] = mapped_column(String(2), default=None)
    notify_email: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The name the learner chose to be shown by (Open Badges API profile), sealed (PII).
    display_name_sealed: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class LearnerIdentifier(TimestampMixin, Base):
    """An email or DID of a learner: sealed value, keyed-hash lookup."""

    __tablename__ = "learner_identifier"
    __table_args__ = (UniqueConstraint("kind", "lookup"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # email | did
    lookup: Mapped[str] = mapped_column(String(64))
    sealed: Mapped[dict[str, Any]] = mapped_column()


class PartnerBadge(TimestampMixin, Base):
    """A verified partner credential kept for a learner, with its provenance."""

    __tablename__ = "partner_badge"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    equality_key: Mapped[str] = mapped_column(String(64), unique=True)
    learner_id: Mapped[str] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    # The partner it came through (NULL when it came through a claim and no partner
    # trusts its issuer — such a badge is kept but counts for nothing).
    partner_id: Mapped[str | None] = mapped_column(
        ForeignKey("partner.id", ondelete="RESTRICT"), default=None, index=True
    )
    delivery_id: Mapped[str | None] = mapped_column(
        ForeignKey("delivery.id", ondelete="SET NULL"), default=None
    )
    delivery_item_id: Mapped[str | None] = mapped_column(String(36), default=None)
    issuer_id: Mapped[str] = mapped_column(String(2000))
    credential_id: Mapped[str] = mapped_column(String(2000))
    format: Mapped[str] = mapped_column(String(32))
    achievement_id: Mapped[str | None] = mapped_column(String(2000), default=None, index=True)
    achievement_name: Mapped[str | None] = mapped_column(String(500), default=None)
    # The achievement as the credential describes it (type, alignment, criteria …):
    # what the référentiel classifies. No personal data.
    achievement: Mapped[dict[str, Any]] = mapped_column(default=dict)
    valid_from: Mapped[datetime | None] = mapped_column(default=None)
    valid_until: Mapped[datetime | None] = mapped_column(default=None)
    awarded_at: Mapped[datetime | None] = mapped_column(default=None)
    # The credential as received (JSON text, JWT, OB 2.0 assertion …), sealed.
    original_sealed: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the original bytes
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)  # verification report
    # active | revoked | suspended | expired
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    status_checked_at: Mapped[datetime | None] = mapped_column(default=None)
    status_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)


class PartnerBadgeEvent(Base):
    """A change to a learner's partner badges, for the aggregation module to consume."""

    __tablename__ = "partner_badge_event"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    partner_badge_id: Mapped[str | None] = mapped_column(
        ForeignKey("partner_badge.id", ondelete="SET NULL"), default=None, index=True
    )
    learner_id: Mapped[str] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    # stored | replaced | revoked | suspended | reinstated | expired | deleted
    kind: Mapped[str] = mapped_column(String(16))
    previous_status: Mapped[str | None] = mapped_column(String(16), default=None)
    new_status: Mapped[str | None] = mapped_column(String(16), default=None)
    at: Mapped[datetime] = mapped_column()
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
