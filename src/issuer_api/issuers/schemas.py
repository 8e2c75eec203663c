# ruff: noqa: N815 - OB 3.0 Profile properties keep their JSON-LD names (camelCase)
"""Wire schemas of the issuer API: what administrators send, what the API answers.

Input models forbid unknown fields (a typo is a 422 naming the field, not a silently
dropped property). Open Badges terms keep their JSON-LD spelling (``otherIdentifier``,
``addressLocality``); obhub's own metadata is in snake_case (``is_region``,
``created_at``). Public documents (the Profile, DID documents, the JWKS) are returned
as JSON as published; their models here describe them for the OpenAPI document.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Final, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from obcore.identity import IDENTITY_TYPES
from obcore.keys import KeyType

# --------------------------------------------------------------------------- field types

SLUG_PATTERN: Final = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}$")
_EXT = re.compile(r"^ext:[A-Za-z0-9._-]+$")
MAX_IMAGE_CHARS: Final = 100_000
"""An image is a URL or a data URI; it is embedded in every credential, so keep it small."""


def _http_url(value: str) -> str:
    split = urlsplit(value)
    if (
        split.scheme not in ("http", "https")
        or not split.hostname
        or any(c.isspace() for c in value)
    ):
        raise ValueError("must be an absolute http(s) URL")
    return value


def _image(value: str) -> str:
    if value.startswith("data:"):
        if not re.match(r"^data:image/(png|svg\+xml)(;[A-Za-z0-9=.+-]+)*,", value):
            raise ValueError("a data URI image must be image/png or image/svg+xml")
        return value
    return _http_url(value)


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("must be an email address")
    return value


def enum_or_ext(allowed: frozenset[str], what: str) -> AfterValidator:
    """A value of an OB 3.0 extensible enumeration: one of ``allowed`` or ``ext:Name``."""

    def check(value: str) -> str:
        if value not in allowed and not _EXT.fullmatch(value):
            raise ValueError(f"not a known {what}; use one of the OB 3.0 values or 'ext:YourTerm'")
        return value

    return AfterValidator(check)


Slug = Annotated[
    str,
    StringConstraints(pattern=SLUG_PATTERN),
    Field(
        description="Identifiant court : minuscules, chiffres, tirets / lowercase, digits, dashes",
        examples=["agence-orientation"],
    ),
]
HTTP_URL_PATTERN: Final = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+[^\s]*$"
"""What :func:`_http_url` accepts, told to the OpenAPI document (the validator decides)."""
HttpUrlStr = Annotated[
    str,
    StringConstraints(max_length=2000),
    AfterValidator(_http_url),
    Field(json_schema_extra={"format": "uri", "pattern": HTTP_URL_PATTERN}),
]
ImageStr = Annotated[
    str,
    StringConstraints(max_length=MAX_IMAGE_CHARS),
    AfterValidator(_image),
    Field(description="URL https ou data URI PNG/SVG / https URL or PNG/SVG data URI"),
]
Email = Annotated[
    str,
    StringConstraints(max_length=320),
    AfterValidator(_email),
    Field(json_schema_extra={"pattern": _EMAIL.pattern}),
]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]

IDENTIFIER_TYPES: Final = IDENTITY_TYPES  # OB 3.0 IdentifierTypeEnum, one list for both


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressIn(_Input):
    """OB 3.0 ``Address`` (``type`` is added)."""

    streetAddress: ShortText | None = None
    postOfficeBoxNumber: ShortText | None = None
    postalCode: Annotated[str, StringConstraints(min_length=1, max_length=20)] | None = None
    addressLocality: ShortText | None = None
    addressRegion: ShortText | None = None
    addressCountry: ShortText | None = None
    addressCountryCode: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None


class IdentifierEntryIn(_Input):
    """OB 3.0 ``IdentifierEntry`` (``type`` is added), e.g. a SIRET number."""

    identifier: ShortText
    identifierType: Annotated[str, enum_or_ext(IDENTIFIER_TYPES, "identifierType")] = Field(
        examples=["ext:SIRET"]
    )


class ProfileFields(_Input):
    """The Profile properties an administrator edits (beyond the slug)."""

    name: ShortText | None = Field(default=None, examples=["Agence régionale de l'orientation"])
    url: HttpUrlStr | None = Field(default=None, examples=["https://www.orientation.example.fr"])
    email: Email | None = Field(default=None, examples=["contact@orientation.example.fr"])
    description: LongText | None = Field(
        default=None, examples=["Accompagne les parcours d'orientation en Normandie."]
    )
    image: ImageStr | None = Field(
        default=None, examples=["https://www.orientation.example.fr/logo.png"]
    )
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 .()-]{3,30}$")] | None = None
    address: AddressIn | None = None
    otherIdentifier: Annotated[list[IdentifierEntryIn], Field(max_length=20)] | None = None
    official: ShortText | None = Field(
        default=None, description="Personne habilitée / authorised official"
    )


EXTRA_PROFILE_FIELDS: Final = ("phone", "address", "otherIdentifier", "official")
"""Profile properties stored in ``Issuer.extra`` (the others have their own columns)."""


def _default_key_types() -> list[KeyType]:
    return ["ed25519"]


class IssuerCreate(ProfileFields):
    """A new issuer (a partner organisation; the Region is created by ``obhub migrate``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "slug": "agence-orientation",
                    "name": "Agence régionale de l'orientation",
                    "url": "https://www.orientation.example.fr",
                    "email": "contact@orientation.example.fr",
                    "address": {"addressLocality": "Caen", "addressCountryCode": "FR"},
                    "otherIdentifier": [
                        {"identifier": "13002802600017", "identifierType": "ext:SIRET"}
                    ],
                    "key_types": ["ed25519", "rsa"],
                }
            ]
        }
    )

    slug: Slug
    name: ShortText = Field(examples=["Agence régionale de l'orientation"])
    key_types: Annotated[list[KeyType], Field(min_length=1, max_length=3)] = Field(
        default_factory=_default_key_types,
        description=(
            "Clés à créer ; une clé Ed25519 est toujours créée. P-256 et RSA (VC-JWT) "
            "demandent did:web. / Keys to create; an Ed25519 key is always created. P-256 "
            "and RSA (VC-JWT) need did:web."
        ),
    )


class IssuerUpdate(ProfileFields):
    """Fields to change; a field sent as ``null`` is cleared (``name`` cannot be)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"description": "Nouvelle description.", "phone": "+33 2 31 00 00 00"}]
        }
    )

    @model_validator(mode="after")
    def _name_cannot_be_cleared(self) -> Self:
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("name cannot be null")
        return self


class KeyRotation(_Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"key_type": "ed25519", "reason": "rotation annuelle"}]}
    )

    key_type: KeyType = "ed25519"
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


# --------------------------------------------------------------------------- outputs


class KeyRecord(BaseModel):
    """A signing key as administrators see it (never the private part)."""

    verification_method: str | None = Field(
        description=(
            "Identifiant de méthode de vérification (kid) ; null pour une clé inutilisable "
            "sous did:key. / Verification method id (kid); null for a key unusable under did:key."
        ),
        examples=["did:web:badges.normandie.fr:issuers:agence-orientation#key-1"],
    )
    key_type: KeyType
    alg: str = Field(examples=["EdDSA"])
    status: Literal["active", "retired"]
    public_jwk: dict[str, str] = Field(
        examples=[
            {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
        ]
    )
    created_at: datetime
    retired_at: datetime | None = None


class IssuerRecord(BaseModel):
    """An issuer as administrators see it: profile fields, identity and keys."""

    id: str = Field(description="Identifiant interne / internal id (UUID)")
    slug: str = Field(examples=["agence-orientation"])
    did: str = Field(
        description="Identifiant OB 3.0 de l'émetteur / the issuer's OB 3.0 id (its DID)",
        examples=["did:web:badges.normandie.fr:issuers:agence-orientation"],
    )
    is_region: bool
    profile_url: str = Field(examples=["https://badges.normandie.fr/issuers/agence-orientation"])
    did_document_url: str | None = Field(
        description="null sous did:key / null under did:key",
        examples=["https://badges.normandie.fr/issuers/agence-orientation/did.json"],
    )
    name: str
    url: str | None = None
    email: str | None = None
    description: str | None = None
    image: str | None = None
    phone: str | None = None
    address: dict[str, Any] | None = None
    otherIdentifier: list[dict[str, Any]] | None = None
    official: str | None = None
    keys: list[KeyRecord]
    created_at: datetime
    updated_at: datetime | None = None


class IssuerList(BaseModel):
    items: list[IssuerRecord]
    total: int = Field(examples=[3])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])


class KeyRotationResult(BaseModel):
    active: KeyRecord = Field(description="La nouvelle clé active / the new active key")
    retired: list[KeyRecord] = Field(description="Clés retirées / keys just retired")


# --------------------------------------------------------------------------- public documents


class _Document(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


PROFILE_EXAMPLE: Final[dict[str, Any]] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "did:web:badges.normandie.fr",
    "type": ["Profile"],
    "name": "Région Normandie",
    "url": "https://www.normandie.fr",
}


class ProfileDocument(_Document):
    """An OB 3.0 ``Profile`` (JSON-LD)."""

    model_config = ConfigDict(json_schema_extra={"examples": [PROFILE_EXAMPLE]})

    context: list[str] = Field(alias="@context")
    id: str
    type: list[str]
    name: str


DID_DOCUMENT_EXAMPLE: Final[dict[str, Any]] = {
    "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
    "id": "did:web:badges.normandie.fr",
    "verificationMethod": [
        {
            "id": "did:web:badges.normandie.fr#key-1",
            "type": "Multikey",
            "controller": "did:web:badges.normandie.fr",
            "publicKeyMultibase": "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        }
    ],
    "assertionMethod": ["did:web:badges.normandie.fr#key-1"],
}


class DidDocument(_Document):
    """A DID document (did:web): every key of the issuer, retired ones included."""

    model_config = ConfigDict(json_schema_extra={"examples": [DID_DOCUMENT_EXAMPLE]})

    context: list[str] = Field(alias="@context")
    id: str
    verificationMethod: list[dict[str, Any]]
    assertionMethod: list[str]


class JsonWebKeySet(BaseModel):
    """RFC 7517 key set; ``kid`` is the verification method id."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "keys": [
                        {
                            "kty": "OKP",
                            "crv": "Ed25519",
                            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                            "kid": "did:web:badges.normandie.fr#key-1",
                            "alg": "EdDSA",
                            "use": "sig",
                        }
                    ]
                }
            ]
        }
    )

    keys: list[dict[str, str]]
