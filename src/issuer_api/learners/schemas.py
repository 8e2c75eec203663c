"""Wire schemas of the learner administration API (records, export, erasure).

These documents carry personal data (emails, DIDs, the credentials as partners sent
them): only administrators (scope ``admin``) obtain them, and never in a listing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

IdentifierKind = Literal["email", "did"]
BadgeStatus = Literal["active", "revoked", "suspended", "expired"]


class LearnerRef(BaseModel):
    """The learner an identifier belongs to."""

    learner_id: str = Field(
        description="Identifiant interne du bénéficiaire / internal learner id",
        examples=["5b0e7c1a-2f3d-4e5a-8b9c-0d1e2f3a4b5c"],
    )


class IdentifierOut(BaseModel):
    kind: IdentifierKind
    value: str = Field(
        description="L'adresse e-mail ou le DID, en clair / the email or DID, in clear",
        examples=["camille.martin@example.fr"],
    )
    created_at: datetime


class PartnerBadgeOut(BaseModel):
    """A partner badge kept for the learner: its public facts and status."""

    id: str
    partner_id: str | None = None
    delivery_id: str | None = None
    issuer_id: str = Field(examples=["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"])
    credential_id: str = Field(examples=["urn:uuid:2f1f5e0a-4c1e-4d8e-9d3a-0a1b2c3d4e01"])
    format: str = Field(examples=["json"])
    achievement_id: str | None = None
    achievement_name: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    awarded_at: datetime | None = None
    status: BadgeStatus
    status_checked_at: datetime | None = None
    status_changed_at: datetime | None = None
    digest: str = Field(description="SHA-256 du badge reçu / SHA-256 of the badge as received")
    created_at: datetime
    updated_at: datetime | None = None


class RegionalAwardOut(BaseModel):
    id: str
    achievement_code: str
    state: str
    credential_id: str | None = None
    referential_version_id: str
    evidence: list[Any]
    created_at: datetime
    updated_at: datetime | None = None


class LearnerRecord(BaseModel):
    """A learner: identifiers in clear, partner badges, regional badges."""

    id: str
    created_at: datetime
    updated_at: datetime | None = None
    identifiers: list[IdentifierOut]
    partner_badges: list[PartnerBadgeOut]
    regional_awards: list[RegionalAwardOut]


class ExportedBadge(PartnerBadgeOut):
    achievement: dict[str, Any]
    original: str | None = Field(
        description="Le badge tel que reçu (JSON, JWT, URL, image en base64) / the badge as "
        "received (JSON, JWT, URL, base64 image)"
    )
    report: dict[str, Any] = Field(description="Rapport de vérification / verification report")


class ExportedEvent(BaseModel):
    id: int
    partner_badge_id: str | None = None
    kind: str
    previous_status: str | None = None
    new_status: str | None = None
    at: datetime
    detail: dict[str, Any]


class ExportedDeliveryItem(BaseModel):
    id: str
    delivery_id: str
    partner_id: str | None = None
    channel: str
    received_at: datetime
    position: int
    reference: str | None = None
    payload_kind: str
    payload: str | None = Field(description="Le badge envoyé / the badge as sent")
    recipient_kind: str | None = None
    recipient: str | None = Field(description="Le destinataire annoncé / the envelope recipient")
    outcome: str
    reasons: list[Any]
    partner_badge_id: str | None = None
    processed_at: datetime | None = None


class ExportedAward(RegionalAwardOut):
    explanation: dict[str, Any]
    credential: dict[str, Any] | None = Field(
        default=None, description="Le badge régional émis / the regional credential issued"
    )
    credential_jwt: str | None = None


class ExportedGrant(BaseModel):
    """An authorisation the learner gave an application (OB 3.0 API), without its tokens."""

    id: str
    client_id: str
    client_name: str
    client_uri: str | None = None
    scopes: list[str]
    authorised_at: datetime
    revoked_at: datetime | None = None


class LearnerExport(BaseModel):
    """Everything the service holds about one person (GDPR right of access, art. 15)."""

    exported_at: datetime
    learner: LearnerRef
    created_at: datetime
    updated_at: datetime | None = None
    identifiers: list[IdentifierOut]
    partner_badges: list[ExportedBadge]
    events: list[ExportedEvent]
    delivery_items: list[ExportedDeliveryItem]
    regional_awards: list[ExportedAward]
    authorised_applications: list[ExportedGrant] = Field(
        default_factory=list,
        description="Applications autorisées par l'API Open Badges / applications "
        "authorised through the Open Badges API",
    )


class RecheckQueued(BaseModel):
    learner_id: str
    queued: bool = Field(
        description="Faux si une vérification était déjà en attente / false when a re-check "
        "was already waiting"
    )
