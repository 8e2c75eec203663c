"""``CurrentClient`` and scope requirements for routes.

Usage::

    @router.post("/credentials", dependencies=[RequireScopes(scopes.ISSUE)])
    async def issue(client: CurrentClient, session: Session) -> …:
        ensure_can_act_for(client, issuer.id)

Every authenticated request also checks that the client still exists and is
enabled, so disabling a client takes effect at once, not when its token expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import JsonValue
from sqlalchemy import bindparam, select

from issuer_api.auth import scopes as scope_names
from issuer_api.auth import tokens
from issuer_api.deps import Session
from issuer_api.errors import ApiError
from issuer_api.models import ApiClient

_bearer = HTTPBearer(auto_error=False, description="Jeton OAuth 2.0 / OAuth 2.0 access token")


class UnauthorizedError(ApiError):
    status_code = 401
    code = "unauthorized"

    def __init__(self, *, code: str = "unauthorized") -> None:
        error = "invalid_token" if code == "invalid_token" else None
        header = 'Bearer realm="obhub"' + (f', error="{error}"' if error else "")
        super().__init__(code=code, headers={"WWW-Authenticate": header})


class ForbiddenError(ApiError):
    status_code = 403
    code = "forbidden"


@dataclass(frozen=True)
class AuthenticatedClient:
    client_id: str
    name: str
    scopes: frozenset[str]
    issuer_id: str | None  # a partner client acts only for this issuer

    def has(self, scope: str) -> bool:
        return scope in self.scopes or scope_names.ADMIN in self.scopes

    @property
    def is_admin(self) -> bool:
        return scope_names.ADMIN in self.scopes


# Built once: constructing a statement costs more than running it on SQLite, and a
# statement object that lives on keeps its cache key (the compiled form is reused).
_CLIENT_BY_ID: Final = select(
    ApiClient.name, ApiClient.scopes, ApiClient.issuer_id, ApiClient.registration
).where(ApiClient.id == bindparam("client_id"), ApiClient.disabled_at.is_(None))


async def authenticate(
    request: Request,
    session: Session,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AuthenticatedClient:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthorizedError()
    try:
        token = tokens.verify(request.app.state.token_key, credentials.credentials)
    except tokens.InvalidTokenError:
        raise UnauthorizedError(code="invalid_token") from None
    if token.grant_id is not None:  # a learner's OB 3.0 API token opens only that API
        raise UnauthorizedError(code="invalid_token")
    # Four columns, no ORM object: this runs before every authenticated route. A client
    # registered through the OB 3.0 API (``registration`` set) never reaches this API.
    client = (await session.execute(_CLIENT_BY_ID, {"client_id": token.client_id})).first()
    if client is None or client.registration is not None:
        raise UnauthorizedError(code="invalid_token")
    # The token's scopes cannot exceed what the client holds now.
    scopes = token.scopes & frozenset(client.scopes)
    return AuthenticatedClient(token.client_id, client.name, scopes, client.issuer_id)


CurrentClient = Annotated[AuthenticatedClient, Depends(authenticate)]


def RequireScopes(*required: str) -> Any:  # noqa: N802 - reads as a declaration in routes
    """A route dependency: the client must hold every scope in ``required`` (or ``admin``)."""

    async def check(client: CurrentClient) -> AuthenticatedClient:
        missing: list[JsonValue] = [s for s in required if not client.has(s)]
        if missing:
            challenge = (
                f'Bearer realm="obhub", error="insufficient_scope", scope="{" ".join(required)}"'
            )
            raise ForbiddenError(
                code="insufficient_scope",
                details={"required": missing},
                headers={"WWW-Authenticate": challenge},  # RFC 6750 §3.1
            )
        return client

    return Depends(check)


def ensure_can_act_for(client: AuthenticatedClient, issuer_id: str) -> None:
    """A partner client (bound to an issuer) may act only for that issuer."""
    if client.issuer_id is not None and client.issuer_id != issuer_id and not client.is_admin:
        raise ForbiddenError(code="forbidden_issuer")
