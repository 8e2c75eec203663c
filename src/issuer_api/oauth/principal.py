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


async def current_principal(request: Request) -> ObApiPrincipal:
    """The principal of the request's bearer token (implemented by the authorization server)."""
    raise ObApiAuthError(
        401, "unauthorizedrequest", "no valid access token", 'Bearer realm="obhub"'
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
