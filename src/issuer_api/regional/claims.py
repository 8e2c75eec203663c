"""Claims: a learner (or a counsellor for them) submits badges held elsewhere.

``POST /claims`` takes a recipient and badges — credentials as JSON, VC-JWTs, baked
images (``{"image": base64, "media_type"}``, a data URI or uploaded files), hosted
OB 2.0 assertion URLs, or verifiable presentations (JSON or VP-JWT), which are split
into the credentials they carry — and stores them through the inbox
(:func:`issuer_api.ingestion.inbox.store_delivery`, channel ``claim``, no partner) in
the request's transaction: ``202`` with a receipt. The ingestion worker verifies each
badge; a claimed badge is kept if any *active* partner trusts its issuer (that partner
becomes its partner), and every kept badge triggers the regional evaluation as a
delivered one does.

A learner signed in to "Mon espace" claims in their own name (:func:`submit_for_learner`,
client ``learner:{id}``): the items name their first email (else their DID) and the
worker accepts a badge made out to *any* of their identifiers — each email (identity
hash, salted or not) and each DID they hold. ``POST /claims`` checks the one recipient
its client gives.

``GET /claims/{id}`` follows the claim: each badge's outcome (accepted, duplicate,
rejected and why) and the learner's regional badges, those awarded since the claim
marked. A claim is visible to the client that made it and to administrators.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from pydantic import JsonValue, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.audit import add_audit_event
from issuer_api.auth.deps import AuthenticatedClient
from issuer_api.errors import ApiError, NotFoundError
from issuer_api.i18n import Language
from issuer_api.ingestion import receipts
from issuer_api.ingestion.envelope import TooManyBadgesError
from issuer_api.ingestion.inbox import InboxItem, PayloadKind, learner_client_id, store_delivery
from issuer_api.ingestion.schemas import MAX_BADGES, RecipientIn, classify
from issuer_api.learners import repository as learners
from issuer_api.models import Delivery
from issuer_api.privacy import unseal_pii
from issuer_api.regional import repository, service
from issuer_api.regional.schemas import ClaimAck, ClaimRecord
from obcore import jsontext
from verify.ob2 import peek_jws_payload
from verify.presentation import is_presentation

CLAIMS_PATH: Final = "/claims"
CLAIM_TARGET: Final = "claim"
ENVELOPED_PREFIXES: Final = ("data:application/vc+jwt,", "data:application/vc-ld+jwt,")
IMAGE_MEDIA_TYPES: Final = frozenset({"image/png", "image/svg+xml"})


class InvalidClaimError(ApiError):
    """A badge of the claim cannot be read: ``details.errors`` = [{badge, part, message}]."""

    status_code = 400
    code = "invalid_claim"


class ClaimNotFoundError(NotFoundError):
    code = "claim_not_found"


# --------------------------------------------------------------------------- reading badges


@dataclass(frozen=True)
class Part:
    """One credential of the ``position``-th badge given (``part``: its rank inside a
    presentation, None for a lone credential), as the inbox stores it."""

    position: int
    part: int | None
    kind: PayloadKind
    payload: str


class UnreadableBadgeError(ValueError):
    pass


def unpack(badges: Sequence[dict[str, Any] | str | bytes]) -> list[Part]:
    """Every credential of ``badges``, presentations split (raises :class:`InvalidClaimError`)."""
    parts: list[Part] = []
    errors: list[JsonValue] = []
    for position, badge in enumerate(badges):
        try:
            found = _unpack_one(badge)
        except UnreadableBadgeError as exc:
            errors.append({"badge": position, "message": str(exc)})
            continue
        single = len(found) == 1 and found[0][0] is None
        for index, (inner, kind, payload) in enumerate(found):
            part = None if single else (inner if inner is not None else index)
            parts.append(Part(position, part, kind, payload))
    if errors:
        raise InvalidClaimError(details={"errors": errors})
    return parts


Found = list[tuple[int | None, PayloadKind, str]]


def _unpack_one(badge: dict[str, Any] | str | bytes) -> Found:
    if isinstance(badge, bytes):
        return _from_bytes(badge)
    if isinstance(badge, dict):
        return _from_object(badge)
    return _from_text(badge)


def _from_bytes(data: bytes) -> Found:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"\x89PNG") or head.lower().startswith((b"<svg", b"<?xml")):
        return [(None, "image", base64.b64encode(data).decode("ascii"))]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableBadgeError("not a PNG/SVG image nor UTF-8 text") from None
    return _from_text(text)


def _from_object(badge: dict[str, Any]) -> Found:
    if "image" in badge and set(badge) <= {"image", "media_type"}:
        media = badge.get("media_type")
        if media is not None and media not in IMAGE_MEDIA_TYPES:
            raise UnreadableBadgeError("media_type must be image/png or image/svg+xml")
        image = badge["image"]
        if not isinstance(image, str):
            raise UnreadableBadgeError("image must be base64 text")
        return [(None, *_classified(image, "image"))]
    if is_presentation(badge):
        return _presentation_items(badge.get("verifiableCredential"))
    return [(None, *_classified(badge, None))]


def _from_text(text: str) -> Found:
    stripped = text.strip().lstrip("\ufeff")
    if stripped.startswith("{"):
        try:
            document = jsontext.loads(stripped)
        except (ValueError, RecursionError):  # also a lone surrogate: not Unicode text
            raise UnreadableBadgeError("not valid JSON") from None
        if not isinstance(document, dict):
            raise UnreadableBadgeError("JSON must be an object")
        return _from_object(document)
    if stripped.startswith("eyJ") and stripped.count(".") == 2:
        payload = peek_jws_payload(stripped)
        if payload is not None and isinstance(payload.get("vp"), dict):
            return _presentation_items(payload["vp"].get("verifiableCredential"))
    return [(None, *_classified(stripped, None))]


def _presentation_items(raw: Any) -> Found:
    items = [] if raw is None else raw if isinstance(raw, list) else [raw]
    if not items:
        raise UnreadableBadgeError("the presentation carries no credential")
    found: Found = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            enveloped = _enveloped(item)
            if enveloped is not None:
                found.append((index, *_classified(enveloped, "jwt")))
            elif is_presentation(item):
                raise UnreadableBadgeError("a presentation cannot carry a presentation")
            else:
                found.append((index, *_classified(item, None)))
        elif isinstance(item, str):
            found.append((index, *_classified(item, None)))
        else:
            raise UnreadableBadgeError("a presentation item is not a credential")
    return found


def _enveloped(item: dict[str, Any]) -> str | None:
    types = item.get("type")
    types = [types] if isinstance(types, str) else types
    item_id = item.get("id")
    if isinstance(types, list) and "EnvelopedVerifiableCredential" in types:
        if isinstance(item_id, str):
            for prefix in ENVELOPED_PREFIXES:
                if item_id.startswith(prefix):
                    return item_id[len(prefix) :]
        raise UnreadableBadgeError("unsupported enveloped credential")
    return None


def _classified(
    credential: dict[str, Any] | str, declared: PayloadKind | None
) -> tuple[PayloadKind, str]:
    try:
        return classify(credential, declared)
    except ValueError as exc:
        raise UnreadableBadgeError(str(exc)) from None


def decode_upload(data: bytes) -> bytes:
    """Uploaded file bytes (a base64 text of an image is decoded)."""
    text = data.strip()
    if text[:1] in (b"{", b"e", b"h", b"d", b"<") or data.startswith(b"\x89PNG"):
        return data
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return data
    return decoded if decoded.startswith(b"\x89PNG") else data


# --------------------------------------------------------------------------- storing


async def submit(
    session: AsyncSession,
    kek: bytes,
    client: AuthenticatedClient,
    *,
    recipient: RecipientIn,
    badges: Sequence[dict[str, Any] | str | bytes],
    body: bytes,
) -> Delivery:
    """Store the claim in the inbox (processing queued in this transaction)."""
    parts = unpack(badges)
    if len(parts) > MAX_BADGES:
        raise TooManyBadgesError(details={"max_badges": MAX_BADGES, "badges": len(parts)})
    items = [
        InboxItem(
            payload_kind=part.kind,
            payload=part.payload,
            recipient_kind=recipient.kind,
            recipient=recipient.value,
            reference=f"claim-{part.position}" + (f".{part.part}" if part.part is not None else ""),
        )
        for part in parts
    ]
    delivery, _created = await store_delivery(
        session,
        kek,
        partner_id=None,
        channel="claim",
        webhook_id=None,
        client_id=client.client_id,
        body=body,
        items=items,
    )
    add_audit_event(
        session,
        actor=client.client_id,
        action="claim.received",
        target_type=CLAIM_TARGET,
        target_id=delivery.id,
        data={"badges": len(badges), "items": len(items)},
    )
    await session.flush()
    return delivery


def learner_client(learner_id: str) -> AuthenticatedClient:
    """The learner as the author of the claims they make (no scope, no issuer)."""
    return AuthenticatedClient(
        client_id=learner_client_id(learner_id),
        name="learner",
        scopes=frozenset(),
        issuer_id=None,
    )


async def learner_recipient(session: AsyncSession, kek: bytes, learner_id: str) -> RecipientIn:
    """The identifier a learner's claim items name: their first email, else their DID
    (the worker accepts the learner's other identifiers too)."""
    rows = await learners.identifiers_of(session, learner_id)
    rows.sort(key=lambda row: row.kind != "email")
    for row in rows:
        value = unseal_pii(kek, row.sealed)
        try:
            if row.kind == "email":
                return RecipientIn(email=value)
            return RecipientIn.model_validate({"did": value})
        except ValidationError:
            continue
    raise ClaimNotFoundError()  # a learner without identifier: nothing to bind to


async def submit_for_learner(
    session: AsyncSession,
    kek: bytes,
    learner_id: str,
    *,
    badges: Sequence[dict[str, Any] | str | bytes],
    body: bytes,
) -> Delivery:
    """A claim the signed-in learner makes: each badge counts when it is made out to
    any of their identifiers (emails and DIDs)."""
    return await submit(
        session,
        kek,
        learner_client(learner_id),
        recipient=await learner_recipient(session, kek, learner_id),
        badges=badges,
        body=body,
    )


def claim_path(claim_id: str) -> str:
    return f"{CLAIMS_PATH}/{claim_id}"


def acknowledgement(delivery: Delivery) -> ClaimAck:
    return ClaimAck(
        claim_id=delivery.id,
        received_at=delivery.received_at,
        items=delivery.item_count,
        links={"self": claim_path(delivery.id)},
    )


# --------------------------------------------------------------------------- following


async def follow(
    session: AsyncSession,
    client: AuthenticatedClient,
    claim_id: str,
    *,
    language: Language,
    base_url: str,
) -> ClaimRecord:
    """The claim's outcome, badge by badge, and the learner's regional badges."""
    delivery = await repository.claim_delivery(session, claim_id)
    if delivery is None or (not client.is_admin and delivery.client_id != client.client_id):
        raise ClaimNotFoundError(details={"claim": claim_id})
    receipt = await receipts.receipt(session, delivery, language)
    learners = await repository.claim_learners(session, claim_id)
    learner_id = learners[0] if learners else None
    awards = []
    since: list[str] = []
    if learner_id is not None:
        rows = await repository.awards_of(session, learner_id)
        active = await service.stored_active(session)
        awards = await service.awards_out(
            session, rows, base_url, active.referential if active else None
        )
        since = [
            row.achievement_code
            for row in rows
            if row.created_at >= delivery.received_at and row.state == "active"
        ]
    return ClaimRecord.of(receipt, learner_id, awards, since)
