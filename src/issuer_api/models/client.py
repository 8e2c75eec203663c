"""API clients: the Region's (client credentials) and those registered through the OB 3.0
API (authorization code). Secrets are stored hashed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from issuer_api.models.base import Base, TimestampMixin


class ApiClient(TimestampMixin, Base):
    __tablename__ = "api_client"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the client_id
    name: Mapped[str] = mapped_column(String(200))
    # SHA-256 of a 256-bit random secret: a slow hash adds nothing at that entropy.
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[Any]] = mapped_column()
    # A partner client acts only for its own issuer; NULL for Region-wide clients.
    issuer_id: Mapped[str | None] = mapped_column(ForeignKey("issuer.id", ondelete="SET NULL"))
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    # A client registered through the OB 3.0 API (RFC 7591): its metadata (redirect URIs,
    # client_uri, logo_uri …); NULL for the clients the Region creates.
    registration: Mapped[dict[str, Any] | None] = mapped_column(default=None)
