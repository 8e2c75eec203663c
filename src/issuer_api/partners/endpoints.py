"""Partner registry routes (scope ``admin``): partners, trusted issuers, secrets, clients.

``{partner_id}`` is the partner's id or its slug. Answers that carry a secret (a new
webhook signing secret, new client credentials) show it once and are never cached.
Every change is audited.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Body, Path, Query, Request, Response
from pydantic import AwareDatetime

from issuer_api.auth import scopes
from issuer_api.auth.deps import AuthenticatedClient, RequireScopes
from issuer_api.deps import Kek, Session
from issuer_api.errors import error_responses
from issuer_api.ingestion import receipts
from issuer_api.ingestion.acceptance import REASON_CODES
from issuer_api.ingestion.schemas import DeliveryStatus, Outcome, ReceiptPage
from issuer_api.partners import service
from issuer_api.partners.schemas import (
    NewWebhookSecret,
    PartnerClientCredentials,
    PartnerCreate,
    PartnerList,
    PartnerRecord,
    PartnerState,
    PartnerUpdate,
    StateChange,
    TrustedIssuerIn,
    TrustedIssuerRecord,
    WebhookSecretCreate,
    WebhookSecretRecord,
)

router = APIRouter(tags=["partners"])

MAX_PAGE: Final = 200
NO_STORE: Final = "no-store"

AdminClient = Annotated[AuthenticatedClient, RequireScopes(scopes.ADMIN)]
PartnerRef = Annotated[
    str,
    Path(
        max_length=64,
        description="Identifiant ou slug du partenaire / partner id or slug",
        examples=["campus-caen"],
    ),
]
SecretRef = Annotated[
    str,
    Path(max_length=36, description="Identifiant du secret / secret id"),
]
TrustedRef = Annotated[
    int,
    Path(ge=1, description="Identifiant de l'émetteur de confiance / trusted issuer id"),
]
ReasonCode = Literal[REASON_CODES]  # type: ignore[valid-type]
_REASON_BODY: Any = Body(
    openapi_examples={
        "motif": {"summary": "Motif / reason", "value": {"reason": "Convention échue."}}
    },
)


# --------------------------------------------------------------------------- partners


@router.post(
    "/partners",
    status_code=201,
    response_model=PartnerRecord,
    summary="Enregistrer un partenaire / Register a partner",
    description=(
        "Un organisme qui livre des badges (webhook signé ou OAuth), avec ses émetteurs de "
        "confiance. Ensuite : un secret de webhook (`/webhook-secrets`) et/ou un client "
        "OAuth (`/client`). Portée `admin`. / An organisation that delivers badges (signed "
        "webhook or OAuth), with its trusted issuers. Then: a webhook secret "
        "(`/webhook-secrets`) and/or an OAuth client (`/client`). Scope `admin`."
    ),
    responses=error_responses(401, 403, 409, 422),
)
async def create_partner(
    *, data: PartnerCreate, client: AdminClient, session: Session, response: Response
) -> PartnerRecord:
    partner = await service.create_partner(session, data, actor=client.client_id)
    response.headers["Location"] = f"/partners/{partner.id}"
    return await service.record_of(session, partner)


@router.get(
    "/partners",
    response_model=PartnerList,
    summary="Lister les partenaires / List partners",
    description=(
        "Par slug ; filtres `state` et `q` (nom ou slug). Portée `admin`. / By slug; "
        "`state` and `q` (name or slug) filters."
    ),
    responses=error_responses(401, 403, 422),
)
async def list_partners(
    *,
    _client: AdminClient,
    session: Session,
    state: PartnerState | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Partie du nom ou du slug / part of the name or slug",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> PartnerList:
    records, total = await service.list_partners(
        session, state=state, limit=limit, offset=offset, text=q.strip() if q else None
    )
    return PartnerList(items=records, total=total, limit=limit, offset=offset)


@router.get(
    "/partners/{partner_id}",
    response_model=PartnerRecord,
    summary="Consulter un partenaire / Get a partner",
    description=(
        "Coordonnées, état, émetteurs de confiance, secrets (indice seulement) et client "
        "OAuth. Portée `admin`. / Contact details, state, trusted issuers, secrets (hint "
        "only) and OAuth client. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404),
)
async def get_partner(
    *, partner_id: PartnerRef, _client: AdminClient, session: Session
) -> PartnerRecord:
    return await service.record_of(session, await service.get_partner(session, partner_id))


@router.patch(
    "/partners/{partner_id}",
    response_model=PartnerRecord,
    summary="Modifier un partenaire / Update a partner",
    description=(
        "Modifie les champs envoyés ; `null` efface un champ ; `state` suspend ou réactive. "
        "Le slug ne change pas. Journalisé. Portée `admin`. / Changes the fields sent; "
        "`null` clears one; `state` suspends or reactivates. The slug is fixed. Audited. "
        "Scope `admin`."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def update_partner(
    *, partner_id: PartnerRef, data: PartnerUpdate, client: AdminClient, session: Session
) -> PartnerRecord:
    partner = await service.get_partner(session, partner_id)
    updated = await service.update_partner(session, partner, data, actor=client.client_id)
    return await service.record_of(session, updated)


async def _change_state(
    session: Session,
    client: AuthenticatedClient,
    partner_id: str,
    state: PartnerState,
    body: StateChange | None,
) -> PartnerRecord:
    partner = await service.get_partner(session, partner_id)
    await service.change_state(
        session,
        partner,
        state,
        actor=client.client_id,
        reason=body.reason if body is not None else None,
        strict=True,
    )
    return await service.record_of(session, partner)


@router.post(
    "/partners/{partner_id}/suspend",
    response_model=PartnerRecord,
    summary="Suspendre un partenaire / Suspend a partner",
    description=(
        "Ses livraisons sont refusées (403 `partner_suspended`) jusqu'à sa réactivation ; "
        "rien n'est effacé. Journalisé. Portée `admin`. / Its deliveries are refused (403 "
        "`partner_suspended`) until it is reactivated; nothing is deleted. Audited."
    ),
    responses=error_responses(401, 403, 404, 409, 422),
)
async def suspend_partner(
    *,
    partner_id: PartnerRef,
    client: AdminClient,
    session: Session,
    body: Annotated[StateChange | None, _REASON_BODY] = None,
) -> PartnerRecord:
    return await _change_state(session, client, partner_id, "suspended", body)


@router.post(
    "/partners/{partner_id}/reactivate",
    response_model=PartnerRecord,
    summary="Réactiver un partenaire / Reactivate a partner",
    description=(
        "Ses livraisons sont de nouveau acceptées. Journalisé. Portée `admin`. / Its "
        "deliveries are accepted again. Audited. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404, 409, 422),
)
async def reactivate_partner(
    *,
    partner_id: PartnerRef,
    client: AdminClient,
    session: Session,
    body: Annotated[StateChange | None, _REASON_BODY] = None,
) -> PartnerRecord:
    return await _change_state(session, client, partner_id, "active", body)


# --------------------------------------------------------------------------- trusted issuers


@router.post(
    "/partners/{partner_id}/trusted-issuers",
    status_code=201,
    response_model=TrustedIssuerRecord,
    summary="Ajouter un émetteur de confiance / Add a trusted issuer",
    description=(
        "Un DID, ou une URL https (http pour un émetteur OB 2.0 ancien, avec "
        "`allow_http`), dont le partenaire peut livrer les badges. Journalisé. Portée "
        "`admin`. / A DID, or an https URL (http for a legacy OB 2.0 issuer, with "
        "`allow_http`), whose badges the partner may deliver. Audited. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404, 409, 422),
)
async def add_trusted_issuer(
    *, partner_id: PartnerRef, data: TrustedIssuerIn, client: AdminClient, session: Session
) -> TrustedIssuerRecord:
    partner = await service.get_partner(session, partner_id)
    row = await service.add_trusted_issuer(session, partner, data, actor=client.client_id)
    return service.trusted_record(row)


@router.delete(
    "/partners/{partner_id}/trusted-issuers/{trusted_id}",
    status_code=204,
    summary="Retirer un émetteur de confiance / Remove a trusted issuer",
    description=(
        "Les badges de cet émetteur livrés ensuite par ce partenaire seront refusés ; ceux "
        "déjà acceptés restent. Journalisé. Portée `admin`. / Badges of this issuer "
        "delivered afterwards by this partner are rejected; those already accepted stay. "
        "Audited. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404),
)
async def remove_trusted_issuer(
    *, partner_id: PartnerRef, trusted_id: TrustedRef, client: AdminClient, session: Session
) -> Response:
    partner = await service.get_partner(session, partner_id)
    await service.remove_trusted_issuer(session, partner, trusted_id, actor=client.client_id)
    return Response(status_code=204)


# --------------------------------------------------------------------------- webhook secrets


@router.post(
    "/partners/{partner_id}/webhook-secrets",
    status_code=201,
    response_model=NewWebhookSecret,
    summary="Créer un secret de webhook / Create a webhook secret",
    description=(
        "Un secret Standard Webhooks (`whsec_…`), affiché cette fois seulement. Deux "
        "secrets au plus sont actifs, pour la rotation : créer le nouveau, basculer "
        "l'émetteur, révoquer l'ancien ; un troisième : 409 `webhook_secret_limit_reached`. "
        "Journalisé. Portée `admin`. / A Standard Webhooks secret (`whsec_…`), shown this "
        "time only. At most two are active, for rotation: create the new one, switch the "
        "sender, revoke the old one; a third: 409 `webhook_secret_limit_reached`. Audited. "
        "Scope `admin`."
    ),
    responses=error_responses(401, 403, 404, 409, 422),
)
async def create_webhook_secret(
    *,
    partner_id: PartnerRef,
    client: AdminClient,
    session: Session,
    kek: Kek,
    response: Response,
    data: Annotated[WebhookSecretCreate | None, Body()] = None,
) -> NewWebhookSecret:
    partner = await service.get_partner(session, partner_id)
    row, secret = await service.create_webhook_secret(
        session,
        kek,
        partner,
        note=data.note if data is not None else None,
        actor=client.client_id,
    )
    response.headers["Cache-Control"] = NO_STORE
    return NewWebhookSecret(**service.secret_record(row).model_dump(), secret=secret)


@router.post(
    "/partners/{partner_id}/webhook-secrets/{secret_id}/revoke",
    response_model=WebhookSecretRecord,
    summary="Révoquer un secret de webhook / Revoke a webhook secret",
    description=(
        "Les signatures faites avec ce secret sont refusées dès maintenant. Journalisé. "
        "Portée `admin`. / Signatures made with this secret are refused from now on. "
        "Audited. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404, 409, 422),
)
async def revoke_webhook_secret(
    *,
    partner_id: PartnerRef,
    secret_id: SecretRef,
    client: AdminClient,
    session: Session,
    body: Annotated[StateChange | None, _REASON_BODY] = None,
) -> WebhookSecretRecord:
    partner = await service.get_partner(session, partner_id)
    row = await service.revoke_webhook_secret(
        session,
        partner,
        secret_id,
        actor=client.client_id,
        reason=body.reason if body is not None else None,
    )
    return service.secret_record(row)


# --------------------------------------------------------------------------- OAuth client


@router.post(
    "/partners/{partner_id}/client",
    status_code=201,
    response_model=PartnerClientCredentials,
    summary="Créer ou renouveler le client OAuth / Create or rotate the OAuth client",
    description=(
        "Un client OAuth de portée `deliver` rattaché au partenaire (`POST /v1/badges`, "
        "`GET /v1/receipts`) ; le secret est affiché cette fois seulement. S'il en avait "
        "un, l'ancien est désactivé aussitôt. Journalisé. Portée `admin`. / An OAuth "
        "client of scope `deliver` linked to the partner (`POST /v1/badges`, "
        "`GET /v1/receipts`); the secret is shown this time only. A previous client is "
        "disabled at once. Audited. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404),
)
async def create_partner_client(
    *, partner_id: PartnerRef, client: AdminClient, session: Session, response: Response
) -> PartnerClientCredentials:
    partner = await service.get_partner(session, partner_id)
    credentials = await service.create_partner_client(session, partner, actor=client.client_id)
    response.headers["Cache-Control"] = NO_STORE
    return credentials


@router.post(
    "/partners/{partner_id}/client/revoke",
    response_model=PartnerRecord,
    summary="Révoquer le client OAuth / Revoke the OAuth client",
    description=(
        "Le client OAuth du partenaire est désactivé aussitôt ; ses webhooks signés restent "
        "acceptés. 404 `partner_client_not_found` s'il n'en a pas. Journalisé. Portée "
        "`admin`. / The partner's OAuth client is disabled at once; its signed webhooks "
        "are still accepted. 404 `partner_client_not_found` if it has none. Audited."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def revoke_partner_client(
    *,
    partner_id: PartnerRef,
    client: AdminClient,
    session: Session,
    body: Annotated[StateChange | None, _REASON_BODY] = None,
) -> PartnerRecord:
    partner = await service.get_partner(session, partner_id)
    await service.revoke_partner_client(
        session,
        partner,
        actor=client.client_id,
        reason=body.reason if body is not None else None,
    )
    return await service.record_of(session, partner)


# --------------------------------------------------------------------------- receipts


@router.get(
    "/partners/{partner_id}/receipts",
    response_model=ReceiptPage,
    summary="Reçus d'un partenaire / A partner's receipts",
    description=(
        "Les livraisons du partenaire, de la plus récente à la plus ancienne ; filtres "
        "`status`, `outcome` et `reason` (un badge au moins avec ce résultat ou ce motif), "
        "`received_after` et `received_before` ; en-têtes `X-Total-Count` et `Link`. "
        "Détail : `GET /v1/receipts/{id}`. Portée `admin`. / The partner's deliveries, "
        "newest first; filters `status`, `outcome` and `reason` (at least one badge with "
        "this outcome or reason), `received_after` and `received_before`; `X-Total-Count` "
        "and `Link` headers. Detail: `GET /v1/receipts/{id}`. Scope `admin`."
    ),
    responses={
        200: {
            "headers": {
                "X-Total-Count": {"schema": {"type": "integer"}},
                "Link": {"schema": {"type": "string"}, "description": "RFC 8288"},
            }
        },
        **error_responses(401, 403, 404, 422),
    },
)
async def partner_receipts(
    *,
    partner_id: PartnerRef,
    request: Request,
    response: Response,
    _client: AdminClient,
    session: Session,
    status: DeliveryStatus | None = None,
    outcome: Outcome | None = None,
    reason: ReasonCode | None = None,
    received_after: AwareDatetime | None = None,
    received_before: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ReceiptPage:
    partner = await service.get_partner(session, partner_id)
    where = receipts.DeliveryFilter(
        outcome=outcome, reason=reason, since=received_after, until=received_before
    )
    found = await receipts.receipt_page(
        session, partner_id=partner.id, status=status, limit=limit, offset=offset, where=where
    )
    response.headers["X-Total-Count"] = str(found.total)
    response.headers["Link"] = receipts.link_header(request.url, found.total, limit, offset)
    return found
