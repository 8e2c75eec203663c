"""``POST /oauth/token``: OAuth 2.0 client credentials grant (RFC 6749 §4.4).

Clients authenticate with HTTP Basic (``client_secret_basic``). Errors follow
RFC 6749 §5.2 (``{"error", "error_description"}``) because OAuth client
libraries expect exactly that shape; every other endpoint uses obhub's error model.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from issuer_api.auth import scopes as scope_names
from issuer_api.auth import tokens
from issuer_api.auth.service import authenticate_client
from issuer_api.deps import AppSettings, Session

router = APIRouter(tags=["authentication"])


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = Field(examples=["Bearer"])
    expires_in: int = Field(examples=[900])
    scope: str = Field(examples=["issue status"])


class OAuthError(BaseModel):
    error: str = Field(examples=["invalid_client"])
    error_description: str


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
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


@router.post(
    "/oauth/token",
    response_model=TokenResponse,
    summary="Obtenir un jeton d'accès / Obtain an access token",
    description=(
        "Flux OAuth 2.0 *client credentials* ; authentification HTTP Basic "
        "(`client_id:client_secret`). / OAuth 2.0 client credentials grant, HTTP Basic."
    ),
    responses={400: {"model": OAuthError}, 401: {"model": OAuthError}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "scope": {"type": "string", "description": "space-separated"},
                        },
                        "required": ["grant_type"],
                    },
                    "example": {"grant_type": "client_credentials", "scope": "issue status"},
                }
            },
        }
    },
)
async def token(request: Request, session: Session, settings: AppSettings) -> JSONResponse:
    # The form is parsed here, not by FastAPI, so that every error is an RFC 6749 §5.2
    # error (400 invalid_request), never obhub's 422 body.
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return _oauth_error(400, "invalid_request", "send application/x-www-form-urlencoded")
    form = await request.form(max_files=0, max_fields=16)
    fields = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
    names = [key for key, _ in fields]
    if len(names) != len(set(names)):
        return _oauth_error(400, "invalid_request", "a parameter is repeated (RFC 6749 §3.2)")
    values = dict(fields)
    grant_type = values.get("grant_type")
    scope = values.get("scope")
    credentials = _basic_credentials(request)
    if credentials is None:
        return _oauth_error(
            401, "invalid_client", "authenticate with HTTP Basic (client_id:client_secret)"
        )
    client = await authenticate_client(session, *credentials)
    if client is None:
        return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
    if not grant_type:
        return _oauth_error(400, "invalid_request", "grant_type is required")
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
    held = frozenset(client.scopes)
    if scope is None or not scope.strip():
        granted = held
    else:
        asked = frozenset(scope.split())
        if not asked <= scope_names.ALL or not asked <= held:
            return _oauth_error(400, "invalid_scope", "a requested scope is unknown or not held")
        granted = asked
    access_token, _ = tokens.issue(
        request.app.state.token_key,
        client.id,
        granted,
        client.issuer_id,
        settings.access_token_ttl_seconds,
    )
    body = TokenResponse(
        access_token=access_token,
        token_type="Bearer",  # noqa: S106 - the OAuth token type, not a secret
        expires_in=settings.access_token_ttl_seconds,
        scope=" ".join(sorted(granted)),
    )
    return JSONResponse(
        body.model_dump(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )
