"""Wire schemas of partner deliveries (the envelope) and of receipts.

The delivery envelope
=====================

One call delivers one badge or many (at most :data:`MAX_BADGES`)::

    {"badges": [
        {"credential": {…OB 3.0 JSON…} | "eyJ…" | "https://…" | "data:image/png;base64,…",
         "format": "json" | "jwt" | "url" | "image",          (optional: detected)
         "recipient": {"email": "camille@example.fr"} | {"did": "did:key:z6Mk…"},
         "reference": "the partner's own id for this badge"}  (optional, ≤ 200 characters)
    ]}

A single badge may also be sent on its own, without the ``badges`` array. Every field
is checked here; the credential's *content* is not (no signature, no schema): that is
the processing's work, after the receipt. When ``format`` is absent it is detected: a
JSON object (or a string starting with ``{``) is ``json``; a string starting with
``eyJ`` with two dots is ``jwt``; an ``http(s)`` URL is ``url`` (a hosted OB 2.0
assertion); a ``data:image/png`` or ``data:image/svg+xml`` URI, or raw base64 of a PNG
or SVG file, is ``image`` (a baked badge).

The recipient is the learner as the partner knows them: exactly one of ``email`` or
``did``. The processing accepts the badge only if the credential names that recipient.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from typing import Annotated, Any, Final, Literal, Self
from urllib.parse import unquote_to_bytes, urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    model_validator,
)

from issuer_api.issuers.schemas import Email
from issuer_api.partners.schemas import is_did
from issuer_api.privacy import normalize_did

MAX_BADGES: Final = 100
"""Badges per delivery; more is refused with 413 ``too_many_badges``."""
MAX_REFERENCE_CHARS: Final = 200
MAX_URL_CHARS: Final = 2000

PayloadFormat = Literal["json", "jwt", "url", "image"]
Outcome = Literal["pending", "accepted", "duplicate", "rejected", "failed"]
OUTCOMES: Final[tuple[Outcome, ...]] = ("pending", "accepted", "duplicate", "rejected", "failed")
DeliveryStatus = Literal["queued", "done", "dead"]

_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_DATA_IMAGE = re.compile(r"^data:image/(png|svg\+xml)((?:;[A-Za-z0-9=.+-]+)*),", re.IGNORECASE)
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- envelope


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _did(value: str) -> str:
    normalised = normalize_did(value)
    if not is_did(normalised):
        raise ValueError("must be a DID (did:<method>:<id>)")
    return normalised


Did = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_did)]


class RecipientIn(_Input):
    """Le bénéficiaire tel que le partenaire le connaît : `email` ou `did`, un seul. / The
    learner as the partner knows them: exactly one of `email` or `did`."""

    email: Email | None = Field(default=None, examples=["camille.martin@example.fr"])
    did: Did | None = Field(
        default=None, examples=["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"]
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.email is None) == (self.did is None):
            raise ValueError("give exactly one of email or did")
        return self

    @property
    def kind(self) -> Literal["email", "did"]:
        return "email" if self.email is not None else "did"

    @property
    def value(self) -> str:
        return self.email if self.email is not None else str(self.did)


class BadgeIn(_Input):
    """Un badge et son bénéficiaire ; le contenu de `credential` est vérifié après le reçu. /
    One badge and its recipient; the `credential` content is verified after the receipt."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "credential": {"@context": ["https://www.w3.org/ns/credentials/v2"]},
                    "recipient": {"email": "camille.martin@example.fr"},
                    "reference": "inscription-2026-0042",
                }
            ]
        },
    )

    credential: dict[str, Any] | str = Field(
        description=(
            "Le badge : objet JSON (OB 3.0 / OB 2.0), VC-JWT compact, URL d'une assertion "
            "hébergée, ou image PNG/SVG (data URI ou base64). / The badge: JSON object "
            "(OB 3.0 / OB 2.0), compact VC-JWT, hosted assertion URL, or PNG/SVG image "
            "(data URI or base64)."
        )
    )
    format: PayloadFormat | None = Field(
        default=None,
        description="Déduit si absent / detected when absent",
    )
    recipient: RecipientIn
    reference: (
        Annotated[str, StringConstraints(min_length=1, max_length=MAX_REFERENCE_CHARS)] | None
    ) = Field(
        default=None,
        description=(
            "Identifiant du badge chez le partenaire, repris dans le reçu. / The partner's "
            "own id for this badge, shown in the receipt."
        ),
        examples=["inscription-2026-0042"],
    )

    _kind: PayloadFormat = PrivateAttr(default="json")
    _payload: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _classify(self) -> Self:
        self._kind, self._payload = classify(self.credential, self.format)
        return self

    @property
    def payload_kind(self) -> PayloadFormat:
        """The format, as declared or detected."""
        return self._kind

    @property
    def payload(self) -> str:
        """What the inbox stores: JSON text, the JWT, the URL, or base64 of the image."""
        return self._payload


class DeliveryIn(_Input):
    """Plusieurs badges en un appel (au plus 100). / Several badges in one call (at most
    100)."""

    badges: Annotated[list[BadgeIn], Field(min_length=1, max_length=MAX_BADGES)]


def classify(
    credential: dict[str, Any] | str, declared: PayloadFormat | None
) -> tuple[PayloadFormat, str]:
    """The badge's format (declared or detected) and its payload for the inbox."""
    if isinstance(credential, dict):
        if declared not in (None, "json"):
            raise ValueError(f"format {declared!r} needs the credential as a string")
        try:
            return "json", json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
        except RecursionError:
            raise ValueError("credential: nested too deeply") from None
    text = credential.strip()
    if not text:
        raise ValueError("credential: empty")
    kind = declared or _detect(text)
    if kind == "json":
        return "json", _json_text(text)
    if kind == "jwt":
        if not _JWT.fullmatch(text):
            raise ValueError("credential: not a compact JWT (header.payload.signature)")
        return "jwt", text
    if kind == "url":
        return "url", _url(text)
    return "image", _image(text)


def _detect(text: str) -> PayloadFormat:
    if text.startswith("{"):
        return "json"
    if text.startswith("eyJ") and text.count(".") == 2:
        return "jwt"
    if text.lower().startswith(("https://", "http://")):
        return "url"
    if text.lower().startswith("data:") or _decoded_image(text) is not None:
        return "image"
    raise ValueError("credential: cannot tell its format (JSON, JWT, URL or image): set 'format'")


def _json_text(text: str) -> str:
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        raise ValueError("credential: not valid JSON") from None
    if not isinstance(parsed, dict):
        raise ValueError("credential: JSON must be an object")  # noqa: TRY004 - pydantic reports ValueError
    return text


def _url(text: str) -> str:
    split = urlsplit(text)
    if (
        split.scheme.lower() not in ("http", "https")
        or not split.hostname
        or len(text) > MAX_URL_CHARS
        or any(c.isspace() for c in text)
    ):
        raise ValueError("credential: not an absolute http(s) URL")
    return text


def _image(text: str) -> str:
    match = _DATA_IMAGE.match(text)
    if text.lower().startswith("data:"):
        if match is None:
            raise ValueError("credential: a data URI image must be image/png or image/svg+xml")
        data = text[match.end() :]
        encoded = ";base64" in match.group(2).lower()
        raw = _b64(data) if encoded else unquote_to_bytes(data)
        expected = "png" if match.group(1).lower() == "png" else "svg"
        if raw is None or _image_type(raw) != expected:
            raise ValueError(f"credential: the data URI does not hold a {expected.upper()} image")
        return base64.b64encode(raw).decode("ascii")
    raw = _decoded_image(text)
    if raw is None:
        raise ValueError("credential: not a PNG or SVG image (data URI or base64)")
    return base64.b64encode(raw).decode("ascii")


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def _decoded_image(text: str) -> bytes | None:
    raw = _b64(text)
    return raw if raw is not None and _image_type(raw) is not None else None


def _image_type(raw: bytes) -> Literal["png", "svg"] | None:
    if raw.startswith(_PNG_MAGIC):
        return "png"
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "svg"
    return None


# --------------------------------------------------------------------------- receipts


class ReceiptLinks(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    self_: str = Field(
        alias="self",
        description="Le reçu à suivre / the receipt to follow",
        examples=["/v1/receipts/0f8e4a52-3c1d-4b7a-9e2f-5a6b7c8d9e01"],
    )


class ReceiptAck(BaseModel):
    """Réponse à une livraison (202) : les badges sont enregistrés et seront traités ; un
    rejeu reçoit la même réponse ; suivre `links.self`. / The answer to a delivery (202):
    the badges are stored and will be processed; a replay gets the same answer; follow
    `links.self` for progress."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "receipt_id": "0f8e4a52-3c1d-4b7a-9e2f-5a6b7c8d9e01",
                    "status": "queued",
                    "received_at": "2026-03-02T09:15:00.123456Z",
                    "items": 2,
                    "links": {"self": "/v1/receipts/0f8e4a52-3c1d-4b7a-9e2f-5a6b7c8d9e01"},
                }
            ]
        }
    )

    receipt_id: str
    status: Literal["queued"] = Field(
        description="Toujours `queued` : la livraison est en file / always `queued`"
    )
    received_at: datetime
    items: int = Field(description="Nombre de badges reçus / number of badges received")
    links: ReceiptLinks


class Reason(BaseModel):
    """Motif d'un résultat : `code` stable, messages pour les personnes. / Why a badge has
    its outcome: a stable `code`, messages for people."""

    code: str = Field(examples=["issuer_not_trusted"])
    check: str | None = Field(
        default=None, description="Contrôle en cause / verification check", examples=["proof"]
    )
    check_code: str | None = Field(default=None, examples=["invalid_signature"])
    message: str = Field(description="Dans la langue négociée / in the negotiated language")
    messages: dict[str, str] = Field(description="fr et en / French and English")
    check_message: str | None = Field(
        default=None,
        description=(
            "Ce que le contrôle a trouvé, dans la langue négociée / what the check found, "
            "in the negotiated language"
        ),
    )
    check_messages: dict[str, str] | None = None


class BadgeFacts(BaseModel):
    """Faits publics du badge enregistré (jamais le bénéficiaire ni le badge). / Public
    facts of the stored badge (never the recipient, never the credential)."""

    credential_id: str = Field(examples=["urn:uuid:2f0c5e4e-6a53-4d5c-9a57-2a3c1f0e9b11"])
    issuer_id: str = Field(examples=["did:web:campus-caen.example.fr"])
    achievement_name: str | None = Field(examples=["Sauveteur secouriste du travail"])


class ReceiptItem(BaseModel):
    position: int = Field(description="Rang dans `badges` (0 d'abord) / index in `badges`")
    reference: str | None = Field(examples=["inscription-2026-0042"])
    format: str = Field(examples=["json"])
    outcome: Outcome = Field(
        description=(
            "pending (en attente), accepted, duplicate (déjà connu), rejected (voir "
            "`reasons`), failed (traitement abandonné). / pending, accepted, duplicate "
            "(already known), rejected (see `reasons`), failed (processing gave up)."
        )
    )
    reasons: list[Reason]
    processed_at: datetime | None = None
    badge: BadgeFacts | None = Field(
        default=None, description="Pour accepted et duplicate / for accepted and duplicate"
    )


class ReceiptSummary(BaseModel):
    receipt_id: str
    partner_id: str | None = None
    channel: str = Field(examples=["webhook"], description="webhook | api | claim | obapi")
    webhook_id: str | None = Field(
        default=None,
        description="`webhook-id` ou `Idempotency-Key` reçu / as received",
        examples=["msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"],
    )
    status: DeliveryStatus = Field(
        description=(
            "queued (en cours), done (chaque badge a son résultat), dead (abandon). / "
            "queued (in progress), done (every badge has its outcome), dead (gave up)."
        )
    )
    received_at: datetime
    completed_at: datetime | None = None
    items: int
    outcomes: dict[Outcome, int] = Field(
        description="Badges par résultat / badges per outcome",
        examples=[{"pending": 0, "accepted": 2, "duplicate": 0, "rejected": 1, "failed": 0}],
    )
    links: ReceiptLinks


class Receipt(ReceiptSummary):
    """Une livraison et le résultat de chacun de ses badges. / A delivery and the outcome
    of each of its badges."""

    badges: list[ReceiptItem]


class ReceiptPage(BaseModel):
    items: list[ReceiptSummary]
    total: int = Field(examples=[1])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])


# --------------------------------------------------------------------------- OpenAPI


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline(value, defs) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline(value, defs) for value in node]
    return node


def delivery_body_schema() -> dict[str, Any]:
    """The request body schema (a delivery or a single badge), self-contained."""
    several = DeliveryIn.model_json_schema()
    single = BadgeIn.model_json_schema()
    defs = {**several.get("$defs", {}), **single.get("$defs", {})}
    return {
        "oneOf": [_inline(several, defs), _inline(single, defs)],
        "description": (
            "Un ou plusieurs badges (au plus 100). / One badge or several (at most 100)."
        ),
    }


EXAMPLE_JWT: Final = "eyJhbGciOiJFZERTQSIsImtpZCI6ImRpZDprZXk6ejZNay4uLiJ9.eyJ2YyI6e319.c2ln"

DELIVERY_EXAMPLES: Final[dict[str, Any]] = {
    "plusieurs": {
        "summary": "Plusieurs badges / several badges",
        "value": {
            "badges": [
                {
                    "credential": {
                        "@context": [
                            "https://www.w3.org/ns/credentials/v2",
                            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                        ],
                        "id": "urn:uuid:2f0c5e4e-6a53-4d5c-9a57-2a3c1f0e9b11",
                        "type": ["VerifiableCredential", "OpenBadgeCredential"],
                        "issuer": {"id": "did:web:campus-caen.example.fr", "type": ["Profile"]},
                        "validFrom": "2026-03-01T10:00:00Z",
                        "credentialSubject": {"type": ["AchievementSubject"]},
                        "proof": {"type": "DataIntegrityProof"},
                    },
                    "recipient": {"email": "camille.martin@example.fr"},
                    "reference": "inscription-2026-0042",
                },
                {
                    "credential": EXAMPLE_JWT,
                    "format": "jwt",
                    "recipient": {
                        "did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
                    },
                },
            ]
        },
    },
    "un seul": {
        "summary": "Un seul badge, sans tableau / a single badge, no array",
        "value": {
            "credential": "https://badges.example.org/assertions/1234",
            "recipient": {"email": "camille.martin@example.fr"},
        },
    },
}


def delivery_request_body() -> dict[str, Any]:
    """``openapi_extra`` of the delivery routes: the body, read raw (signatures)."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": delivery_body_schema(),
                    "examples": DELIVERY_EXAMPLES,
                }
            },
        }
    }
