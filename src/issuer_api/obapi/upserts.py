"""``upsertCredential``: a credential sent through the Open Badges API.

What the hub makes of it depends on who calls (the token's principal):

* a client the Region linked to a partner: a **delivery** of that partner, exactly like a
  webhook — stored with its processing job in the request's transaction (channel
  ``obapi``), then verified, judged by the same acceptance rules (trusted issuer,
  recipient…), kept, and the learner's regional evaluation follows; its receipt tells the
  outcome. The recipient is read from the credential (the subject's DID, or an email
  given unhashed); when the credential names its recipient by a hashed email only, the
  consenting learner of the token is the recipient (no learner either: 400);
* a learner (no partner): a **claim** by that learner, as from the claim page (a badge
  made out to any of their emails and DIDs counts);
* neither: 403.

The status is decided before answering, from what the hub keeps under the credential's
OB 3.0 equality key (``issuer.id`` + ``id``), with the comparison the ingestion applies
(:func:`issuer_api.ingestion.acceptance.compare`): nothing kept → **201**; a newer
``validFrom`` than the kept one → **200** (replaced); the same or an older one → **304**
and nothing is stored (the ingestion would keep the badge as it is). Verification happens
after the answer, as for a webhook: a 201 or 200 says the credential was accepted for
processing, and the receipt (``Link: <…>; rel="receipt"``) says what became of it.

The same body sent twice is one delivery: its webhook id is derived from the equality key
and the body's digest, so the unique (partner, webhook id) constraint makes a replay find
the first delivery (answered 304) — never a second outcome, never a second regional badge.
A learner's claim of a body still being processed is answered 304 as well.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.ingestion import acceptance, receipts
from issuer_api.ingestion.inbox import (
    InboxItem,
    PayloadKind,
    learner_client_id,
    receipt_digest,
    store_delivery,
)
from issuer_api.oauth.principal import ObApiPrincipal
from issuer_api.obapi import repository
from issuer_api.obapi.imsx import ObApiError
from issuer_api.obapi.listing import CHANNEL, NoSubjectError
from issuer_api.partners import service as partners
from issuer_api.privacy import normalize_did
from issuer_api.regional import claims
from obcore.did import is_did
from obcore.model import node_id, parse_datetime
from verify.ob2 import peek_jws_payload

logger = logging.getLogger(__name__)

MediaKind = Literal["json", "jws"]
Status = Literal[200, 201, 304]
CREDENTIAL_TYPES: Final = frozenset({"OpenBadgeCredential", "AchievementCredential"})


class CredentialUnreadableError(ObApiError):
    """Neither an OB 3.0 credential in JSON nor a compact JWS of one."""

    status_code = 400
    code = "obapi_credential_unreadable"


class CredentialIdMissingError(ObApiError):
    """Upserts go by issuer id and credential id: both are needed."""

    status_code = 400
    code = "obapi_credential_id_missing"


class RecipientUnreadableError(ObApiError):
    """The credential names its recipient by a hashed identifier only, and no learner."""

    status_code = 400
    code = "obapi_recipient_unreadable"


class LearnerUnidentifiedError(ObApiError):
    """The learner holds no email nor DID: no badge can be matched to them. 400 (codeMinor
    ``invalid_data``): the OB 3.0 API lists no 409 for the upsert."""

    status_code = 400
    code = "obapi_learner_unidentified"


@dataclass(frozen=True)
class Submitted:
    """A credential as sent (nothing verified): what the answer is decided from."""

    kind: PayloadKind
    payload: str
    issuer_id: str
    credential_id: str
    valid_from: datetime | None
    recipient: tuple[Literal["email", "did"], str] | None

    @property
    def equality_key(self) -> str:
        return acceptance.equality_key(self.issuer_id, self.credential_id)


@dataclass(frozen=True)
class Upserted:
    status: Status
    receipt_path: str | None


# --------------------------------------------------------------------------- reading


def _types(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    return {t for t in value if isinstance(t, str)} if isinstance(value, list) else set()


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def readable_recipient(
    credential: Mapping[str, Any], jwt_subject: Any = None
) -> tuple[Literal["email", "did"], str] | None:
    """The recipient a credential names in the clear: its subject's DID (or the VC-JWT's
    ``sub``), else an email identifier given unhashed; None when it names them by a hash
    only."""
    readable = acceptance.ob3_subject_identifiers(credential)
    if readable and readable[0][0] == "did":
        return readable[0]
    if isinstance(jwt_subject, str) and is_did(jwt_subject):
        return ("did", normalize_did(jwt_subject))
    return readable[0] if readable else None


def read(body: bytes, media: MediaKind) -> Submitted:
    """The credential of an upsert body (raises :class:`CredentialUnreadableError`,
    :class:`CredentialIdMissingError`)."""
    try:
        text = body.decode("utf-8").strip().lstrip("\ufeff")
    except UnicodeDecodeError:
        raise CredentialUnreadableError() from None
    jwt_claims: dict[str, Any] = {}
    if media == "jws":
        payload = peek_jws_payload(text)
        if payload is None:
            raise CredentialUnreadableError()
        inner = payload.get("vc")
        credential = inner if isinstance(inner, dict) else payload
        jwt_claims = payload
        kind: PayloadKind = "jwt"
    else:
        try:
            credential = json.loads(text)
        except (ValueError, RecursionError):
            raise CredentialUnreadableError() from None
        if not isinstance(credential, dict):
            raise CredentialUnreadableError()
        kind = "json"
    if not CREDENTIAL_TYPES & _types(credential.get("type")):
        raise CredentialUnreadableError()
    issuer = node_id(credential.get("issuer")) or jwt_claims.get("iss")
    credential_id = credential.get("id") or jwt_claims.get("jti")
    if not (
        isinstance(issuer, str) and issuer and isinstance(credential_id, str) and credential_id
    ):
        raise CredentialIdMissingError()
    valid_from = (
        _date(credential.get("validFrom"))
        or _date(credential.get("issuanceDate"))
        or (_date(credential.get("awardedDate")) if kind == "json" else None)
    )
    return Submitted(
        kind=kind,
        payload=text,
        issuer_id=issuer,
        credential_id=credential_id,
        valid_from=valid_from,
        recipient=readable_recipient(credential, jwt_claims.get("sub")),
    )


# --------------------------------------------------------------------------- deciding


def answer_for(kept: repository.KeptVersion | None, submitted: Submitted) -> Status:
    """201 (nothing kept), 200 (replaces the kept one) or 304 (the kept one stays)."""
    if kept is None:
        return 201
    return 200 if acceptance.compare(kept.valid_from, submitted.valid_from) == "replace" else 304


def webhook_id(submitted: Submitted, body: bytes) -> str:
    """The delivery's replay key: one per (credential, body)."""
    digest = hashlib.sha256(f"{submitted.equality_key}\n{receipt_digest(body)}".encode())
    return f"obapi_{digest.hexdigest()}"


async def upsert(
    session: AsyncSession, kek: bytes, principal: ObApiPrincipal, *, body: bytes, media: MediaKind
) -> Upserted:
    """Store the credential for processing, or not, and say which answer it gets."""
    if principal.partner_id is None and principal.learner_id is None:
        raise NoSubjectError()
    submitted = read(body, media)
    if principal.partner_id is not None:
        return await _deliver(
            session, kek, principal, partner_id=principal.partner_id, submitted=submitted, body=body
        )
    assert principal.learner_id is not None  # noqa: S101 - narrowed by the first test
    return await _claim(session, kek, principal.learner_id, submitted, body)


async def _deliver(
    session: AsyncSession,
    kek: bytes,
    principal: ObApiPrincipal,
    *,
    partner_id: str,
    submitted: Submitted,
    body: bytes,
) -> Upserted:
    partner = await repository.partner(session, partner_id)
    if partner is None:
        raise NoSubjectError()
    partners.ensure_active(partner)
    # 200/304 only for what this partner delivered: otherwise the answer would tell it
    # whether the hub keeps a credential received from another partner (201 instead).
    kept = await repository.kept_version(session, submitted.equality_key, partner_id=partner.id)
    status = answer_for(kept, submitted)
    if status == 304:
        return Upserted(304, None)
    recipient = submitted.recipient
    if recipient is None:
        if principal.learner_id is None:
            raise RecipientUnreadableError()
        recipient = await _learner_recipient(session, kek, principal.learner_id)
    delivery, created = await store_delivery(
        session,
        kek,
        partner_id=partner.id,
        channel="obapi",
        webhook_id=webhook_id(submitted, body),
        client_id=principal.client_id[:64],
        body=body,
        items=[
            InboxItem(
                payload_kind=submitted.kind,
                payload=submitted.payload,
                recipient_kind=recipient[0],
                recipient=recipient[1],
                reference=submitted.credential_id[:200],
            )
        ],
    )
    logger.info(
        "delivery received",
        extra={
            "partner": partner.id,
            "receipt": delivery.id,
            "channel": CHANNEL,
            "items": 1,
            "replayed": not created,
        },
    )
    return Upserted(status if created else 304, receipts.receipt_path(delivery.id))


async def _learner_recipient(
    session: AsyncSession, kek: bytes, learner_id: str
) -> tuple[Literal["email", "did"], str]:
    try:
        found = await claims.learner_recipient(session, kek, learner_id)
    except claims.ClaimNotFoundError:
        raise LearnerUnidentifiedError() from None
    return found.kind, found.value


async def _claim(
    session: AsyncSession, kek: bytes, learner_id: str, submitted: Submitted, body: bytes
) -> Upserted:
    kept = await repository.kept_version(session, submitted.equality_key)
    status = answer_for(
        kept if kept is not None and kept.learner_id == learner_id else None, submitted
    )
    if status == 304:
        return Upserted(304, None)
    pending = await repository.pending_claim(
        session, learner_client_id(learner_id), receipt_digest(body)
    )
    if pending is not None:
        return Upserted(304, claims.claim_path(pending))
    try:
        delivery = await claims.submit_for_learner(
            session, kek, learner_id, badges=[submitted.payload], body=body
        )
    except claims.ClaimNotFoundError:
        raise LearnerUnidentifiedError() from None
    return Upserted(status, claims.claim_path(delivery.id))
