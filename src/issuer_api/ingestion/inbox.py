"""The inbox: a delivery is durable before it is acknowledged.

:func:`store_delivery` writes the delivery, one row per badge (payload and recipient
sealed under the KEK) and, unless one waits already, the job that will process the
inbox (:mod:`issuer_api.ingestion.batches`), all in the caller's transaction — the one
that answers ``202``. Either all of it is committed, and the partner holds a receipt for
work that will happen, or none of it is, and the partner got an error and retries.
Nothing is verified here.

A delivery is identified for replays by (partner, ``webhook-id``) — or the
``Idempotency-Key`` of ``POST /v1/badges``: the unique constraint decides between
concurrent replays, and the loser gets the stored delivery back (``created`` False).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal, cast

from sqlalchemy import Table, bindparam, column, func, select, true
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.jobs.queue import Deferral, deferral_call
from issuer_api.models import Delivery, DeliveryItem
from issuer_api.models.base import new_id
from issuer_api.privacy import identifier_lookup, normalize, seal_pii
from issuer_api.sql import insert_or_ignore

DRAIN_TASK: Final = "ingest.drain_inbox"
"""The job processing the inbox in batches (:mod:`issuer_api.ingestion.batches`)."""
DRAIN: Final = Deferral(DRAIN_TASK, {}, queueing_lock=DRAIN_TASK)
"""Its enqueue: at most one waits (its queueing lock is its name)."""
PROCESS_TASK: Final = "ingest.process_delivery"
"""The job of one delivery: its retries after its first attempt, in a batch."""

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

    On PostgreSQL the delivery, its items and its job are one statement (a conflicting
    replay adds the read of the stored delivery); on SQLite, three.
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
        "lease_until": None,
    }
    table = Delivery.__table__
    if session.get_bind().dialect.name == "postgresql":
        return await _store_in_one_statement(
            session, values, _item_rows(kek, items, delivery_id, now)
        )
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
    rows = _item_rows(kek, items, delivery_id, now)
    if rows:
        await session.execute(DeliveryItem.__table__.insert(), rows)  # type: ignore[attr-defined]
    await DRAIN.enqueue(session)
    # The row as inserted (not attached to the session: nothing more to write).
    return Delivery(**values), True


def _item_rows(
    kek: bytes, items: Sequence[InboxItem], delivery_id: str, now: datetime
) -> list[dict[str, Any]]:
    """The ``delivery_item`` rows of a delivery's badges (payload and recipient sealed)."""
    return [
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


_DELIVERY: Final = cast(Table, Delivery.__table__)
_ITEM: Final = cast(Table, DeliveryItem.__table__)
_ITEM_FIELDS: Final = tuple(c.name for c in _ITEM.columns if c.name != "delivery_id")


def _one_statement() -> Any:
    """PostgreSQL: the delivery (unless its ``(partner, webhook id)`` is stored already),
    its items and its job, in one statement — the items come as one JSON array
    (``:items``), expanded on the server. A row (the delivery's id) when it was stored."""
    stored = (
        postgresql.insert(_DELIVERY)
        .values({c.name: bindparam(f"d_{c.name}", type_=c.type) for c in _DELIVERY.columns})
        .on_conflict_do_nothing(index_elements=["partner_id", "webhook_id"])
        .returning(_DELIVERY.c.id)
        .cte("stored")
    )
    delivered = (
        func.jsonb_to_recordset(sql_cast(bindparam("items", type_=_TEXT), postgresql.JSONB))
        .table_valued(*(column(name, _ITEM.c[name].type) for name in _ITEM_FIELDS))
        .render_derived(name="delivered", with_types=True)
    )
    items = _ITEM.insert().from_select(
        ["delivery_id", *_ITEM_FIELDS],
        select(stored.c.id, *(delivered.c[name] for name in _ITEM_FIELDS)).select_from(
            stored.join(delivered, true())
        ),
    )
    return select(stored.c.id, deferral_call("j_")).add_cte(items.cte("items"))


_TEXT: Final = postgresql.TEXT()
_STORE: Final = _one_statement()


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


async def _store_in_one_statement(
    session: AsyncSession, values: dict[str, Any], rows: list[dict[str, Any]]
) -> tuple[Delivery, bool]:
    result = await session.execute(
        _STORE,
        {
            **{f"d_{name}": value for name, value in values.items()},
            "items": json.dumps(rows, default=_json_value),
            **DRAIN.parameters("j_"),
        },
    )
    if result.first() is not None:
        return Delivery(**values), True
    stored = await session.scalar(
        select(Delivery).where(
            Delivery.partner_id == values["partner_id"],
            Delivery.webhook_id == values["webhook_id"],
        )
    )
    if stored is None:  # pragma: no cover - the insert conflicted on this row
        raise RuntimeError("conflicting delivery vanished")
    return stored, False
