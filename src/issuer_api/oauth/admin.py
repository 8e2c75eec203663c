"""The Region's view of the clients registered through the OB 3.0 API (scope ``admin``).

``GET    /v1/clients``                        registered clients, newest first
``GET    /v1/clients/{client_id}``            one of them
``PUT    /v1/clients/{client_id}/partner``    link it to a partner: its upserts to
                                              ``/ims/ob/v3p0/credentials`` are then that
                                              partner's deliveries
``DELETE /v1/clients/{client_id}/partner``    unlink it
``POST   /v1/clients/{client_id}/disable``    disable it: its tokens stop at once, it can
                                              no longer obtain any

Linking and unlinking are audited. The Region's own clients are not listed here (they
are administered with the partners and the command line).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.audit import add_audit_event
from issuer_api.auth import scopes as region_scopes
from issuer_api.auth.deps import AuthenticatedClient, RequireScopes
from issuer_api.deps import Session
from issuer_api.errors import NotFoundError, error_responses
from issuer_api.models import ApiClient, OAuthClientPartner
from issuer_api.models.base import utcnow
from issuer_api.partners.service import get_partner

router = APIRouter(tags=["oauth-clients"])

AdminClient = Annotated[AuthenticatedClient, RequireScopes(region_scopes.ADMIN)]
ClientRef = Annotated[str, Path(max_length=64)]
CLIENT_TARGET: Final = "oauth_client"


class RegisteredClientNotFoundError(NotFoundError):
    code = "registered_client_not_found"


class RegisteredClient(BaseModel):
    """A client registered through ``POST /oauth/register`` (its secret is never shown)."""

    client_id: str = Field(examples=["obc_4f6d0c2b9e8a7d1c3b5a6e7f"])
    client_name: str
    client_uri: str | None = None
    logo_uri: str | None = None
    tos_uri: str | None = None
    policy_uri: str | None = None
    software_id: str | None = None
    software_version: str | None = None
    redirect_uris: list[str]
    scopes: list[str]
    registered_at: datetime
    disabled: bool
    partner: str | None = Field(description="Partenaire lié / linked partner (id)")


class PartnerLink(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner: str = Field(
        max_length=64, description="Identifiant ou slug du partenaire / partner id or slug"
    )


def _record(client: ApiClient, partner_id: str | None) -> RegisteredClient:
    data: dict[str, Any] = client.registration or {}
    return RegisteredClient(
        client_id=client.id,
        client_name=client.name,
        client_uri=data.get("client_uri"),
        logo_uri=data.get("logo_uri"),
        tos_uri=data.get("tos_uri"),
        policy_uri=data.get("policy_uri"),
        software_id=data.get("software_id"),
        software_version=data.get("software_version"),
        redirect_uris=list(data.get("redirect_uris", [])),
        scopes=sorted(client.scopes),
        registered_at=client.created_at,
        disabled=client.disabled_at is not None,
        partner=partner_id,
    )


async def _registered(session: AsyncSession, client_id: str) -> ApiClient:
    client = await session.get(ApiClient, client_id)
    if client is None or client.registration is None:
        raise RegisteredClientNotFoundError(details={"client_id": client_id})
    return client


@router.get(
    "/v1/clients",
    response_model=list[RegisteredClient],
    summary="Applications enregistrées / Registered clients (OB 3.0 API)",
    description=(
        "Les clients enregistrés par `POST /oauth/register`, du plus récent au plus "
        "ancien, avec leur partenaire lié. Portée `admin`. / Clients registered through "
        "`POST /oauth/register`, newest first, with their linked partner. Scope `admin`."
    ),
    responses=error_responses(401, 403),
)
async def list_clients(*, _client: AdminClient, session: Session) -> list[RegisteredClient]:
    rows = await session.execute(
        select(ApiClient, OAuthClientPartner.partner_id)
        .outerjoin(OAuthClientPartner, OAuthClientPartner.client_id == ApiClient.id)
        .where(ApiClient.registration.is_not(None))
        .order_by(ApiClient.created_at.desc(), ApiClient.id)
        .limit(1000)
    )
    return [_record(client, partner_id) for client, partner_id in rows.all()]


@router.get(
    "/v1/clients/{client_id}",
    response_model=RegisteredClient,
    summary="Une application enregistrée / A registered client",
    description="404 `registered_client_not_found`. Portée `admin`. / Scope `admin`.",
    responses=error_responses(401, 403, 404),
)
async def get_client(
    *, client_id: ClientRef, _client: AdminClient, session: Session
) -> RegisteredClient:
    client = await _registered(session, client_id)
    link = await session.get(OAuthClientPartner, client.id)
    return _record(client, link.partner_id if link else None)


@router.put(
    "/v1/clients/{client_id}/partner",
    response_model=RegisteredClient,
    summary="Lier à un partenaire / Link to a partner",
    description=(
        "Les badges que ce client dépose (`POST /ims/ob/v3p0/credentials`) deviennent des "
        "livraisons de ce partenaire. Remplace un lien existant. Journalisé. Portée "
        "`admin`. / The badges this client upserts become this partner's deliveries. "
        "Replaces an existing link. Audited. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def link_partner(
    *, client_id: ClientRef, data: PartnerLink, client: AdminClient, session: Session
) -> RegisteredClient:
    registered = await _registered(session, client_id)
    partner = await get_partner(session, data.partner)
    link = await session.get(OAuthClientPartner, registered.id)
    previous = link.partner_id if link else None
    if link is None:
        session.add(
            OAuthClientPartner(
                client_id=registered.id, partner_id=partner.id, linked_by=client.client_id
            )
        )
    else:
        link.partner_id, link.linked_by = partner.id, client.client_id
    add_audit_event(
        session,
        actor=client.client_id,
        action="oauth_client.link_partner",
        target_type=CLIENT_TARGET,
        target_id=registered.id,
        data={"partner": partner.id, "previous": previous},
    )
    await session.flush()
    return _record(registered, partner.id)


@router.delete(
    "/v1/clients/{client_id}/partner",
    status_code=204,
    summary="Délier du partenaire / Unlink from its partner",
    description=(
        "Le client n'agit plus pour aucun partenaire. 204 aussi s'il n'était pas lié. "
        "Journalisé. Portée `admin`. / The client no longer acts for a partner. 204 also "
        "if it was not linked. Audited. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404),
)
async def unlink_partner(
    *, client_id: ClientRef, client: AdminClient, session: Session
) -> Response:
    registered = await _registered(session, client_id)
    link = await session.get(OAuthClientPartner, registered.id)
    if link is not None:
        add_audit_event(
            session,
            actor=client.client_id,
            action="oauth_client.unlink_partner",
            target_type=CLIENT_TARGET,
            target_id=registered.id,
            data={"partner": link.partner_id},
        )
        await session.delete(link)
        await session.flush()
    return Response(status_code=204)


@router.post(
    "/v1/clients/{client_id}/disable",
    response_model=RegisteredClient,
    summary="Désactiver une application / Disable a registered client",
    description=(
        "Ses jetons cessent aussitôt d'être acceptés et elle ne peut plus en obtenir "
        "(une application enregistrée abusivement, par exemple). Journalisé. Portée "
        "`admin`. / Its tokens stop being accepted at once and it can obtain no more "
        "(an abusive registration, for instance). Audited. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404),
)
async def disable_client(
    *, client_id: ClientRef, client: AdminClient, session: Session
) -> RegisteredClient:
    registered = await _registered(session, client_id)
    if registered.disabled_at is None:
        registered.disabled_at = utcnow()
        add_audit_event(
            session,
            actor=client.client_id,
            action="oauth_client.disable",
            target_type=CLIENT_TARGET,
            target_id=registered.id,
        )
        await session.flush()
    link = await session.get(OAuthClientPartner, registered.id)
    return _record(registered, link.partner_id if link else None)
