"""W3C VC-API: ``/credentials/issue``, ``/credentials/verify``, ``/credentials/status``,
``/presentations/verify`` (https://w3c-ccg.github.io/vc-api/).

Status codes follow the specification and the W3C test suites that drive it:

* ``POST /credentials/issue``: 201 ``{"verifiableCredential": …}``; 400 for input that
  cannot be issued (malformed request, unknown option, wrong issuer, a document that
  fails JSON-LD safe mode or, for an Open Badge, the OB 3.0 schema); 401/403 as
  everywhere (scope ``issue``).
* ``POST /credentials/verify`` and ``POST /presentations/verify``: 200 when verified;
  400 with the same result body (``verified: false``, ``checks``, ``warnings``,
  ``errors``) when not, or when the request itself is malformed. The specification's
  200 is "successfully verified" and its 400 "invalid input"; the W3C Data Integrity
  and VC test suites require a 4xx for a credential that fails verification.
* ``POST /credentials/status``: 200; 400 bad request; 404 unknown credential; 409 when a
  revocation would be undone (scope ``status``).

Request validation errors are reported as 400 ``invalid_request`` here (the rest of the
API uses 422), as the VC-API specifies. Verification is public, like ``POST /verify``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any, Final

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from issuer_api.auth import scopes
from issuer_api.auth.deps import CurrentClient, RequireScopes
from issuer_api.credentials import service as credentials
from issuer_api.credentials.endpoints import count_issued
from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.errors import ApiError, error_responses
from issuer_api.i18n import negotiate_language
from issuer_api.links import PublicBase
from issuer_api.statuslists.service import StatusListCache
from issuer_api.vcapi import service
from issuer_api.vcapi.schemas import (
    IssueRequest,
    IssueResponse,
    PresentationVerificationResult,
    UpdateStatusRequest,
    UpdateStatusResponse,
    VerificationResult,
    VerifyCredentialRequest,
    VerifyPresentationRequest,
)
from verify.messages import Lang


class VcApiRoute(APIRoute):
    """Request validation errors become 400 ``invalid_request`` (VC-API), not 422."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                raise ApiError(
                    code="invalid_request",
                    status_code=400,
                    details={
                        "errors": [
                            {
                                "field": ".".join(str(p) for p in error.get("loc", ())),
                                "type": str(error.get("type", "")),
                                "message": str(error.get("msg", "")),
                            }
                            for error in exc.errors()
                        ]
                    },
                ) from None

        return route


router = APIRouter(tags=["vc-api"], route_class=VcApiRoute)

_RESULT_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {"description": "Vérifié / Verified"},
    400: {
        "model": VerificationResult,
        "description": "Non vérifié, ou requête invalide / Not verified, or invalid request",
    },
    413: error_responses(413)[413],
}


def _cache(request: Request) -> StatusListCache:
    cache: StatusListCache = request.app.state.status_list_cache
    return cache


def _language(request: Request, settings: AppSettings) -> Lang:
    return negotiate_language(request.headers.get("accept-language"), settings.default_language)


@router.post(
    "/credentials/issue",
    status_code=201,
    response_model=IssueResponse,
    summary="VC-API : émettre un badge / VC-API: issue a credential",
    description=(
        "Signe (eddsa-rdfc-2022) le badge fourni (VCDM 2.0 ou 1.1) après y avoir ajouté "
        "ses entrées de statut (Bitstring Status List). Portée `issue`. / Signs "
        "(eddsa-rdfc-2022) the credential sent (VCDM 2.0 or 1.1) after adding its status "
        "entries (Bitstring Status List). Scope `issue`."
    ),
    dependencies=[RequireScopes(scopes.ISSUE)],
    responses=error_responses(400, 401, 403, 404),
)
async def issue_credential(
    *,
    request: Request,
    session: Session,
    settings: AppSettings,
    kek: Kek,
    client: CurrentClient,
    base_url: PublicBase,
    body: IssueRequest,
) -> JSONResponse:
    issued = await service.issue(
        session,
        settings,
        kek,
        client,
        credential=body.credential,
        options=body.options,
        base_url=base_url,
    )
    count_issued(request, "di")
    return JSONResponse(
        IssueResponse(verifiableCredential=issued.document).model_dump(mode="json"),
        status_code=201,
        headers={"Location": credentials.credential_url(base_url, issued.id)},
    )


def _answer(result: VerificationResult) -> JSONResponse:
    return JSONResponse(
        result.model_dump(mode="json", exclude_none=True),
        status_code=200 if result.verified else 400,
    )


@router.post(
    "/credentials/verify",
    response_model=VerificationResult,
    response_model_exclude_none=True,
    summary="VC-API : vérifier un badge / VC-API: verify a credential",
    description=(
        "Vérifie un badge (JSON, `EnvelopedVerifiableCredential` ou VC-JWT) sans accès "
        "réseau : clés did:key/did:jwk et DID des émetteurs de ce service, listes de statuts "
        "de ce service. 200 si vérifié, sinon 400 avec le même corps. / Verifies a credential "
        "(JSON, `EnvelopedVerifiableCredential` or VC-JWT) without network access: did:key/"
        "did:jwk keys and this service's issuer DIDs, this service's status lists. 200 when "
        "verified, otherwise 400 with the same body."
    ),
    responses=_RESULT_RESPONSES,
)
async def verify_credential(
    *,
    request: Request,
    session: Session,
    settings: AppSettings,
    kek: Kek,
    body: VerifyCredentialRequest,
) -> JSONResponse:
    service.refuse_json_text(body.verifiableCredential)
    data = service.unwrap(body.verifiableCredential)
    world = await service.local_world(session, settings, kek, _cache(request), [data])
    report = await service.run_pipeline(data, world)
    result = service.result_of(report, body.options.checks, _language(request, settings))
    result = service.with_data_model(result, data)
    return _answer(result)


@router.post(
    "/presentations/verify",
    response_model=PresentationVerificationResult,
    response_model_exclude_none=True,
    summary="VC-API : vérifier une présentation / VC-API: verify a presentation",
    description=(
        "Vérifie la preuve de la présentation (si présente : signature, `challenge`, "
        "`domain`, titulaire) et chacun de ses badges. 200 si tout est vérifié, sinon 400 "
        "avec le même corps. / Verifies the presentation's proof (when present: signature, "
        "`challenge`, `domain`, holder) and each of its credentials. 200 when all verify, "
        "otherwise 400 with the same body."
    ),
    responses={**_RESULT_RESPONSES, 400: {"model": PresentationVerificationResult}},
)
async def verify_presentation(
    *,
    request: Request,
    session: Session,
    settings: AppSettings,
    kek: Kek,
    body: VerifyPresentationRequest,
) -> JSONResponse:
    presentation = body.verifiablePresentation or body.presentation
    if presentation is None:
        raise service.InvalidPresentationError(
            details={"reason": "send verifiablePresentation (or presentation)"}
        )
    service.check_presentation_shape(presentation)
    items = service.presentation_credentials(presentation)
    world = await service.local_world(
        session, settings, kek, _cache(request), [presentation, *items]
    )
    language = _language(request, settings)
    own = await anyio.to_thread.run_sync(
        partial(
            service.verify_presentation_proof,
            presentation,
            world,
            body.options.challenge,
            body.options.domain,
        )
    )
    results = [
        service.with_data_model(
            service.result_of(
                await service.run_pipeline(item, world), body.options.checks, language
            ),
            item,
        )
        for item in items
    ]
    errors = list(own.errors)
    errors.extend(
        f"verifiableCredential[{i}]: {error}"
        for i, result in enumerate(results)
        for error in result.errors
    )
    combined = PresentationVerificationResult(
        verified=own.verified and all(r.verified for r in results),
        checks=[*own.checks, *(["credentials"] if results else [])],
        warnings=list(own.warnings),
        errors=errors,
        presentationResult=own,
        credentialResults=results,
    )
    return JSONResponse(
        combined.model_dump(mode="json", exclude_none=True),
        status_code=200 if combined.verified else 400,
    )


@router.post(
    "/credentials/status",
    response_model=UpdateStatusResponse,
    summary="VC-API : changer le statut d'un badge / VC-API: update a credential's status",
    description=(
        "Révoque, suspend ou rétablit un badge émis par ce service (liste `[{type, status}]` "
        "ou objet `{type, statusPurpose}` avec `status: true|false`). Remettre un statut déjà "
        "en place est sans effet ; une révocation ne s'annule pas (409). Portée `status`. / "
        "Revokes, suspends or reinstates a credential issued here (`[{type, status}]` list or "
        "`{type, statusPurpose}` object with `status: true|false`). Setting a status already "
        "in place is a no-op; a revocation cannot be undone (409). Scope `status`."
    ),
    dependencies=[RequireScopes(scopes.STATUS)],
    responses=error_responses(400, 401, 403, 404, 409),
)
async def update_status(
    *,
    session: Session,
    client: CurrentClient,
    body: UpdateStatusRequest,
) -> UpdateStatusResponse:
    credential = await service.update_status(session, client, body)
    return UpdateStatusResponse(
        credentialId=body.credentialId, status=credentials.state_of(credential)
    )
