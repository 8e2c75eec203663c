"""The partner registry: organisations, trusted issuers, webhook secrets, OAuth clients.

Services flush; the request commits. Every change is written to the audit log.

* A partner is ``active`` or ``suspended``. A suspended partner's deliveries (webhook
  or ``POST /v1/badges``) are refused with 403 ``partner_suspended``; its data, secrets
  and client stay, so reactivating it is enough to resume.
* **Trusted issuers** (see :mod:`issuer_api.partners.schemas`): the issuer identifiers
  whose credentials the partner may deliver. Unique per partner.
* **Webhook secrets** (Standard Webhooks, :mod:`issuer_api.partners.signatures`): the
  secret is shown once, at creation, and stored sealed under the KEK
  (:data:`obcore.keywrap.SECRET_PURPOSE`) with a ``hint`` (its first characters). At
  most :data:`MAX_ACTIVE_SECRETS` are active at once — the current one and the next,
  while the partner rotates: create the new one, switch the sender, revoke the old
  one. A third is refused (409 ``webhook_secret_limit_reached``). Changes to one
  partner's secrets are serialised by a row lock, so concurrent creations cannot
  exceed the limit.
* **OAuth client**: ``POST /partners/{id}/client`` creates an API client holding only
  the ``deliver`` scope and links it to the partner (``Partner.client_id``); doing it
  again rotates it: the new client replaces the old one, which is disabled at once.
  The client secret is shown once. Revoking it disables it and leaves the partner
  without a client (webhooks still work).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any, Final, TypeVar

from pydantic import JsonValue
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.audit import add_audit_event
from issuer_api.auth import scopes
from issuer_api.auth.deps import AuthenticatedClient
from issuer_api.auth.service import create_client
from issuer_api.errors import ApiError, NotFoundError
from issuer_api.models import Partner, PartnerTrustedIssuer, PartnerWebhookSecret
from issuer_api.models.base import new_id, utcnow
from issuer_api.partners import repository, signatures
from issuer_api.partners.schemas import (
    PartnerClientCredentials,
    PartnerCreate,
    PartnerRecord,
    PartnerState,
    PartnerUpdate,
    TrustedIssuerIn,
    TrustedIssuerRecord,
    WebhookSecretRecord,
)
from obcore import keywrap
from obcore.errors import ObcoreError

logger = logging.getLogger(__name__)

MAX_ACTIVE_SECRETS: Final = 2
PARTNER_TARGET: Final = "partner"
_EDITABLE: Final = ("name", "contact_name", "contact_email", "url", "notify_url")


# --------------------------------------------------------------------------- errors


class PartnerNotFoundError(NotFoundError):
    code = "partner_not_found"


class PartnerSlugTakenError(ApiError):
    status_code = 409
    code = "partner_slug_taken"


class PartnerSuspendedError(ApiError):
    status_code = 403
    code = "partner_suspended"


class PartnerAlreadySuspendedError(ApiError):
    status_code = 409
    code = "partner_already_suspended"


class PartnerNotSuspendedError(ApiError):
    status_code = 409
    code = "partner_not_suspended"


class TrustedIssuerExistsError(ApiError):
    status_code = 409
    code = "trusted_issuer_exists"


class TrustedIssuerNotFoundError(NotFoundError):
    code = "trusted_issuer_not_found"


class WebhookSecretLimitError(ApiError):
    status_code = 409
    code = "webhook_secret_limit_reached"


class WebhookSecretNotFoundError(NotFoundError):
    code = "webhook_secret_not_found"


class WebhookSecretAlreadyRevokedError(ApiError):
    status_code = 409
    code = "webhook_secret_already_revoked"


class WebhookSecretUnavailableError(ApiError):
    """A sealed secret cannot be opened: another KEK, or altered data. An operator problem."""

    status_code = 500
    code = "webhook_secret_unavailable"


class PartnerClientNotFoundError(NotFoundError):
    code = "partner_client_not_found"


class NotAPartnerError(ApiError):
    """The client is not linked to a partner (and, if admin, named none with ``?partner=``)."""

    status_code = 403
    code = "not_a_partner"


class PartnerNotAllowedError(ApiError):
    """A partner's client named another partner in ``?partner=``."""

    status_code = 403
    code = "partner_not_allowed"


# --------------------------------------------------------------------------- lookups


_Found = TypeVar("_Found")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


async def _by_ref(
    ref: str,
    by_id: Callable[[str], Awaitable[_Found | None]],
    by_slug: Callable[[str], Awaitable[_Found | None]],
) -> _Found | None:
    """What ``ref`` names: looked up as an id when it has the form of one, else (or if
    no id matches) as a slug — slugs never have the form of an id."""
    if _is_uuid(ref):
        found = await by_id(ref)
        if found is not None:
            return found
    return await by_slug(ref)


async def find_partner(session: AsyncSession, ref: str) -> Partner | None:
    """The partner with this id or slug."""
    return await _by_ref(
        ref,
        partial(repository.get_by_id, session),
        partial(repository.get_by_slug, session),
    )


async def get_partner(session: AsyncSession, ref: str) -> Partner:
    partner = await find_partner(session, ref)
    if partner is None:
        raise PartnerNotFoundError(details={"partner": ref})
    return partner


def ensure_active(partner: Partner | repository.WebhookSender) -> None:
    if partner.state != "active":
        raise PartnerSuspendedError()


async def partner_for_client(
    session: AsyncSession, client: AuthenticatedClient, requested: str | None
) -> Partner:
    """The partner a ``deliver`` client acts for.

    A partner's client acts for its own partner (``?partner=``, if given, must name
    it); an admin client names the partner with ``?partner=``. Anything else is 403
    ``not_a_partner``.
    """
    own = await repository.get_by_client(session, client.client_id)
    if requested is None:
        if own is None:
            hint: JsonValue = {"hint": "?partner=<id|slug>"} if client.is_admin else None
            raise NotAPartnerError(details=hint)
        return own
    if own is not None and requested in (own.id, own.slug):
        return own
    if not client.is_admin:
        raise NotAPartnerError() if own is None else PartnerNotAllowedError()
    return await get_partner(session, requested)


# --------------------------------------------------------------------------- records


def partner_record(partner: Partner, secrets: Sequence[PartnerWebhookSecret]) -> PartnerRecord:
    return PartnerRecord(
        id=partner.id,
        slug=partner.slug,
        name=partner.name,
        contact_name=partner.contact_name,
        contact_email=partner.contact_email,
        url=partner.url,
        notify_url=partner.notify_url,
        state="active" if partner.state == "active" else "suspended",
        client_id=partner.client_id,
        webhook_url=webhook_path(partner),
        trusted_issuers=[trusted_record(row) for row in partner.trusted_issuers],
        webhook_secrets=[secret_record(secret) for secret in secrets],
        created_at=partner.created_at,
        updated_at=partner.updated_at,
    )


def webhook_path(partner: Partner) -> str:
    return f"/webhooks/partners/{partner.id}"


def trusted_record(row: PartnerTrustedIssuer) -> TrustedIssuerRecord:
    return TrustedIssuerRecord(
        id=row.id,
        identifier=row.identifier,
        kind="did" if row.kind == "did" else "url",
        created_at=row.created_at,
    )


def secret_record(secret: PartnerWebhookSecret) -> WebhookSecretRecord:
    return WebhookSecretRecord(
        id=secret.id,
        hint=secret.hint,
        note=secret.note,
        active=secret.revoked_at is None,
        created_at=secret.created_at,
        revoked_at=secret.revoked_at,
    )


async def record_of(session: AsyncSession, partner: Partner) -> PartnerRecord:
    return partner_record(partner, await repository.secrets_of(session, partner.id))


async def list_partners(
    session: AsyncSession,
    *,
    state: PartnerState | None,
    limit: int,
    offset: int,
    text: str | None = None,
) -> tuple[list[PartnerRecord], int]:
    """A page of partners by slug; ``text``: whose name or slug holds it (any case)."""
    partners, total = await repository.page(
        session, state=state, limit=limit, offset=offset, text=text
    )
    secrets = await repository.secrets_by_partner(session, [p.id for p in partners])
    return [partner_record(p, secrets[p.id]) for p in partners], total


# --------------------------------------------------------------------------- partners


async def create_partner(session: AsyncSession, data: PartnerCreate, *, actor: str) -> Partner:
    """A new active partner, with its initial trusted issuers."""
    now = utcnow()
    partner_id = new_id()
    values = {
        "id": partner_id,
        "slug": data.slug,
        "name": data.name,
        "contact_name": data.contact_name,
        "contact_email": data.contact_email,
        "url": data.url,
        "notify_url": data.notify_url,
        "state": "active",
        "client_id": None,
        "created_at": now,
        "updated_at": None,
    }
    if not await repository.insert_partner(session, values):
        raise PartnerSlugTakenError(details={"slug": data.slug})
    for trusted in data.trusted_issuers:
        await repository.insert_trusted_issuer(
            session, partner_id, trusted.identifier, str(trusted.kind), now
        )
    partner = await repository.reload(session, partner_id)
    if partner is None:  # pragma: no cover - inserted above in this transaction
        raise PartnerNotFoundError()
    add_audit_event(
        session,
        actor=actor,
        action="partner.created",
        target_type=PARTNER_TARGET,
        target_id=partner_id,
        data={
            "slug": data.slug,
            "trusted_issuers": [row.identifier for row in partner.trusted_issuers],
        },
    )
    await session.flush()
    return partner


async def update_partner(
    session: AsyncSession, partner: Partner, data: PartnerUpdate, *, actor: str
) -> Partner:
    """Change the fields sent (``null`` clears one); a new ``state`` (un)suspends."""
    forget_senders(session)
    sent = set(data.model_fields_set)
    changed = sorted(name for name in _EDITABLE if name in sent)
    for name in changed:
        setattr(partner, name, getattr(data, name))
    if changed:
        partner.updated_at = utcnow()
        add_audit_event(
            session,
            actor=actor,
            action="partner.updated",
            target_type=PARTNER_TARGET,
            target_id=partner.id,
            data={"fields": changed},
        )
    if data.state is not None and data.state != partner.state:
        await change_state(session, partner, data.state, actor=actor)
    await session.flush()
    return partner


async def change_state(
    session: AsyncSession,
    partner: Partner,
    state: PartnerState,
    *,
    actor: str,
    reason: str | None = None,
    strict: bool = False,
) -> Partner:
    """Suspend or reactivate; with ``strict``, asking for the current state is a 409."""
    forget_senders(session)
    if partner.state == state:
        if strict:
            raise (
                PartnerAlreadySuspendedError()
                if state == "suspended"
                else PartnerNotSuspendedError()
            )
        return partner
    previous = partner.state
    partner.state = state
    partner.updated_at = utcnow()
    add_audit_event(
        session,
        actor=actor,
        action="partner.suspended" if state == "suspended" else "partner.reactivated",
        target_type=PARTNER_TARGET,
        target_id=partner.id,
        reason=reason,
        data={"from": previous, "to": state},
    )
    await session.flush()
    return partner


# --------------------------------------------------------------------------- trusted issuers


async def add_trusted_issuer(
    session: AsyncSession, partner: Partner, data: TrustedIssuerIn, *, actor: str
) -> PartnerTrustedIssuer:
    identifier, kind = data.identifier, str(data.kind)
    if not await repository.insert_trusted_issuer(session, partner.id, identifier, kind, utcnow()):
        raise TrustedIssuerExistsError(details={"identifier": identifier})
    row = await repository.trusted_issuer_by_identifier(session, partner.id, identifier)
    if row is None:  # pragma: no cover - inserted above in this transaction
        raise TrustedIssuerNotFoundError()
    add_audit_event(
        session,
        actor=actor,
        action="partner.trusted_issuer_added",
        target_type=PARTNER_TARGET,
        target_id=partner.id,
        data={"identifier": identifier, "kind": kind},
    )
    await session.flush()
    await repository.reload(session, partner.id)
    return row


async def remove_trusted_issuer(
    session: AsyncSession, partner: Partner, trusted_id: int, *, actor: str
) -> None:
    row = await repository.trusted_issuer(session, partner.id, trusted_id)
    if row is None:
        raise TrustedIssuerNotFoundError(details={"trusted_issuer": trusted_id})
    identifier = row.identifier
    await repository.delete_trusted_issuer(session, trusted_id)
    add_audit_event(
        session,
        actor=actor,
        action="partner.trusted_issuer_removed",
        target_type=PARTNER_TARGET,
        target_id=partner.id,
        data={"identifier": identifier},
    )
    await session.flush()
    await repository.reload(session, partner.id)


# --------------------------------------------------------------------------- webhook secrets


async def create_webhook_secret(
    session: AsyncSession, kek: bytes, partner: Partner, *, note: str | None, actor: str
) -> tuple[PartnerWebhookSecret, str]:
    """A new active secret and its clear value (to show once); 409 past the limit."""
    forget_senders(session)
    await repository.lock(session, partner.id)
    active = [s for s in await repository.secrets_of(session, partner.id) if s.revoked_at is None]
    if len(active) >= MAX_ACTIVE_SECRETS:
        raise WebhookSecretLimitError(
            details={"max_active": MAX_ACTIVE_SECRETS, "active": [s.id for s in active]}
        )
    secret = signatures.new_secret()
    row = PartnerWebhookSecret(
        id=new_id(),
        partner_id=partner.id,
        sealed=keywrap.seal_text(secret, kek, keywrap.SECRET_PURPOSE),
        hint=signatures.hint(secret),
        note=note,
        created_at=utcnow(),
    )
    repository.add_secret(session, row)
    add_audit_event(
        session,
        actor=actor,
        action="partner.webhook_secret_created",
        target_type=PARTNER_TARGET,
        target_id=partner.id,
        data={"secret_id": row.id, "hint": row.hint},
    )
    await session.flush()
    return row, secret


async def revoke_webhook_secret(
    session: AsyncSession,
    partner: Partner,
    secret_id: str,
    *,
    actor: str,
    reason: str | None = None,
) -> PartnerWebhookSecret:
    """Stop accepting signatures made with this secret, at once."""
    forget_senders(session)
    await repository.lock(session, partner.id)
    found = next(
        (s for s in await repository.secrets_of(session, partner.id) if s.id == secret_id), None
    )
    if found is None:
        raise WebhookSecretNotFoundError(details={"secret": secret_id})
    if found.revoked_at is not None:
        raise WebhookSecretAlreadyRevokedError(details={"secret": secret_id})
    found.revoked_at = utcnow()
    add_audit_event(
        session,
        actor=actor,
        action="partner.webhook_secret_revoked",
        target_type=PARTNER_TARGET,
        target_id=partner.id,
        reason=reason,
        data={"secret_id": found.id, "hint": found.hint},
    )
    await session.flush()
    return found


SENDER_CACHE_SECONDS: Final = 5.0
"""How long a process reuses a partner's state and secrets for checking webhooks. A
change made through this process applies at once; one made through another replica
applies within this delay (a suspended partner or a revoked secret, too)."""
_SENDER_CACHE_LIMIT: Final = 1000
_SENDERS: dict[str, tuple[float, repository.WebhookSender]] = {}


def forget_senders(session: AsyncSession | None = None) -> None:
    """Drop the cached webhook senders, now and — with ``session`` — again once its
    transaction commits (a webhook checked meanwhile may have cached the old state)."""
    _SENDERS.clear()
    if session is not None and not event.contains(session.sync_session, "after_commit", _clear):
        event.listen(session.sync_session, "after_commit", _clear, once=True)


def _clear(_session: object) -> None:
    _SENDERS.clear()


async def webhook_sender(session: AsyncSession, ref: str) -> repository.WebhookSender:
    """The partner a webhook names (id or slug) with its active secrets; 404 if none.

    Found once per :data:`SENDER_CACHE_SECONDS` per process: it is on the path of every
    delivery. An unknown partner is never cached.
    """
    now = time.monotonic()
    cached = _SENDERS.get(ref)
    if cached is not None and now - cached[0] < SENDER_CACHE_SECONDS:
        return cached[1]
    sender = await _by_ref(
        ref,
        lambda partner_id: repository.webhook_sender(session, partner_id=partner_id),
        lambda slug: repository.webhook_sender(session, slug=slug),
    )
    if sender is None:
        raise PartnerNotFoundError(details={"partner": ref})
    if len(_SENDERS) >= _SENDER_CACHE_LIMIT:
        _SENDERS.clear()
    _SENDERS[ref] = (now, sender)
    return sender


def open_secrets(kek: bytes, sealed: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """The clear values of sealed webhook secrets (500 if one cannot be unsealed)."""
    opened: list[str] = []
    for secret_id, envelope in sealed:
        try:
            opened.append(keywrap.unseal_text(envelope, kek, keywrap.SECRET_PURPOSE))
        except ObcoreError as exc:
            logger.error(  # noqa: TRY400 - the code says it all; no traceback to log
                "cannot unseal a webhook secret", extra={"secret": secret_id, "code": exc.code}
            )
            raise WebhookSecretUnavailableError() from None
    return opened


# --------------------------------------------------------------------------- OAuth client


async def create_partner_client(
    session: AsyncSession, partner: Partner, *, actor: str
) -> PartnerClientCredentials:
    """A new ``deliver`` client for the partner; the previous one (if any) is disabled."""
    await repository.lock(session, partner.id)
    current = await repository.reload(session, partner.id)
    previous = current.client_id if current is not None else partner.client_id
    created = await create_client(session, f"Partenaire {partner.slug}", [scopes.DELIVER])
    if previous is not None:
        await repository.disable_client(session, previous, utcnow())
    partner.client_id = created.client_id
    partner.updated_at = utcnow()
    add_audit_event(
        session,
        actor=actor,
        action="partner.client_rotated" if previous else "partner.client_created",
        target_type=PARTNER_TARGET,
        target_id=partner.id,
        data={"client_id": created.client_id, "replaced_client_id": previous},
    )
    await session.flush()
    return PartnerClientCredentials(
        client_id=created.client_id,
        client_secret=created.client_secret,
        scopes=[scopes.DELIVER],
        replaced_client_id=previous,
    )


async def revoke_partner_client(
    session: AsyncSession, partner: Partner, *, actor: str, reason: str | None = None
) -> str:
    """Disable the partner's OAuth client at once and unlink it; its id. 404 if none."""
    await repository.lock(session, partner.id)
    current = await repository.reload(session, partner.id)
    client_id = current.client_id if current is not None else partner.client_id
    if client_id is None:
        raise PartnerClientNotFoundError(details={"partner": partner.id})
    await repository.disable_client(session, client_id, utcnow())
    partner.client_id = None
    partner.updated_at = utcnow()
    add_audit_event(
        session,
        actor=actor,
        action="partner.client_revoked",
        target_type=PARTNER_TARGET,
        target_id=partner.id,
        reason=reason,
        data={"client_id": client_id},
    )
    await session.flush()
    return client_id
