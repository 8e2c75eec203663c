"""Issuer routes: administration (scope ``admin``) and the public identity documents.

Administration (``/admin/issuers…``) needs an access token with the ``admin`` scope.
Public documents need no token and may be cached: the OB 3.0 Profile
(``/issuers/{slug}``), DID documents (``/.well-known/did.json``,
``/issuers/{slug}/did.json``) and the JWK Set of every issuer key
(``/.well-known/jwks.json``).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from issuer_api.auth import scopes
from issuer_api.auth.deps import AuthenticatedClient, RequireScopes
from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.errors import error_responses
from issuer_api.issuers import service
from issuer_api.issuers.schemas import (
    DidDocument,
    IssuerCreate,
    IssuerList,
    IssuerRecord,
    IssuerUpdate,
    JsonWebKeySet,
    KeyRotation,
    KeyRotationResult,
    ProfileDocument,
)

router = APIRouter()

PUBLIC_CACHE: Final = "public, max-age=300"
"""Public identity documents change rarely (profile edits, key rotation): five minutes."""

AdminClient = Annotated[AuthenticatedClient, RequireScopes(scopes.ADMIN)]
IssuerRef = Annotated[
    str,
    Path(
        max_length=64,
        description="Slug ou identifiant interne de l'émetteur / issuer slug or internal id",
        examples=["region"],
    ),
]


def _public(document: dict[str, Any]) -> JSONResponse:
    return JSONResponse(document, headers={"Cache-Control": PUBLIC_CACHE})


# --------------------------------------------------------------------------- administration


@router.post(
    "/admin/issuers",
    status_code=201,
    response_model=IssuerRecord,
    tags=["issuers"],
    summary="Créer un émetteur / Create an issuer",
    description=(
        "Crée un émetteur partenaire et ses clés de signature (Ed25519, plus P-256/RSA si "
        "demandé). Portée `admin`. / Creates a partner issuer and its signing keys "
        "(Ed25519, plus P-256/RSA on request). Scope `admin`."
    ),
    responses=error_responses(401, 403, 409, 422),
)
async def create_issuer(
    *,
    data: IssuerCreate,
    client: AdminClient,
    session: Session,
    settings: AppSettings,
    kek: Kek,
    response: Response,
) -> IssuerRecord:
    issuer = await service.create_issuer(session, settings, kek, data, actor=client.client_id)
    response.headers["Location"] = f"/admin/issuers/{issuer.slug}"
    return service.issuer_record(issuer, settings)


@router.get(
    "/admin/issuers",
    response_model=IssuerList,
    tags=["issuers"],
    summary="Lister les émetteurs / List issuers",
    description="La Région d'abord, puis par slug. Portée `admin`. / Region first, then by slug.",
    responses=error_responses(401, 403, 422),
)
async def list_issuers(
    *,
    _client: AdminClient,
    session: Session,
    settings: AppSettings,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> IssuerList:
    issuers, total = await service.list_issuers(session, limit=limit, offset=offset)
    return IssuerList(
        items=[service.issuer_record(issuer, settings) for issuer in issuers],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/admin/issuers/{issuer}",
    response_model=IssuerRecord,
    tags=["issuers"],
    summary="Consulter un émetteur / Get an issuer",
    description=(
        "Profil, identifiant (DID) et clés publiques. Portée `admin`. / Profile, identifier "
        "(DID) and public keys. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404),
)
async def get_issuer(
    *, issuer: IssuerRef, _client: AdminClient, session: Session, settings: AppSettings
) -> IssuerRecord:
    return service.issuer_record(await service.get_issuer(session, issuer), settings)


@router.patch(
    "/admin/issuers/{issuer}",
    response_model=IssuerRecord,
    tags=["issuers"],
    summary="Modifier un émetteur / Update an issuer",
    description=(
        "Modifie les champs envoyés ; `null` efface un champ. Le slug (dans le DID) ne change "
        "pas. Portée `admin`. / Changes the fields sent; `null` clears one. The slug (part "
        "of the DID) is fixed. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def update_issuer(
    *,
    issuer: IssuerRef,
    data: IssuerUpdate,
    client: AdminClient,
    session: Session,
    settings: AppSettings,
) -> IssuerRecord:
    found = await service.get_issuer(session, issuer)
    updated = await service.update_issuer(session, found, data, actor=client.client_id)
    return service.issuer_record(updated, settings)


@router.post(
    "/admin/issuers/{issuer}/keys:rotate",
    response_model=KeyRotationResult,
    tags=["issuers"],
    summary="Renouveler une clé de signature / Rotate a signing key",
    description=(
        "Une nouvelle clé du type demandé devient active et signe ; l'ancienne reste publiée "
        "dans le document DID pour que les badges qu'elle a signés restent vérifiables. "
        "Exige did:web (OBHUB_PUBLIC_BASE_URL). Journalisé. Portée `admin`. / A new key of "
        "the given type becomes active and signs; the old one stays in the DID document so "
        "the badges it signed keep verifying. Needs did:web. Audited. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404, 409, 422),
)
async def rotate_key(
    *,
    issuer: IssuerRef,
    data: KeyRotation,
    client: AdminClient,
    session: Session,
    settings: AppSettings,
    kek: Kek,
) -> KeyRotationResult:
    found = await service.get_issuer(session, issuer)
    new_key, retired = await service.rotate_key(
        session, found, settings, kek, data.key_type, actor=client.client_id, reason=data.reason
    )
    return KeyRotationResult(
        active=service.key_record(found, new_key, settings),
        retired=[service.key_record(found, key, settings) for key in retired],
    )


# --------------------------------------------------------------------------- public documents


@router.get(
    "/issuers/{issuer}",
    response_model=ProfileDocument,
    tags=["identity"],
    summary="Profil public d'un émetteur (OB 3.0) / Issuer public profile (OB 3.0)",
    description=(
        "Le `Profile` Open Badges 3.0 de l'émetteur, sans jeton. Son `id` est le DID de "
        "l'émetteur. / The issuer's Open Badges 3.0 `Profile`, no token needed. Its `id` "
        "is the issuer's DID."
    ),
    responses=error_responses(404),
)
async def public_profile(issuer: IssuerRef, session: Session, settings: AppSettings) -> Response:
    return _public(service.public_profile(await service.get_issuer(session, issuer), settings))


@router.get(
    "/issuers/{issuer}/did.json",
    response_model=DidDocument,
    tags=["identity"],
    summary="Document DID d'un émetteur / Issuer DID document",
    description=(
        "Document de `did:web:<hôte>:issuers:<slug>` : toutes les clés, y compris retirées ; "
        "sans OBHUB_PUBLIC_BASE_URL, le document did:key de l'émetteur. / Document of "
        "`did:web:<host>:issuers:<slug>`: every key, retired ones included; without "
        "OBHUB_PUBLIC_BASE_URL, the issuer's did:key document."
    ),
    responses=error_responses(404),
)
async def issuer_did_document(
    *, issuer: IssuerRef, session: Session, settings: AppSettings
) -> Response:
    return _public(await service.issuer_did_document(session, settings, issuer))


_REGION_DID_DESCRIPTION: Final = (
    "Document DID de la Région : `did:web` de OBHUB_PUBLIC_BASE_URL, ou, sans URL publique, "
    "son document `did:key`. / The Region's DID document: the `did:web` of "
    "OBHUB_PUBLIC_BASE_URL or, with no public base URL, its `did:key` document."
)


@router.get(
    "/.well-known/did.json",
    response_model=DidDocument,
    tags=["identity"],
    summary="Document DID de la Région / Region DID document",
    description=_REGION_DID_DESCRIPTION,
    responses=error_responses(404),
)
async def region_did_document(session: Session, settings: AppSettings) -> Response:
    return _public(await service.region_did_document(session, settings))


@router.get(
    "/did.json",
    response_model=DidDocument,
    tags=["identity"],
    summary="Document DID de la Région (URL avec chemin) / Region DID document (base with a path)",
    description=(
        "Le même document, là où did:web le cherche quand l'URL publique a un chemin "
        "(`https://hôte/obhub` → `https://hôte/obhub/did.json`). / The same document, where "
        "did:web looks for it when the public base URL has a path."
    ),
    responses=error_responses(404),
)
async def region_did_document_at_path(session: Session, settings: AppSettings) -> Response:
    return _public(await service.region_did_document(session, settings))


@router.get(
    "/.well-known/jwks.json",
    response_model=JsonWebKeySet,
    tags=["identity"],
    summary="Clés publiques (JWK Set) / Public keys (JWK Set)",
    description=(
        "Toutes les clés publiques de tous les émetteurs ; `kid` = identifiant de méthode "
        "de vérification. / Every issuer's public keys; `kid` = verification method id."
    ),
)
async def jwks(session: Session, settings: AppSettings) -> Response:
    return _public(await service.jwks_document(session, settings))
