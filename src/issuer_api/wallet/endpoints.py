"""The OID4VCI 1.0 routes a wallet calls (JSON, no cookies, ``Cache-Control: no-store``).

``GET  /.well-known/openid-credential-issuer``            credential issuer metadata
``GET  /.well-known/oauth-authorization-server/oid4vci``  its authorization server (RFC 8414)
``GET  /oid4vci/offer?ref={reference}`` the credential offer, by reference (404 once used
                                        or expired; the secret stays out of the access log)
``POST /oid4vci/token``                 the pre-authorised code grant (form-encoded); the
                                        hub's ``/oauth/token`` is to dispatch this grant to
                                        :func:`issuer_api.wallet.grant.pre_authorized_code_grant`
``POST /oid4vci/nonce``                 a fresh ``c_nonce``
``POST /oid4vci/credential``            the badge bound to the wallet's DID (bearer token)

The credential issuer identifier is the hub's public base URL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.links import PublicBase
from issuer_api.region.store import identity_of
from issuer_api.wallet import grant, issuance, metadata, offers

router = APIRouter(include_in_schema=False)

NO_STORE: Final = {"Cache-Control": "no-store"}
MAX_BODY_BYTES: Final = 64 * 1024
BEARER: Final = "bearer "
OFFER_NOT_FOUND: Final = {
    "error": "offer_not_found",
    "error_description": "this offer is used, expired or unknown",
}


def now_utc() -> datetime:
    return datetime.now(UTC)


def _json(body: object, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status_code, headers={**NO_STORE, **(headers or {})})


@router.get(metadata.ISSUER_METADATA_PATH)
async def issuer_metadata(request: Request, base: PublicBase) -> Response:
    identity = identity_of(request)
    return JSONResponse(
        metadata.issuer_metadata(base, scheme_name=identity.scheme_name, logo=identity.logo),
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


@router.get(metadata.AS_METADATA_PATH)
async def authorization_server_metadata(base: PublicBase) -> Response:
    return JSONResponse(
        metadata.authorization_server_metadata(base),
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


@router.get(offers.OFFER_PATH)
async def credential_offer(
    session: Session,
    kek: Kek,
    base: PublicBase,
    reference: Annotated[str, Query(alias=offers.REFERENCE_PARAMETER)] = "",
) -> Response:
    document = await offers.offer_document(session, kek, reference, base, now=now_utc())
    if document is None:
        return _json(OFFER_NOT_FOUND, 404)
    return _json(document)


@router.post(metadata.TOKEN_PATH)
async def token(request: Request, session: Session, kek: Kek) -> Response:
    """Temporary home of the grant until the hub's token endpoint dispatches to it."""
    form = await request.form(max_files=0, max_fields=16)
    fields = {name: value for name, value in form.items() if isinstance(value, str)}
    try:
        answer = await grant.pre_authorized_code_grant(session, kek, fields, now=now_utc())
    except grant.OAuthError as exc:
        return _json(exc.body(), exc.status_code)
    return _json(answer)


@router.post(metadata.NONCE_PATH)
async def nonce(kek: Kek) -> Response:
    return _json({"c_nonce": issuance.new_nonce(kek, now=now_utc())})


def _unauthorized(error: str | None, description: str) -> Response:
    challenge = "Bearer" if error is None else f'Bearer error="{error}"'
    body = {"error": error or "invalid_token", "error_description": description}
    return _json(body, 401, {"WWW-Authenticate": challenge})


def _request_json(raw: bytes) -> object:
    if len(raw) > MAX_BODY_BYTES:
        raise issuance.CredentialError("invalid_credential_request", "the request is too large")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise issuance.CredentialError(
            "invalid_credential_request", "the request is not JSON"
        ) from exc


@router.post(metadata.CREDENTIAL_PATH)
async def credential(
    *, request: Request, session: Session, settings: AppSettings, kek: Kek, base: PublicBase
) -> Response:
    authorization = request.headers.get("authorization", "")
    if not authorization.lower().startswith(BEARER):
        return _unauthorized(None, "a bearer access token is required")
    access_token = authorization[len(BEARER) :].strip()
    now = now_utc()
    offer = await grant.claim_token(session, access_token, now=now)
    if offer is None:
        return _unauthorized("invalid_token", "the access token is unknown, used or expired")
    try:
        body = _request_json(await request.body())
        answer = await issuance.issue(session, settings, kek, offer, body, issuer=base, now=now)
    except issuance.CredentialError as exc:
        # Nothing was issued: the token is given back (the wallet may retry, e.g. with a
        # fresh nonce after invalid_nonce), and nothing else of the request is kept.
        await session.rollback()
        return _json(exc.body(), exc.status_code)
    return _json(answer)
