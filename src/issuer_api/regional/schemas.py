"""Wire schemas of the regional API: référentiel, mappings, progress, claims, dry run.

Explanations, missing conditions and progress come from :mod:`aggregation` as plain
JSON (their shape is documented there) and are passed through as objects; every
human text in them is a ``{"fr": …, "en": …}`` map.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from issuer_api.ingestion.schemas import MAX_BADGES, Reason, Receipt, RecipientIn

MappingState = Literal["proposed", "approved", "rejected"]
AwardState = Literal["active", "suspended", "revoked"]

MAX_DRY_RUN_BADGES: Final = 200

Code = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
AchievementRef = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Note = Annotated[str, StringConstraints(min_length=1, max_length=2000)]

BadgeInput = Annotated[
    dict[str, Any] | str,
    Field(
        description=(
            "Un badge : objet JSON (OB 3.0, OB 2.0 ou présentation vérifiable), VC-JWT ou "
            "VP-JWT compact, URL d'une assertion hébergée, image PNG/SVG (data URI ou "
            'base64) ou `{"image": base64, "media_type"}`. / A badge: JSON object (OB '
            "3.0, OB 2.0 or verifiable presentation), compact VC-JWT or VP-JWT, hosted "
            'assertion URL, PNG/SVG image (data URI or base64) or `{"image": base64, '
            '"media_type"}`.'
        )
    ),
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- référentiel


class ReferentialSummary(BaseModel):
    """One loaded version of the référentiel."""

    number: int = Field(description="1, 2, … dans l'ordre de chargement / in load order")
    code: str = Field(examples=["normandie"])
    version: str = Field(examples=["2026.1"], description="Version de l'auteur / author's label")
    digest: str = Field(description="SHA-256 du document canonique / of the canonical document")
    active: bool
    loaded_by: str | None = Field(default=None, description="Client qui l'a chargé / loader")
    created_at: datetime


class ReferentialRecord(ReferentialSummary):
    document: dict[str, Any] = Field(
        description="Le référentiel, forme canonique JSON / the référentiel, canonical JSON"
    )


class RegionalAchievementOut(BaseModel):
    """The Region's achievement (badge class) for one regional badge code."""

    code: str = Field(examples=["ORG-II"])
    achievement_id: str = Field(description="Identifiant interne / internal id")
    uri: str = Field(description="Identifiant OB 3.0 / OB 3.0 id")
    version: int


class ReferentialLoaded(ReferentialRecord):
    """The answer to ``PUT /referential``."""

    changed: bool = Field(
        description=(
            "Faux si ce référentiel était déjà actif (rien n'est enregistré). / False when "
            "this référentiel was already active (nothing is stored)."
        )
    )
    achievements: list[RegionalAchievementOut]
    reevaluation_queued: bool = Field(
        description="Réévaluation de tous les bénéficiaires en file / every learner queued"
    )


class ReferentialVersionPage(BaseModel):
    items: list[ReferentialSummary]
    total: int


# --------------------------------------------------------------------------- mappings


class MappingIn(_Input):
    """A partner achievement proposed to count toward a competency (and a level)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "achievement_id": "https://campus-caen.example.fr/achievements/planning",
                    "issuer_id": "did:web:campus-caen.example.fr",
                    "competency": "ORG",
                    "level": "II",
                    "note": "Module « Planifier un chantier » : niveau maîtrise.",
                }
            ]
        },
    )

    achievement_id: AchievementRef = Field(description="Id OB 3.0 du badge partenaire")
    issuer_id: AchievementRef | None = Field(
        default=None,
        description=(
            "Restreint à cet émetteur (obligatoire pour un partenaire) / only from this "
            "issuer (required for a partner)"
        ),
    )
    competency: Code = Field(examples=["ORG"])
    level: Code | None = Field(default=None, description="Défaut : le plus bas / default lowest")
    note: Note | None = None


class MappingDecisionIn(_Input):
    note: Note | None = None


class MappingRecord(BaseModel):
    id: str
    achievement_id: str
    issuer_id: str | None
    partner_id: str | None
    competency: str
    level: str | None
    state: MappingState
    proposed_by: str | None
    decided_by: str | None
    decided_at: datetime | None
    note: str | None
    created_at: datetime


class MappingPage(BaseModel):
    items: list[MappingRecord]
    total: int
    limit: int
    offset: int


# --------------------------------------------------------------------------- progress


class AwardOut(BaseModel):
    """A regional badge held by the learner."""

    code: str = Field(examples=["ORG-I"])
    name: dict[str, str] | None = Field(description="fr / en")
    state: AwardState
    credential_id: str | None = Field(description="Identifiant du badge émis / credential id")
    page_url: str | None = Field(description="Page publique du badge / public page")
    referential_version: int | None = Field(description="Numéro de version du référentiel")
    awarded_at: datetime
    counted: list[str] = Field(description="Badges partenaires comptés / partner badges used")


class BadgeOut(BaseModel):
    """A partner badge as the référentiel sees it (public facts only)."""

    id: str
    credential_id: str
    issuer_id: str
    partner_id: str | None
    achievement_id: str | None
    achievement_name: str | None
    status: str = Field(examples=["active"])
    recognised: bool = Field(description="Partenaire actif / from an active partner")
    counts_for: list[dict[str, str]] = Field(
        description="[{competency, level, via}] : ce pour quoi il compte / what it counts for"
    )


class ProgressOut(BaseModel):
    learner_id: str
    referential: dict[str, Any] = Field(description="{number, code, version, digest}")
    competencies: list[dict[str, Any]] = Field(
        description=(
            "Par compétence : niveau détenu, badges comptés, ce qui manque pour le niveau "
            "suivant (voir aggregation.progress). / Per competency: level held, badges "
            "counted, what is missing for the next level."
        )
    )
    others: list[dict[str, Any]] = Field(
        description="Badges régionaux hors compétence (badge général) / general badges"
    )
    awards: list[AwardOut]
    badges: list[BadgeOut]


# --------------------------------------------------------------------------- claims


class ClaimIn(_Input):
    """Badges held elsewhere, claimed for one learner."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "recipient": {"email": "camille.martin@example.fr"},
                    "badges": ["eyJhbGciOiJFZERTQSJ9.eyJ2YyI6e319.c2ln"],
                }
            ]
        },
    )

    recipient: RecipientIn
    badges: Annotated[list[BadgeInput], Field(min_length=1, max_length=MAX_BADGES)]


class ClaimAck(BaseModel):
    claim_id: str
    status: Literal["queued"] = "queued"
    received_at: datetime
    items: int = Field(description="Badges reçus (présentations dépliées) / badges received")
    links: dict[str, str] = Field(description="`self` : suivre la demande / follow the claim")


class ClaimRecord(BaseModel):
    claim_id: str
    status: str = Field(examples=["done"], description="queued | done | dead")
    received_at: datetime
    completed_at: datetime | None
    badges: list[dict[str, Any]] = Field(description="Issue de chaque badge / each outcome")
    learner_id: str | None
    awards: list[AwardOut] = Field(
        description="Badges régionaux du bénéficiaire / the learner's regional badges"
    )
    awarded_since: list[str] = Field(
        description="Codes obtenus depuis la demande / codes awarded since the claim"
    )

    @classmethod
    def of(
        cls,
        receipt: Receipt,
        learner_id: str | None,
        awards: list[AwardOut],
        awarded_since: list[str],
    ) -> ClaimRecord:
        return cls(
            claim_id=receipt.receipt_id,
            status=receipt.status,
            received_at=receipt.received_at,
            completed_at=receipt.completed_at,
            badges=[item.model_dump(mode="json") for item in receipt.badges],
            learner_id=learner_id,
            awards=awards,
            awarded_since=awarded_since,
        )


# --------------------------------------------------------------------------- dry run


class DryRunIn(_Input):
    """Badges to evaluate, and optionally a draft référentiel to evaluate them against."""

    badges: Annotated[list[BadgeInput], Field(min_length=1, max_length=MAX_DRY_RUN_BADGES)]
    recipient: RecipientIn | None = Field(
        default=None, description="Destinataire attendu (vérifié) / expected recipient"
    )
    referential: dict[str, Any] | str | None = Field(
        default=None,
        description=(
            "Référentiel à essayer (JSON ou texte YAML), sinon l'actif. / A référentiel to "
            "try (JSON or YAML text), else the active one."
        ),
    )


class DryRunBadge(BaseModel):
    """One badge given to the dry run: verified? recognised? what does it count for?"""

    position: int
    part: int | None = Field(default=None, description="Rang dans la présentation / in the VP")
    id: str = Field(description="Référence dans les explications / id in the explanations")
    format: str
    verified: bool
    verdict: str
    issuer_id: str | None
    partner_id: str | None = Field(description="Partenaire qui reconnaît l'émetteur")
    credential_id: str | None
    achievement_id: str | None
    achievement_name: str | None
    counts: bool = Field(description="Compté pour au moins un badge régional / counted")
    counts_for: list[dict[str, str]]
    reasons: list[Reason] = Field(description="Pourquoi il ne compte pas / why it does not count")
    failed_checks: list[dict[str, Any]] = Field(default_factory=list)


class DryRunAchievement(BaseModel):
    code: str
    name: dict[str, str]
    would_award: bool
    reason: str | None = Field(description="rule | implied_by | null")
    counted: list[str]
    counted_regional: list[str]
    missing: list[dict[str, Any]]
    explanation: dict[str, Any]


class DryRunOut(BaseModel):
    referential: dict[str, Any] = Field(description="{code, version, digest, source}")
    would_award: list[str]
    achievements: list[DryRunAchievement]
    badges: list[DryRunBadge]
