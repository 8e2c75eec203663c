"""Simulations of a draft référentiel on the data of the day (the console's safety net).

A :class:`ReferentialSimulation` keeps the draft exactly as simulated (its canonical
document and digest), the state of the data it ran on (``data_state``: a digest of the
partner badges, awards, approved mappings and partners read, and the day), the cascade
policy, and the result: per regional badge, how many learners would gain, lose or keep
it, with a few pseudonymous learner ids. Publishing from the console refers to one of
them and is refused when the data changed since.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from issuer_api.models.base import Base, TimestampMixin, new_id


class ReferentialSimulation(TimestampMixin, Base):
    """One simulation of a draft référentiel; ``published_at`` once published from it."""

    __tablename__ = "referential_simulation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column()
    base_number: Mapped[int | None] = mapped_column(default=None)  # the version active then
    data_state: Mapped[str] = mapped_column(String(64))
    policy: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any]] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    published_number: Mapped[int | None] = mapped_column(default=None)
