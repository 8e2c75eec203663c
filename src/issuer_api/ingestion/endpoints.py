"""Partner deliveries and receipts.

* ``POST /webhooks/partners/{partner}``: a signed webhook (Standard Webhooks); the
  signature is the authentication, no token.
* ``POST /v1/badges``: the same delivery with an OAuth token (scope ``deliver``).
* ``GET /v1/receipts`` and ``GET /v1/receipts/{id}``: what became of each badge.

A delivery is stored — durably, with its processing job — before it is acknowledged
(``202`` and a receipt); nothing is verified before the answer. See
:mod:`issuer_api.ingestion.intake` for the order of the checks.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.auth import scopes
from issuer_api.auth.deps import AuthenticatedClient, CurrentClient, RequireScopes
from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.errors import error_responses
from issuer_api.i18n import negotiate_language
from issuer_api.ingestion import intake, receipts
from issuer_api.ingestion.schemas import (
    DeliveryStatus,
    Receipt,
    ReceiptAck,
    ReceiptPage,
    delivery_request_body,
)
from issuer_api.json_bodies import judges_unicode_itself
from issuer_api.partners import repository as partner_repository
from issuer_api.partners import service as partners

router = APIRouter()

MAX_PAGE: Final = 200

PartnerRef = Annotated[
    str,
    Path(
        max_length=64,
        description="Identifiant ou slug du partenaire / partner id or slug",
        examples=["campus-caen"],
    ),
]
ReceiptRef = Annotated[
    str,
    Path(
        max_length=36,
        description="Identifiant du reçu / receipt id",
        examples=["0f8e4a52-3c1d-4b7a-9e2f-5a6b7c8d9e01"],
    ),
]

_ACCEPTED: Final[dict[int | str, dict[str, Any]]] = {
    202: {
        "model": ReceiptAck,
        "description": (
            "Livraison enregistrée, traitement à venir ; `Location` = le reçu. Rejeu : même "
            "réponse et `Idempotent-Replayed: true`. / Delivery stored, processing to come; "
            "`Location` = the receipt. Replay: the same answer and `Idempotent-Replayed: true`."
        ),
        "headers": {
            "Location": {"schema": {"type": "string"}},
            intake.REPLAYED_HEADER: {"schema": {"type": "string", "enum": ["true"]}},
        },
    }
}
_PAGE_HEADERS: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "headers": {
            "X-Total-Count": {"schema": {"type": "integer"}},
            "Link": {"schema": {"type": "string"}, "description": "RFC 8288"},
        }
    }
}


def _accepted(acknowledged: intake.Acknowledged) -> JSONResponse:
    receipt = acknowledged.receipt
    headers = {"Location": receipt.links.self_}
    if acknowledged.replayed:
        headers[intake.REPLAYED_HEADER] = "true"
    return JSONResponse(
        receipt.model_dump(mode="json", by_alias=True), status_code=202, headers=headers
    )


# --------------------------------------------------------------------------- deliveries


@router.post(
    "/webhooks/partners/{partner_id}",
    status_code=202,
    response_model=ReceiptAck,
    tags=["deliveries"],
    summary="Livrer des badges par webhook signé / Deliver badges by signed webhook",
    description=(
        "Webhook signé selon Standard Webhooks (en-têtes `webhook-id`, `webhook-timestamp`, "
        "`webhook-signature` : `v1,<base64 HMAC-SHA256>` de `{id}.{timestamp}.{corps}` avec "
        "un secret actif du partenaire ; horodatage à ±5 minutes). Pas de jeton : la "
        "signature authentifie. Un ou plusieurs badges (au plus 100) ; enregistrés puis "
        "vérifiés plus tard : la réponse `202` donne le reçu à suivre. Un `webhook-id` déjà "
        "reçu avec le même corps renvoie le reçu d'origine (`Idempotent-Replayed: true`), "
        "avec un autre corps : 409 `webhook_id_conflict`. / Standard Webhooks signed call "
        "(`webhook-id`, `webhook-timestamp`, `webhook-signature` headers: `v1,<base64 "
        "HMAC-SHA256>` of `{id}.{timestamp}.{body}` under an active secret of the partner; "
        "timestamp within ±5 minutes). No token: the signature authenticates. One badge or "
        "several (at most 100); stored, then verified later: the `202` answer gives the "
        "receipt to follow. A `webhook-id` already received with the same body returns the "
        "original receipt (`Idempotent-Replayed: true`); with another body: 409 "
        "`webhook_id_conflict`."
    ),
    responses={**_ACCEPTED, **error_responses(400, 401, 403, 404, 409, 413)},
    openapi_extra=delivery_request_body(),
)
@judges_unicode_itself
async def receive_webhook(
    *, partner_id: PartnerRef, request: Request, session: Session, kek: Kek
) -> JSONResponse:
    body = await request.body()
    acknowledged = await intake.receive_webhook(
        session, kek, partner_ref=partner_id, body=body, headers=request.headers
    )
    return _accepted(acknowledged)


@router.post(
    "/v1/badges",
    status_code=202,
    response_model=ReceiptAck,
    tags=["deliveries"],
    summary="Livrer des badges (OAuth) / Deliver badges (OAuth)",
    description=(
        "La même livraison avec un jeton OAuth de portée `deliver` dont le client est "
        "rattaché au partenaire (sinon 403 `not_a_partner`). Un client `admin` livre pour "
        "un partenaire avec `?partner=`. Avec `Idempotency-Key`, une requête rejouée "
        "renvoie le reçu d'origine (`Idempotent-Replayed: true`). / The same delivery with "
        "an OAuth token of scope `deliver` whose client is linked to the partner (else 403 "
        "`not_a_partner`). An `admin` client delivers for a partner with `?partner=`. With "
        "`Idempotency-Key`, a retried request returns the original receipt "
        "(`Idempotent-Replayed: true`)."
    ),
    dependencies=[RequireScopes(scopes.DELIVER)],
    responses={**_ACCEPTED, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    openapi_extra=delivery_request_body(),
)
@judges_unicode_itself
async def deliver_badges(
    *,
    request: Request,
    session: Session,
    kek: Kek,
    client: CurrentClient,
    partner: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Admin : partenaire pour qui livrer / admin: partner to deliver for",
        ),
    ] = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="1 à 200 caractères / 1 to 200 characters",
            examples=["lot-2026-03-02-001"],
        ),
    ] = None,
) -> JSONResponse:
    body = await request.body()
    acknowledged = await intake.receive_api(
        session,
        kek,
        client,
        partner_ref=partner,
        idempotency_key=idempotency_key,
        body=body,
    )
    return _accepted(acknowledged)


# --------------------------------------------------------------------------- receipts


async def _viewer(
    session: AsyncSession, client: AuthenticatedClient, partner: str | None
) -> str | None:
    """Whose receipts the caller sees: its partner's id, or None (admin: everyone's,
    or the one partner named with ``?partner=``)."""
    if client.is_admin:
        return (await partners.get_partner(session, partner)).id if partner else None
    own = await partner_repository.get_by_client(session, client.client_id)
    if own is None:
        raise partners.NotAPartnerError()
    if partner is not None and partner not in (own.id, own.slug):
        raise partners.PartnerNotAllowedError()
    return own.id


@router.get(
    "/v1/receipts",
    response_model=ReceiptPage,
    tags=["receipts"],
    summary="Mes reçus de livraison / My delivery receipts",
    description=(
        "Les livraisons du partenaire appelant, de la plus récente à la plus ancienne, avec "
        "le nombre de badges par résultat ; filtre `status`. En-têtes `X-Total-Count` et "
        "`Link`. Un client `admin` voit toutes les livraisons (ou celles de `?partner=`). "
        "Portée `deliver`. / The calling partner's deliveries, newest first, with the "
        "number of badges per outcome; `status` filter. `X-Total-Count` and `Link` headers. "
        "An `admin` client sees every delivery (or those of `?partner=`). Scope `deliver`."
    ),
    dependencies=[RequireScopes(scopes.DELIVER)],
    responses={**_PAGE_HEADERS, **error_responses(401, 403, 404, 422)},
)
async def list_receipts(
    *,
    request: Request,
    response: Response,
    session: Session,
    client: CurrentClient,
    status: DeliveryStatus | None = None,
    partner: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ReceiptPage:
    partner_id = await _viewer(session, client, partner)
    found = await receipts.receipt_page(
        session, partner_id=partner_id, status=status, limit=limit, offset=offset
    )
    response.headers["X-Total-Count"] = str(found.total)
    response.headers["Link"] = receipts.link_header(request.url, found.total, limit, offset)
    return found


@router.get(
    "/v1/receipts/{receipt_id}",
    response_model=Receipt,
    tags=["receipts"],
    summary="Un reçu, badge par badge / A receipt, badge by badge",
    description=(
        "Le résultat de chaque badge : `pending`, `accepted`, `duplicate`, `rejected` ou "
        "`failed`, avec ses motifs (code stable, message en français et en anglais) et, "
        "pour un badge accepté ou déjà connu, l'identifiant du badge, de l'émetteur et le "
        "nom du badge. Jamais le destinataire ni le badge lui-même. Le reçu d'un autre "
        "partenaire : 404. Portée `deliver`. / Each badge's outcome: `pending`, `accepted`, "
        "`duplicate`, `rejected` or `failed`, with its reasons (stable code, French and "
        "English message) and, for an accepted or already known badge, the credential id, "
        "issuer id and achievement name. Never the recipient nor the badge itself. Another "
        "partner's receipt: 404. Scope `deliver`."
    ),
    dependencies=[RequireScopes(scopes.DELIVER)],
    responses=error_responses(401, 403, 404),
)
async def get_receipt(
    *,
    receipt_id: ReceiptRef,
    request: Request,
    session: Session,
    settings: AppSettings,
    client: CurrentClient,
) -> Receipt:
    partner_id = await _viewer(session, client, None)
    delivery = await receipts.get_visible(session, receipt_id, partner_id=partner_id)
    language = negotiate_language(request.headers.get("accept-language"), settings.default_language)
    return await receipts.receipt(session, delivery, language)
