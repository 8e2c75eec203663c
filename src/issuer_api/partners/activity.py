"""What each partner delivered lately: its last delivery and its acceptance rate.

The **acceptance rate** of a partner over a window (:data:`WINDOW_DAYS` days by
default) is the share of the badges it delivered in that window, once processed, that
the hub holds: ``accepted`` and ``duplicate`` (already stored) count for it,
``rejected`` and ``failed`` against it; badges still ``pending`` are not counted yet.
With no processed badge in the window there is no rate (``None``), not a rate of 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.models import Delivery, DeliveryItem

WINDOW_DAYS: Final = 30
HELD: Final = frozenset({"accepted", "duplicate"})
REFUSED: Final = frozenset({"rejected", "failed"})


@dataclass(frozen=True)
class PartnerActivity:
    """One partner's recent activity."""

    last_delivery_at: datetime | None = None
    held: int = 0  # badges accepted or already stored, within the window
    refused: int = 0  # badges rejected or failed, within the window

    @property
    def processed(self) -> int:
        return self.held + self.refused

    @property
    def acceptance_rate(self) -> float | None:
        """Between 0 and 1; ``None`` when no badge of the window was processed."""
        return self.held / self.processed if self.processed else None


async def activity_of(
    session: AsyncSession,
    partner_ids: Sequence[str],
    *,
    now: datetime,
    days: int = WINDOW_DAYS,
) -> dict[str, PartnerActivity]:
    """The activity of each partner (two queries for a whole page of partners)."""
    found = {partner_id: PartnerActivity() for partner_id in partner_ids}
    if not partner_ids:
        return found
    ids = list(partner_ids)
    last = await session.execute(
        select(Delivery.partner_id, func.max(Delivery.received_at))
        .where(Delivery.partner_id.in_(ids))
        .group_by(Delivery.partner_id)
    )
    latest: dict[str, datetime] = {row[0]: row[1] for row in last if row[0] is not None}
    since = now - timedelta(days=days)
    counted = await session.execute(
        select(Delivery.partner_id, DeliveryItem.outcome, func.count())
        .join(DeliveryItem, DeliveryItem.delivery_id == Delivery.id)
        .where(Delivery.partner_id.in_(ids), Delivery.received_at >= since)
        .group_by(Delivery.partner_id, DeliveryItem.outcome)
    )
    held: dict[str, int] = dict.fromkeys(ids, 0)
    refused: dict[str, int] = dict.fromkeys(ids, 0)
    for partner_id, outcome, number in counted:
        if partner_id is None:  # pragma: no cover - filtered on partner_id above
            continue
        if outcome in HELD:
            held[partner_id] += number
        elif outcome in REFUSED:
            refused[partner_id] += number
    for partner_id in ids:
        stamp = latest.get(partner_id)
        found[partner_id] = PartnerActivity(
            last_delivery_at=_aware(stamp) if stamp is not None else None,
            held=held[partner_id],
            refused=refused[partner_id],
        )
    return found


def _aware(value: datetime) -> datetime:
    # Whatever the backend hands back for an aggregate, an aware UTC value.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
