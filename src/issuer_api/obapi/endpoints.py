"""The Open Badges 3.0 API of the hub (1EdTech "OB 3.0 API" host), under ``/ims/ob/v3p0``.

``GET  /discovery``    the Service Description Document, no token
``GET  /credentials``  ``…/scope/credential.readonly``: :mod:`issuer_api.obapi.listing`
``POST /credentials``  ``…/scope/credential.upsert``: :mod:`issuer_api.obapi.upserts`
``GET  /profile``      ``…/scope/profile.readonly``: :mod:`issuer_api.obapi.profiles`
``PUT  /profile``      ``…/scope/profile.update``

Tokens come from the hub's OAuth 2.0 authorization server (``/oauth/…``); the routes know
only their principal (:mod:`issuer_api.oauth.principal`). Every error here is an
``Imsx_StatusInfo`` (:mod:`issuer_api.obapi.imsx`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import URL

from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.ingestion import receipts
from issuer_api.links import PublicBase
from issuer_api.oauth import scopes
from issuer_api.oauth.principal import ObApiPrincipal, RequireObScope
from issuer_api.obapi import discovery, listing, profiles, upserts
from issuer_api.obapi.imsx import BASE_PATH, ObApiError
from issuer_api.region import store as region_store

router = APIRouter(prefix=BASE_PATH, tags=["open-badges-api"])

TAG: Final = {
    "name": "open-badges-api",
    "description": "API Open Badges 3.0 (1EdTech) : découverte, badges, profil ; jeton OAuth "
    "2.0 du serveur d'autorisation `/oauth/…` ; erreurs `Imsx_StatusInfo` / Open Badges 3.0 "
    "API (1EdTech): discovery, credentials, profile; OAuth 2.0 token from the `/oauth/…` "
    "authorization server; errors as `Imsx_StatusInfo`.",
}
JSON_TYPES: Final = frozenset({"application/json", "application/vc+ld+json", "application/ld+json"})
JWS_TYPES: Final = frozenset({"text/plain", "application/jwt", "application/vc+jwt"})
NO_STORE: Final = {"Cache-Control": "no-store"}
IMSX_SCHEMA: Final = {"type": "object", "title": "Imsx_StatusInfo"}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "description": "Imsx_StatusInfo",
            "content": {
                "application/json": {"schema": {"type": "object", "title": "Imsx_StatusInfo"}}
            },
        }
        for status in statuses
    }


class UnsupportedMediaTypeError(ObApiError):
    status_code = 415
    code = "obapi_unsupported_media_type"


# --------------------------------------------------------------------------- discovery


@router.get(
    "/discovery",
    summary="Document de description du service / Service Description Document",
    description="L'OpenAPI profilé de la spécification avec les adresses de ce hub ; sans "
    "jeton. / The specification's profiled OpenAPI with this hub's URLs; no token.",
    responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}},
)
async def get_service_description(
    request: Request, settings: AppSettings, base: PublicBase
) -> JSONResponse:
    identity = region_store.identity_of(request)
    document = discovery.service_description(base, settings, identity, request.app.version)
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=300"})


# --------------------------------------------------------------------------- credentials


def _page_url(base: str, request: Request) -> URL:
    return URL(f"{base}{request.url.path}").include_query_params(**request.query_params)


@router.get(
    "/credentials",
    summary="Mes badges / getCredentials",
    description=(
        "Portée `credential.readonly`. Apprenant : ses badges régionaux et les badges "
        "partenaires que le hub garde pour lui (révoqués et suspendus compris, effacés "
        "jamais). Client d'un partenaire sans apprenant : les badges que ce partenaire a "
        "déposés par cette API. `limit` 1 à 200 (au-delà : 200), `offset`, `since` (date "
        "ISO 8601). En-têtes `X-Total-Count` et, si la page est incomplète, `Link` (first, "
        "last, next, prev). / Scope `credential.readonly`. Learner: their regional "
        "credentials and the partner badges kept for them (revoked and suspended included, "
        "erased never). A partner's client without a learner: the credentials this partner "
        "upserted through this API. `limit` 1 to 200 (above: 200), `offset`, `since` "
        "(ISO 8601). `X-Total-Count` and, when the page is incomplete, `Link` headers."
    ),
    responses={
        200: {
            "headers": {
                "X-Total-Count": {"schema": {"type": "integer"}},
                "Link": {"schema": {"type": "string"}, "description": "RFC 8288"},
            }
        },
        **_errors(400, 401, 403, 405, 500),
    },
)
async def get_credentials(
    *,
    request: Request,
    session: Session,
    kek: Kek,
    base: PublicBase,
    principal: Annotated[ObApiPrincipal, RequireObScope(scopes.CREDENTIAL_READONLY)],
    limit: Annotated[int, Query(ge=1, le=2**31 - 1)] = listing.DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    since: Annotated[datetime | None, Query()] = None,
) -> JSONResponse:
    limit = min(limit, listing.MAX_LIMIT)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    found = await listing.page(session, kek, principal, limit=limit, offset=offset, since=since)
    headers = {**NO_STORE, "X-Total-Count": str(found.total)}
    if offset > 0 or offset + limit < found.total:
        headers["Link"] = receipts.link_header(_page_url(base, request), found.total, limit, offset)
    return JSONResponse(found.body(), headers=headers)


def _media(request: Request, body: bytes) -> tuple[upserts.MediaKind, str]:
    declared = request.headers.get("content-type")
    media = (declared or "").split(";", 1)[0].strip().lower()
    if media in JSON_TYPES:
        return "json", media
    if media in JWS_TYPES:
        return "jws", "text/plain"
    if not media:
        if body.lstrip()[:1] == b"{":
            return "json", "application/json"
        return "jws", "text/plain"
    raise UnsupportedMediaTypeError()


@router.post(
    "/credentials",
    summary="Déposer un badge / upsertCredential",
    description=(
        "Portée `credential.upsert`. Corps : le badge en JSON (`application/json`, "
        "`application/vc+ld+json`) ou un JWS compact (`text/plain`). Client d'un partenaire : "
        "une livraison de ce partenaire (vérifiée après la réponse, comme un webhook ; "
        '`Link: <…>; rel="receipt"` donne le reçu). Apprenant : une sollicitation en son '
        "nom. `201` créé, `200` remplacé (validFrom plus récent), `304` inchangé ; le corps "
        "de la réponse reprend celui de la requête. / Scope `credential.upsert`. Body: the "
        "credential as JSON or a compact JWS. A partner's client: a delivery of that "
        'partner (verified after the answer, as a webhook; `Link: <…>; rel="receipt"` '
        "gives the receipt). A learner: a claim in their name. `201` created, `200` "
        "replaced (newer validFrom), `304` unchanged; the response echoes the request body."
    ),
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/vc+ld+json": {"schema": {"type": "object"}},
                "text/plain": {"schema": {"type": "string"}},
            },
        }
    },
    responses={
        200: {"description": "Remplacé / Replaced"},
        201: {"description": "Créé / Created"},
        304: {"description": "Inchangé / Unchanged"},
        **_errors(400, 401, 403, 405, 413, 415, 500),
    },
)
async def upsert_credential(
    *,
    request: Request,
    session: Session,
    kek: Kek,
    base: PublicBase,
    principal: Annotated[ObApiPrincipal, RequireObScope(scopes.CREDENTIAL_UPSERT)],
) -> Response:
    body = await request.body()
    kind, media = _media(request, body)
    done = await upserts.upsert(session, kek, principal, body=body, media=kind)
    headers = dict(NO_STORE)
    if done.receipt_path is not None:
        headers["Link"] = f'<{base}{done.receipt_path}>; rel="receipt"'
    if done.status == 304:
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=done.status, media_type=media, headers=headers)


# --------------------------------------------------------------------------- profile


@router.get(
    "/profile",
    summary="Mon profil / getProfile",
    description=(
        "Portée `profile.readonly`. Apprenant : `id` (`urn:uuid:…`), `name` choisi, `email`. "
        "Client d'un partenaire : le profil d'émetteur du partenaire. / Scope "
        "`profile.readonly`. Learner: `id` (`urn:uuid:…`), chosen `name`, `email`. A "
        "partner's client: the partner's issuer profile."
    ),
    responses={
        200: {"content": {"application/json": {"schema": {"type": "object"}}}},
        **_errors(400, 401, 403, 404, 405, 500),
    },
)
async def get_profile(
    *,
    session: Session,
    kek: Kek,
    principal: Annotated[ObApiPrincipal, RequireObScope(scopes.PROFILE_READONLY)],
) -> JSONResponse:
    return JSONResponse(await profiles.get(session, kek, principal), headers=NO_STORE)


@router.put(
    "/profile",
    summary="Modifier mon profil / putProfile",
    description=(
        "Portée `profile.update`. Le profil entier, avec son `id` et le type `Profile`. Seul "
        "le nom affiché (`name`) change ; `email` doit être une adresse déjà connue (400 "
        "sinon : une adresse se change depuis l'espace, qui la vérifie). Le profil d'un "
        "partenaire ne change pas par cette API (403). / Scope `profile.update`. The whole "
        "profile, with its `id` and the type `Profile`. Only the display name (`name`) "
        "changes; `email` must be an address already known (else 400: an address is "
        "changed from the space, which verifies it). A partner's profile cannot be changed "
        "through this API (403)."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
    responses={
        200: {"content": {"application/json": {"schema": {"type": "object"}}}},
        **_errors(400, 401, 403, 404, 405, 413, 500),
    },
)
async def put_profile(
    *,
    request: Request,
    session: Session,
    kek: Kek,
    principal: Annotated[ObApiPrincipal, RequireObScope(scopes.PROFILE_UPDATE)],
) -> JSONResponse:
    body = await request.body()
    media = (request.headers.get("content-type") or "application/json").split(";", 1)[0]
    if media.strip().lower() not in JSON_TYPES:
        raise UnsupportedMediaTypeError()
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise profiles.ProfileInvalidError() from None
    return JSONResponse(await profiles.put(session, kek, principal, document), headers=NO_STORE)
