"""Every query on partners, their trusted issuers and webhook secrets. Rules: see service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.models import ApiClient, Partner, PartnerTrustedIssuer, PartnerWebhookSecret
from issuer_api.sql import insert_or_ignore, lock_row

_PARTNER: Table = Partner.__table__  # type: ignore[assignment]
_TRUSTED: Table = PartnerTrustedIssuer.__table__  # type: ignore[assignment]


async def get_by_id(session: AsyncSession, partner_id: str) -> Partner | None:
    return await session.get(Partner, partner_id)


async def get_by_slug(session: AsyncSession, slug: str) -> Partner | None:
    return await session.scalar(select(Partner).where(Partner.slug == slug))


async def get_by_client(session: AsyncSession, client_id: str) -> Partner | None:
    return await session.scalar(select(Partner).where(Partner.client_id == client_id))


async def reload(session: AsyncSession, partner_id: str) -> Partner | None:
    """The partner and its trusted issuers as committed now (after Core inserts)."""
    return await session.scalar(
        select(Partner).where(Partner.id == partner_id).execution_options(populate_existing=True)
    )


async def page(
    session: AsyncSession,
    *,
    state: str | None,
    limit: int,
    offset: int,
    text: str | None = None,
) -> tuple[list[Partner], int]:
    """Partners by slug, optionally in one state or whose name or slug holds ``text``
    (any case); and how many there are in all."""
    query = select(Partner)
    count = select(func.count()).select_from(Partner)
    if state is not None:
        query = query.where(Partner.state == state)
        count = count.where(Partner.state == state)
    if text:
        wanted = text.lower()
        holds = or_(
            func.lower(Partner.name).contains(wanted, autoescape=True),
            Partner.slug.contains(wanted, autoescape=True),
        )
        query = query.where(holds)
        count = count.where(holds)
    total = (await session.execute(count)).scalar_one()
    rows = await session.execute(query.order_by(Partner.slug).limit(limit).offset(offset))
    return list(rows.scalars()), total


async def insert_partner(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    """Insert a partner; False when its slug is taken (the unique constraint decides)."""
    return await insert_or_ignore(session, _PARTNER, values, ("slug",))


async def insert_trusted_issuer(
    session: AsyncSession, partner_id: str, identifier: str, kind: str, created_at: datetime
) -> bool:
    """Trust ``identifier`` for the partner; False when it is trusted already."""
    values = {
        "partner_id": partner_id,
        "identifier": identifier,
        "kind": kind,
        "created_at": created_at,
    }
    return await insert_or_ignore(session, _TRUSTED, values, ("partner_id", "identifier"))


async def trusted_issuer(
    session: AsyncSession, partner_id: str, trusted_id: int
) -> PartnerTrustedIssuer | None:
    return await session.scalar(
        select(PartnerTrustedIssuer).where(
            PartnerTrustedIssuer.partner_id == partner_id,
            PartnerTrustedIssuer.id == trusted_id,
        )
    )


async def trusted_issuer_by_identifier(
    session: AsyncSession, partner_id: str, identifier: str
) -> PartnerTrustedIssuer | None:
    return await session.scalar(
        select(PartnerTrustedIssuer).where(
            PartnerTrustedIssuer.partner_id == partner_id,
            PartnerTrustedIssuer.identifier == identifier,
        )
    )


async def delete_trusted_issuer(session: AsyncSession, trusted_id: int) -> None:
    await session.execute(delete(PartnerTrustedIssuer).where(PartnerTrustedIssuer.id == trusted_id))


async def lock(session: AsyncSession, partner_id: str) -> None:
    """Serialise secret and client changes of one partner until the transaction ends."""
    await lock_row(session, _PARTNER, partner_id, touch="slug")


async def secrets_of(session: AsyncSession, partner_id: str) -> list[PartnerWebhookSecret]:
    """Every secret of the partner, oldest first, as committed now (after :func:`lock`)."""
    rows = await session.execute(
        select(PartnerWebhookSecret)
        .where(PartnerWebhookSecret.partner_id == partner_id)
        .order_by(PartnerWebhookSecret.created_at, PartnerWebhookSecret.id)
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


@dataclass(frozen=True)
class WebhookSender:
    """What checking a signed webhook needs: the partner, its state, its sealed secrets."""

    id: str
    state: str
    sealed_secrets: list[tuple[str, dict[str, Any]]]  # (secret id, sealed), newest first


async def webhook_sender(
    session: AsyncSession, *, partner_id: str | None = None, slug: str | None = None
) -> WebhookSender | None:
    """The partner with this id (or slug) and its active secrets, newest first: one
    statement on the path of every delivery."""
    secret: Table = PartnerWebhookSecret.__table__  # type: ignore[assignment]
    named = _PARTNER.c.id == partner_id if partner_id is not None else _PARTNER.c.slug == slug
    rows = (
        await session.execute(
            select(_PARTNER.c.id, _PARTNER.c.state, secret.c.id, secret.c.sealed)
            .select_from(
                _PARTNER.outerjoin(
                    secret,
                    and_(secret.c.partner_id == _PARTNER.c.id, secret.c.revoked_at.is_(None)),
                )
            )
            .where(named)
            .order_by(secret.c.created_at.desc())
        )
    ).all()
    if not rows:
        return None
    return WebhookSender(
        id=rows[0][0],
        state=rows[0][1],
        sealed_secrets=[(row[2], row[3]) for row in rows if row[2] is not None],
    )


async def secrets_by_partner(
    session: AsyncSession, partner_ids: list[str]
) -> dict[str, list[PartnerWebhookSecret]]:
    """Every secret of these partners, oldest first (one query for a listing page)."""
    found: dict[str, list[PartnerWebhookSecret]] = {partner_id: [] for partner_id in partner_ids}
    if not partner_ids:
        return found
    rows = await session.execute(
        select(PartnerWebhookSecret)
        .where(PartnerWebhookSecret.partner_id.in_(partner_ids))
        .order_by(PartnerWebhookSecret.created_at, PartnerWebhookSecret.id)
    )
    for secret in rows.scalars():
        found[secret.partner_id].append(secret)
    return found


def add_secret(session: AsyncSession, secret: PartnerWebhookSecret) -> None:
    session.add(secret)


async def disable_client(session: AsyncSession, client_id: str, at: datetime) -> None:
    await session.execute(
        update(ApiClient)
        .where(ApiClient.id == client_id, ApiClient.disabled_at.is_(None))
        .values(disabled_at=at)
    )
