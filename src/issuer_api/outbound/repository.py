"""Every query on webhook endpoints, outbound messages and their attempts. Rules: service."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.models import OutboundAttempt, OutboundMessage, WebhookEndpoint
from issuer_api.sql import insert_or_ignore

_MESSAGE: Table = OutboundMessage.__table__  # type: ignore[assignment]


# --------------------------------------------------------------------------- endpoints


async def get_endpoint(session: AsyncSession, endpoint_id: str) -> WebhookEndpoint | None:
    return await session.get(WebhookEndpoint, endpoint_id)


def add_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    session.add(endpoint)


async def delete_endpoint(session: AsyncSession, endpoint_id: str) -> None:
    await session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))


async def page_endpoints(
    session: AsyncSession, *, partner_id: str | None, region_only: bool, limit: int, offset: int
) -> tuple[list[WebhookEndpoint], int]:
    """Endpoints, oldest first: all, one partner's, or the Region's only."""
    query = select(WebhookEndpoint)
    count = select(func.count()).select_from(WebhookEndpoint)
    if partner_id is not None:
        query = query.where(WebhookEndpoint.partner_id == partner_id)
        count = count.where(WebhookEndpoint.partner_id == partner_id)
    elif region_only:
        query = query.where(WebhookEndpoint.partner_id.is_(None))
        count = count.where(WebhookEndpoint.partner_id.is_(None))
    total = (await session.execute(count)).scalar_one()
    rows = await session.execute(
        query.order_by(WebhookEndpoint.created_at, WebhookEndpoint.id).limit(limit).offset(offset)
    )
    return list(rows.scalars()), total


async def active_endpoints_for(
    session: AsyncSession, partner_ids: Collection[str]
) -> list[WebhookEndpoint]:
    """The active endpoints of these partners and of the Region (``partner_id`` NULL)."""
    audience: ColumnElement[bool] = WebhookEndpoint.partner_id.is_(None)
    if partner_ids:
        audience = or_(audience, WebhookEndpoint.partner_id.in_(sorted(partner_ids)))
    rows = await session.execute(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.active.is_(True), audience)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return list(rows.scalars())


async def deactivate_endpoint(session: AsyncSession, endpoint_id: str) -> bool:
    """Turn an active endpoint off; False when it was off (or gone) already."""
    result = await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.active.is_(True))
        .values(active=False)
        .returning(WebhookEndpoint.id)
    )
    return result.first() is not None


# --------------------------------------------------------------------------- messages


async def insert_message(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    """Insert a message; False when the endpoint already has this ``event_id``."""
    return await insert_or_ignore(session, _MESSAGE, values, ("endpoint_id", "event_id"))


async def messages_by_id(session: AsyncSession, ids: Sequence[str]) -> list[OutboundMessage]:
    if not ids:
        return []
    rows = await session.execute(select(OutboundMessage).where(OutboundMessage.id.in_(ids)))
    found = {message.id: message for message in rows.scalars()}
    return [found[i] for i in ids if i in found]


async def get_message(session: AsyncSession, message_id: str) -> OutboundMessage | None:
    """The message as committed now (a job reads what another may have changed)."""
    return await session.scalar(
        select(OutboundMessage)
        .where(OutboundMessage.id == message_id)
        .execution_options(populate_existing=True)
    )


async def page_messages(
    session: AsyncSession, endpoint_id: str, *, status: str | None, limit: int, offset: int
) -> tuple[list[OutboundMessage], int]:
    """An endpoint's messages, newest first; and how many there are in all."""
    query = select(OutboundMessage).where(OutboundMessage.endpoint_id == endpoint_id)
    count = (
        select(func.count())
        .select_from(OutboundMessage)
        .where(OutboundMessage.endpoint_id == endpoint_id)
    )
    if status is not None:
        query = query.where(OutboundMessage.status == status)
        count = count.where(OutboundMessage.status == status)
    total = (await session.execute(count)).scalar_one()
    rows = await session.execute(
        query.order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars()), total


async def attempts_of(
    session: AsyncSession, message_ids: Sequence[str]
) -> dict[str, list[OutboundAttempt]]:
    """The attempts of these messages, newest first (one query for a page)."""
    found: dict[str, list[OutboundAttempt]] = {message_id: [] for message_id in message_ids}
    if not message_ids:
        return found
    rows = await session.execute(
        select(OutboundAttempt)
        .where(OutboundAttempt.message_id.in_(message_ids))
        .order_by(OutboundAttempt.at.desc(), OutboundAttempt.id.desc())
    )
    for attempt in rows.scalars():
        found[attempt.message_id].append(attempt)
    return found


def add_attempt(session: AsyncSession, attempt: OutboundAttempt) -> None:
    session.add(attempt)


async def count_attempt(
    session: AsyncSession, message_id: str, *, status_code: int | None, error: str | None
) -> None:
    """One more attempt on a pending message, with what it got."""
    await session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id)
        .values(
            attempts=OutboundMessage.attempts + 1,
            last_status_code=status_code,
            last_error=error,
        )
    )


async def set_pending_message(
    session: AsyncSession, message_id: str, values: Mapping[str, Any]
) -> bool:
    """Change a message that is still ``pending``; False when it no longer is."""
    result = await session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id, OutboundMessage.status == "pending")
        .values(**values)
        .returning(OutboundMessage.id)
    )
    return result.first() is not None


async def requeue_dead_message(session: AsyncSession, message_id: str, at: datetime) -> bool:
    """Make a ``dead`` message ``pending`` again; False when it was not dead."""
    result = await session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id, OutboundMessage.status == "dead")
        .values(status="pending", next_attempt_at=at)
        .returning(OutboundMessage.id)
    )
    return result.first() is not None
