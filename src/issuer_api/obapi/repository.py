"""Every query of the Open Badges API (the routes and services hold no SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, func, literal, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.models import (
    Delivery,
    IssuedCredential,
    Learner,
    Partner,
    PartnerBadge,
    PartnerTrustedIssuer,
    RegionalAward,
)

LISTED_FORMATS: tuple[str, ...] = ("json", "vc-jwt")
"""Partner badges listed: OB 3.0 credentials received as JSON or as a VC-JWT (an OB 2.0
Assertion is no ``AchievementCredential``; a baked image is left out too)."""

Source = Literal["regional", "partner"]


@dataclass(frozen=True)
class Held:
    """One credential of a listing, before its document is read."""

    source: Source
    id: str


@dataclass(frozen=True)
class HeldPage:
    items: list[Held]
    total: int


def _regional(learner_id: str, since: datetime | None) -> Select[str, str, datetime]:
    """The learner's regional credentials (not erased), by issue date."""
    query = (
        select(
            literal("regional").label("source"),
            IssuedCredential.id.label("id"),
            IssuedCredential.created_at.label("at"),
        )
        .join(RegionalAward, RegionalAward.credential_id == IssuedCredential.id)
        .where(RegionalAward.learner_id == learner_id, IssuedCredential.erased_at.is_(None))
    )
    if since is not None:
        query = query.where(IssuedCredential.created_at > since)
    return query


def _partner(
    *, learner_id: str | None, partner_id: str | None, channel: str | None, since: datetime | None
) -> Select[str, str, datetime]:
    """Partner badges kept for ``learner_id``, or delivered by ``partner_id`` through
    ``channel``; by the date they were kept or last replaced."""
    at = func.coalesce(PartnerBadge.updated_at, PartnerBadge.created_at)
    query = select(
        literal("partner").label("source"), PartnerBadge.id.label("id"), at.label("at")
    ).where(PartnerBadge.format.in_(LISTED_FORMATS), PartnerBadge.original_sealed.is_not(None))
    if learner_id is not None:
        query = query.where(PartnerBadge.learner_id == learner_id)
    if partner_id is not None:
        query = query.join(Delivery, Delivery.id == PartnerBadge.delivery_id).where(
            Delivery.partner_id == partner_id
        )
        if channel is not None:
            query = query.where(Delivery.channel == channel)
    if since is not None:
        query = query.where(at > since)
    return query


async def held_page(
    session: AsyncSession,
    *,
    learner_id: str | None,
    partner_id: str | None,
    channel: str | None,
    since: datetime | None,
    limit: int,
    offset: int,
) -> HeldPage:
    """One page of the credentials a learner holds (``learner_id``: regional credentials
    and partner badges) or a partner upserted (``partner_id`` and ``channel``), oldest
    first, and how many there are: counted and paged by the database."""
    parts = [_partner(learner_id=learner_id, partner_id=partner_id, channel=channel, since=since)]
    if learner_id is not None:
        parts.insert(0, _regional(learner_id, since))
    held = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    total = await session.scalar(select(func.count()).select_from(held))
    rows = await session.execute(
        select(held.c.source, held.c.id)
        .order_by(held.c.at, held.c.source, held.c.id)
        .limit(limit)
        .offset(offset)
    )
    return HeldPage(
        [Held("regional" if row.source == "regional" else "partner", row.id) for row in rows],
        int(total or 0),
    )


async def issued_documents(
    session: AsyncSession, ids: list[str]
) -> dict[str, tuple[str, dict[str, Any], str | None]]:
    """``id -> (format, document, jwt)`` of the Region's credentials ``ids``."""
    if not ids:
        return {}
    rows = await session.execute(
        select(
            IssuedCredential.id,
            IssuedCredential.format,
            IssuedCredential.document,
            IssuedCredential.jwt,
        ).where(IssuedCredential.id.in_(ids))
    )
    return {row.id: (row.format, row.document, row.jwt) for row in rows}


async def badge_originals(
    session: AsyncSession, ids: list[str]
) -> dict[str, tuple[str, dict[str, Any]]]:
    """``id -> (format, sealed original)`` of the partner badges ``ids``."""
    if not ids:
        return {}
    rows = await session.execute(
        select(PartnerBadge.id, PartnerBadge.format, PartnerBadge.original_sealed).where(
            PartnerBadge.id.in_(ids), PartnerBadge.original_sealed.is_not(None)
        )
    )
    return {row.id: (row.format, row.original_sealed) for row in rows}


# --------------------------------------------------------------------------- upserts


@dataclass(frozen=True)
class KeptVersion:
    """The partner badge kept under an equality key: whose, and how recent."""

    learner_id: str
    valid_from: datetime | None


async def kept_version(
    session: AsyncSession, equality_key: str, *, partner_id: str | None = None
) -> KeptVersion | None:
    """The badge kept under ``equality_key``; with ``partner_id``, only if that partner
    delivered it (a partner must not learn what the hub keeps from other partners)."""
    query = select(PartnerBadge.learner_id, PartnerBadge.valid_from).where(
        PartnerBadge.equality_key == equality_key
    )
    if partner_id is not None:
        query = query.where(PartnerBadge.partner_id == partner_id)
    row = (await session.execute(query)).first()
    return None if row is None else KeptVersion(row.learner_id, row.valid_from)


async def pending_claim(session: AsyncSession, client_id: str, body_digest: str) -> str | None:
    """A claim with this body by this client that is still being processed; its id."""
    found = await session.scalar(
        select(Delivery.id)
        .where(
            Delivery.channel == "claim",
            Delivery.client_id == client_id,
            Delivery.body_digest == body_digest,
            Delivery.status == "queued",
        )
        .limit(1)
    )
    return found


# --------------------------------------------------------------------------- profiles


async def learner(session: AsyncSession, learner_id: str) -> Learner | None:
    return await session.get(Learner, learner_id)


async def set_display_name(
    session: AsyncSession, learner_id: str, sealed: dict[str, Any] | None, now: datetime
) -> None:
    await session.execute(
        update(Learner)
        .where(Learner.id == learner_id)
        .values(display_name_sealed=sealed, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def partner(session: AsyncSession, partner_id: str) -> Partner | None:
    return await session.get(Partner, partner_id)


async def trusted_identifiers(session: AsyncSession, partner_id: str) -> list[str]:
    rows = await session.scalars(
        select(PartnerTrustedIssuer.identifier)
        .where(PartnerTrustedIssuer.partner_id == partner_id)
        .order_by(PartnerTrustedIssuer.id)
    )
    return list(rows)
