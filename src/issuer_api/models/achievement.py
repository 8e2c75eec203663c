"""Achievements (badge classes), versioned: an edit never changes an issued credential.

An :class:`Achievement` is the stable thing credentials name (its OB 3.0 ``id`` is
``{base}/achievements/{id}`` whatever the version); each edit adds an immutable
:class:`AchievementVersion` holding the Achievement JSON as credentials embed it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from issuer_api.models.base import Base, TimestampMixin, new_id


class Achievement(TimestampMixin, Base):
    __tablename__ = "achievement"
    __table_args__ = (UniqueConstraint("issuer_id", "slug"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuer.id", ondelete="RESTRICT"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    current_version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)


class AchievementVersion(TimestampMixin, Base):
    """One immutable version of an achievement: the OB 3.0 Achievement JSON as issued.

    ``achievement`` is loaded with the version (a join), so a caller holding a version
    can check which issuer it belongs to without another query.
    """

    __tablename__ = "achievement_version"
    __table_args__ = (UniqueConstraint("achievement_id", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    achievement_id: Mapped[str] = mapped_column(
        ForeignKey("achievement.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column()
    document: Mapped[dict[str, Any]] = mapped_column()
    created_by: Mapped[str | None] = mapped_column(String(64), default=None)  # client id

    achievement: Mapped[Achievement] = relationship(lazy="joined", innerjoin=True)
