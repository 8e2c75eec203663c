"""The Region's staff: accounts of the console, their sessions and failed sign-ins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer_api.models.base import Base, TimestampMixin, new_id


class StaffMember(TimestampMixin, Base):
    """A member of the Region's staff. The email is kept sealed, found by keyed hash.

    ``password_hash`` (Argon2id) is set for local accounts, ``oidc_issuer`` +
    ``oidc_subject`` once the member has signed in through the identity provider.
    ``must_change_password``: the password was printed by ``obhub staff create`` and
    must be replaced at the first sign-in.
    """

    __tablename__ = "staff_member"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email_lookup: Mapped[str] = mapped_column(String(64), unique=True)
    email_sealed: Mapped[dict[str, Any]] = mapped_column()
    display_name: Mapped[str | None] = mapped_column(String(200), default=None)
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    oidc_issuer: Mapped[str | None] = mapped_column(String(500), default=None)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), default=None)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(default=None)


class StaffSession(TimestampMixin, Base):
    """A signed-in console browser. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "staff_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(token), hex
    staff_id: Mapped[str] = mapped_column(
        ForeignKey("staff_member.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime] = mapped_column()


class StaffSignInFailure(Base):
    """A failed password sign-in, for the lock-out: keyed hashes only, no address."""

    __tablename__ = "staff_sign_in_failure"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    account_key: Mapped[str] = mapped_column(String(64), index=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
