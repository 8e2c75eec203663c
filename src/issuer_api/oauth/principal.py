"""Who calls the Open Badges 3.0 API with a bearer token.

The resource routes (``issuer_api.obapi``) depend only on this module::

    @router.get("/credentials")
    async def list_credentials(
        principal: Annotated[ObApiPrincipal, RequireObScope(scopes.CREDENTIAL_READONLY)],
    ) -> ...

A failure raises :class:`ObApiAuthError`; the OB API turns it into an ``Imsx_StatusInfo``
body with the ``WWW-Authenticate`` challenge of RFC 6750 §3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from sqlalchemy import select

from issuer_api.auth import tokens
from issuer_api.deps import Session
from issuer_api.models import ApiClient, OAuthClientPartner, OAuthGrant


@dataclass(frozen=True)
class ObApiPrincipal:
    client_id: str
    client_name: str
    scopes: frozenset[str]  # OB 3.0 scope URIs granted to this token
    learner_id: str | None  # the learner who consented (authorization code grant)
    partner_id: str | None  # the partner the Region linked this client to, if any
    grant_id: str | None  # the consent this token derives from (revocable)

    def has(self, scope: str) -> bool:
        return scope in self.scopes


class ObApiAuthError(Exception):
    """401 (no, bad, expired or revoked token) or 403 (a scope is missing)."""

    def __init__(
        self,
        status_code: Literal[401, 403],
        code_minor: Literal["unauthorizedrequest", "forbidden"],
        description: str,
        www_authenticate: str,
    ) -> None:
        super().__init__(description)
        self.status_code = status_code
        self.code_minor = code_minor
        self.description = description
        self.www_authenticate = www_authenticate


def _invalid(description: str) -> ObApiAuthError:
    return ObApiAuthError(
        401,
        "unauthorizedrequest",
        description,
        f'Bearer realm="obhub", error="invalid_token", error_description="{description}"',
    )


async def current_principal(request: Request, session: Session) -> ObApiPrincipal:
    """The principal of the request's bearer token: a live grant of an enabled client.

    One indexed lookup (grant, client and partner link by primary key) per request, so a
    revoked grant or a disabled client stops its tokens at once."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ObApiAuthError(
            401, "unauthorizedrequest", "an access token is required", 'Bearer realm="obhub"'
        )
    try:
        token = tokens.verify(request.app.state.token_key, value.strip())
    except tokens.InvalidTokenError:
        raise _invalid("the access token is invalid or expired") from None
    if token.grant_id is None:
        raise _invalid("not an access token of the Open Badges API")
    found = (
        await session.execute(
            select(OAuthGrant, ApiClient, OAuthClientPartner.partner_id)
            .join(ApiClient, ApiClient.id == OAuthGrant.client_id)
            .outerjoin(OAuthClientPartner, OAuthClientPartner.client_id == ApiClient.id)
            .where(OAuthGrant.id == token.grant_id)
        )
    ).first()
    if found is None:
        raise _invalid("the access token was revoked")
    grant, client, partner_id = found
    if (
        grant.revoked_at is not None
        or grant.client_id != token.client_id
        or client.disabled_at is not None
    ):
        raise _invalid("the access token was revoked")
    held = frozenset(client.scopes) & frozenset(grant.scopes)
    return ObApiPrincipal(
        client_id=client.id,
        client_name=client.name,
        scopes=token.scopes & held,
        learner_id=grant.learner_id,
        partner_id=partner_id,
        grant_id=grant.id,
    )


def RequireObScope(scope: str) -> Any:  # noqa: N802 - reads as a declaration in routes
    """A route dependency: the token must carry ``scope``; resolves to the principal."""

    async def check(
        principal: Annotated[ObApiPrincipal, Depends(current_principal)],
    ) -> ObApiPrincipal:
        if not principal.has(scope):
            raise ObApiAuthError(
                403,
                "forbidden",
                f"the access token lacks the scope {scope}",
                f'Bearer realm="obhub", error="insufficient_scope", scope="{scope}"',
            )
        return principal

    return Depends(check)
