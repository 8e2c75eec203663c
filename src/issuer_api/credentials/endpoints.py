"""Credential routes: issue, list, fetch (public), revoke, suspend, unsuspend.

Scopes: ``issue`` to issue, ``read`` to list, ``status`` to revoke or (un)suspend; a
partner client acts only for its own issuer. ``GET /credentials/{id}`` is public: the
id is an unguessable UUID handed to the recipient.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from issuer_api.auth import scopes
from issuer_api.auth.deps import CurrentClient, RequireScopes, ensure_can_act_for
from issuer_api.credentials import flows, repository, service
from issuer_api.credentials.schemas import (
    CREDENTIAL_EXAMPLE,
    CredentialPage,
    CredentialRecord,
    IssueCredentialRequest,
    StatusChangeRequest,
)
from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.errors import ApiError, error_responses
from issuer_api.issuers import service as issuers
from issuer_api.links import PublicBase

router = APIRouter(tags=["credentials"])

REPLAYED_HEADER: Final = "Idempotent-Replayed"
MAX_PAGE: Final = 200

IssuerRef = Annotated[
    str,
    Path(
        max_length=64,
        description="Identifiant ou slug de l'émetteur / issuer id or slug",
        examples=["region"],
    ),
]
CredentialRef = Annotated[
    str,
    Path(
        max_length=45,
        description="Identifiant du badge (UUID) / credential id (UUID)",
        examples=["7d1c0f4e-9a3b-4f7e-8c21-3e5d6b7a8c90"],
    ),
]
StatusRef = Annotated[
    str,
    Path(
        max_length=500,
        description=(
            "Identifiant du badge : notre UUID, ou l'`id` du badge lui-même (par exemple "
            "`urn:uuid:…` choisi à l'émission VC-API) / the credential: our UUID, or the "
            "credential's own `id` (e.g. a `urn:uuid:…` chosen at VC-API issuance)"
        ),
        examples=["7d1c0f4e-9a3b-4f7e-8c21-3e5d6b7a8c90"],
    ),
]


class NotAcceptableError(ApiError):
    status_code = 406
    code = "not_acceptable"


def _record_response(
    record: CredentialRecord, status_code: int, headers: dict[str, str]
) -> JSONResponse:
    return JSONResponse(record.model_dump(mode="json"), status_code=status_code, headers=headers)


@router.post(
    "/issuers/{issuer}/credentials",
    status_code=201,
    response_model=CredentialRecord,
    summary="Émettre un badge / Issue a credential",
    description=(
        "Émet un Open Badge 3.0 signé (eddsa-rdfc-2022 ou VC-JWT) pour une version figée "
        "d'un badge. Le courriel du destinataire n'est ni stocké ni publié en clair (empreinte "
        "salée). Avec `Idempotency-Key`, une requête rejouée renvoie le badge d'origine (200, "
        "`Idempotent-Replayed: true`). Portée `issue`. / Issues a signed Open Badge 3.0 "
        "(eddsa-rdfc-2022 or VC-JWT) for a pinned achievement version. The recipient's email "
        "is never stored or published in clear (salted hash). With `Idempotency-Key`, a "
        "retried request returns the original credential (200, `Idempotent-Replayed: true`). "
        "Scope `issue`."
    ),
    dependencies=[RequireScopes(scopes.ISSUE)],
    responses={
        200: {"model": CredentialRecord, "description": "Rejeu idempotent / Idempotent replay"},
        **error_responses(400, 401, 403, 404, 409, 422),
    },
)
async def issue_credential(
    *,
    request: Request,
    session: Session,
    settings: AppSettings,
    kek: Kek,
    client: CurrentClient,
    base_url: PublicBase,
    issuer: IssuerRef,
    body: IssueCredentialRequest,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="1 à 200 caractères / 1 to 200 characters",
            examples=["commande-2026-0042"],
        ),
    ] = None,
) -> JSONResponse:
    issued = await flows.issue_open_badge(
        session,
        settings,
        kek,
        client,
        issuer_ref=issuer,
        request=body,
        idempotency_key=idempotency_key,
        base_url=base_url,
    )
    record = service.record(issued.credential, base_url)
    headers = {"Location": record.url}
    if issued.replayed:
        headers[REPLAYED_HEADER] = "true"
        return _record_response(record, 200, headers)
    count_issued(request, record.format)
    return _record_response(record, 201, headers)


def count_issued(request: Request, fmt: str) -> None:
    """``obhub_credentials_issued`` (see :mod:`issuer_api.metrics`), when metrics are on."""
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.credentials_issued.labels(fmt).inc()


def _link_header(request: Request, total: int, limit: int, offset: int) -> str:
    """RFC 8288 links as the OB 3.0 API asks: first and last always, next and prev."""

    def url(at: int) -> str:
        return str(request.url.include_query_params(limit=limit, offset=at))

    last = max(0, (total - 1) // limit * limit) if total else 0
    links = [f'<{url(0)}>; rel="first"', f'<{url(last)}>; rel="last"']
    if offset + limit < total:
        links.append(f'<{url(offset + limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{url(max(0, min(offset - limit, last)))}>; rel="prev"')
    return ", ".join(links)


@router.get(
    "/issuers/{issuer}/credentials",
    response_model=CredentialPage,
    summary="Badges émis par un émetteur / Credentials of an issuer",
    description=(
        "Les badges émis, du plus récent au plus ancien, avec leur statut. En-têtes "
        "`X-Total-Count` et `Link` (first, last, next, prev) comme l'API OB 3.0. Portée "
        "`read`. / Issued credentials, newest first, with their status. `X-Total-Count` and "
        "`Link` (first, last, next, prev) headers as in the OB 3.0 API. Scope `read`."
    ),
    dependencies=[RequireScopes(scopes.READ)],
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
async def list_credentials(
    *,
    request: Request,
    response: Response,
    session: Session,
    client: CurrentClient,
    base_url: PublicBase,
    issuer: IssuerRef,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> CredentialPage:
    found = await issuers.get_issuer(session, issuer)
    ensure_can_act_for(client, found.id)
    rows, total = await repository.page(session, found.id, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    response.headers["Link"] = _link_header(request, total, limit, offset)
    return CredentialPage(
        items=[service.record(row, base_url) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


_DI_TYPES: Final = ("application/vc+ld+json", "application/ld+json", "application/json")
_JWT_TYPES: Final = ("text/plain", "application/vc+jwt", "application/jwt")


def _negotiate(accept: str | None, offered: tuple[str, ...]) -> str | None:
    """The first of ``offered`` (the default first) that ``Accept`` allows, by q-value."""
    if not accept or not accept.strip():
        return offered[0]
    best: tuple[float, int] | None = None
    chosen: str | None = None
    for position, media in enumerate(offered):
        quality = _quality(accept, media)
        if quality > 0 and (best is None or (quality, -position) > best):
            best, chosen = (quality, -position), media
    return chosen


def _quality(accept: str, media: str) -> float:
    main = media.split("/", 1)[0]
    found: tuple[int, float] | None = None  # (specificity, q)
    for item in accept.split(","):
        kind, *params = (part.strip() for part in item.split(";"))
        kind = kind.lower()
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if kind == media:
            specificity = 3
        elif kind == f"{main}/*":
            specificity = 2
        else:
            specificity = 1 if kind == "*/*" else 0
        if specificity and (found is None or specificity > found[0]):
            found = (specificity, q)
    return found[1] if found else 0.0


@router.get(
    "/credentials/{credential_id}",
    summary="Télécharger un badge / Download a credential",
    description=(
        "Public. Le badge signé : JSON (`application/vc+ld+json`) pour une preuve intégrée, "
        "le jeton en texte (`text/plain`) pour un VC-JWT ; l'en-tête `Accept` peut demander "
        "`application/json` ou `application/vc+jwt`. / Public. The signed credential: JSON "
        "(`application/vc+ld+json`) for an embedded proof, the token as text (`text/plain`) "
        "for a VC-JWT; `Accept` may ask for `application/json` or `application/vc+jwt`."
    ),
    response_class=Response,
    responses={
        200: {
            "description": "Le badge / The credential",
            "content": {
                "application/vc+ld+json": {
                    "schema": {"type": "object"},
                    "example": CREDENTIAL_EXAMPLE,
                },
                "text/plain": {
                    "schema": {"type": "string"},
                    "example": "eyJhbGciOiJFZERTQSIsImtpZCI6ImRpZDp3ZWI6Li4uIn0.eyJ...fQ.c2ln",
                },
            },
        },
        **error_responses(404, 406, 410),
    },
)
async def get_credential(
    *,
    session: Session,
    credential_id: CredentialRef,
    accept: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    credential = await service.get(session, credential_id)
    service.ensure_not_erased(credential)
    if credential.format == "jwt" and credential.jwt is not None:
        media = _negotiate(accept, _JWT_TYPES)
        if media is None:
            raise NotAcceptableError(details={"available": list(_JWT_TYPES)})
        return Response(credential.jwt, media_type=media)
    media = _negotiate(accept, _DI_TYPES)
    if media is None:
        raise NotAcceptableError(details={"available": list(_DI_TYPES)})
    return JSONResponse(credential.document, media_type=media)


_STATUS_BODY: Any = Body(
    openapi_examples={
        "motif": {
            "summary": "Motif / reason",
            "value": {"reason": "Délivré par erreur (mauvais destinataire)."},
        }
    }
)


async def _change(
    *,
    session: Session,
    client: CurrentClient,
    base_url: str,
    credential_id: str,
    action: service.Action,
    body: StatusChangeRequest,
) -> CredentialRecord:
    credential = await flows.find_credential(session, client, credential_id)
    updated = await service.change_status(
        session, credential, action, actor=client.client_id, reason=body.reason
    )
    return service.record(updated, base_url)


_STATUS_ERRORS: Final = error_responses(401, 403, 404, 409, 422)


@router.post(
    "/credentials/{credential_id}/revoke",
    response_model=CredentialRecord,
    summary="Révoquer un badge / Revoke a credential",
    description=(
        "Définitif : le bit de révocation est levé dans la liste publiée et l'action est "
        "journalisée. Portée `status`. / Final: the revocation bit is set in the published "
        "list and the action is audited. Scope `status`."
    ),
    dependencies=[RequireScopes(scopes.STATUS)],
    responses=_STATUS_ERRORS,
)
async def revoke(
    *,
    session: Session,
    client: CurrentClient,
    base_url: PublicBase,
    credential_id: StatusRef,
    body: Annotated[StatusChangeRequest, _STATUS_BODY],
) -> CredentialRecord:
    return await _change(
        session=session,
        client=client,
        base_url=base_url,
        credential_id=credential_id,
        action="revoke",
        body=body,
    )


@router.post(
    "/credentials/{credential_id}/suspend",
    response_model=CredentialRecord,
    summary="Suspendre un badge / Suspend a credential",
    description=(
        "Réversible ; seulement pour les badges porteurs d'une entrée de suspension (Open "
        "Badges émis avec `status_purpose: suspension`, le schéma OB 3.0 n'admettant qu'une "
        "entrée de statut). Portée `status`. / Reversible; only for credentials carrying a "
        "suspension entry (Open Badges issued with `status_purpose: suspension`: the OB 3.0 "
        "schema allows a single status entry). Scope `status`."
    ),
    dependencies=[RequireScopes(scopes.STATUS)],
    responses=_STATUS_ERRORS,
)
async def suspend(
    *,
    session: Session,
    client: CurrentClient,
    base_url: PublicBase,
    credential_id: StatusRef,
    body: Annotated[StatusChangeRequest, _STATUS_BODY],
) -> CredentialRecord:
    return await _change(
        session=session,
        client=client,
        base_url=base_url,
        credential_id=credential_id,
        action="suspend",
        body=body,
    )


@router.post(
    "/credentials/{credential_id}/unsuspend",
    response_model=CredentialRecord,
    summary="Lever une suspension / Lift a suspension",
    description=(
        "Le badge redevient valide (sauf s'il a été révoqué entre-temps). Portée `status`. / "
        "The credential becomes valid again (unless revoked meanwhile). Scope `status`."
    ),
    dependencies=[RequireScopes(scopes.STATUS)],
    responses=_STATUS_ERRORS,
)
async def unsuspend(
    *,
    session: Session,
    client: CurrentClient,
    base_url: PublicBase,
    credential_id: StatusRef,
    body: Annotated[StatusChangeRequest, _STATUS_BODY],
) -> CredentialRecord:
    return await _change(
        session=session,
        client=client,
        base_url=base_url,
        credential_id=credential_id,
        action="unsuspend",
        body=body,
    )
