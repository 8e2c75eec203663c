"""The authorization server's machine endpoints (Authlib through :mod:`.adapter`).

``POST /oauth/token``     every grant: client credentials (the Region's clients),
                          authorization code + PKCE and refresh token (registered clients)
``POST /oauth/revoke``    RFC 7009
``POST /oauth/register``  RFC 7591 dynamic registration, open, as the OB 3.0 API requires
``GET  /.well-known/oauth-authorization-server``  RFC 8414 metadata

Clients authenticate with HTTP Basic (``client_secret_basic``) only. Errors follow
RFC 6749 §5.2 / RFC 7591 §3.2.2 (``{"error", "error_description"}``) because OAuth
client libraries expect exactly that shape; every other endpoint uses obhub's error model.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Final
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.links import public_base_url
from issuer_api.oauth import adapter, clients, registration_limit
from issuer_api.oauth import scopes as ob_scopes
from issuer_api.oauth.paths import (
    AUTHORIZE_PATH,
    METADATA_PATH,
    REGISTER_PATH,
    REVOKE_PATH,
    TOKEN_PATH,
)

router = APIRouter(tags=["authentication"])

MAX_REGISTRATION_BYTES: Final = 16_384
FORM: Final = "application/x-www-form-urlencoded"
BAD_CLIENT: Final = "unknown client or wrong secret"


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = Field(examples=["Bearer"])
    expires_in: int = Field(examples=[900])
    scope: str = Field(examples=["issue status"])
    refresh_token: str | None = Field(default=None, description="authorization code grant")


class OAuthError(BaseModel):
    error: str = Field(examples=["invalid_client"])
    error_description: str


def oauth_error(
    status: int, error: str, description: str, *, retry_after: int | None = None
) -> JSONResponse:
    headers = dict(adapter.NO_STORE)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="obhub"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    # RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
    return unquote(client_id), unquote(secret)


async def _client_form(request: Request) -> list[tuple[str, str]] | JSONResponse:
    """The form of a token or revocation request, or its RFC 6749 §5.2 error.

    Parsed here, not by FastAPI, so that every error is an OAuth error (400
    ``invalid_request``), never obhub's 422 body; a client must authenticate with HTTP
    Basic before anything else is said."""
    if not request.headers.get("content-type", "").startswith(FORM):
        return oauth_error(400, "invalid_request", f"send {FORM}")
    form = await request.form(max_files=0, max_fields=16)
    fields = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
    names = [key for key, _ in fields]
    if len(names) != len(set(names)):
        return oauth_error(400, "invalid_request", "a parameter is repeated (RFC 6749 §3.2)")
    if _basic_credentials(request) is None:
        return oauth_error(
            401, "invalid_client", "authenticate with HTTP Basic (client_id:client_secret)"
        )
    return fields


def _answer(result: tuple[int, Any, list[tuple[str, str]]]) -> Response:
    _status, body, _ = result
    if isinstance(body, dict) and body.get("error") == "invalid_client":
        # One answer for an unknown client and a wrong secret (nothing to enumerate).
        return oauth_error(401, "invalid_client", BAD_CLIENT)
    return adapter.to_response(result)


_FORM_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "grant_type": {
                            "type": "string",
                            "enum": ["client_credentials", "authorization_code", "refresh_token"],
                        },
                        "scope": {"type": "string", "description": "space-separated"},
                        "code": {"type": "string"},
                        "redirect_uri": {"type": "string"},
                        "code_verifier": {"type": "string"},
                        "refresh_token": {"type": "string"},
                    },
                    "required": ["grant_type"],
                },
                "example": {"grant_type": "client_credentials", "scope": "issue status"},
            }
        },
    }
}


@router.post(
    TOKEN_PATH,
    response_model=TokenResponse,
    response_model_exclude_none=True,
    summary="Obtenir un jeton d'accès / Obtain an access token",
    description=(
        "Authentification HTTP Basic (`client_id:client_secret`). Clients de la Région : "
        "*client credentials*. Clients enregistrés (API Open Badges 3.0) : "
        "*authorization code* avec PKCE S256, puis *refresh token* (chaque jeton de "
        "rafraîchissement ne sert qu'une fois). / HTTP Basic. The Region's clients: client "
        "credentials grant. Registered clients (Open Badges 3.0 API): authorization code "
        "with PKCE S256, then refresh token (each refresh token is used once)."
    ),
    responses={400: {"model": OAuthError}, 401: {"model": OAuthError}},
    openapi_extra=_FORM_BODY,
)
async def token(request: Request, session: Session) -> Response:
    fields = await _client_form(request)
    if isinstance(fields, JSONResponse):
        return fields
    if not dict(fields).get("grant_type"):
        return oauth_error(400, "invalid_request", "grant_type is required")
    oauth_request = adapter.form_request(request, fields)
    result = await adapter.run(session, request, lambda s: s.create_token_response(oauth_request))
    return _answer(result)


@router.post(
    REVOKE_PATH,
    summary="Révoquer un jeton / Revoke a token (RFC 7009)",
    description=(
        "`token` (et `token_type_hint`), authentification HTTP Basic. Un jeton de "
        "rafraîchissement ou un jeton d'accès de l'API Open Badges révoque toute "
        "l'autorisation dont il vient. 200 aussi pour un jeton inconnu. Un jeton "
        "`client_credentials` ne se révoque pas (il expire vite ; désactiver le client "
        "l'arrête) : 400 `unsupported_token_type`. / `token` (and `token_type_hint`), HTTP "
        "Basic. A refresh token or an Open Badges API access token revokes the whole "
        "authorisation it comes from. 200 for an unknown token too. A client credentials "
        "token cannot be revoked (it expires soon; disabling the client stops it): 400 "
        "`unsupported_token_type`."
    ),
    responses={
        200: {"content": {"application/json": {}}},
        400: {"model": OAuthError},
        401: {"model": OAuthError},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FORM: {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "token": {"type": "string"},
                            "token_type_hint": {
                                "type": "string",
                                "enum": ["access_token", "refresh_token"],
                            },
                        },
                        "required": ["token"],
                    }
                }
            },
        }
    },
)
async def revoke(request: Request, session: Session) -> Response:
    fields = await _client_form(request)
    if isinstance(fields, JSONResponse):
        return fields
    oauth_request = adapter.form_request(request, fields)
    result = await adapter.run(
        session, request, lambda s: s.create_endpoint_response("revocation", oauth_request)
    )
    return _answer(result)


@router.post(
    REGISTER_PATH,
    status_code=201,
    summary="Enregistrer une application / Register a client (RFC 7591, OB 3.0)",
    description=(
        "Enregistrement dynamique ouvert, tel que l'API Open Badges 3.0 le demande : "
        "`client_name`, `client_uri`, `logo_uri`, `tos_uri`, `policy_uri`, `software_id`, "
        "`software_version`, `redirect_uris`, `scope` requis ; https sur l'hôte de "
        "`client_uri` (http accepté pour localhost et 127.0.0.1 seulement). Le secret "
        "n'est affiché qu'ici. Au plus `OBHUB_OAUTH_REGISTRATIONS_PER_HOUR` demandes par "
        "heure et par adresse cliente (IPv6 : par /64) ; au-delà, 429 "
        "`temporarily_unavailable` avec `Retry-After`. / Open dynamic registration as the "
        "Open Badges 3.0 API requires it; https on the host of `client_uri` (http accepted "
        "for localhost and 127.0.0.1 only, for development). The secret is shown here only. "
        "At most `OBHUB_OAUTH_REGISTRATIONS_PER_HOUR` requests an hour per client address "
        "(IPv6: per /64); beyond, 429 `temporarily_unavailable` with `Retry-After`."
    ),
    responses={
        201: {"content": {"application/json": {}}},
        400: {"model": OAuthError},
        429: {"model": OAuthError},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def register(request: Request, session: Session, kek: Kek, settings: AppSettings) -> Response:
    if not request.headers.get("content-type", "").startswith("application/json"):
        return oauth_error(400, "invalid_client_metadata", "send application/json")
    raw = await request.body()
    if len(raw) > MAX_REGISTRATION_BYTES:
        return oauth_error(400, "invalid_client_metadata", "the registration is too large")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return oauth_error(400, "invalid_client_metadata", "the body is not JSON")
    if not isinstance(data, dict):
        return oauth_error(400, "invalid_client_metadata", "the body must be a JSON object")
    client = request.client.host if request.client else "unknown"
    if not await registration_limit.allow(
        session, kek, client=client, limit=settings.oauth_registrations_per_hour
    ):
        return oauth_error(
            429,
            "temporarily_unavailable",
            "too many registrations from this address: try again in an hour",
            retry_after=int(registration_limit.WINDOW.total_seconds()),
        )
    json_request = adapter.json_request(request, data)
    result = await adapter.run(
        session,
        request,
        lambda s: s.create_endpoint_response("client_registration", json_request),
    )
    return adapter.to_response(result, extra_headers=adapter.NO_STORE)


def server_metadata(base: str) -> dict[str, Any]:
    return {
        "issuer": base,
        "authorization_endpoint": base + AUTHORIZE_PATH,
        "token_endpoint": base + TOKEN_PATH,
        "revocation_endpoint": base + REVOKE_PATH,
        "registration_endpoint": base + REGISTER_PATH,
        "scopes_supported": sorted(ob_scopes.ALL),
        "response_types_supported": ["code"],
        "grant_types_supported": [*clients.REGISTERED_GRANT_TYPES, clients.CLIENT_CREDENTIALS],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": [clients.AUTH_METHOD],
        "revocation_endpoint_auth_methods_supported": [clients.AUTH_METHOD],
    }


@router.get(
    METADATA_PATH,
    summary="Métadonnées du serveur d'autorisation / Authorization server metadata (RFC 8414)",
)
async def metadata(request: Request, settings: AppSettings) -> dict[str, Any]:
    return server_metadata(public_base_url(settings, request))
