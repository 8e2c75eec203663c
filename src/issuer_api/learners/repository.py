"""Every query on learners, their identifiers, partner badges and badge events, and on
the delivery items and regional awards that concern a learner. No rules here: see service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.models import (
    Delivery,
    DeliveryItem,
    Learner,
    LearnerIdentifier,
    PartnerBadge,
    PartnerBadgeEvent,
    RegionalAward,
)
from issuer_api.sql import insert_or_ignore

# --------------------------------------------------------------------------- learners


async def get(session: AsyncSession, learner_id: str) -> Learner | None:
    return await session.get(Learner, learner_id, populate_existing=True)


async def learner_by_lookup(session: AsyncSession, kind: str, lookup: str) -> str | None:
    """The learner holding the identifier ``(kind, lookup)``, as committed now."""
    result = await session.execute(
        select(LearnerIdentifier.learner_id).where(
            LearnerIdentifier.kind == kind, LearnerIdentifier.lookup == lookup
        )
    )
    return result.scalar_one_or_none()


async def insert_learner(session: AsyncSession, learner_id: str, now: datetime) -> None:
    await session.execute(
        Learner.__table__.insert().values(id=learner_id, created_at=now, updated_at=now)  # type: ignore[attr-defined]
    )


async def delete_learner(session: AsyncSession, learner_id: str) -> None:
    await session.execute(delete(Learner).where(Learner.id == learner_id))


async def touch(session: AsyncSession, learner_id: str, now: datetime) -> None:
    await session.execute(update(Learner).where(Learner.id == learner_id).values(updated_at=now))


async def insert_identifier(
    session: AsyncSession,
    *,
    learner_id: str,
    kind: str,
    lookup: str,
    sealed: dict[str, Any],
    now: datetime,
) -> bool:
    """Add an identifier unless ``(kind, lookup)`` is taken (by anyone): the unique
    constraint decides between concurrent workers."""
    return await insert_or_ignore(
        session,
        LearnerIdentifier.__table__,  # type: ignore[arg-type]
        {
            "learner_id": learner_id,
            "kind": kind,
            "lookup": lookup,
            "sealed": sealed,
            "created_at": now,
        },
        ("kind", "lookup"),
    )


async def identifiers_of(session: AsyncSession, learner_id: str) -> list[LearnerIdentifier]:
    result = await session.execute(
        select(LearnerIdentifier)
        .where(LearnerIdentifier.learner_id == learner_id)
        .order_by(LearnerIdentifier.id)
    )
    return list(result.scalars())


# --------------------------------------------------------------------------- partner badges


async def insert_badge(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Keep a new badge unless one with its equality key is kept already."""
    return await insert_or_ignore(
        session,
        PartnerBadge.__table__,  # type: ignore[arg-type]
        values,
        ("equality_key",),
    )


async def badge_by_key(session: AsyncSession, equality_key: str) -> PartnerBadge | None:
    """The kept badge with this equality key, locked for the transaction (PostgreSQL)."""
    result = await session.execute(
        select(PartnerBadge)
        .where(PartnerBadge.equality_key == equality_key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def get_badge(session: AsyncSession, badge_id: str) -> PartnerBadge | None:
    return await session.get(PartnerBadge, badge_id, populate_existing=True)


async def update_badge(session: AsyncSession, badge_id: str, values: dict[str, Any]) -> None:
    await session.execute(
        update(PartnerBadge)
        .where(PartnerBadge.id == badge_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def change_badge_status(
    session: AsyncSession, badge_id: str, previous: str, new: str, now: datetime
) -> bool:
    """Move a badge from ``previous`` to ``new`` status unless it changed meanwhile."""
    result = await session.execute(
        update(PartnerBadge)
        .where(PartnerBadge.id == badge_id, PartnerBadge.status == previous)
        .values(status=new, status_changed_at=now, status_checked_at=now, updated_at=now)
        .returning(PartnerBadge.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


async def stamp_checked(session: AsyncSession, badge_id: str, now: datetime) -> None:
    await session.execute(
        update(PartnerBadge)
        .where(PartnerBadge.id == badge_id)
        .values(status_checked_at=now)
        .execution_options(synchronize_session=False)
    )


async def badges_of(session: AsyncSession, learner_id: str) -> list[PartnerBadge]:
    result = await session.execute(
        select(PartnerBadge)
        .where(PartnerBadge.learner_id == learner_id)
        .order_by(PartnerBadge.created_at, PartnerBadge.id)
    )
    return list(result.scalars())


async def badges_to_recheck(
    session: AsyncSession,
    *,
    limit: int,
    checked_before: datetime,
    learner_id: str | None = None,
    exclude: Sequence[str] = (),
) -> list[PartnerBadge]:
    """Active and suspended badges not checked since ``checked_before``, never-checked
    and longest-unchecked first."""
    query = select(PartnerBadge).where(
        PartnerBadge.status.in_(("active", "suspended")),
        or_(
            PartnerBadge.status_checked_at.is_(None),
            PartnerBadge.status_checked_at < checked_before,
        ),
    )
    if learner_id is not None:
        query = query.where(PartnerBadge.learner_id == learner_id)
    if exclude:
        query = query.where(PartnerBadge.id.not_in(list(exclude)))
    result = await session.execute(
        query.order_by(
            PartnerBadge.status_checked_at.is_not(None),
            PartnerBadge.status_checked_at,
            PartnerBadge.id,
        ).limit(limit)
    )
    return list(result.scalars())


def add_event(
    session: AsyncSession,
    *,
    learner_id: str,
    badge_id: str | None,
    kind: str,
    at: datetime,
    previous_status: str | None = None,
    new_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        PartnerBadgeEvent(
            partner_badge_id=badge_id,
            learner_id=learner_id,
            kind=kind,
            previous_status=previous_status,
            new_status=new_status,
            at=at,
            detail=detail or {},
        )
    )


async def events_of(session: AsyncSession, learner_id: str) -> list[PartnerBadgeEvent]:
    result = await session.execute(
        select(PartnerBadgeEvent)
        .where(PartnerBadgeEvent.learner_id == learner_id)
        .order_by(PartnerBadgeEvent.id)
    )
    return list(result.scalars())


# --------------------------------------------------------------------------- delivery items


def _concerning(learner_id: str, lookups: Sequence[str]) -> Any:
    condition = DeliveryItem.learner_id == learner_id
    if lookups:
        condition = or_(condition, DeliveryItem.recipient_lookup.in_(list(lookups)))
    return condition


async def items_concerning(
    session: AsyncSession, learner_id: str, lookups: Sequence[str]
) -> list[tuple[DeliveryItem, Delivery]]:
    """Delivery items linked to the learner or sent for one of their identifiers."""
    result = await session.execute(
        select(DeliveryItem, Delivery)
        .join(Delivery, Delivery.id == DeliveryItem.delivery_id)
        .where(_concerning(learner_id, lookups))
        .order_by(Delivery.received_at, DeliveryItem.position)
    )
    return [(item, delivery) for item, delivery in result]


async def wipe_items(session: AsyncSession, learner_id: str, lookups: Sequence[str]) -> int:
    """Erase the personal data of the items concerning a learner; keep their outcome."""
    result = await session.execute(
        update(DeliveryItem)
        .where(_concerning(learner_id, lookups))
        .values(
            payload_sealed=None,
            recipient_sealed=None,
            recipient_lookup=None,
            learner_id=None,
            partner_badge_id=None,
        )
        .returning(DeliveryItem.id)
        .execution_options(synchronize_session=False)
    )
    return len(result.all())


# --------------------------------------------------------------------------- regional awards


async def awards_of(session: AsyncSession, learner_id: str) -> list[RegionalAward]:
    result = await session.execute(
        select(RegionalAward)
        .where(RegionalAward.learner_id == learner_id)
        .order_by(RegionalAward.created_at, RegionalAward.id)
    )
    return list(result.scalars())


# --------------------------------------------------------------------------- erasure


async def delete_records(session: AsyncSession, learner_id: str) -> dict[str, int]:
    """Delete everything kept about a learner, and the learner; how many of each."""
    counts: dict[str, int] = {}
    for name, model in (
        ("regional_awards", RegionalAward),
        ("events", PartnerBadgeEvent),
        ("partner_badges", PartnerBadge),
        ("identifiers", LearnerIdentifier),
    ):
        total = await session.scalar(
            select(func.count()).select_from(model).where(model.learner_id == learner_id)
        )
        await session.execute(
            delete(model)
            .where(model.learner_id == learner_id)
            .execution_options(synchronize_session=False)
        )
        counts[name] = int(total or 0)
    await delete_learner(session, learner_id)
    return counts
