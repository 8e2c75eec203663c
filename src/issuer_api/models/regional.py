"""Regional aggregation: référentiel versions, achievement mappings, awards, outbound
webhooks.

A :class:`ReferentialVersion` is one loaded référentiel document; exactly one is
active. Every award records the version it was minted under.

An :class:`AchievementMapping` says that a partner achievement counts toward a
competency at a level; it counts only once approved (proposed → approved | rejected).

A :class:`RegionalAward` is the regional badge of one learner: unique per (learner,
regional achievement code) — the constraint that makes minting happen exactly once
even when workers on several machines evaluate the same learner at the same time.
``state`` follows its support: active, suspended (no longer supported, under the
default policy), revoked.

A :class:`WebhookEndpoint` is where the hub notifies (a partner's system, the
Region's); an :class:`OutboundMessage` is one notification with its delivery state;
each try is an :class:`OutboundAttempt` (the delivery log).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from issuer_api.models.base import Base, TimestampMixin, new_id


class ReferentialVersion(TimestampMixin, Base):
    __tablename__ = "referential_version"
    __table_args__ = (
        UniqueConstraint("number"),
        Index(
            "uq_referential_version_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column()  # 1, 2, … in load order
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))  # the author's version label
    digest: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column()
    active: Mapped[bool] = mapped_column(default=False)
    loaded_by: Mapped[str | None] = mapped_column(String(64), default=None)


class AchievementMapping(TimestampMixin, Base):
    """A partner achievement counted toward a competency and level (once approved)."""

    __tablename__ = "achievement_mapping"
    __table_args__ = (UniqueConstraint("achievement_id", "competency"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    achievement_id: Mapped[str] = mapped_column(String(2000))
    issuer_id: Mapped[str | None] = mapped_column(String(2000), default=None)
    partner_id: Mapped[str | None] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), default=None
    )
    competency: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="proposed")  # proposed|approved|rejected
    proposed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(64), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)


class RegionalAward(TimestampMixin, Base):
    __tablename__ = "regional_award"
    __table_args__ = (UniqueConstraint("learner_id", "achievement_code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # Indexed by the unique (learner_id, achievement_code), whose leading column it is.
    learner_id: Mapped[str] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    achievement_code: Mapped[str] = mapped_column(String(64))
    credential_id: Mapped[str | None] = mapped_column(
        ForeignKey("issued_credential.id", ondelete="SET NULL"), default=None, index=True
    )
    referential_version_id: Mapped[str] = mapped_column(
        ForeignKey("referential_version.id", ondelete="RESTRICT")
    )
    state: Mapped[str] = mapped_column(String(16), default="active")  # active|suspended|revoked
    # The partner badges used as evidence: [{"id", "credential_id", "issuer", "digest"}].
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)


class WebhookEndpoint(TimestampMixin, Base):
    __tablename__ = "webhook_endpoint"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # NULL: the Region's own endpoint (receives every event).
    partner_id: Mapped[str | None] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), default=None, index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    secret_sealed: Mapped[dict[str, Any]] = mapped_column()
    events: Mapped[list[Any]] = mapped_column(default=list)  # empty: every event
    active: Mapped[bool] = mapped_column(default=True)


class OutboundMessage(TimestampMixin, Base):
    __tablename__ = "outbound_message"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_outbound_message_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(100))  # the webhook-id sent
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|delivered|dead
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    last_status_code: Mapped[int | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class OutboundAttempt(Base):
    __tablename__ = "outbound_attempt"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("outbound_message.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column()
    status_code: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    duration_ms: Mapped[float | None] = mapped_column(default=None)
