"""Learners' own access to the hub: web sessions, sign-in links, and the emails sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from issuer_api.models.base import Base, TimestampMixin


class LearnerSession(TimestampMixin, Base):
    """A signed-in browser. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "learner_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(token), hex
    learner_id: Mapped[str] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime] = mapped_column()


class SignInToken(TimestampMixin, Base):
    """A single-use sign-in link sent by email: only the SHA-256 of its token is stored.

    A link sent to an address no learner holds carries the address (sealed, with its
    keyed-hash lookup) instead of a learner: the learner is created when it is used."""

    __tablename__ = "sign_in_token"
    __table_args__ = (
        CheckConstraint(
            "learner_id IS NOT NULL OR (email_sealed IS NOT NULL AND email_lookup IS NOT NULL)",
            name="learner_or_address",
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(token), hex
    learner_id: Mapped[str | None] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True, default=None
    )
    email_sealed: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    email_lookup: Mapped[str | None] = mapped_column(String(64), default=None)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    # Where to go once signed in: a same-site path (checked before it is stored).
    next_path: Mapped[str | None] = mapped_column(String(2048), default=None)


class SignInRequest(Base):
    """One request for a sign-in link, kept an hour for the rate limits. Both keys are
    keyed hashes (the address and the client's IP address are personal data)."""

    __tablename__ = "sign_in_request"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    address_key: Mapped[str] = mapped_column(String(64), index=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)


class OutgoingMail(TimestampMixin, Base):
    """An email to send: the whole message sealed under the KEK (it names the
    recipient), its state, and what its delivery attempts met."""

    __tablename__ = "outgoing_mail"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    learner_id: Mapped[str | None] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True, default=None
    )
    kind: Mapped[str] = mapped_column(String(32))  # sign_in | regional_badge.awarded | …
    sealed: Mapped[dict[str, Any]] = mapped_column()
    state: Mapped[str] = mapped_column(String(8), default="pending")  # pending | sent | dead
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
