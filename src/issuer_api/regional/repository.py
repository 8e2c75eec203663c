"""Every query of the regional aggregation. No rules here: see service and flows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from issuer_api.ingestion.acceptance import TrustedIssuer
from issuer_api.models import (
    AchievementMapping,
    Delivery,
    DeliveryItem,
    Learner,
    LearnerIdentifier,
    Partner,
    PartnerBadge,
    PartnerTrustedIssuer,
    ReferentialVersion,
    RegionalAward,
)
from issuer_api.sql import insert_or_ignore

_VERSION: Table = ReferentialVersion.__table__  # type: ignore[assignment]
_MAPPING: Table = AchievementMapping.__table__  # type: ignore[assignment]
_AWARD: Table = RegionalAward.__table__  # type: ignore[assignment]


# --------------------------------------------------------------------------- référentiel


async def active_version(session: AsyncSession) -> ReferentialVersion | None:
    return await session.scalar(
        select(ReferentialVersion)
        .where(ReferentialVersion.active.is_(True))
        .execution_options(populate_existing=True)
    )


async def version_by_number(session: AsyncSession, number: int) -> ReferentialVersion | None:
    return await session.scalar(
        select(ReferentialVersion).where(ReferentialVersion.number == number)
    )


async def versions_by_id(
    session: AsyncSession, version_ids: Sequence[str]
) -> dict[str, ReferentialVersion]:
    if not version_ids:
        return {}
    rows = await session.execute(
        select(ReferentialVersion).where(ReferentialVersion.id.in_(list(set(version_ids))))
    )
    return {row.id: row for row in rows.scalars()}


async def version_list(session: AsyncSession) -> list[ReferentialVersion]:
    """Every version, newest first (a handful: one per load)."""
    rows = await session.execute(
        select(ReferentialVersion).order_by(ReferentialVersion.number.desc())
    )
    return list(rows.scalars())


async def last_number(session: AsyncSession) -> int:
    number = await session.scalar(select(func.max(ReferentialVersion.number)))
    return int(number or 0)


async def deactivate_all(session: AsyncSession) -> None:
    await session.execute(
        update(ReferentialVersion)
        .where(ReferentialVersion.active.is_(True))
        .values(active=False)
        .execution_options(synchronize_session=False)
    )


async def activate(session: AsyncSession, version_id: str) -> None:
    """Make the version active (the partial unique index allows one active version)."""
    await session.execute(
        update(ReferentialVersion)
        .where(ReferentialVersion.id == version_id)
        .values(active=True)
        .execution_options(synchronize_session=False)
    )


async def insert_version(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    """Store a version; False when its number is taken (a concurrent load won it)."""
    return await insert_or_ignore(session, _VERSION, values, ("number",))


# --------------------------------------------------------------------------- mappings


async def insert_mapping(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    """False when the achievement is already mapped to this competency."""
    return await insert_or_ignore(session, _MAPPING, values, ("achievement_id", "competency"))


async def get_mapping(session: AsyncSession, mapping_id: str) -> AchievementMapping | None:
    return await session.scalar(
        select(AchievementMapping)
        .where(AchievementMapping.id == mapping_id)
        .execution_options(populate_existing=True)
    )


async def mapping_by_key(
    session: AsyncSession, achievement_id: str, competency: str
) -> AchievementMapping | None:
    return await session.scalar(
        select(AchievementMapping).where(
            AchievementMapping.achievement_id == achievement_id,
            AchievementMapping.competency == competency,
        )
    )


async def mapping_page(
    session: AsyncSession,
    *,
    state: str | None,
    partner_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[AchievementMapping], int]:
    """Mappings, newest first, optionally of one state and one partner; and the total."""
    query = select(AchievementMapping)
    count = select(func.count()).select_from(AchievementMapping)
    if state is not None:
        query = query.where(AchievementMapping.state == state)
        count = count.where(AchievementMapping.state == state)
    if partner_id is not None:
        query = query.where(AchievementMapping.partner_id == partner_id)
        count = count.where(AchievementMapping.partner_id == partner_id)
    total = (await session.execute(count)).scalar_one()
    rows = await session.execute(
        query.order_by(AchievementMapping.created_at.desc(), AchievementMapping.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars()), int(total)


async def decide_mapping(
    session: AsyncSession,
    mapping_id: str,
    *,
    state: str,
    decided_by: str,
    at: datetime,
    note: str | None,
) -> bool:
    """Approve or reject a proposed mapping; False if it is not (or no longer) proposed."""
    values: dict[str, Any] = {"state": state, "decided_by": decided_by, "decided_at": at}
    if note is not None:
        values["note"] = note
    result = await session.execute(
        update(AchievementMapping)
        .where(AchievementMapping.id == mapping_id, AchievementMapping.state == "proposed")
        .values(**values)
        .returning(AchievementMapping.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


async def approved_mappings(session: AsyncSession) -> list[AchievementMapping]:
    rows = await session.execute(
        select(AchievementMapping)
        .where(AchievementMapping.state == "approved")
        .order_by(AchievementMapping.created_at, AchievementMapping.id)
    )
    return list(rows.scalars())


# --------------------------------------------------------------------------- partners


async def partner_by_client(session: AsyncSession, client_id: str) -> Partner | None:
    return await session.scalar(select(Partner).where(Partner.client_id == client_id))


async def trusted_identifiers(session: AsyncSession, partner_id: str) -> list[str]:
    rows = await session.execute(
        select(PartnerTrustedIssuer.identifier).where(PartnerTrustedIssuer.partner_id == partner_id)
    )
    return list(rows.scalars())


async def active_trusted_issuers(session: AsyncSession) -> list[TrustedIssuer]:
    """Every active partner's trusted issuers, oldest partner first (as claims resolve)."""
    rows = await session.execute(
        select(PartnerTrustedIssuer.partner_id, PartnerTrustedIssuer.identifier)
        .join(Partner, Partner.id == PartnerTrustedIssuer.partner_id)
        .where(Partner.state == "active")
        .order_by(Partner.created_at, Partner.id, PartnerTrustedIssuer.id)
    )
    return [TrustedIssuer(row.partner_id, row.identifier) for row in rows]


# --------------------------------------------------------------------------- learners


async def learner_exists(session: AsyncSession, learner_id: str) -> bool:
    found = await session.scalar(select(Learner.id).where(Learner.id == learner_id))
    return found is not None


@dataclass(frozen=True)
class LockedLearner:
    """What an evaluation needs of the learner row it locked: their email choices."""

    language: str | None
    notify_email: bool


async def lock_learner(session: AsyncSession, learner_id: str) -> LockedLearner | None:
    """Lock the learner's row for this evaluation; None if the learner is gone.

    A write, not a read: on PostgreSQL it takes the row lock, on SQLite the database
    write lock. The ingestion updates the same row before it enqueues an evaluation, and
    coalesces with an evaluation already waiting (one per learner); taking the lock first
    means that evaluation, once it starts, waits for any such transaction to commit and
    then reads its badges — no change is ever left unevaluated. The same statement
    returns the learner's email choices (language, notifications on or off).
    """
    found = (
        await session.execute(
            update(Learner)
            .where(Learner.id == learner_id)
            .values(updated_at=Learner.updated_at)
            .returning(Learner.language, Learner.notify_email)
            .execution_options(synchronize_session=False)
        )
    ).first()
    return None if found is None else LockedLearner(found.language, bool(found.notify_email))


async def badges_of(session: AsyncSession, learner_id: str) -> list[PartnerBadge]:
    """The learner's partner badges (every status), oldest first."""
    rows = await session.execute(
        select(PartnerBadge)
        .where(PartnerBadge.learner_id == learner_id)
        .order_by(PartnerBadge.created_at, PartnerBadge.id)
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


async def badges_and_partner_states(
    session: AsyncSession, learner_id: str
) -> list[tuple[PartnerBadge, str | None]]:
    """The learner's partner badges (every status), oldest first, each with the state of
    the partner that sent it (None: no partner — a claim — or the partner is gone).

    The sealed original and the verification report, the bulk of a row, are not read
    (the rules and the pages built on them never use them: reading one raises)."""
    rows = await session.execute(
        select(PartnerBadge, Partner.state)
        .options(
            defer(PartnerBadge.original_sealed, raiseload=True),
            defer(PartnerBadge.report, raiseload=True),
        )
        .outerjoin(Partner, Partner.id == PartnerBadge.partner_id)
        .where(PartnerBadge.learner_id == learner_id)
        .order_by(PartnerBadge.created_at, PartnerBadge.id)
        .execution_options(populate_existing=True)
    )
    return [(badge, state) for badge, state in rows]


async def has_badge_from(session: AsyncSession, learner_id: str, partner_id: str) -> bool:
    found = await session.scalar(
        select(PartnerBadge.id)
        .where(PartnerBadge.learner_id == learner_id, PartnerBadge.partner_id == partner_id)
        .limit(1)
    )
    return found is not None


async def identifiers_of(session: AsyncSession, learner_id: str) -> list[LearnerIdentifier]:
    rows = await session.execute(
        select(LearnerIdentifier)
        .where(LearnerIdentifier.learner_id == learner_id)
        .order_by(LearnerIdentifier.id)
    )
    return list(rows.scalars())


async def learner_ids_after(
    session: AsyncSession,
    after: str | None,
    limit: int,
    *,
    achievement_id: str | None = None,
    issuer_id: str | None = None,
) -> list[str]:
    """Learner ids in id order after ``after``; only holders of ``achievement_id`` (from
    ``issuer_id``) when given."""
    if achievement_id is None:
        query = select(Learner.id)
        if after is not None:
            query = query.where(Learner.id > after)
        rows = await session.execute(query.order_by(Learner.id).limit(limit))
        return list(rows.scalars())
    badge_query = (
        select(PartnerBadge.learner_id)
        .where(PartnerBadge.achievement_id == achievement_id)
        .distinct()
    )
    if issuer_id is not None:
        badge_query = badge_query.where(PartnerBadge.issuer_id == issuer_id)
    if after is not None:
        badge_query = badge_query.where(PartnerBadge.learner_id > after)
    rows = await session.execute(badge_query.order_by(PartnerBadge.learner_id).limit(limit))
    return list(rows.scalars())


# --------------------------------------------------------------------------- awards


async def awards_of(session: AsyncSession, learner_id: str) -> list[RegionalAward]:
    rows = await session.execute(
        select(RegionalAward)
        .where(RegionalAward.learner_id == learner_id)
        .order_by(RegionalAward.created_at, RegionalAward.achievement_code)
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


async def claim_award(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    """Insert the award unless the learner holds this regional achievement already.

    The unique constraint on (learner, achievement code) decides between concurrent
    evaluations; on PostgreSQL the loser waits for the winner's transaction to end.
    """
    return await insert_or_ignore(session, _AWARD, values, ("learner_id", "achievement_code"))


async def change_award(
    session: AsyncSession,
    award_id: str,
    *,
    expected: Sequence[str],
    values: Mapping[str, Any],
) -> bool:
    """Update the award if it is in one of the ``expected`` states (decides races)."""
    result = await session.execute(
        update(RegionalAward)
        .where(RegionalAward.id == award_id, RegionalAward.state.in_(list(expected)))
        .values(**values)
        .returning(RegionalAward.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


async def set_award_fields(session: AsyncSession, award_id: str, values: Mapping[str, Any]) -> None:
    await session.execute(
        update(RegionalAward)
        .where(RegionalAward.id == award_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def award_counts(session: AsyncSession) -> dict[str, int]:
    """Awards per state (metrics, benchmarks)."""
    rows = await session.execute(
        select(RegionalAward.state, func.count()).group_by(RegionalAward.state)
    )
    return {state: int(number) for state, number in rows.all()}


# --------------------------------------------------------------------------- claims


async def claim_delivery(session: AsyncSession, claim_id: str) -> Delivery | None:
    return await session.scalar(
        select(Delivery).where(Delivery.id == claim_id, Delivery.channel == "claim")
    )


async def claim_learners(session: AsyncSession, claim_id: str) -> list[str]:
    rows = await session.execute(
        select(DeliveryItem.learner_id)
        .where(DeliveryItem.delivery_id == claim_id, DeliveryItem.learner_id.is_not(None))
        .distinct()
    )
    return [value for value in rows.scalars() if value is not None]


# --------------------------------------------------------------------------- mapping views


async def badges_with_achievements(
    session: AsyncSession, achievement_ids: Sequence[str]
) -> list[tuple[PartnerBadge, str | None]]:
    """One partner badge per achievement id (the latest received), with its partner's name."""
    if not achievement_ids:
        return []
    rows = await session.execute(
        select(PartnerBadge, Partner.name)
        .outerjoin(Partner, Partner.id == PartnerBadge.partner_id)
        .where(PartnerBadge.achievement_id.in_(list(achievement_ids)))
        .order_by(PartnerBadge.achievement_id, PartnerBadge.created_at.desc())
    )
    seen: set[str | None] = set()
    found: list[tuple[PartnerBadge, str | None]] = []
    for badge, partner_name in rows:
        if badge.achievement_id in seen:
            continue
        seen.add(badge.achievement_id)
        found.append((badge, partner_name))
    return found


async def partner_names(session: AsyncSession, partner_ids: Sequence[str]) -> dict[str, str]:
    if not partner_ids:
        return {}
    rows = await session.execute(
        select(Partner.id, Partner.name).where(Partner.id.in_(list(partner_ids)))
    )
    return {row.id: row.name for row in rows}
