"""The OB 3.0 API's authorization server: what learners authorised, codes and refresh tokens.

An :class:`OAuthGrant` is one authorisation a learner gave one registered client (the
consent), and the family of tokens issued from it: revoking the grant kills its code,
its refresh tokens and (checked on every request) its access tokens at once. Codes and
refresh tokens are stored as the SHA-256 of the random value sent to the client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from issuer_api.models.base import Base, TimestampMixin, new_id


class OAuthClientPartner(TimestampMixin, Base):
    """The partner the Region linked a registered client to (its upserts are deliveries).

    A table of its own: ``partner.client_id`` already points at ``api_client``."""

    __tablename__ = "oauth_client_partner"

    client_id: Mapped[str] = mapped_column(
        ForeignKey("api_client.id", ondelete="CASCADE"), primary_key=True
    )
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), index=True
    )
    linked_by: Mapped[str] = mapped_column(String(100))


class OAuthGrant(TimestampMixin, Base):
    __tablename__ = "oauth_grant"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("api_client.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[str] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    scopes: Mapped[list[Any]] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class OAuthAuthorizationCode(TimestampMixin, Base):
    """A single-use code (600 s); a second use revokes its grant (RFC 6749 §4.1.2)."""

    __tablename__ = "oauth_authorization_code"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(code), hex
    grant_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_grant.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str | None] = mapped_column(String(2000), default=None)
    scope: Mapped[str] = mapped_column(String(1000))
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class OAuthRefreshToken(TimestampMixin, Base):
    """A refresh token; used once (rotation), reused it revokes its grant."""

    __tablename__ = "oauth_refresh_token"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(token), hex
    grant_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_grant.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(1000))
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)
