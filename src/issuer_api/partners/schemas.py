"""Wire schemas of the partner registry: what administrators send, what the API answers.

Input models forbid unknown fields (a typo is a 422 naming the field). Secrets appear in
exactly two answers, once: a new webhook signing secret (:class:`NewWebhookSecret`) and
new OAuth client credentials (:class:`PartnerClientCredentials`); every other answer
shows a secret's ``hint`` only.

Trusted issuer identifiers
==========================

A partner may deliver only credentials whose issuer is one of its trusted identifiers:

* ``did``: a DID (W3C DID Core syntax, ``did:<method>:<id>``; no fragment, path or
  query: the identifier is the DID itself). Stored normalised (the ``did:`` scheme in
  lower case), which is how the processing compares DIDs.
* ``url``: an absolute ``https`` URL (an OB 3.0 issuer id, or an OB 2.0 hosted issuer
  profile), compared exactly as written. Some OB 2.0 issuers still publish their
  profile at an ``http`` URL: such an identifier is accepted only when the
  administrator says so explicitly (``"allow_http": true``), so that a missing ``s``
  is never a silent typo.

``kind`` may be omitted: ``did:…`` is a DID, anything else a URL.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Final, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from issuer_api.issuers.schemas import Email, HttpUrlStr, ShortText, Slug
from issuer_api.privacy import normalize_did

PartnerState = Literal["active", "suspended"]
TrustedIssuerKind = Literal["did", "url"]

MAX_TRUSTED_ISSUERS_AT_CREATION: Final = 50
LOCAL_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})

_DID_CHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
DID_PATTERN: Final = re.compile(rf"^did:[a-z0-9]+:(?:{_DID_CHAR}*:)*{_DID_CHAR}+$")
"""W3C DID Core ``did`` production: method in lower case, a non-empty last segment."""


def is_did(value: str) -> bool:
    """A DID (not a DID URL: no path, query or fragment)."""
    return len(value) <= 2000 and DID_PATTERN.fullmatch(value) is not None


def _not_uuid(value: str) -> str:
    # A partner is addressed by id or slug: a slug shaped like an id would be ambiguous.
    try:
        uuid.UUID(value)
    except ValueError:
        return value
    raise ValueError("a slug cannot have the form of a UUID")


def _notify_url(value: str) -> str:
    split = urlsplit(value)
    host = (split.hostname or "").lower()
    if any(c.isspace() for c in value) or not host or split.username or split.password:
        raise ValueError("must be an absolute https URL")
    if split.scheme == "https" or (split.scheme == "http" and host in LOCAL_HOSTS):
        return value
    raise ValueError("must be an https URL (http only for localhost)")


PartnerSlug = Annotated[Slug, AfterValidator(_not_uuid)]
NotifyUrl = Annotated[
    str,
    StringConstraints(max_length=2000),
    AfterValidator(_notify_url),
    Field(
        description=(
            "Obsolète : adresse enregistrée pour mémoire, rien n'y est envoyé ; les "
            "notifications signées passent par `POST /webhook-endpoints`. https (http "
            "seulement pour localhost). / Deprecated: kept for reference, nothing is sent "
            "there; signed notifications go through `POST /webhook-endpoints`. https (http "
            "only for localhost)."
        ),
        examples=["https://lms.campus-caen.example.fr/hooks/obhub"],
        json_schema_extra={"deprecated": True},
    ),
]
Note = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
Reason = Annotated[str, StringConstraints(max_length=500)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- inputs


class TrustedIssuerIn(_Input):
    """An issuer identifier whose credentials the partner may deliver."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"identifier": "did:web:campus-caen.example.fr"},
                {"identifier": "https://campus-caen.example.fr/issuer", "kind": "url"},
                {"identifier": "http://badges.example.org/issuer.json", "allow_http": True},
            ]
        },
    )

    identifier: Annotated[
        str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)
    ] = Field(
        description="Un DID ou une URL https / a DID or an https URL",
        examples=["did:web:campus-caen.example.fr"],
    )
    kind: TrustedIssuerKind | None = Field(
        default=None,
        description="Déduit si absent (`did:…` → did) / detected when absent",
    )
    allow_http: bool = Field(
        default=False,
        description=(
            "Accepter une URL http (profils d'émetteur OB 2.0 anciens seulement). / Accept "
            "an http URL (legacy OB 2.0 issuer profiles only)."
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        looks_like_did = self.identifier[:4].lower() == "did:"
        kind = self.kind or ("did" if looks_like_did else "url")
        if kind == "did":
            value = normalize_did(self.identifier)
            if not is_did(value):
                raise ValueError(
                    "identifier: not a DID (did:<method>:<id>, without #fragment, path or query)"
                )
            self.identifier = value
        else:
            if looks_like_did:
                raise ValueError("identifier: a DID cannot have kind 'url'")
            _check_issuer_url(self.identifier, allow_http=self.allow_http)
        self.kind = kind
        return self


def _check_issuer_url(value: str, *, allow_http: bool) -> None:
    split = urlsplit(value)
    if any(c.isspace() for c in value) or not split.hostname:
        raise ValueError("identifier: must be a DID or an absolute https URL")
    if split.username or split.password:
        raise ValueError("identifier: a URL with credentials is not an issuer id")
    if split.scheme == "https" or (split.scheme == "http" and allow_http):
        return
    if split.scheme == "http":
        raise ValueError(
            "identifier: http URLs are accepted only with allow_http (legacy OB 2.0 issuers)"
        )
    raise ValueError("identifier: must be a DID or an absolute https URL")


class ContactFields(_Input):
    """The partner's descriptive fields an administrator edits."""

    name: ShortText | None = Field(default=None, examples=["Campus des métiers de Caen"])
    contact_name: ShortText | None = Field(default=None, examples=["Claire Dupont"])
    contact_email: Email | None = Field(default=None, examples=["badges@campus-caen.example.fr"])
    url: HttpUrlStr | None = Field(default=None, examples=["https://campus-caen.example.fr"])
    notify_url: NotifyUrl | None = None


class PartnerCreate(ContactFields):
    """A new partner organisation (active at once)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "slug": "campus-caen",
                    "name": "Campus des métiers de Caen",
                    "contact_name": "Claire Dupont",
                    "contact_email": "badges@campus-caen.example.fr",
                    "url": "https://campus-caen.example.fr",
                    "trusted_issuers": [{"identifier": "did:web:campus-caen.example.fr"}],
                }
            ]
        },
    )

    slug: PartnerSlug
    name: ShortText = Field(examples=["Campus des métiers de Caen"])
    trusted_issuers: Annotated[
        list[TrustedIssuerIn], Field(max_length=MAX_TRUSTED_ISSUERS_AT_CREATION)
    ] = Field(
        default_factory=list,
        description="Émetteurs de confiance initiaux / initial trusted issuers",
    )


class PartnerUpdate(ContactFields):
    """Fields to change; ``null`` clears one (``name`` and ``state`` cannot be cleared)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"contact_email": "numerique@campus-caen.example.fr"},
                {"state": "suspended"},
            ]
        },
    )

    # Either may be left out, neither cleared: the document shows them without null.
    name: ShortText | SkipJsonSchema[None] = Field(
        default=None, examples=["Campus des métiers de Caen"]
    )
    state: PartnerState | SkipJsonSchema[None] = Field(
        default=None,
        description=(
            "`suspended` : les livraisons sont refusées (403 `partner_suspended`). / "
            "`suspended`: deliveries are refused (403 `partner_suspended`)."
        ),
    )

    @model_validator(mode="after")
    def _not_cleared(self) -> Self:
        for name in ("name", "state"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class StateChange(_Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Convention de partenariat échue."}]},
    )

    reason: Reason | None = None


class WebhookSecretCreate(_Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"note": "rotation 2026"}]}
    )

    note: Note | None = Field(default=None, description="Note libre / free-form note")


# --------------------------------------------------------------------------- outputs


class TrustedIssuerRecord(BaseModel):
    id: int = Field(examples=[12])
    identifier: str = Field(examples=["did:web:campus-caen.example.fr"])
    kind: TrustedIssuerKind
    created_at: datetime


class WebhookSecretRecord(BaseModel):
    """A webhook signing secret as listed: never the secret, only its first characters."""

    id: str = Field(examples=["5b0f8c0e-2f4d-4f7b-9a51-0b7c3e1f2a10"])
    hint: str = Field(
        description="Premiers caractères du secret / first characters of the secret",
        examples=["whsec_MfKQ"],
    )
    note: str | None = None
    active: bool
    created_at: datetime
    revoked_at: datetime | None = None


class NewWebhookSecret(WebhookSecretRecord):
    """A new secret: ``secret`` is shown in this answer only, never again."""

    secret: str = Field(
        description=(
            "Secret Standard Webhooks, affiché une seule fois : conservez-le. / Standard "
            "Webhooks secret, shown once: store it."
        ),
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class PartnerRecord(BaseModel):
    """A partner as administrators see it."""

    id: str = Field(description="Identifiant interne / internal id (UUID)")
    slug: str = Field(examples=["campus-caen"])
    name: str = Field(examples=["Campus des métiers de Caen"])
    contact_name: str | None = None
    contact_email: str | None = None
    url: str | None = None
    notify_url: str | None = None
    state: PartnerState
    client_id: str | None = Field(
        description="Client OAuth du partenaire (portée `deliver`) / the partner's OAuth client",
        examples=["obc_4f1c2b3a9d8e7f6a5b4c3d2e"],
    )
    webhook_url: str = Field(
        description="Où le partenaire envoie ses webhooks signés / where it sends signed webhooks",
        examples=["/webhooks/partners/5b0f8c0e-2f4d-4f7b-9a51-0b7c3e1f2a10"],
    )
    trusted_issuers: list[TrustedIssuerRecord]
    webhook_secrets: list[WebhookSecretRecord]
    created_at: datetime
    updated_at: datetime | None = None


class PartnerList(BaseModel):
    items: list[PartnerRecord]
    total: int = Field(examples=[3])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])


class PartnerClientCredentials(BaseModel):
    """The partner's new OAuth client: ``client_secret`` is shown in this answer only."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "client_id": "obc_4f1c2b3a9d8e7f6a5b4c3d2e",
                    "client_secret": "obs_Zq3…",
                    "scopes": ["deliver"],
                    "replaced_client_id": None,
                }
            ]
        }
    )

    client_id: str
    client_secret: str = Field(description="Affiché une seule fois / shown once")
    scopes: list[str]
    replaced_client_id: str | None = Field(
        default=None,
        description="Client précédent, désormais désactivé / previous client, now disabled",
    )
