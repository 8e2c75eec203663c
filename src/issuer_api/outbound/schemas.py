"""Wire schemas of the outbound webhooks: endpoints, their delivery log, event payloads.

Input models forbid unknown fields (a typo is a 422 naming the field). A signing secret
appears in exactly two answers, once: a new endpoint and a rotated secret
(:class:`NewWebhookEndpoint`); every other answer leaves it out.

An endpoint's ``events`` filter lists event types (``regional_badge.awarded``) or
families (``regional_badge.*``); an empty list means every event. The payload shapes
of the events are described by :class:`RegionalBadgeEventData` (the ``data`` member)
inside the Standard Webhooks envelope :class:`EventEnvelope`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from issuer_api.issuers.schemas import HttpUrlStr

# --------------------------------------------------------------------------- event types

REGIONAL_BADGE_AWARDED: Final = "regional_badge.awarded"
REGIONAL_BADGE_SUSPENDED: Final = "regional_badge.suspended"
REGIONAL_BADGE_RESTORED: Final = "regional_badge.restored"
REGIONAL_BADGE_REVOKED: Final = "regional_badge.revoked"
WEBHOOK_TEST: Final = "webhook.test"

EVENT_TYPES: Final = frozenset(
    {
        REGIONAL_BADGE_AWARDED,
        REGIONAL_BADGE_SUSPENDED,
        REGIONAL_BADGE_RESTORED,
        REGIONAL_BADGE_REVOKED,
    }
)
"""The event types :func:`issuer_api.outbound.service.notify` sends (and filters name)."""

EVENT_FAMILIES: Final = frozenset(event.split(".", 1)[0] for event in EVENT_TYPES)
MAX_EVENT_FILTERS: Final = 32

MessageStatus = Literal["pending", "delivered", "dead"]


def wants(events: list[Any], event_type: str) -> bool:
    """Whether an endpoint with this ``events`` filter receives ``event_type``."""
    if not events:
        return True
    family = event_type.split(".", 1)[0]
    return event_type in events or f"{family}.*" in events


def _event_filter(value: str) -> str:
    if value in EVENT_TYPES:
        return value
    family, dot, rest = value.partition(".")
    if dot and rest == "*" and family in EVENT_FAMILIES:
        return value
    known = ", ".join(sorted(EVENT_TYPES | {f"{f}.*" for f in EVENT_FAMILIES}))
    raise ValueError(f"unknown event type; use one of: {known}")


EventFilter = Annotated[str, AfterValidator(_event_filter)]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


EventFilterList = Annotated[
    list[EventFilter],
    Field(max_length=MAX_EVENT_FILTERS),
    AfterValidator(_unique),
    Field(
        description=(
            "Types d'événements reçus (`regional_badge.awarded`) ou familles "
            "(`regional_badge.*`) ; vide : tous. / Event types received "
            "(`regional_badge.awarded`) or families (`regional_badge.*`); empty: every event."
        ),
        examples=[["regional_badge.awarded", "regional_badge.revoked"]],
    ),
]

WebhookUrl = Annotated[
    HttpUrlStr,
    Field(
        description=(
            "URL https de réception (http seulement vers un hôte de OBHUB_FETCH_ALLOWLIST ; "
            "jamais une adresse privée non autorisée). / https receiving URL (http only to "
            "a host in OBHUB_FETCH_ALLOWLIST; never a private address that is not allowed)."
        ),
        examples=["https://lms.campus-caen.example.fr/hooks/obhub"],
    ),
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- inputs


class WebhookEndpointCreate(_Input):
    """A new endpoint: a partner's (``partner_id``) or the Region's (no ``partner_id``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "partner_id": "campus-caen",
                    "url": "https://lms.campus-caen.example.fr/hooks/obhub",
                    "events": ["regional_badge.*"],
                },
                {"url": "https://si.normandie.example.fr/obhub/events"},
            ]
        },
    )

    partner_id: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None,
        description=(
            "Identifiant ou slug du partenaire ; absent : point de réception de la Région "
            "(reçoit tous les événements). Un client partenaire ne peut nommer que lui-même. "
            "/ Partner id or slug; absent: the Region's endpoint (receives every event). A "
            "partner's client may only name itself."
        ),
        examples=["campus-caen"],
    )
    url: WebhookUrl
    events: EventFilterList = Field(default_factory=list)


class WebhookEndpointUpdate(_Input):
    """Fields to change (none can be cleared). ``active: true`` re-enables an endpoint
    that was disabled, by an administrator or because it answered 410 Gone."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"events": ["regional_badge.awarded"]}, {"active": True}],
        },
    )

    url: WebhookUrl | None = None
    events: EventFilterList | None = None
    active: bool | None = None

    @model_validator(mode="after")
    def _not_cleared(self) -> Self:
        for name in ("url", "events", "active"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


# --------------------------------------------------------------------------- outputs


class WebhookEndpointRecord(BaseModel):
    """An endpoint, never its secret."""

    id: str = Field(examples=["0c1f7a52-3e0d-4c9b-8f0a-6d2b9e4c1a37"])
    partner_id: str | None = Field(
        description="Partenaire destinataire ; null : la Région / receiving partner; null: "
        "the Region"
    )
    url: str = Field(examples=["https://lms.campus-caen.example.fr/hooks/obhub"])
    events: list[str] = Field(description="Filtre ; vide : tous / filter; empty: every event")
    active: bool = Field(
        description="false : plus rien n'est envoyé (désactivé, ou réponse 410 Gone) / "
        "false: nothing is sent (disabled, or a 410 Gone answer)"
    )
    created_at: datetime


class NewWebhookEndpoint(WebhookEndpointRecord):
    """The endpoint with its signing secret: shown in this answer only, never again."""

    secret: str = Field(
        description=(
            "Secret Standard Webhooks (`whsec_` + base64 de 32 octets) affiché une seule "
            "fois : conservez-le pour vérifier `webhook-signature`. / Standard Webhooks "
            "secret (`whsec_` + base64 of 32 bytes), shown once: store it to check "
            "`webhook-signature`."
        ),
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwJkGJ6qB3uXY="],
    )


class WebhookEndpointList(BaseModel):
    items: list[WebhookEndpointRecord]
    total: int = Field(examples=[2])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])


class AttemptRecord(BaseModel):
    """One try: the HTTP status answered, or a short error; never the response body."""

    at: datetime
    status_code: int | None = Field(examples=[503])
    error: str | None = Field(examples=["the server answered HTTP 503"])
    duration_ms: float | None = Field(examples=[412.5])


class OutboundMessageRecord(BaseModel):
    """A notification and its delivery state, with its attempts (newest first)."""

    id: str
    endpoint_id: str
    event_id: str = Field(
        description="L'en-tête `webhook-id` envoyé (identique à chaque essai) / the "
        "`webhook-id` header sent (the same at every attempt)",
        examples=["msg_7d1c3f7e0b2a4c5f9e8d6b4a2c1e0f3d"],
    )
    event_type: str = Field(examples=[REGIONAL_BADGE_AWARDED])
    status: MessageStatus = Field(
        description="pending : à envoyer ou en nouvel essai ; delivered : réponse 2xx ; "
        "dead : abandonné / pending: to send or retrying; delivered: 2xx answer; dead: "
        "given up"
    )
    attempts: int = Field(description="Essais faits / attempts made", examples=[1])
    next_attempt_at: datetime | None = Field(
        default=None,
        description="Prochain essai prévu, approximatif / next attempt, approximate",
    )
    delivered_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime
    payload: dict[str, Any] = Field(description="Le corps envoyé / the body sent")
    attempt_log: list[AttemptRecord]


class OutboundMessageList(BaseModel):
    items: list[OutboundMessageRecord]
    total: int = Field(examples=[1])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])


# --------------------------------------------------------------------------- payloads


class EventEnvelope(BaseModel):
    """The JSON body of every webhook (Standard Webhooks payload structure)."""

    type: str = Field(examples=[REGIONAL_BADGE_AWARDED])
    timestamp: str = Field(
        description="Quand l'événement a eu lieu (ISO 8601, UTC) / when the event happened",
        examples=["2026-03-02T09:30:00.123456Z"],
    )
    data: dict[str, Any]


class AchievementRef(BaseModel):
    code: str = Field(examples=["REG-NUM-2"])
    name: str = Field(examples=["Compétences numériques — niveau 2"])


class CredentialRef(BaseModel):
    id: str | None = Field(
        description="L'`id` du badge régional (`urn:uuid:…`) / the regional credential's `id`",
        examples=["urn:uuid:4a6f0c8e-2b1d-4e5f-9a7c-3d2e1f0b8c6a"],
    )
    url: str | None = Field(
        default=None,
        description="Où le badge se consulte / where the credential can be read",
        examples=["https://badges.normandie.fr/credentials/4a6f0c8e-2b1d-4e5f-9a7c-3d2e1f0b8c6a"],
    )


class ReferentialRef(BaseModel):
    code: str = Field(examples=["normandie-competences"])
    version: str = Field(examples=["2026.1"])


class PartnerBadgeRef(BaseModel):
    """A partner badge used as evidence (the hub's ids and the credential's own id)."""

    id: str = Field(description="Identifiant du badge partenaire dans le hub / hub id")
    partner_id: str | None = None
    credential_id: str = Field(examples=["urn:uuid:9b2e…"])
    issuer: str = Field(examples=["did:web:campus-caen.example.fr"])


class RegionalBadgeEventData(BaseModel):
    """``data`` of the ``regional_badge.*`` events. The learner is named by the hub's
    learner id, never by an email address or another personal identifier."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "award_id": "6e0d2c4a-9f1b-4a3e-8c7d-5b2a1f0e9d8c",
                    "learner_id": "2f9a7c1e-4b3d-4e6f-8a0b-1c2d3e4f5a6b",
                    "state": "active",
                    "achievement": {"code": "REG-NUM-2", "name": "Compétences numériques 2"},
                    "credential": {"id": "urn:uuid:4a6f0c8e-2b1d-4e5f-9a7c-3d2e1f0b8c6a"},
                    "referential": {"code": "normandie-competences", "version": "2026.1"},
                    "partner_badges": [
                        {
                            "id": "8d7c6b5a-4f3e-4d2c-9b1a-0e9f8d7c6b5a",
                            "partner_id": "5b0f8c0e-2f4d-4f7b-9a51-0b7c3e1f2a10",
                            "credential_id": "urn:uuid:1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b",
                            "issuer": "did:web:campus-caen.example.fr",
                        }
                    ],
                    "reason": None,
                }
            ]
        }
    )

    award_id: str
    learner_id: str = Field(description="Identifiant de l'apprenant dans le hub / hub id")
    state: Literal["active", "suspended", "revoked"]
    achievement: AchievementRef
    credential: CredentialRef
    referential: ReferentialRef
    partner_badges: list[PartnerBadgeRef] = Field(
        description="Badges partenaires retenus / the partner badges used"
    )
    reason: str | None = Field(
        default=None, description="Pourquoi (suspension, révocation) / why (suspension …)"
    )


class RegionalBadgeEvent(BaseModel):
    """A ``regional_badge.*`` webhook body."""

    type: Literal[
        "regional_badge.awarded",
        "regional_badge.suspended",
        "regional_badge.restored",
        "regional_badge.revoked",
    ]
    timestamp: str = Field(examples=["2026-03-02T09:30:00.123456Z"])
    data: RegionalBadgeEventData


class WebhookTestData(BaseModel):
    endpoint_id: str
    message: str


class WebhookTestEvent(BaseModel):
    """The ``webhook.test`` body (``POST /webhook-endpoints/{id}/test``)."""

    type: Literal["webhook.test"]
    timestamp: str = Field(examples=["2026-03-02T09:30:00.123456Z"])
    data: WebhookTestData
