"""Receiving a delivery: authenticate the sender, read the envelope, store, acknowledge.

Both channels end the same way — the inbox (:func:`issuer_api.ingestion.inbox.
store_delivery`) writes the delivery, its badges (sealed) and the processing job in the
request's transaction, and the answer is ``202`` with a receipt. Nothing is verified
on this path: the job does that after the answer.

Signed webhook, ``POST /webhooks/partners/{partner}``::

    partner known? ─ no → 404 partner_not_found
    Standard Webhooks signature over the raw bytes, every active secret → 401 webhook_…
    partner active? ─ no → 403 partner_suspended   (told only to the signed sender)
    envelope valid? ─ no → 400 invalid_delivery / 413 too_many_badges
                           (a body that is not UTF-8: invalid_delivery, type not_utf8 —
                           after the signature: a signed sender never gets a 401 for it)
    store (partner, webhook-id) ─ already there? same body → the original receipt,
                                                  other body → 409 webhook_id_conflict

OAuth, ``POST /v1/badges`` (scope ``deliver``)::

    the client's partner (or ?partner= for an admin) → 403 not_a_partner
    partner active? → envelope → store (partner, Idempotency-Key) as above,
                                  other body → 409 idempotency_key_reused

Replays are decided by the unique constraint on (partner, webhook id), not by a look
before the insert: of concurrent identical calls exactly one stores the delivery, the
others get its receipt (``Idempotent-Replayed: true``).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.auth.deps import AuthenticatedClient
from issuer_api.credentials.service import IdempotencyKeyReusedError, check_idempotency_key
from issuer_api.errors import ApiError
from issuer_api.ingestion import envelope, receipts
from issuer_api.ingestion.inbox import Channel, InboxItem, receipt_digest, store_delivery
from issuer_api.ingestion.schemas import ReceiptAck
from issuer_api.partners import service as partners
from issuer_api.partners import signatures

logger = logging.getLogger(__name__)

REPLAYED_HEADER: Final = "Idempotent-Replayed"


class WebhookIdConflictError(ApiError):
    """The ``webhook-id`` was already used by this partner for another body."""

    status_code = 409
    code = "webhook_id_conflict"


@dataclass(frozen=True)
class Acknowledged:
    receipt: ReceiptAck
    replayed: bool


async def receive_webhook(
    session: AsyncSession,
    kek: bytes,
    *,
    partner_ref: str,
    body: bytes,
    headers: Mapping[str, str],
) -> Acknowledged:
    """A signed webhook delivery (see the module docstring)."""
    sender = await partners.webhook_sender(session, partner_ref)
    signed = signatures.verify(partners.open_secrets(kek, sender.sealed_secrets), body, headers)
    partners.ensure_active(sender)
    items = envelope.parse(body)
    return await _store(
        session,
        kek,
        sender.id,
        channel="webhook",
        webhook_id=signed.webhook_id,
        client_id=None,
        body=body,
        items=items,
        conflict=WebhookIdConflictError,
    )


async def receive_api(
    session: AsyncSession,
    kek: bytes,
    client: AuthenticatedClient,
    *,
    partner_ref: str | None,
    idempotency_key: str | None,
    body: bytes,
) -> Acknowledged:
    """A ``POST /v1/badges`` delivery (see the module docstring)."""
    partner = await partners.partner_for_client(session, client, partner_ref)
    partners.ensure_active(partner)
    key = check_idempotency_key(idempotency_key)
    items = envelope.parse(body)
    return await _store(
        session,
        kek,
        partner.id,
        channel="api",
        webhook_id=key,
        client_id=client.client_id,
        body=body,
        items=items,
        conflict=IdempotencyKeyReusedError,
    )


async def _store(
    session: AsyncSession,
    kek: bytes,
    partner_id: str,
    *,
    channel: Channel,
    webhook_id: str | None,
    client_id: str | None,
    body: bytes,
    items: Sequence[InboxItem],
    conflict: type[ApiError],
) -> Acknowledged:
    delivery, created = await store_delivery(
        session,
        kek,
        partner_id=partner_id,
        channel=channel,
        webhook_id=webhook_id,
        client_id=client_id,
        body=body,
        items=items,
    )
    if not created and not hmac.compare_digest(delivery.body_digest, receipt_digest(body)):
        raise conflict(details={"receipt_id": delivery.id})
    logger.info(
        "delivery received",
        extra={
            "partner": partner_id,
            "receipt": delivery.id,
            "channel": channel,
            "items": delivery.item_count,
            "replayed": not created,
        },
    )
    return Acknowledged(receipts.acknowledgement(delivery), replayed=not created)
