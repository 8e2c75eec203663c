# ruff: noqa: N815 - OB 3.0 credential properties keep their JSON-LD names (camelCase)
"""Wire schemas of the credential API.

As in the issuer API, Open Badges terms keep their JSON-LD spelling (``validFrom``,
``evidence``, ``narrative``) and obhub's own metadata is in snake_case
(``achievement_id``, ``revoked_at``). Input models forbid unknown fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from obcore.did import is_did
from obcore.errors import MalformedInputError
from obcore.identity import normalize_email

Format = Literal["di", "jwt"]
JwtAlg = Literal["EdDSA", "ES256", "RS256"]
CredentialState = Literal["active", "suspended", "revoked"]

MAX_EVIDENCE: Final = 50


def _email(value: str) -> str:
    try:
        return normalize_email(value)
    except MalformedInputError:
        # Never echo the address: error details must not carry personal data.
        raise ValueError("not a valid email address") from None


def _did(value: str) -> str:
    if not is_did(value):
        raise ValueError("not a DID (did:method:identifier)")
    return value


def _uri(value: str) -> str:
    if ":" not in value or any(c.isspace() for c in value):
        raise ValueError("must be an absolute URI")
    return value


Uri = Annotated[str, StringConstraints(min_length=3, max_length=2000), AfterValidator(_uri)]
Text300 = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Text10k = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Recipient(_Input):
    """Who receives the badge: an email address (stored and embedded only as a salted
    hash) or a DID (the credential subject's ``id``). Exactly one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"oneOf": [{"required": ["email"]}, {"required": ["did"]}]},
    )

    email: Annotated[str, StringConstraints(max_length=320), AfterValidator(_email)] | None = Field(
        default=None, examples=["camille.martin@example.fr"]
    )
    did: Annotated[str, StringConstraints(max_length=300), AfterValidator(_did)] | None = Field(
        default=None, examples=["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"]
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.email is None) == (self.did is None):
            raise ValueError("give exactly one of email or did")
        return self


class EvidenceIn(_Input):
    """An OB 3.0 ``Evidence`` (``type`` is added)."""

    id: Uri | None = Field(default=None, examples=["https://portfolio.example.fr/projets/42"])
    name: Text300 | None = Field(default=None, examples=["Projet de fin de formation"])
    description: Text10k | None = None
    narrative: Text10k | None = Field(default=None, examples=["Présentation orale devant jury."])
    genre: Text300 | None = None
    audience: Text300 | None = None


class IssueCredentialRequest(_Input):
    """A badge to issue: which achievement, to whom, and when it is valid."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "achievement_id": "3f6b2a8e-2d1c-4a57-9d0e-5b8c7a6f4e21",
                    "recipient": {"email": "camille.martin@example.fr"},
                    "evidence": [
                        {
                            "id": "https://portfolio.example.fr/projets/42",
                            "narrative": "Présentation orale devant jury.",
                        }
                    ],
                    "validFrom": "2026-11-22T09:00:00Z",
                    "format": "di",
                }
            ]
        }
    )

    achievement_id: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(
        description="Badge (achievement) de cet émetteur : son UUID, son URL `id` OB 3.0 ou "
        "son slug / the issuer's achievement: its UUID, its OB 3.0 `id` URL or its slug"
    )
    achievement_version: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        default=None,
        description="Version figée ; par défaut la version courante / pinned version; "
        "default: the current one",
    )
    recipient: Recipient
    evidence: Annotated[list[EvidenceIn], Field(max_length=MAX_EVIDENCE)] = Field(
        default_factory=list
    )
    validFrom: AwareDatetime | None = Field(
        default=None, description="Par défaut maintenant / default: now (timezone required)"
    )
    validUntil: AwareDatetime | None = Field(
        default=None, description="Après validFrom / after validFrom (timezone required)"
    )
    name: Text300 | None = Field(
        default=None, description="Remplace le nom du badge / overrides the achievement's name"
    )
    description: Text10k | None = None
    format: Format = Field(
        default="di",
        description="`di` : preuve intégrée eddsa-rdfc-2022 ; `jwt` : VC-JWT / "
        "`di`: embedded eddsa-rdfc-2022 proof; `jwt`: VC-JWT",
    )
    alg: JwtAlg | None = Field(
        default=None,
        description=(
            "Algorithme VC-JWT ; par défaut RS256 sous did:web (certification OB 3.0), "
            "EdDSA sous did:key / VC-JWT algorithm; default RS256 under did:web (OB 3.0 "
            "certification), EdDSA under did:key"
        ),
    )
    status_purpose: Literal["revocation", "suspension"] = Field(
        default="revocation",
        description=(
            "Finalité de l'unique entrée de statut (le schéma OB 3.0 n'en permet qu'une) : "
            "`revocation` (définitive, vérifiée par tous) ou `suspension` (réversible) / "
            "purpose of the single status entry the OB 3.0 schema allows: `revocation` "
            "(final, checked by every verifier) or `suspension` (reversible)"
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.alg is not None and self.format != "jwt":
            raise ValueError("alg applies to the jwt format only")
        if (
            self.validFrom is not None
            and self.validUntil is not None
            and self.validUntil <= self.validFrom
        ):
            raise ValueError("validUntil must be later than validFrom")
        return self


class StatusChangeRequest(_Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Délivré par erreur (mauvais destinataire)."}]}
    )

    reason: Annotated[
        str, StringConstraints(min_length=1, max_length=1000, strip_whitespace=True)
    ] = Field(description="Motif, conservé dans le journal d'audit / reason, kept in the audit log")


CREDENTIAL_EXAMPLE: Final[dict[str, Any]] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:7d1c0f4e-9a3b-4f7e-8c21-3e5d6b7a8c90",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {
        "id": "did:web:badges.normandie.fr",
        "type": ["Profile"],
        "name": "Région Normandie",
    },
    "validFrom": "2026-11-22T09:00:00Z",
    "name": "Communiquer — Je maîtrise",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "hashed": True,
                "identityHash": "sha256$3b5d…",
                "identityType": "emailAddress",
                "salt": "9c1e2f3a4b5c6d7e8f90a1b2c3d4e5f6",
            }
        ],
        "achievement": {
            "id": "https://badges.normandie.fr/achievements/3f6b2a8e-2d1c-4a57-9d0e-5b8c7a6f4e21",
            "type": ["Achievement"],
            "name": "Communiquer — Je maîtrise",
            "description": "Communique de façon adaptée avec ses interlocuteurs.",
            "criteria": {"narrative": "Trois badges partenaires reconnus."},
        },
    },
    "credentialStatus": {
        "id": "https://badges.normandie.fr/status/5b0c2f0e-1f4e-4c55-9a43-8f1f2b7d3c10#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": (
            "https://badges.normandie.fr/status/5b0c2f0e-1f4e-4c55-9a43-8f1f2b7d3c10"
        ),
    },
    "awardedDate": "2026-11-22T09:00:00Z",
    "proof": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-11-22T09:00:00Z",
        "verificationMethod": "did:web:badges.normandie.fr#key-1",
        "proofPurpose": "assertionMethod",
        "proofValue": (
            "z58DAdFfa9SkqZMVPxAQpic7ndSayn1PzZs6ZjWp1CktyGesjuTSwRdoWhAfGFCF5bppETSTojQCrfFPP2oumHKtz"
        ),
    },
}


class CredentialRecord(BaseModel):
    """A credential this service issued, with its current status."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "7d1c0f4e-9a3b-4f7e-8c21-3e5d6b7a8c90",
                    "credential_id": "urn:uuid:7d1c0f4e-9a3b-4f7e-8c21-3e5d6b7a8c90",
                    "url": (
                        "https://badges.normandie.fr/credentials/"
                        "7d1c0f4e-9a3b-4f7e-8c21-3e5d6b7a8c90"
                    ),
                    "issuer_id": "0c5e1d2a-4b3f-4e6d-8a7b-9c0d1e2f3a4b",
                    "achievement_version_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                    "format": "di",
                    "status": "active",
                    "suspendable": False,
                    "valid_from": "2026-11-22T09:00:00Z",
                    "created_at": "2026-11-22T09:00:00Z",
                    "credential": CREDENTIAL_EXAMPLE,
                }
            ]
        }
    )

    id: str = Field(description="Identifiant interne (UUID) / internal id (UUID)")
    credential_id: str | None = Field(
        description="L'`id` du badge (urn:uuid:…) / the credential's `id` (urn:uuid:…)"
    )
    url: str = Field(description="Adresse publique du badge / public URL of the credential")
    issuer_id: str
    achievement_version_id: str | None = None
    format: Format
    status: CredentialState
    suspendable: bool = Field(
        description="Le badge porte une entrée de suspension / the credential carries a "
        "suspension entry"
    )
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    revoked_at: datetime | None = None
    erased_at: datetime | None = Field(
        default=None,
        description="Révoqué puis vidé à l'effacement de son titulaire (RGPD) : `credential` "
        "ne garde que id, type, issuer et credentialStatus / revoked then emptied when its "
        "holder was erased (GDPR): `credential` keeps only id, type, issuer and "
        "credentialStatus",
    )
    created_at: datetime
    credential: dict[str, Any] = Field(
        description="Le badge : signé (di) ou tel que porté par le jeton (jwt) / the credential: "
        "signed (di) or as carried by the token (jwt)"
    )
    jwt: str | None = Field(default=None, description="Le VC-JWT (format jwt) / the VC-JWT")


class CredentialPage(BaseModel):
    items: list[CredentialRecord]
    total: int = Field(examples=[1])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])
