"""Credential rules: what an Open Badge issued here contains, idempotency, status changes.

Credentials built here (``POST /issuers/{issuer}/credentials``)::

    @context          [VC v2, OB 3.0.3]
    id                urn:uuid:{id}
    type              [VerifiableCredential, OpenBadgeCredential]
    issuer            the issuer's OB 3.0 Profile
    validFrom         (default now) / validUntil (optional, later)
    awardedDate       = validFrom
    name, description the achievement's, unless overridden
    credentialSubject {type: AchievementSubject, achievement: the pinned version's JSON,
                       identifier: [salted, hashed IdentityObject] | id: DID}
    evidence          [Evidence …] when given
    credentialStatus  BitstringStatusListEntry, statusPurpose revocation (or suspension)

**One status entry.** The OB 3.0 JSON Schema (which the 1EdTech validator and obhub's own
verifier apply) defines ``credentialStatus`` as a single object, so an Open Badge carries
exactly one entry, whose purpose the issuer chooses (``status_purpose``): ``revocation``
(default: final, and what every verifier checks) or ``suspension`` (reversible: suspend and
unsuspend; revoking such a badge sets its suspension bit for good and it can never be
unsuspended again). Credentials that are not Open Badges (issued through the VC-API) carry
both entries.

The unsigned credential is validated against the OB 3.0 schema before it is signed: a
failure there is a bug of this module, reported as 500 (it never reaches a client as a
signed credential).

**Idempotency.** A request with an ``Idempotency-Key`` is remembered per client: the same
key with the same request (same issuer, same body after validation) returns the original
credential (200, ``Idempotent-Replayed: true``); the same key with another request is a
409 ``idempotency_key_reused``. The request digest is an HMAC keyed from the
key-encryption key, so the stored digest reveals nothing about the (personal) body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.audit import add_audit_event
from issuer_api.credentials import repository
from issuer_api.credentials.schemas import (
    CredentialRecord,
    CredentialState,
    EvidenceIn,
    IssueCredentialRequest,
    JwtAlg,
)
from issuer_api.errors import ApiError, InternalError, NotFoundError
from issuer_api.models import IssuedCredential
from issuer_api.statuslists import service as statuslists
from obcore import contexts
from obcore.identity import make_identity_object
from obcore.keys import KeyPair
from obcore.model import display_text
from obcore.proofs import dataintegrity, vcjwt
from obcore.schema import validate_credential

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY_MAX: Final = 200
KEY_TYPE_FOR_ALG: Final[dict[str, str]] = {"EdDSA": "ed25519", "ES256": "p256", "RS256": "rsa"}
DI_MEDIA_TYPE: Final = "application/vc+ld+json"
JWT_MEDIA_TYPE: Final = "text/plain"

Action = Literal["revoke", "suspend", "unsuspend"]


# --------------------------------------------------------------------------- errors


class CredentialNotFoundError(NotFoundError):
    code = "credential_not_found"


class CredentialErasedError(ApiError):
    """The credential was revoked and emptied when its holder's data was erased."""

    status_code = 410
    code = "credential_erased"


class InvalidIdempotencyKeyError(ApiError):
    status_code = 400
    code = "invalid_idempotency_key"


class IdempotencyKeyReusedError(ApiError):
    status_code = 409
    code = "idempotency_key_reused"


class InvalidValidityWindowError(ApiError):
    status_code = 422
    code = "invalid_validity_window"


class AchievementOfAnotherIssuerError(ApiError):
    status_code = 422
    code = "achievement_of_another_issuer"


class AlreadyRevokedError(ApiError):
    status_code = 409
    code = "already_revoked"


class AlreadySuspendedError(ApiError):
    status_code = 409
    code = "already_suspended"


class NotSuspendedError(ApiError):
    status_code = 409
    code = "not_suspended"


class NotSuspendableError(ApiError):
    status_code = 409
    code = "suspension_not_available"


class CredentialSchemaBugError(InternalError):
    """The credential obhub built fails the OB 3.0 schema: never signed, always a bug."""

    code = "internal_error"


# --------------------------------------------------------------------------- idempotency


def check_idempotency_key(key: str | None) -> str | None:
    """1-200 printable ASCII characters, or None."""
    if key is None:
        return None
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX or not all(32 <= ord(c) <= 126 for c in key):
        raise InvalidIdempotencyKeyError(details={"max_length": IDEMPOTENCY_KEY_MAX})
    return key


def _digest_key(kek: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"obhub idempotency digest v1").derive(kek)


def request_digest(kek: bytes, scope: str, body: Mapping[str, Any]) -> str:
    """HMAC-SHA256 of the canonical JSON of ``body`` (and the issuer it targets)."""
    canonical = json.dumps(
        {"scope": scope, "body": body}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hmac.new(_digest_key(kek), canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def replay(stored: IssuedCredential, digest: str) -> IssuedCredential:
    """The stored credential for a retried request, or 409 if the key was used otherwise."""
    if stored.request_digest is None or not hmac.compare_digest(stored.request_digest, digest):
        raise IdempotencyKeyReusedError()
    return stored


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class Recipient:
    """The credential subject's identification, as embedded and as stored."""

    subject: dict[str, Any]  # credentialSubject members (identifier or id)
    kind: Literal["email", "did"]
    stored: str  # the salted hash, or the DID: never a plaintext email


def recipient_for(request: IssueCredentialRequest) -> Recipient:
    if request.recipient.email is not None:
        identity = make_identity_object(request.recipient.email, "emailAddress")
        return Recipient({"identifier": [identity]}, "email", identity["identityHash"])
    did = request.recipient.did
    if did is None:  # pragma: no cover - the schema requires one of them
        raise InvalidValidityWindowError()
    return Recipient({"id": did}, "did", did)


def validity_window(
    request: IssueCredentialRequest, now: datetime
) -> tuple[datetime, datetime | None]:
    """``validFrom`` (default now) and ``validUntil`` at second precision, checked."""
    valid_from = (request.validFrom or now).replace(microsecond=0)
    valid_until = request.validUntil.replace(microsecond=0) if request.validUntil else None
    if valid_until is not None and valid_until <= valid_from:
        raise InvalidValidityWindowError(
            details={"validFrom": _iso(valid_from), "validUntil": _iso(valid_until)}
        )
    return valid_from, valid_until


def _iso(value: datetime) -> str:
    return dataintegrity.format_datetime(value)


def _evidence(items: Sequence[EvidenceIn]) -> list[dict[str, Any]]:
    return [{"type": ["Evidence"], **item.model_dump(exclude_none=True)} for item in items]


def build_open_badge(
    *,
    credential_id: str,
    issuer_profile: Mapping[str, Any],
    achievement: Mapping[str, Any],
    request: IssueCredentialRequest,
    recipient: Recipient,
    valid_from: datetime,
    valid_until: datetime | None,
    status_entries: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential (see the module docstring)."""
    name = request.name or display_text(achievement.get("name"), "fr") or "Open Badge"
    description = request.description or display_text(achievement.get("description"), "fr")
    document: dict[str, Any] = {
        "@context": [contexts.VC_V2, contexts.OB_V3],
        "id": f"urn:uuid:{credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": dict(issuer_profile),
        "validFrom": _iso(valid_from),
    }
    if valid_until is not None:
        document["validUntil"] = _iso(valid_until)
    document["name"] = name
    if description:
        document["description"] = description
    document["credentialSubject"] = {
        "type": ["AchievementSubject"],
        **recipient.subject,
        "achievement": dict(achievement),
    }
    if request.evidence:
        document["evidence"] = _evidence(request.evidence)
    if status_entries:
        entries = [dict(entry) for entry in status_entries]
        document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
    document["awardedDate"] = _iso(valid_from)
    return document


def ensure_schema_valid(document: Mapping[str, Any]) -> None:
    """Refuse to sign a credential that fails the OB 3.0 schema (a bug, logged)."""
    result = validate_credential(document)
    if result.applicable and not result.valid:
        logger.error(
            "obhub built a credential that fails the OB 3.0 schema",
            extra={"issues": [f"{i.path}: {i.message}" for i in result.issues[:5]]},
        )
        raise CredentialSchemaBugError()


# --------------------------------------------------------------------------- signing


@dataclass(frozen=True)
class Signed:
    document: dict[str, Any]  # signed (di) or the token's credential (jwt)
    jwt: str | None


def sign(document: Mapping[str, Any], key: KeyPair, fmt: str) -> Signed:
    """Sign as eddsa-rdfc-2022 (``di``) or VC-JWT (``jwt``)."""
    if fmt == "jwt":
        return Signed(dict(document), vcjwt.sign_vc_jwt(document, key))
    return Signed(dataintegrity.add_proof(document, key), None)


def key_type_for(fmt: str, alg: JwtAlg | None, *, did_web: bool) -> str:
    """The key type that signs: Ed25519 for Data Integrity; for a VC-JWT the requested
    algorithm, else RS256 under did:web (what OB 3.0 certification requires) and EdDSA
    under did:key (the issuer's identity *is* its Ed25519 key there)."""
    if fmt != "jwt":
        return "ed25519"
    default: JwtAlg = "RS256" if did_web else "EdDSA"
    return KEY_TYPE_FOR_ALG[alg or default]


# --------------------------------------------------------------------------- records


def parse_public_id(value: str) -> str | None:
    """Our UUID from ``{uuid}`` or ``urn:uuid:{uuid}``, or None."""
    candidate = value.removeprefix("urn:uuid:")
    try:
        return str(uuid.UUID(candidate)) if len(candidate) <= 45 else None
    except ValueError:
        return None


async def get(session: AsyncSession, ref: str) -> IssuedCredential:
    credential_id = parse_public_id(ref)
    credential = await repository.get(session, credential_id) if credential_id else None
    if credential is None:
        raise CredentialNotFoundError()
    return credential


def state_of(credential: IssuedCredential) -> CredentialState:
    if credential.revoked_at is not None:
        return "revoked"
    return "suspended" if credential.suspended else "active"


def credential_url(base_url: str, credential_id: str) -> str:
    return f"{base_url}/credentials/{credential_id}"


def record(credential: IssuedCredential, base_url: str) -> CredentialRecord:
    return CredentialRecord(
        id=credential.id,
        credential_id=credential.credential_uri,
        url=credential_url(base_url, credential.id),
        issuer_id=credential.issuer_id,
        achievement_version_id=credential.achievement_version_id,
        format="jwt" if credential.format == "jwt" else "di",
        status=state_of(credential),
        suspendable=credential.suspension_list_id is not None,
        valid_from=credential.valid_from,
        valid_until=credential.valid_until,
        revoked_at=credential.revoked_at,
        erased_at=credential.erased_at,
        created_at=credential.created_at,
        credential=credential.document,
        jwt=credential.jwt,
    )


def ensure_not_erased(credential: IssuedCredential) -> None:
    """Raise :class:`CredentialErasedError` (410) for a credential emptied by an erasure."""
    if credential.erased_at is not None:
        raise CredentialErasedError(details={"erased_at": _iso(credential.erased_at)})


ERASED_DOCUMENT_MEMBERS: Final[tuple[str, ...]] = (
    "@context",
    "id",
    "type",
    "issuer",
    "credentialStatus",
)
"""What an erased credential's stored document keeps: enough to say which credential of
which issuer it was and where its (revoked) status is published; nothing about whom."""


async def erase_subject(session: AsyncSession, credential: IssuedCredential, now: datetime) -> bool:
    """Empty a revoked credential of everything that designates its holder (GDPR art. 17):
    subject, evidence, proof and VC-JWT, recipient hash, request digest. The status list
    entry stays, so a copy held elsewhere keeps verifying as revoked. False (nothing
    written) unless the credential is revoked and not erased yet."""
    document = credential.document
    kept: dict[str, Any] = {
        name: document[name] for name in ERASED_DOCUMENT_MEMBERS if name in document
    }
    return await repository.mark_erased(session, credential.id, now, kept)


# --------------------------------------------------------------------------- status changes


async def change_status(
    session: AsyncSession,
    credential: IssuedCredential,
    action: Action,
    *,
    actor: str,
    reason: str | None,
) -> IssuedCredential:
    """Revoke, suspend or unsuspend; flip the list bit; write the audit event.

    The credential row is updated first with a condition on its current state: that
    single statement decides concurrent requests (the loser sees 0 rows and gets a 409)
    and, on SQLite, takes the write lock before the status list is read.
    """
    now = statuslists.now_utc()
    if action == "revoke":
        if not await repository.mark_revoked(session, credential.id, now):
            raise AlreadyRevokedError()
        if credential.revocation_list_id is not None and credential.revocation_index is not None:
            list_id, index = credential.revocation_list_id, credential.revocation_index
        elif credential.suspension_list_id is not None and credential.suspension_index is not None:
            # A badge issued with its one entry for suspension: the revocation is final
            # here (it can never be unsuspended) and verifiers see it as suspended.
            list_id, index = credential.suspension_list_id, credential.suspension_index
        else:  # pragma: no cover - every credential issued here has a status entry
            raise InternalError()
        value = 1
    else:
        if credential.suspension_list_id is None or credential.suspension_index is None:
            raise NotSuspendableError()
        suspend = action == "suspend"
        if not await repository.mark_suspended(session, credential.id, suspend):
            current = await repository.get(session, credential.id)
            if current is not None and current.revoked_at is not None:
                raise AlreadyRevokedError()
            raise AlreadySuspendedError() if suspend else NotSuspendedError()
        list_id, index, value = (
            credential.suspension_list_id,
            credential.suspension_index,
            int(suspend),
        )
    await statuslists.set_bit(session, list_id, index, value)
    add_audit_event(
        session,
        target_type="credential",
        actor=actor,
        action=f"credential.{action}",
        target_id=credential.id,
        reason=reason,
        data={"status_list": list_id, "index": index},
    )
    await session.flush()
    refreshed = await repository.get(session, credential.id)
    if refreshed is None:  # pragma: no cover - the row was just updated
        raise CredentialNotFoundError()
    return refreshed
