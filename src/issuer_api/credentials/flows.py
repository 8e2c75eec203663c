"""Issuance: the multi-step work across issuers, achievements, status lists and credentials.

::

    resolve issuer (may the client act for it?) ─ idempotent replay?
      → achievement version → recipient → validity window → signing key
      → choose status slots → build → validate (OB 3.0 schema) → sign
      → claim the slots → store the credential

Signing comes *before* any write of the request, so on SQLite (one writer at a time) the
database write lock is held only for the few inserts at the end, not while signing. The
price: a status index is chosen, then signed into the credential, then claimed; if a
concurrent request claimed the same index in between (the unique constraint says so),
another index is drawn and the credential signed again. With indexes drawn at random
among 131,072 this is rare; five attempts are allowed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.achievements import service as achievements
from issuer_api.auth.deps import AuthenticatedClient, ensure_can_act_for
from issuer_api.credentials import repository, service
from issuer_api.credentials.schemas import IssueCredentialRequest
from issuer_api.errors import ApiError
from issuer_api.issuers import service as issuers
from issuer_api.models import IssuedCredential
from issuer_api.models.base import new_id
from issuer_api.settings import Settings
from issuer_api.sql import write_section
from issuer_api.statuslists import service as statuslists
from issuer_api.statuslists.service import Purpose, Slot, StatusListUnavailableError
from obcore import jsontext
from obcore.keys import KeyPair

logger = logging.getLogger(__name__)

MAX_CLAIM_ATTEMPTS: Final = 5

Builder = Callable[[Sequence[Slot]], dict[str, Any]]
Checker = Callable[[Mapping[str, Any]], None]


@dataclass(frozen=True)
class Issued:
    credential: IssuedCredential
    replayed: bool = False


@dataclass(frozen=True)
class Signing:
    """What to sign and how: the credential (``build`` from its status slots), the
    check to pass first (``check`` raises to refuse) and the key and format."""

    issuer_id: str
    base_url: str
    base_is_configured: bool
    purposes: Sequence[Purpose]
    build: Builder
    key: KeyPair
    fmt: str
    check: Checker | None


async def choose_and_sign(
    session: AsyncSession, signing: Signing
) -> tuple[service.Signed, list[Slot]]:
    """Choose a slot per purpose and sign the credential built with them (not claimed)."""
    slots = [
        await statuslists.choose_slot(
            session,
            signing.issuer_id,
            purpose,
            signing.base_url,
            base_is_configured=signing.base_is_configured,
        )
        for purpose in signing.purposes
    ]
    document = signing.build(slots)
    sign = partial(_check_and_sign, document, signing.check, signing.key, signing.fmt)
    if signing.key.type != "rsa" and _small(document):
        # Ed25519 and P-256 sign a credential of a few kilobytes in a fraction of a
        # millisecond (schema check and canonicalization included): less than handing
        # the work to a thread and back would cost.
        return sign(), slots
    # RSA signatures, and long documents (hundreds of evidence items, milliseconds of
    # canonicalization): off the event loop.
    return await anyio.to_thread.run_sync(sign), slots


INLINE_SIGNING_MAX_BYTES: Final = 16_384
"""A credential signed on the event loop is at most this long as compact JSON (bytes)."""


def _small(document: Mapping[str, Any]) -> bool:
    size = jsontext.compact_size(document)
    return size is not None and size <= INLINE_SIGNING_MAX_BYTES


async def claim_all(session: AsyncSession, slots: Sequence[Slot], credential_id: str) -> bool:
    """Claim every slot for the credential, or none (false: one was claimed concurrently)."""
    claimed: list[Slot] = []
    for slot in slots:
        if not await statuslists.claim(session, slot, credential_id):
            for taken in claimed:
                await statuslists.release(session, taken, credential_id)
            logger.info("status index claimed concurrently; drawing another")
            return False
        claimed.append(slot)
    return True


async def sign_with_status(
    session: AsyncSession,
    *,
    issuer_id: str,
    credential_id: str,
    base_url: str,
    base_is_configured: bool,
    purposes: Sequence[Purpose],
    build: Builder,
    key: KeyPair,
    fmt: str,
    check: Checker | None,
) -> tuple[service.Signed, list[Slot]]:
    """Build, check (``check`` raises to refuse) and sign the credential with one status
    entry per purpose; return it once every slot is claimed."""
    signing = Signing(issuer_id, base_url, base_is_configured, purposes, build, key, fmt, check)
    for _ in range(MAX_CLAIM_ATTEMPTS):
        signed, slots = await choose_and_sign(session, signing)
        if await claim_all(session, slots, credential_id):
            return signed, slots
    raise StatusListUnavailableError()


def _check_and_sign(
    document: dict[str, Any], check: Checker | None, key: KeyPair, fmt: str
) -> service.Signed:
    """The schema check, then the signature (canonicalization and all)."""
    if check is not None:
        check(document)
    return service.sign(document, key, fmt)


def _slot(slots: Sequence[Slot], purpose: Purpose) -> Slot | None:
    return next((slot for slot in slots if slot.purpose == purpose), None)


def new_row(
    *,
    credential_id: str,
    issuer_id: str,
    client_id: str | None,
    signed: service.Signed,
    fmt: str,
    slots: Sequence[Slot],
    recipient_type: str,
    recipient: str | None,
    credential_uri: str | None,
    valid_from: Any,
    valid_until: Any,
    achievement_version_id: str | None = None,
    idempotency_key: str | None = None,
    request_digest: str | None = None,
) -> IssuedCredential:
    """A credential row with every column set (it is inserted with Core, see repository)."""
    revocation = _slot(slots, "revocation")
    suspension = _slot(slots, "suspension")
    return IssuedCredential(
        id=credential_id,
        issuer_id=issuer_id,
        achievement_version_id=achievement_version_id,
        credential_uri=credential_uri,
        client_id=client_id,
        idempotency_key=idempotency_key,
        request_digest=request_digest,
        recipient_type=recipient_type,
        recipient=recipient,
        format=fmt,
        document=signed.document,
        jwt=signed.jwt,
        valid_from=valid_from,
        valid_until=valid_until,
        revocation_list_id=revocation.list_id if revocation else None,
        revocation_index=revocation.index if revocation else None,
        suspension_list_id=suspension.list_id if suspension else None,
        suspension_index=suspension.index if suspension else None,
        revoked_at=None,
        suspended=False,
        created_at=statuslists.now_utc(),
    )


async def issue_open_badge(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    client: AuthenticatedClient,
    *,
    issuer_ref: str,
    request: IssueCredentialRequest,
    idempotency_key: str | None,
    base_url: str,
) -> Issued:
    """``POST /issuers/{issuer}/credentials``: see the module and service docstrings."""
    issuer = await issuers.get_issuer(session, issuer_ref)
    ensure_can_act_for(client, issuer.id)
    key = service.check_idempotency_key(idempotency_key)
    digest: str | None = None
    if key is not None:
        digest = service.request_digest(kek, issuer.id, request.model_dump(mode="json"))
        stored = await repository.by_idempotency_key(session, client.client_id, key)
        if stored is not None:
            return Issued(service.replay(stored, digest), replayed=True)

    version = await achievements.version_to_issue(
        session, request.achievement_id, request.achievement_version, slug_of_issuer=issuer.id
    )
    if version.issuer_id != issuer.id:
        raise service.AchievementOfAnotherIssuerError()
    valid_from, valid_until = service.validity_window(request, statuslists.now_utc())
    recipient = service.recipient_for(request)
    signing_key = await issuers.active_signing_key(
        session,
        issuer,
        settings,
        kek,
        service.key_type_for(
            request.format, request.alg, did_web=settings.public_base_url is not None
        ),
    )
    profile = issuers.profile_document(issuer, settings)
    credential_id = new_id()
    achievement: Mapping[str, Any] = version.document

    def build(slots: Sequence[Slot]) -> dict[str, Any]:
        return service.build_open_badge(
            credential_id=credential_id,
            issuer_profile=profile,
            achievement=achievement,
            request=request,
            recipient=recipient,
            valid_from=valid_from,
            valid_until=valid_until,
            status_entries=[slot.entry() for slot in slots],
        )

    signing = Signing(
        issuer_id=issuer.id,
        base_url=base_url,
        base_is_configured=settings.public_base_url is not None,
        purposes=(request.status_purpose,),
        build=build,
        key=signing_key,
        fmt=request.format,
        check=service.ensure_schema_valid,
    )
    for _ in range(MAX_CLAIM_ATTEMPTS):
        signed, slots = await choose_and_sign(session, signing)
        # Claim, store, commit: the only writes of the request, in one short transaction
        # (on SQLite, one such transaction of this process at a time: see write_section).
        async with write_section(session):
            if not await claim_all(session, slots, credential_id):
                continue
            row = new_row(
                credential_id=credential_id,
                issuer_id=issuer.id,
                client_id=client.client_id,
                signed=signed,
                fmt=request.format,
                slots=slots,
                recipient_type=recipient.kind,
                recipient=recipient.stored,
                credential_uri=f"urn:uuid:{credential_id}",
                valid_from=valid_from,
                valid_until=valid_until,
                achievement_version_id=version.id,
                idempotency_key=key,
                request_digest=digest,
            )
            if await repository.insert(session, row):
                return Issued(row)
            # A concurrent retry with the same key stored its credential first: answer
            # with it.
            for slot in slots:
                await statuslists.release(session, slot, credential_id)
            stored = await repository.by_idempotency_key(session, client.client_id, key or "")
            if stored is None or digest is None:  # pragma: no cover - it conflicted on it
                raise service.IdempotencyKeyReusedError()
            return Issued(service.replay(stored, digest), replayed=True)
    raise StatusListUnavailableError()


class AmbiguousCredentialIdError(ApiError):
    """Several credentials this client may act for carry that ``id``: name ours instead."""

    status_code = 409
    code = "ambiguous_credential_id"


async def find_credential(
    session: AsyncSession, client: AuthenticatedClient, credential_id: str
) -> IssuedCredential:
    """By our UUID (or ``urn:uuid:``), else by the credential's ``id``; an ``id`` shared by
    credentials of several issuers this client may act for is refused, never guessed."""
    own = service.parse_public_id(credential_id)
    if own is not None:
        found = await repository.get(session, own)
        if found is not None:
            ensure_can_act_for(client, found.issuer_id)
            return found
    candidates = await repository.by_uri(session, credential_id)
    mine = [c for c in candidates if client.is_admin or client.issuer_id in (None, c.issuer_id)]
    if len(mine) > 1:
        # Never guess which credential a status change is meant for.
        raise AmbiguousCredentialIdError(details={"credentialId": credential_id[:500]})
    if mine:
        return mine[0]
    if candidates:
        ensure_can_act_for(client, candidates[0].issuer_id)
    raise service.CredentialNotFoundError()
