"""An OB 3.0 API client as a partner's application would be: it registers, sends a
learner to the consent page with PKCE, exchanges the code, refreshes, revokes."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from issuer_api.oauth import scopes

REDIRECT = "https://app.campus-caen.example/callback"
ALL_SCOPES = " ".join(sorted(scopes.ALL))


def registration(**changes: Any) -> dict[str, Any]:
    """A registration request as the OB 3.0 API profiles RFC 7591."""
    body: dict[str, Any] = {
        "client_name": "Carnet de compétences du Campus",
        "client_uri": "https://app.campus-caen.example/",
        "logo_uri": "https://app.campus-caen.example/logo.png",
        "tos_uri": "https://app.campus-caen.example/cgu",
        "policy_uri": "https://app.campus-caen.example/confidentialite",
        "software_id": "c7a0e1d2-campus-carnet",
        "software_version": "2.4.1",
        "redirect_uris": [REDIRECT],
        "scope": ALL_SCOPES,
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@dataclass
class Application:
    """A registered client; ``verifier`` and ``state`` of its latest request."""

    http: httpx.AsyncClient
    client_id: str
    client_secret: str
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    state: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    @property
    def auth(self) -> dict[str, str]:
        return basic(self.client_id, self.client_secret)

    def authorize_path(self, **changes: str | None) -> str:
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": REDIRECT,
            "scope": ALL_SCOPES,
            "state": self.state,
            "code_challenge": s256(self.verifier),
            "code_challenge_method": "S256",
        }
        params.update(changes)
        return "/oauth/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})

    async def exchange(self, code: str | None, **changes: str | None) -> httpx.Response:
        data: dict[str, str | None] = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": self.verifier,
        }
        data.update(changes)
        return await self.http.post(
            "/oauth/token",
            data={k: v for k, v in data.items() if v is not None},
            headers=self.auth,
        )

    async def refresh(self, refresh_token: str) -> httpx.Response:
        return await self.http.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            headers=self.auth,
        )

    async def revoke(self, token: str, hint: str | None = None) -> httpx.Response:
        data = {"token": token} | ({"token_type_hint": hint} if hint else {})
        return await self.http.post("/oauth/revoke", data=data, headers=self.auth)


async def register(http: httpx.AsyncClient, **changes: Any) -> Application:
    response = await http.post("/oauth/register", json=registration(**changes))
    assert response.status_code == 201, response.text
    body = response.json()
    return Application(http, body["client_id"], body["client_secret"])
