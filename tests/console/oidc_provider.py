"""An OpenID Connect identity provider for the tests, written from the specifications
(OpenID Connect Core 1.0 §3.1, Discovery 1.0, RFC 7636 PKCE, RFC 6749 §2.3.1 client
authentication): discovery, authorization (auto-approving one user), token, JWKS.

It is an ASGI application: the hub reaches it through an httpx transport, the test's
"browser" follows its redirections the same way. ID tokens are signed with jwcrypto
(an implementation independent from the hub's). Tests bend its answers to play a
faulty or hostile provider: other claims, another signing key, no signature at all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from jwcrypto import jwk, jwt

ISSUER = "https://connexion.region.test"
CLIENT_ID = "obhub-console"
CLIENT_SECRET = "secret-de-la-console-obhub"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_key(kid: str) -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048, kid=kid, alg="RS256", use="sig")


@dataclass
class User:
    subject: str
    email: str
    email_verified: bool = True
    name: str = "Camille Martin"


@dataclass
class IdentityProvider:
    user: User = field(default_factory=lambda: User("agent-4521", "camille.martin@region.test"))
    key: jwk.JWK = field(default_factory=lambda: new_key("clef-1"))
    published: list[jwk.JWK] = field(default_factory=list)
    claims_override: dict[str, Any] = field(default_factory=dict)
    signing_key: jwk.JWK | None = None  # another key than the published one
    forge: str | None = None  # "none" or "hs256-public-key"
    deny: bool = False
    issuer_in_discovery: str = ISSUER
    auth_methods: list[str] = field(default_factory=lambda: ["client_secret_basic"])
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    jwks_fetches: int = 0
    _codes: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.published:
            self.published = [self.key]
        self.app = self._build()

    def rotate(self, kid: str) -> None:
        """A new signing key, published alone (the old one withdrawn)."""
        self.key = new_key(kid)
        self.published = [self.key]

    # ------------------------------------------------------------------ endpoints

    def _build(self) -> FastAPI:
        app = FastAPI()
        app.get("/.well-known/openid-configuration")(self._discovery)
        app.get("/authorize")(self._authorize)
        app.post("/token")(self._token)
        app.get("/jwks")(self._jwks)
        return app

    async def _discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer_in_discovery,
            "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token",
            "jwks_uri": f"{ISSUER}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": self.auth_methods,
            "scopes_supported": ["openid", "email", "profile"],
        }

    async def _jwks(self) -> dict[str, Any]:
        self.jwks_fetches += 1
        return {"keys": [key.export_public(as_dict=True) for key in self.published]}

    async def _authorize(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.authorize_requests.append(query)
        redirect_uri = query["redirect_uri"]
        if (
            query.get("response_type") != "code"
            or query.get("client_id") != CLIENT_ID
            or query.get("code_challenge_method") != "S256"
            or not query.get("code_challenge")
            or "openid" not in query.get("scope", "").split()
        ):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if self.deny:
            answer = {"error": "access_denied", "state": query.get("state", "")}
            return RedirectResponse(f"{redirect_uri}?{urlencode(answer)}", status_code=302)
        code = secrets.token_urlsafe(16)
        self._codes[code] = query
        answer = {"code": code, "state": query.get("state", "")}
        return RedirectResponse(f"{redirect_uri}?{urlencode(answer)}", status_code=302)

    def _client_authenticated(self, request: Request, form: dict[str, str]) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic ") and "client_secret_basic" in self.auth_methods:
            expected = b64(f"{CLIENT_ID}:{CLIENT_SECRET}")
            return hmac.compare_digest(header[6:], expected)
        if "client_secret_post" in self.auth_methods:
            return form.get("client_id") == CLIENT_ID and hmac.compare_digest(
                form.get("client_secret", ""), CLIENT_SECRET
            )
        return False

    async def _token(self, request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        self.token_requests.append(form)
        if not self._client_authenticated(request, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        asked = self._codes.pop(form.get("code", ""), None)
        if (
            asked is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != asked["redirect_uri"]
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = form.get("code_verifier", "")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != asked["code_challenge"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self._id_token(asked["nonce"]),
            },
            headers={"Cache-Control": "no-store"},
        )

    # ------------------------------------------------------------------ ID tokens

    def _id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": self.user.subject,
            "aud": CLIENT_ID,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "email": self.user.email,
            "email_verified": self.user.email_verified,
            "name": self.user.name,
        }
        claims.update(self.claims_override)
        claims = {name: value for name, value in claims.items() if value is not None}
        if self.forge == "none":
            return f"{b64json({'alg': 'none'})}.{b64json(claims)}."
        if self.forge == "hs256-public-key":
            # The "algorithm confusion" attack: HMAC keyed with the published RSA key.
            secret = self.key.export_to_pem(private_key=False)
            signing_input = f"{b64json({'alg': 'HS256', 'kid': self.key.kid})}.{b64json(claims)}"
            mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
            return f"{signing_input}.{b64url(mac)}"
        key = self.signing_key or self.key
        token = jwt.JWT(header={"alg": "RS256", "kid": key.kid}, claims=claims)
        token.make_signed_token(key)
        signed: str = token.serialize()
        return signed


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


def b64json(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value).encode())
