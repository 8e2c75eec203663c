"""The inbox: a delivery is durable before it is acknowledged.

:func:`store_delivery` writes the delivery, one row per badge (payload and recipient
sealed under the KEK) and the job that will process it, all in the caller's
transaction — the one that answers ``202``. Either all of it is committed, and the
partner holds a receipt for work that will happen, or none of it is, and the partner
got an error and retries. Nothing is verified here.

A delivery is identified for replays by (partner, ``webhook-id``) — or the
``Idempotency-Key`` of ``POST /v1/badges``: the unique constraint decides between
concurrent replays, and the loser gets the stored delivery back (``created`` False).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.jobs import enqueue
from issuer_api.models import Delivery, DeliveryItem
from issuer_api.models.base import new_id
from issuer_api.privacy import identifier_lookup, normalize, seal_pii
from issuer_api.sql import insert_or_ignore

PROCESS_TASK = "ingest.process_delivery"

PayloadKind = Literal["json", "jwt", "url", "image"]
Channel = Literal["webhook", "api", "claim", "obapi"]

LEARNER_CLIENT_PREFIX: Final = "learner:"
"""A claim whose ``client_id`` is ``learner:{id}`` is made by that signed-in learner
(API clients' ids start with ``obc_``): its badges may be made out to any of the
learner's identifiers (see :func:`claiming_learner`)."""


def learner_client_id(learner_id: str) -> str:
    """The ``client_id`` of the claims a signed-in learner makes."""
    return f"{LEARNER_CLIENT_PREFIX}{learner_id}"


def claiming_learner(channel: str, client_id: str | None) -> str | None:
    """The learner who made a claim from their own space, if this delivery is one."""
    if channel != "claim" or client_id is None or not client_id.startswith(LEARNER_CLIENT_PREFIX):
        return None
    return client_id[len(LEARNER_CLIENT_PREFIX) :] or None


@dataclass(frozen=True)
class InboxItem:
    """One badge as delivered: ``payload`` is JSON text, a compact JWT, a URL, or the
    base64 of a baked image; ``recipient`` is the learner as the partner knows them."""

    payload_kind: PayloadKind
    payload: str
    recipient_kind: Literal["email", "did"] | None
    recipient: str | None
    reference: str | None = None
    refusal: str | None = None  # a reason code: stored already rejected, never processed


def original_bytes(kind: PayloadKind, payload: str) -> bytes:
    """The bytes the partner sent for this badge: a baked image's bytes, else the text."""
    if kind == "image":
        return base64.b64decode(payload, validate=False)
    return payload.encode("utf-8")


def payload_digest(item: InboxItem) -> str:
    """SHA-256 (hex) of the original bytes of a badge (provenance)."""
    return hashlib.sha256(original_bytes(item.payload_kind, item.payload)).hexdigest()


def receipt_digest(body: bytes) -> str:
    """SHA-256 (hex) of a request body: tells a true replay from a reused id."""
    return hashlib.sha256(body).hexdigest()


async def store_delivery(
    session: AsyncSession,
    kek: bytes,
    *,
    partner_id: str | None,
    channel: Channel,
    webhook_id: str | None,
    client_id: str | None,
    body: bytes,
    items: Sequence[InboxItem],
) -> tuple[Delivery, bool]:
    """Store a delivery and enqueue its processing; ``(delivery, created)``.

    With a ``webhook_id`` already stored for this partner, nothing is written and the
    stored delivery is returned with ``created`` False (the caller compares
    ``body_digest`` to tell a replay from a conflicting reuse of the id).
    """
    now = datetime.now(UTC)
    delivery_id = new_id()
    values = {
        "id": delivery_id,
        "partner_id": partner_id,
        "channel": channel,
        "webhook_id": webhook_id,
        "client_id": client_id,
        "body_digest": receipt_digest(body),
        "received_at": now,
        "status": "queued",
        "item_count": len(items),
        "attempts": 0,
        "last_error": None,
        "completed_at": None,
    }
    table = Delivery.__table__
    if webhook_id is not None and partner_id is not None:
        if not await insert_or_ignore(session, table, values, ("partner_id", "webhook_id")):  # type: ignore[arg-type]
            stored = await session.scalar(
                select(Delivery).where(
                    Delivery.partner_id == partner_id, Delivery.webhook_id == webhook_id
                )
            )
            if stored is None:  # pragma: no cover - the insert conflicted on this row
                raise RuntimeError("conflicting delivery vanished")
            return stored, False
    else:
        await session.execute(table.insert(), values)  # type: ignore[attr-defined]
    rows: list[dict[str, Any]] = [
        {
            "id": new_id(),
            "delivery_id": delivery_id,
            "position": position,
            "reference": item.reference,
            "payload_kind": item.payload_kind,
            "payload_sealed": seal_pii(kek, item.payload),
            "recipient_sealed": (
                seal_pii(kek, normalize(item.recipient_kind, item.recipient))
                if item.recipient is not None and item.recipient_kind is not None
                else None
            ),
            "recipient_kind": item.recipient_kind,
            "recipient_lookup": (
                identifier_lookup(kek, item.recipient_kind, item.recipient)
                if item.recipient is not None and item.recipient_kind is not None
                else None
            ),
            "payload_digest": payload_digest(item),
            "outcome": "pending" if item.refusal is None else "rejected",
            "reasons": [] if item.refusal is None else [{"code": item.refusal}],
            "learner_id": None,
            "partner_badge_id": None,
            "processed_at": None if item.refusal is None else now,
        }
        for position, item in enumerate(items)
    ]
    if rows:
        await session.execute(DeliveryItem.__table__.insert(), rows)  # type: ignore[attr-defined]
    await enqueue(session, PROCESS_TASK, {"delivery_id": delivery_id})
    # The row as inserted (not attached to the session: nothing more to write).
    return Delivery(**values), True
