"""The Region's identity as set in the console (one row; none: configuration applies)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from issuer_api.models.base import Base, utcnow


class RegionIdentitySetting(Base):
    """The identity chosen in the console: every field of
    :class:`issuer_api.region.identity.RegionIdentity` in ``fields`` (validated when
    stored and again when read). ``id`` is always 1."""

    __tablename__ = "region_identity"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    fields: Mapped[dict[str, Any]] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))
