"""Outbound webhooks: where the hub notifies partners and the Region, and how.

Services flush; the request (or the job) commits. Endpoint changes are audited.

Endpoints
=========

A :class:`~issuer_api.models.WebhookEndpoint` belongs to a partner (it receives that
partner's events) or, with no partner, to the Region (it receives every event). Its
``events`` filter keeps some event types only (empty: all). Its signing secret
(``whsec_`` + base64 of 32 random bytes) is shown once, at creation or rotation, and
stored sealed under the KEK (:data:`obcore.keywrap.SECRET_PURPOSE`). Rotation replaces
the secret at once: messages sent afterwards, retries included, are signed with the
new one. ``Partner.notify_url`` is not used: endpoints replace it.

URLs follow the verifier's destination rules (:mod:`issuer_api.outbound.sender`):
https only (http only to a host of ``fetch_allowlist``), never a private address that
the allow-list does not name. When the endpoint is saved (created, or its URL changed)
the host is resolved and every address it has must be public, unless the allow-list
names the host or its network: ``https://localhost/…`` or a name pointing at
``127.0.0.1``, ``10.x`` or ``169.254.x`` is refused then (422 ``webhook_url_forbidden``).
A name that does not resolve at that time is accepted. The sender checks again at each
attempt, on the addresses it connects to: a name that later points elsewhere (DNS
rebinding) is refused then, and the message is dead at once, never retried.

Notifying (the API other modules call)
======================================

:func:`notify`, inside the caller's transaction, writes one
:class:`~issuer_api.models.OutboundMessage` per active endpoint that wants the event —
the endpoints of each partner in ``partner_ids``, plus the Region's — and enqueues the
``outbound.deliver`` job of each one in the same transaction: messages exist, and are
sent, if and only if the caller's work commits.

The body is the Standard Webhooks payload structure::

    {"type": "regional_badge.awarded",
     "timestamp": "2026-03-02T09:30:00.123456Z",
     "data": {...}}

Event types (:data:`~issuer_api.outbound.schemas.EVENT_TYPES`) and their ``data``
(:class:`~issuer_api.outbound.schemas.RegionalBadgeEventData`, the same shape for the
four; ``state`` is the award's state after the event, ``reason`` says why for a
suspension or revocation)::

    regional_badge.awarded     a regional badge was minted for a learner
    regional_badge.suspended   it is no longer supported (a partner badge was revoked …)
    regional_badge.restored    it is supported again
    regional_badge.revoked     it was revoked for good

    data = {
      "award_id": "…",                      # RegionalAward.id
      "learner_id": "…",                    # Learner.id: never an email address
      "state": "active" | "suspended" | "revoked",
      "achievement": {"code": "REG-NUM-2", "name": "…"},
      "credential": {"id": "urn:uuid:…", "url": "https://…" | null},
      "referential": {"code": "…", "version": "2026.1"},
      "partner_badges": [{"id": "…", "partner_id": "…", "credential_id": "…",
                          "issuer": "did:web:…"}],
      "reason": null | "…"
    }

``webhook.test`` (``POST /webhook-endpoints/{id}/test``) goes to one endpoint, whatever
its filter, with ``data = {"endpoint_id": "…", "message": "…"}``.

Idempotency: with an ``event_id``, the ``webhook-id`` of each message is derived from
it and the endpoint (``msg_`` + UUIDv5 hex), and the unique (endpoint, event id)
constraint makes notifying the same event again a no-op for endpoints that already
have it. Without one, each call is a new event (``msg_`` + random UUID hex).

Delivery
========

The ``outbound.deliver`` job (:mod:`issuer_api.outbound.tasks`) sends a pending message
(a delivered or dead one is never sent again). Each attempt is logged
(:class:`~issuer_api.models.OutboundAttempt`: when, status code or short error,
duration). A 2xx answer delivers the message. 410 Gone disables the endpoint and kills
the message. A refused destination kills the message at once. Anything else is retried
with exponential backoff by the job engine, up to :data:`MAX_ATTEMPTS` attempts; then
the message is ``dead``. A dead message can be queued again by hand
(:func:`retry_message`). Receivers may see a message twice (delivery is at least once):
they deduplicate on ``webhook-id``.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.audit import add_audit_event
from issuer_api.auth import scopes
from issuer_api.auth.deps import AuthenticatedClient, ForbiddenError
from issuer_api.errors import ApiError, NotFoundError
from issuer_api.jobs import enqueue
from issuer_api.jobs.registry import BACKOFF_CAP_SECONDS
from issuer_api.models import OutboundAttempt, OutboundMessage, WebhookEndpoint
from issuer_api.models.base import new_id, utcnow
from issuer_api.outbound import repository, sender
from issuer_api.outbound.schemas import (
    EVENT_TYPES,
    WEBHOOK_TEST,
    AttemptRecord,
    NewWebhookEndpoint,
    OutboundMessageRecord,
    WebhookEndpointCreate,
    WebhookEndpointRecord,
    WebhookEndpointUpdate,
    wants,
)
from issuer_api.partners import repository as partners_repository
from issuer_api.partners import service as partners
from issuer_api.partners.signatures import new_secret
from issuer_api.settings import Settings
from obcore import keywrap
from obcore.errors import ObcoreError
from verify.fetch import Allowlist

logger = logging.getLogger(__name__)

DELIVER_TASK: Final = "outbound.deliver"
MAX_ATTEMPTS: Final = 8
ENDPOINT_TARGET: Final = "webhook_endpoint"
SYSTEM_ACTOR: Final = "system"
_EVENT_NAMESPACE: Final = uuid.UUID("5f0c6f8e-7a54-4f55-9a0e-2d61c3b6a1e4")
TEST_MESSAGE: Final = "Test de notification obhub / obhub notification test"


# --------------------------------------------------------------------------- errors


class WebhookEndpointNotFoundError(NotFoundError):
    code = "webhook_endpoint_not_found"


class WebhookUrlForbiddenError(ApiError):
    status_code = 422
    code = "webhook_url_forbidden"


class WebhookEndpointInactiveError(ApiError):
    status_code = 409
    code = "webhook_endpoint_inactive"


class OutboundMessageNotFoundError(NotFoundError):
    code = "outbound_message_not_found"


class OutboundMessageNotDeadError(ApiError):
    status_code = 409
    code = "outbound_message_not_dead"


class SecretUnavailableError(Exception):
    """An endpoint's sealed secret cannot be opened: another KEK, or altered data."""


# --------------------------------------------------------------------------- callers


@dataclass(frozen=True)
class Caller:
    """Who manages endpoints: an administrator (every endpoint) or a partner's client
    (``deliver`` scope; its own partner's endpoints only)."""

    client_id: str
    partner_id: str | None  # None: an administrator

    @property
    def is_admin(self) -> bool:
        return self.partner_id is None


def _visible(endpoint: WebhookEndpoint | None, caller: Caller) -> WebhookEndpoint:
    # Another partner's endpoint (or the Region's) is "not found" to a partner's client.
    if endpoint is None or (not caller.is_admin and endpoint.partner_id != caller.partner_id):
        raise WebhookEndpointNotFoundError()
    return endpoint


async def caller_for(session: AsyncSession, client: AuthenticatedClient) -> Caller:
    """An administrator, or a partner's ``deliver`` client (403 otherwise)."""
    if client.is_admin:
        return Caller(client.client_id, None)
    if not client.has(scopes.DELIVER):
        raise ForbiddenError(
            code="insufficient_scope",
            details={"required": [scopes.ADMIN]},
            headers={
                "WWW-Authenticate": (
                    f'Bearer realm="obhub", error="insufficient_scope", scope="{scopes.ADMIN}"'
                )
            },
        )
    partner = await partners_repository.get_by_client(session, client.client_id)
    if partner is None:
        raise partners.NotAPartnerError()
    return Caller(client.client_id, partner.id)


# --------------------------------------------------------------------------- records


def endpoint_record(endpoint: WebhookEndpoint) -> WebhookEndpointRecord:
    return WebhookEndpointRecord(
        id=endpoint.id,
        partner_id=endpoint.partner_id,
        url=endpoint.url,
        events=[str(event) for event in endpoint.events],
        active=endpoint.active,
        created_at=endpoint.created_at,
    )


def new_endpoint_record(endpoint: WebhookEndpoint, secret: str) -> NewWebhookEndpoint:
    return NewWebhookEndpoint(**endpoint_record(endpoint).model_dump(), secret=secret)


def message_record(
    message: OutboundMessage, attempts: Sequence[OutboundAttempt]
) -> OutboundMessageRecord:
    return OutboundMessageRecord(
        id=message.id,
        endpoint_id=message.endpoint_id,
        event_id=message.event_id,
        event_type=message.event_type,
        status=message.status,
        attempts=message.attempts,
        next_attempt_at=message.next_attempt_at,
        delivered_at=message.delivered_at,
        last_status_code=message.last_status_code,
        last_error=message.last_error,
        created_at=message.created_at,
        payload=message.payload,
        attempt_log=[
            AttemptRecord(
                at=attempt.at,
                status_code=attempt.status_code,
                error=attempt.error,
                duration_ms=attempt.duration_ms,
            )
            for attempt in attempts
        ],
    )


# --------------------------------------------------------------------------- endpoints


async def check_url(url: str, settings: Settings) -> None:
    """422 ``webhook_url_forbidden`` for a URL no attempt could reach (module doc)."""
    try:
        await sender.check_destination(url, Allowlist.parse(settings.fetch_allowlist))
    except sender.DestinationForbiddenError as exc:
        raise WebhookUrlForbiddenError(details={"reason": str(exc)}) from None


async def _owner(session: AsyncSession, caller: Caller, requested: str | None) -> str | None:
    """The partner id a new endpoint belongs to (None: the Region's)."""
    if not caller.is_admin:
        own = await partners.get_partner(session, str(caller.partner_id))
        if requested is not None and requested not in (own.id, own.slug):
            raise partners.PartnerNotAllowedError()
        return own.id
    if requested is None:
        return None
    return (await partners.get_partner(session, requested)).id


def _seal(secret: str, kek: bytes) -> dict[str, Any]:
    return keywrap.seal_text(secret, kek, keywrap.SECRET_PURPOSE)


async def create_endpoint(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    data: WebhookEndpointCreate,
    caller: Caller,
) -> tuple[WebhookEndpoint, str]:
    """A new active endpoint and its clear secret (to show once)."""
    await check_url(data.url, settings)
    partner_id = await _owner(session, caller, data.partner_id)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        id=new_id(),
        partner_id=partner_id,
        url=data.url,
        secret_sealed=_seal(secret, kek),
        events=list(data.events),
        active=True,
        created_at=utcnow(),
    )
    repository.add_endpoint(session, endpoint)
    add_audit_event(
        session,
        actor=caller.client_id,
        action="webhook_endpoint.created",
        target_type=ENDPOINT_TARGET,
        target_id=endpoint.id,
        data={"partner_id": partner_id, "url": data.url, "events": list(data.events)},
    )
    await session.flush()
    return endpoint, secret


async def get_endpoint(session: AsyncSession, endpoint_id: str, caller: Caller) -> WebhookEndpoint:
    return _visible(await repository.get_endpoint(session, endpoint_id), caller)


async def list_endpoints(
    session: AsyncSession, caller: Caller, *, partner: str | None, limit: int, offset: int
) -> tuple[list[WebhookEndpoint], int]:
    """Every endpoint (administrators; ``partner``: one partner's, ``region``: the
    Region's), or the caller's partner's own."""
    region_only = caller.is_admin and partner == "region"
    partner_id = caller.partner_id
    if caller.is_admin and partner is not None and not region_only:
        partner_id = (await partners.get_partner(session, partner)).id
    elif not caller.is_admin and partner is not None:
        own = await partners.get_partner(session, str(caller.partner_id))
        if partner not in (own.id, own.slug):
            raise partners.PartnerNotAllowedError()
    return await repository.page_endpoints(
        session, partner_id=partner_id, region_only=region_only, limit=limit, offset=offset
    )


async def update_endpoint(
    session: AsyncSession,
    settings: Settings,
    endpoint: WebhookEndpoint,
    data: WebhookEndpointUpdate,
    caller: Caller,
) -> WebhookEndpoint:
    changes: dict[str, Any] = {}
    if data.url is not None and data.url != endpoint.url:
        await check_url(data.url, settings)
        endpoint.url = changes["url"] = data.url
    if data.events is not None and list(data.events) != list(endpoint.events):
        endpoint.events = changes["events"] = list(data.events)
    if data.active is not None and data.active != endpoint.active:
        endpoint.active = changes["active"] = data.active
    if changes:
        add_audit_event(
            session,
            actor=caller.client_id,
            action="webhook_endpoint.updated",
            target_type=ENDPOINT_TARGET,
            target_id=endpoint.id,
            data=changes,
        )
        await session.flush()
    return endpoint


async def delete_endpoint(session: AsyncSession, endpoint: WebhookEndpoint, caller: Caller) -> None:
    """Delete the endpoint, its messages and their log (pending ones are not sent)."""
    add_audit_event(
        session,
        actor=caller.client_id,
        action="webhook_endpoint.deleted",
        target_type=ENDPOINT_TARGET,
        target_id=endpoint.id,
        data={"partner_id": endpoint.partner_id, "url": endpoint.url},
    )
    await repository.delete_endpoint(session, endpoint.id)
    session.expunge(endpoint)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, kek: bytes, endpoint: WebhookEndpoint, caller: Caller
) -> str:
    """A new secret for the endpoint (the old one stops signing at once); its clear value."""
    secret = new_secret()
    endpoint.secret_sealed = _seal(secret, kek)
    add_audit_event(
        session,
        actor=caller.client_id,
        action="webhook_endpoint.secret_rotated",
        target_type=ENDPOINT_TARGET,
        target_id=endpoint.id,
    )
    await session.flush()
    return secret


# --------------------------------------------------------------------------- notifying


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _webhook_id(event_id: str | None, endpoint_id: str) -> str:
    if event_id is None:
        return "msg_" + uuid.uuid4().hex
    return "msg_" + uuid.uuid5(_EVENT_NAMESPACE, f"{event_id}\x00{endpoint_id}").hex


async def _queue(
    session: AsyncSession,
    endpoint_id: str,
    *,
    event_type: str,
    payload: dict[str, Any],
    event_id: str | None,
    at: datetime,
) -> str | None:
    """Write one message and enqueue its delivery; None when the endpoint has it already."""
    message_id = new_id()
    inserted = await repository.insert_message(
        session,
        {
            "id": message_id,
            "endpoint_id": endpoint_id,
            "event_id": _webhook_id(event_id, endpoint_id),
            "event_type": event_type,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
        },
    )
    if not inserted:
        return None
    await _enqueue_delivery(session, message_id)
    return message_id


async def _enqueue_delivery(session: AsyncSession, message_id: str) -> None:
    await enqueue(
        session,
        DELIVER_TASK,
        {"message_id": message_id},
        queueing_lock=f"{DELIVER_TASK}:{message_id}",
    )


async def notify(
    session: AsyncSession,
    *,
    event_type: str,
    data: Mapping[str, Any],
    partner_ids: Collection[str],
    event_id: str | None = None,
) -> list[OutboundMessage]:
    """Notify the partners ``partner_ids`` and the Region of an event (module doc).

    In the caller's transaction: one message per active endpoint that wants
    ``event_type`` (each listed partner's endpoints, and the Region's), each with its
    ``outbound.deliver`` job. Returns the messages this call created: with an
    ``event_id`` already notified, endpoints that have the event get nothing new.
    ``data`` must be JSON (see :class:`~issuer_api.outbound.schemas.RegionalBadgeEventData`
    for the ``regional_badge.*`` events) and must carry no personal data.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    at = utcnow()
    payload = {"type": event_type, "timestamp": _timestamp(at), "data": dict(data)}
    json.dumps(payload)  # fail here, in the caller, on data that is not JSON
    created: list[str] = []
    for endpoint in await repository.active_endpoints_for(session, set(partner_ids)):
        if not wants(endpoint.events, event_type):
            continue
        message_id = await _queue(
            session,
            endpoint.id,
            event_type=event_type,
            payload=payload,
            event_id=event_id,
            at=at,
        )
        if message_id is not None:
            created.append(message_id)
    return await repository.messages_by_id(session, created)


async def send_test(session: AsyncSession, endpoint: WebhookEndpoint, caller: Caller) -> str:
    """Queue a ``webhook.test`` message to this endpoint (whatever its filter); its id."""
    if not endpoint.active:
        raise WebhookEndpointInactiveError()
    at = utcnow()
    payload = {
        "type": WEBHOOK_TEST,
        "timestamp": _timestamp(at),
        "data": {"endpoint_id": endpoint.id, "message": TEST_MESSAGE},
    }
    message_id = await _queue(
        session, endpoint.id, event_type=WEBHOOK_TEST, payload=payload, event_id=None, at=at
    )
    assert message_id is not None  # noqa: S101 - a random webhook-id never collides
    logger.info("webhook test queued", extra={"endpoint": endpoint.id, "client": caller.client_id})
    return message_id


# --------------------------------------------------------------------------- delivery log


async def list_messages(
    session: AsyncSession,
    endpoint: WebhookEndpoint,
    *,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[OutboundMessageRecord], int]:
    messages, total = await repository.page_messages(
        session, endpoint.id, status=status, limit=limit, offset=offset
    )
    attempts = await repository.attempts_of(session, [message.id for message in messages])
    return [message_record(message, attempts[message.id]) for message in messages], total


async def message_of(
    session: AsyncSession, endpoint: WebhookEndpoint, message_id: str
) -> OutboundMessageRecord:
    message = await repository.get_message(session, message_id)
    if message is None or message.endpoint_id != endpoint.id:
        raise OutboundMessageNotFoundError()
    attempts = await repository.attempts_of(session, [message.id])
    return message_record(message, attempts[message.id])


async def retry_message(
    session: AsyncSession, endpoint: WebhookEndpoint, message_id: str, caller: Caller
) -> OutboundMessageRecord:
    """Queue a dead message again (a fresh series of attempts); 409 if it is not dead."""
    message = await repository.get_message(session, message_id)
    if message is None or message.endpoint_id != endpoint.id:
        raise OutboundMessageNotFoundError()
    if not endpoint.active:
        raise WebhookEndpointInactiveError()
    if not await repository.requeue_dead_message(session, message.id, utcnow()):
        raise OutboundMessageNotDeadError(details={"status": message.status})
    await _enqueue_delivery(session, message.id)
    add_audit_event(
        session,
        actor=caller.client_id,
        action="webhook_endpoint.message_requeued",
        target_type=ENDPOINT_TARGET,
        target_id=endpoint.id,
        data={"message_id": message.id, "event_id": message.event_id},
    )
    await session.flush()
    return await message_of(session, endpoint, message.id)


# --------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class Prepared:
    """One attempt, ready to go: where, what, signed."""

    message_id: str
    endpoint_id: str
    url: str
    body: str
    headers: dict[str, str]


def encode_body(payload: Mapping[str, Any]) -> str:
    """The body sent (and signed): compact JSON, UTF-8 characters kept."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


async def prepare_delivery(
    session: AsyncSession, kek: bytes, message_id: str, *, at: datetime | None = None
) -> Prepared | None:
    """The signed request for a pending message; None when there is nothing to send
    (gone, delivered, dead — or its endpoint is disabled: the message is then dead)."""
    message = await repository.get_message(session, message_id)
    if message is None or message.status != "pending":
        return None
    endpoint = await repository.get_endpoint(session, message.endpoint_id)
    if endpoint is None:
        return None
    if not endpoint.active:
        await repository.set_pending_message(
            session,
            message.id,
            {"status": "dead", "next_attempt_at": None, "last_error": "the endpoint is disabled"},
        )
        return None
    try:
        secret = keywrap.unseal_text(endpoint.secret_sealed, kek, keywrap.SECRET_PURPOSE)
    except ObcoreError as exc:
        logger.error(  # noqa: TRY400 - the code says it all; no traceback needed
            "cannot unseal a webhook endpoint secret",
            extra={"endpoint": endpoint.id, "code": exc.code},
        )
        raise SecretUnavailableError() from None
    body = encode_body(message.payload)
    headers = sender.signed_headers(secret, message.event_id, at or utcnow(), body)
    return Prepared(message.id, endpoint.id, endpoint.url, body, headers)


def _next_attempt(attempt: int, backoff_first: float) -> timedelta:
    """When the job engine tries again after attempt ``attempt`` (before its jitter)."""
    growth = float(1 << min(max(0, attempt - 1), 20))
    return timedelta(seconds=min(BACKOFF_CAP_SECONDS, backoff_first * growth))


async def record_outcome(
    session: AsyncSession,
    prepared: Prepared,
    outcome: sender.Outcome,
    *,
    attempt: int,
    is_last_attempt: bool,
    backoff_first: float,
) -> bool:
    """Log the attempt and apply its outcome (module doc); True: try again later."""
    if await repository.get_message(session, prepared.message_id) is None:
        return False  # its endpoint was deleted meanwhile: nothing left to log
    now = utcnow()
    repository.add_attempt(
        session,
        OutboundAttempt(
            message_id=prepared.message_id,
            at=now,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        ),
    )
    await repository.count_attempt(
        session, prepared.message_id, status_code=outcome.status_code, error=outcome.error
    )
    if outcome.delivered:
        await repository.set_pending_message(
            session,
            prepared.message_id,
            {"status": "delivered", "delivered_at": now, "next_attempt_at": None},
        )
        return False
    if outcome.gone or outcome.forbidden:
        await repository.set_pending_message(
            session, prepared.message_id, {"status": "dead", "next_attempt_at": None}
        )
        if outcome.gone and await repository.deactivate_endpoint(session, prepared.endpoint_id):
            logger.warning(
                "webhook endpoint gone: disabled", extra={"endpoint": prepared.endpoint_id}
            )
            add_audit_event(
                session,
                actor=SYSTEM_ACTOR,
                action="webhook_endpoint.disabled",
                target_type=ENDPOINT_TARGET,
                target_id=prepared.endpoint_id,
                reason="410 Gone",
            )
        return False
    next_at = None if is_last_attempt else now + _next_attempt(attempt, backoff_first)
    await repository.set_pending_message(session, prepared.message_id, {"next_attempt_at": next_at})
    return True


async def record_unavailable_secret(session: AsyncSession, message_id: str) -> None:
    """Log an attempt that could not be signed (an operator problem: the KEK)."""
    error = "the endpoint's signing secret cannot be opened"
    repository.add_attempt(
        session, OutboundAttempt(message_id=message_id, at=utcnow(), error=error)
    )
    await repository.count_attempt(session, message_id, status_code=None, error=error)


async def mark_dead(session: AsyncSession, message_id: str) -> bool:
    """After the last attempt: the pending message is dead. False if it was not pending."""
    message = await repository.get_message(session, message_id)
    if message is None:
        return False
    values: dict[str, Any] = {"status": "dead", "next_attempt_at": None}
    if not message.last_error:
        values["last_error"] = "delivery failed"
    return await repository.set_pending_message(session, message_id, values)
