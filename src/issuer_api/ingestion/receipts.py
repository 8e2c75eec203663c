"""Receipts: what became of a delivery, badge by badge — queries and rendering.

A receipt is a :class:`~issuer_api.models.Delivery` seen by the partner that sent it
(an administrator sees every one). Each badge shows its position in the envelope, the
partner's ``reference``, its ``outcome`` and the ``reasons`` the processing recorded,
each with a French and English message from :data:`issuer_api.i18n.MESSAGE_IDS` (the
generic message when a code has none) and, when a verification check failed, the
verifier's own message for that check (:mod:`verify.messages`). For an accepted or
duplicate badge, the stored badge's public facts are shown: credential id, issuer id,
achievement name.

A receipt never shows the recipient or the credential: both are personal data, sealed
in the database, and the receipts API has no reason to open them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import URL

from issuer_api.errors import NotFoundError
from issuer_api.i18n import FALLBACK_KEY, MESSAGE_IDS, Language, messages
from issuer_api.ingestion.schemas import (
    OUTCOMES,
    BadgeFacts,
    DeliveryStatus,
    Outcome,
    Reason,
    Receipt,
    ReceiptAck,
    ReceiptItem,
    ReceiptLinks,
    ReceiptPage,
    ReceiptSummary,
)
from issuer_api.models import Delivery, DeliveryItem, PartnerBadge
from verify import messages as verify_messages

RECEIPTS_PATH: Final = "/v1/receipts"
_FACT_OUTCOMES: Final = frozenset({"accepted", "duplicate"})
_STATUSES: Final[tuple[DeliveryStatus, ...]] = ("queued", "done", "dead")
REFUSED_OUTCOMES: Final[tuple[Outcome, ...]] = ("rejected", "failed")


class ReceiptNotFoundError(NotFoundError):
    code = "receipt_not_found"


def receipt_path(delivery_id: str) -> str:
    return f"{RECEIPTS_PATH}/{delivery_id}"


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class DeliveryFilter:
    """Which deliveries a listing shows; every field left ``None`` lets all through.

    ``outcome`` and ``reason`` keep the deliveries holding at least one badge with that
    outcome, or with that reason code among its reasons; ``since`` and ``until`` bound
    the time of receipt (``since`` included, ``until`` excluded).
    """

    status: DeliveryStatus | None = None
    outcome: Outcome | None = None
    reason: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.status is not None:
            found.append(Delivery.status == self.status)
        if self.since is not None:
            found.append(Delivery.received_at >= self.since)
        if self.until is not None:
            found.append(Delivery.received_at < self.until)
        if self.outcome is not None or self.reason is not None:
            items = select(DeliveryItem.id).where(DeliveryItem.delivery_id == Delivery.id)
            if self.outcome is not None:
                items = items.where(DeliveryItem.outcome == self.outcome)
            if self.reason is not None:
                items = items.where(has_reason(self.reason))
            found.append(items.exists())
        return found


def has_reason(code: str) -> ColumnElement[bool]:
    """The item's reasons hold one with this code.

    Both backends write a JSON object's members as ``"key": value`` (``json.dumps`` on
    SQLite, ``jsonb`` output on PostgreSQL), so the text of the list holds
    ``"code": "<code>"`` exactly when a reason has that code (codes are plain words).
    """
    return cast(DeliveryItem.reasons, Text).contains(f'"code": "{code}"', autoescape=True)


async def page(
    session: AsyncSession,
    *,
    partner_id: str | None,
    status: DeliveryStatus | None,
    limit: int,
    offset: int,
    where: DeliveryFilter | None = None,
) -> tuple[list[Delivery], int]:
    """Deliveries, newest first (of one partner, when given); and how many in all."""
    chosen = replace(where or DeliveryFilter(), status=status) if status else where
    conditions = chosen.conditions() if chosen is not None else []
    if partner_id is not None:
        conditions.append(Delivery.partner_id == partner_id)
    query = select(Delivery).where(*conditions)
    count = select(func.count()).select_from(Delivery).where(*conditions)
    total = (await session.execute(count)).scalar_one()
    rows = await session.execute(
        query.order_by(Delivery.received_at.desc(), Delivery.id.desc()).limit(limit).offset(offset)
    )
    return list(rows.scalars()), total


async def outcome_counts(
    session: AsyncSession, delivery_ids: Sequence[str]
) -> dict[str, dict[Outcome, int]]:
    """Badges per outcome of each delivery (one query for a page)."""
    counts: dict[str, dict[Outcome, int]] = {
        delivery_id: dict.fromkeys(OUTCOMES, 0) for delivery_id in delivery_ids
    }
    if not delivery_ids:
        return counts
    rows = await session.execute(
        select(DeliveryItem.delivery_id, DeliveryItem.outcome, func.count())
        .where(DeliveryItem.delivery_id.in_(list(delivery_ids)))
        .group_by(DeliveryItem.delivery_id, DeliveryItem.outcome)
    )
    for delivery_id, outcome, number in rows:
        if outcome in counts[delivery_id]:
            counts[delivery_id][outcome] = number
    return counts


async def get_visible(
    session: AsyncSession, receipt_id: str, *, partner_id: str | None
) -> Delivery:
    """The delivery, if the caller may see it (``partner_id`` None: an administrator).

    Another partner's receipt is answered like a missing one (404).
    """
    delivery = await session.get(Delivery, receipt_id)
    if delivery is None or (partner_id is not None and delivery.partner_id != partner_id):
        raise ReceiptNotFoundError(details={"receipt": receipt_id})
    return delivery


# Only what a receipt shows: never the sealed payload or recipient columns.
_SHOWN: Final = (
    DeliveryItem.delivery_id,
    DeliveryItem.position,
    DeliveryItem.reference,
    DeliveryItem.payload_kind,
    DeliveryItem.outcome,
    DeliveryItem.reasons,
    DeliveryItem.processed_at,
    PartnerBadge.credential_id,
    PartnerBadge.issuer_id,
    PartnerBadge.achievement_name,
)


async def _items(session: AsyncSession, delivery_id: str) -> list[Any]:
    rows = await session.execute(
        select(*_SHOWN)
        .outerjoin(PartnerBadge, PartnerBadge.id == DeliveryItem.partner_badge_id)
        .where(DeliveryItem.delivery_id == delivery_id)
        .order_by(DeliveryItem.position)
    )
    return list(rows.all())


async def refused_items(
    session: AsyncSession, delivery_ids: Sequence[str], language: Language
) -> dict[str, list[ReceiptItem]]:
    """The rejected and failed badges of each delivery, with their reasons (one query)."""
    found: dict[str, list[ReceiptItem]] = {delivery_id: [] for delivery_id in delivery_ids}
    if not delivery_ids:
        return found
    rows = await session.execute(
        select(*_SHOWN)
        .outerjoin(PartnerBadge, PartnerBadge.id == DeliveryItem.partner_badge_id)
        .where(
            DeliveryItem.delivery_id.in_(list(delivery_ids)),
            DeliveryItem.outcome.in_(REFUSED_OUTCOMES),
        )
        .order_by(DeliveryItem.delivery_id, DeliveryItem.position)
    )
    for row in rows:
        found[row.delivery_id].append(_item(row, language))
    return found


# --------------------------------------------------------------------------- rendering


def link_header(url: URL, total: int, limit: int, offset: int) -> str:
    """RFC 8288 links (first, last, next, prev), as the other listings of the API."""

    def at(offset: int) -> str:
        return str(url.include_query_params(limit=limit, offset=offset))

    last = max(0, (total - 1) // limit * limit) if total else 0
    found = [f'<{at(0)}>; rel="first"', f'<{at(last)}>; rel="last"']
    if offset + limit < total:
        found.append(f'<{at(offset + limit)}>; rel="next"')
    if offset > 0:
        found.append(f'<{at(max(0, min(offset - limit, last)))}>; rel="prev"')
    return ", ".join(found)


def links(delivery_id: str) -> ReceiptLinks:
    return ReceiptLinks(self_=receipt_path(delivery_id))


def acknowledgement(delivery: Delivery) -> ReceiptAck:
    """The 202 answer to a delivery; the same for every replay of it."""
    return ReceiptAck(
        receipt_id=delivery.id,
        status="queued",
        received_at=delivery.received_at,
        items=delivery.item_count,
        links=links(delivery.id),
    )


def _status(delivery: Delivery) -> DeliveryStatus:
    return next((s for s in _STATUSES if s == delivery.status), "queued")


def _fields(delivery: Delivery, counts: Mapping[Outcome, int]) -> dict[str, Any]:
    return {
        "receipt_id": delivery.id,
        "partner_id": delivery.partner_id,
        "channel": delivery.channel,
        "webhook_id": delivery.webhook_id,
        "status": _status(delivery),
        "received_at": delivery.received_at,
        "completed_at": delivery.completed_at,
        "items": delivery.item_count,
        "outcomes": dict(counts),
        "links": links(delivery.id),
    }


def summary(delivery: Delivery, counts: Mapping[Outcome, int]) -> ReceiptSummary:
    return ReceiptSummary(**_fields(delivery, counts))


def reason(entry: Any, language: Language) -> Reason:
    """One reason as recorded by the processing, with its messages."""
    data: Mapping[str, Any] = entry if isinstance(entry, Mapping) else {"code": str(entry)}
    code = str(data.get("code") or FALLBACK_KEY)
    params = {k: v for k, v in data.items() if isinstance(v, str | int | float)}
    texts = messages(code if code in MESSAGE_IDS else FALLBACK_KEY, params)
    check, check_code = data.get("check"), data.get("check_code")
    found = verify_messages.CATALOGUE.get(check_code) if isinstance(check_code, str) else None
    return Reason(
        code=code,
        check=check if isinstance(check, str) else None,
        check_code=check_code if isinstance(check_code, str) else None,
        message=texts[language],
        messages=dict(texts),
        check_message=found[language] if found is not None else None,
        check_messages=dict(found) if found is not None else None,
    )


def _outcome(value: str) -> Outcome:
    return next((o for o in OUTCOMES if o == value), "pending")


def _item(row: Any, language: Language) -> ReceiptItem:
    outcome = _outcome(row.outcome)
    facts = None
    if outcome in _FACT_OUTCOMES and row.credential_id is not None:
        facts = BadgeFacts(
            credential_id=row.credential_id,
            issuer_id=row.issuer_id,
            achievement_name=row.achievement_name,
        )
    return ReceiptItem(
        position=row.position,
        reference=row.reference,
        format=row.payload_kind,
        outcome=outcome,
        reasons=[reason(entry, language) for entry in (row.reasons or [])],
        processed_at=row.processed_at,
        badge=facts,
    )


async def receipt(session: AsyncSession, delivery: Delivery, language: Language) -> Receipt:
    """The delivery and the outcome of each badge."""
    rows = await _items(session, delivery.id)
    counts: dict[Outcome, int] = dict.fromkeys(OUTCOMES, 0)
    items = [_item(row, language) for row in rows]
    for item in items:
        counts[item.outcome] += 1
    return Receipt(**_fields(delivery, counts), badges=items)


async def summaries(session: AsyncSession, deliveries: Sequence[Delivery]) -> list[ReceiptSummary]:
    counts = await outcome_counts(session, [d.id for d in deliveries])
    return [summary(d, counts[d.id]) for d in deliveries]


async def receipt_page(
    session: AsyncSession,
    *,
    partner_id: str | None,
    status: DeliveryStatus | None,
    limit: int,
    offset: int,
    where: DeliveryFilter | None = None,
) -> ReceiptPage:
    """A page of receipts, newest first (``partner_id`` None: every partner's)."""
    deliveries, total = await page(
        session, partner_id=partner_id, status=status, limit=limit, offset=offset, where=where
    )
    return ReceiptPage(
        items=await summaries(session, deliveries), total=total, limit=limit, offset=offset
    )
