"""Webhook endpoint routes: where the hub sends its notifications, and the delivery log.

Scope ``admin`` (every endpoint: the Region's and every partner's). A partner's own
client (scope ``deliver``, linked to the partner) may manage its partner's endpoints
only; other endpoints are "not found" to it. See :mod:`issuer_api.outbound.service`
for the rules, the event types and their payloads.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from issuer_api.auth.deps import CurrentClient
from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.errors import error_responses
from issuer_api.outbound import service
from issuer_api.outbound.schemas import (
    MessageStatus,
    NewWebhookEndpoint,
    OutboundMessageList,
    OutboundMessageRecord,
    RegionalBadgeEvent,
    WebhookEndpointCreate,
    WebhookEndpointList,
    WebhookEndpointRecord,
    WebhookEndpointUpdate,
    WebhookTestEvent,
)

router = APIRouter()

TAG = "webhooks"
TAG_DESCRIPTION = (
    "Notifications sortantes signées (Standard Webhooks) vers les partenaires et la Région : "
    "points de réception, secrets, journal des envois (portée `admin` ; un partenaire gère "
    "les siens avec `deliver`) / Signed outbound notifications (Standard Webhooks) to "
    "partners and the Region: endpoints, secrets, delivery log (scope `admin`; a partner "
    "manages its own with `deliver`)."
)


async def _caller(client: CurrentClient, session: Session) -> service.Caller:
    return await service.caller_for(session, client)


Caller = Annotated[service.Caller, Depends(_caller)]
EndpointId = Annotated[
    str,
    Path(max_length=36, description="Identifiant du point de réception / endpoint id"),
]
MessageId = Annotated[str, Path(max_length=36, description="Identifiant du message / message id")]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


@router.post(
    "/webhook-endpoints",
    status_code=201,
    response_model=NewWebhookEndpoint,
    tags=[TAG],
    summary="Créer un point de réception / Create a webhook endpoint",
    description=(
        "Le secret de signature (`whsec_…`) n'est affiché que dans cette réponse. Sans "
        "`partner_id` : point de réception de la Région (tous les événements). Journalisé. "
        "/ The signing secret (`whsec_…`) is shown in this answer only. Without "
        "`partner_id`: the Region's endpoint (every event). Audited."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def create_endpoint(
    *,
    data: WebhookEndpointCreate,
    caller: Caller,
    session: Session,
    settings: AppSettings,
    kek: Kek,
    response: Response,
) -> NewWebhookEndpoint:
    endpoint, secret = await service.create_endpoint(session, settings, kek, data, caller)
    response.headers["Location"] = f"/webhook-endpoints/{endpoint.id}"
    return service.new_endpoint_record(endpoint, secret)


@router.get(
    "/webhook-endpoints",
    response_model=WebhookEndpointList,
    tags=[TAG],
    summary="Lister les points de réception / List webhook endpoints",
    description=(
        "Du plus ancien au plus récent. `partner` (administrateurs) : ceux d'un partenaire "
        "(id ou slug), ou `region`. Un partenaire ne voit que les siens. / Oldest first. "
        "`partner` (administrators): one partner's (id or slug), or `region`. A partner "
        "sees its own only."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def list_endpoints(
    *,
    caller: Caller,
    session: Session,
    partner: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> WebhookEndpointList:
    endpoints, total = await service.list_endpoints(
        session, caller, partner=partner, limit=limit, offset=offset
    )
    return WebhookEndpointList(
        items=[service.endpoint_record(endpoint) for endpoint in endpoints],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/webhook-endpoints/{endpoint_id}",
    response_model=WebhookEndpointRecord,
    tags=[TAG],
    summary="Consulter un point de réception / Get a webhook endpoint",
    description="Jamais le secret. / Never the secret.",
    responses=error_responses(401, 403, 404),
)
async def get_endpoint(
    *, endpoint_id: EndpointId, caller: Caller, session: Session
) -> WebhookEndpointRecord:
    return service.endpoint_record(await service.get_endpoint(session, endpoint_id, caller))


@router.patch(
    "/webhook-endpoints/{endpoint_id}",
    response_model=WebhookEndpointRecord,
    tags=[TAG],
    summary="Modifier un point de réception / Update a webhook endpoint",
    description=(
        "URL, filtre d'événements, `active` (réactive un point désactivé, par exemple après "
        "une réponse 410). Journalisé. / URL, event filter, `active` (re-enables an "
        "endpoint, e.g. after a 410 answer). Audited."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def update_endpoint(
    *,
    endpoint_id: EndpointId,
    data: WebhookEndpointUpdate,
    caller: Caller,
    session: Session,
    settings: AppSettings,
) -> WebhookEndpointRecord:
    endpoint = await service.get_endpoint(session, endpoint_id, caller)
    updated = await service.update_endpoint(session, settings, endpoint, data, caller)
    return service.endpoint_record(updated)


@router.delete(
    "/webhook-endpoints/{endpoint_id}",
    status_code=204,
    response_class=Response,
    tags=[TAG],
    summary="Supprimer un point de réception / Delete a webhook endpoint",
    description=(
        "Supprime aussi ses messages et leur journal ; les messages en attente ne partent "
        "pas. Journalisé. / Also deletes its messages and their log; pending messages are "
        "not sent. Audited."
    ),
    responses=error_responses(401, 403, 404),
)
async def delete_endpoint(*, endpoint_id: EndpointId, caller: Caller, session: Session) -> None:
    endpoint = await service.get_endpoint(session, endpoint_id, caller)
    await service.delete_endpoint(session, endpoint, caller)


@router.post(
    "/webhook-endpoints/{endpoint_id}/rotate-secret",
    response_model=NewWebhookEndpoint,
    tags=[TAG],
    summary="Renouveler le secret de signature / Rotate the signing secret",
    description=(
        "Le nouveau secret, affiché une seule fois, signe tout envoi à partir de maintenant "
        "(nouveaux essais compris) ; l'ancien ne sert plus. Journalisé. / The new secret, "
        "shown once, signs every attempt from now on (retries included); the old one is "
        "no longer used. Audited."
    ),
    responses=error_responses(401, 403, 404),
)
async def rotate_secret(
    *, endpoint_id: EndpointId, caller: Caller, session: Session, kek: Kek
) -> NewWebhookEndpoint:
    endpoint = await service.get_endpoint(session, endpoint_id, caller)
    secret = await service.rotate_secret(session, kek, endpoint, caller)
    return service.new_endpoint_record(endpoint, secret)


@router.get(
    "/webhook-endpoints/{endpoint_id}/messages",
    response_model=OutboundMessageList,
    tags=[TAG],
    summary="Journal des envois / Delivery log",
    description=(
        "Les messages du point de réception, du plus récent au plus ancien, avec chaque "
        "essai (code HTTP ou erreur courte, durée). / The endpoint's messages, newest "
        "first, with every attempt (HTTP status or short error, duration)."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def list_messages(
    *,
    endpoint_id: EndpointId,
    caller: Caller,
    session: Session,
    status: MessageStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> OutboundMessageList:
    endpoint = await service.get_endpoint(session, endpoint_id, caller)
    items, total = await service.list_messages(
        session, endpoint, status=status, limit=limit, offset=offset
    )
    return OutboundMessageList(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/webhook-endpoints/{endpoint_id}/messages/{message_id}",
    response_model=OutboundMessageRecord,
    tags=[TAG],
    summary="Consulter un message / Get a message",
    description="Le message et ses essais. / The message and its attempts.",
    responses=error_responses(401, 403, 404),
)
async def get_message(
    *, endpoint_id: EndpointId, message_id: MessageId, caller: Caller, session: Session
) -> OutboundMessageRecord:
    endpoint = await service.get_endpoint(session, endpoint_id, caller)
    return await service.message_of(session, endpoint, message_id)


@router.post(
    "/webhook-endpoints/{endpoint_id}/messages/{message_id}/retry",
    status_code=202,
    response_model=OutboundMessageRecord,
    tags=[TAG],
    summary="Renvoyer un message abandonné / Retry a dead message",
    description=(
        "Remet en file un message `dead` (une nouvelle série d'essais) ; 409 s'il ne l'est "
        "pas ou si le point de réception est désactivé. Journalisé. / Queues a `dead` "
        "message again (a fresh series of attempts); 409 if it is not dead or the endpoint "
        "is disabled. Audited."
    ),
    responses=error_responses(401, 403, 404, 409),
)
async def retry_message(
    *, endpoint_id: EndpointId, message_id: MessageId, caller: Caller, session: Session
) -> OutboundMessageRecord:
    endpoint = await service.get_endpoint(session, endpoint_id, caller)
    return await service.retry_message(session, endpoint, message_id, caller)


@router.post(
    "/webhook-endpoints/{endpoint_id}/test",
    status_code=202,
    response_model=OutboundMessageRecord,
    tags=[TAG],
    summary="Envoyer un événement de test / Send a test event",
    description=(
        "Met en file un événement `webhook.test` pour ce point de réception, quel que soit "
        "son filtre ; le résultat se lit dans le journal des envois. / Queues a "
        "`webhook.test` event to this endpoint, whatever its filter; the outcome shows in "
        "the delivery log."
    ),
    responses=error_responses(401, 403, 404, 409),
)
async def send_test(
    *, endpoint_id: EndpointId, caller: Caller, session: Session
) -> OutboundMessageRecord:
    endpoint = await service.get_endpoint(session, endpoint_id, caller)
    message_id = await service.send_test(session, endpoint, caller)
    return await service.message_of(session, endpoint, message_id)


# --------------------------------------------------------------------------- OpenAPI webhooks

webhooks = APIRouter()
"""What the hub sends, for the OpenAPI document: ``app.webhooks.include_router(webhooks)``."""

_SIGNED = (
    "En-têtes Standard Webhooks : `webhook-id` (identique à chaque essai : dédoublonnez "
    "dessus), `webhook-timestamp`, `webhook-signature` (`v1,` + HMAC-SHA256 en base64 de "
    "`{id}.{timestamp}.{corps}` avec le secret du point de réception). Répondez 2xx ; 410 "
    "désactive le point de réception ; toute autre réponse est réessayée (8 essais). / "
    "Standard Webhooks headers: `webhook-id` (the same at every attempt: deduplicate on "
    "it), `webhook-timestamp`, `webhook-signature` (`v1,` + base64 HMAC-SHA256 of "
    "`{id}.{timestamp}.{body}` with the endpoint's secret). Answer 2xx; 410 disables the "
    "endpoint; any other answer is retried (8 attempts)."
)


@webhooks.post(
    "regional_badge",
    tags=[TAG],
    summary="Badge régional attribué, suspendu, rétabli ou révoqué / Regional badge awarded, "
    "suspended, restored or revoked",
    description=(
        "Envoyé aux points de réception des partenaires de l'apprenant et de la Région. "
        "L'apprenant est désigné par son identifiant dans le hub, jamais par son e-mail. / "
        "Sent to the endpoints of the learner's partners and of the Region. The learner is "
        "named by the hub's id, never by email.\n\n" + _SIGNED
    ),
    status_code=200,
)
def regional_badge_event(body: RegionalBadgeEvent) -> None:
    """Documentation only: the hub sends this; it serves nothing."""


@webhooks.post(
    "webhook.test",
    tags=[TAG],
    summary="Événement de test / Test event",
    description="Envoyé par `POST /webhook-endpoints/{id}/test`. / Sent by that route.\n\n"
    + _SIGNED,
    status_code=200,
)
def webhook_test_event(body: WebhookTestEvent) -> None:
    """Documentation only: the hub sends this; it serves nothing."""
