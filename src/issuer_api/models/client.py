"""API clients (OAuth 2.0 client credentials). Secrets are stored hashed."""

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
