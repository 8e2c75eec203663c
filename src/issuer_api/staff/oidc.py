"""OpenID Connect sign-in of staff members at the Region's identity provider.

Authorization code flow with PKCE (S256), ``state`` and ``nonce`` (OpenID Connect Core
1.0 §3.1). Authlib builds the authorization request, the PKCE challenge and the client
authentication of the token request (``client_secret_basic``, or ``client_secret_post``
when the discovery document offers only that); its JOSE library (joserfc) checks the
ID token: signature by a key of the provider's JWKS, with an algorithm of
:data:`ALGORITHMS` only (never ``none``, never an HMAC keyed with a public key), then
``iss``, ``aud`` (and ``azp`` when there are several audiences), ``exp``, ``iat`` and
``nonce``.

The provider is a configured, trusted host (it may be on the intranet): it is reached
with httpx, without following redirects, with short timeouts. The discovery document
and the JWKS are cached for :data:`METADATA_TTL`; a token signed with a key id the
cached JWKS does not hold makes one fresh JWKS fetch (key rotation), no more.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

ALGORITHMS: Final = ("RS256", "ES256", "EdDSA")
METADATA_TTL: Final = 3600.0
TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
MAX_DOCUMENT_BYTES: Final = 256 * 1024
CLOCK_LEEWAY: Final = 60
USER_AGENT: Final = "obhub-console/1"


class OidcError(Exception):
    """The sign-in cannot go on: ``code`` says why (shown on the error page)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code if not detail else f"{code}: {detail}")
        self.code = code


@dataclass(frozen=True, slots=True)
class Pending:
    """What the browser's sign-in attempt must bring back (kept in a sealed cookie)."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the identity provider says signed in (validated ID token)."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None


@dataclass
class _Cached:
    value: Any
    until: float


@dataclass
class OidcClient:
    """One configured identity provider, with its cached metadata and keys."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    transport: httpx.AsyncBaseTransport | None = None
    _discovery: _Cached | None = field(default=None, repr=False)
    _jwks: _Cached | None = field(default=None, repr=False)

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self.transport,
            timeout=TIMEOUT,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self._http() as http:
                response = await http.get(url)
        except httpx.HTTPError as exc:
            raise OidcError("provider_unreachable", type(exc).__name__) from None
        return _json_object(response)

    async def discovery(self) -> dict[str, Any]:
        """The provider's metadata (OpenID Connect Discovery 1.0), checked and cached."""
        now = time.monotonic()
        if self._discovery is not None and self._discovery.until > now:
            document: dict[str, Any] = self._discovery.value
            return document
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = await self._get_json(url)
        if str(document.get("issuer", "")).rstrip("/") != self.issuer.rstrip("/"):
            raise OidcError("provider_misconfigured", "issuer")
        secure = self.issuer.startswith("https://")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            endpoint = document.get(name)
            if not isinstance(endpoint, str) or not endpoint.startswith(
                "https://" if secure else "http"
            ):
                raise OidcError("provider_misconfigured", name)
        self._discovery = _Cached(document, now + METADATA_TTL)
        return document

    async def _keys(self, *, fresh: bool = False) -> KeySet:
        now = time.monotonic()
        if not fresh and self._jwks is not None and self._jwks.until > now:
            keys: KeySet = self._jwks.value
            return keys
        metadata = await self.discovery()
        document = await self._get_json(metadata["jwks_uri"])
        try:
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError):
            raise OidcError("provider_misconfigured", "jwks") from None
        self._jwks = _Cached(keys, now + METADATA_TTL)
        return keys

    # ------------------------------------------------------------------ the flow

    async def begin(self, redirect_uri: str, next_path: str) -> tuple[str, Pending]:
        """The provider's authorization URL for a new attempt, and what to keep of it."""
        metadata = await self.discovery()
        pending = Pending(
            state=generate_token(43),
            nonce=generate_token(43),
            code_verifier=generate_token(64),
            next_path=next_path,
        )
        scopes = self.scopes.split()
        if "openid" not in scopes:
            scopes.insert(0, "openid")
        url = prepare_grant_uri(
            metadata["authorization_endpoint"],
            self.client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=" ".join(scopes),
            state=pending.state,
            nonce=pending.nonce,
            code_challenge=create_s256_code_challenge(pending.code_verifier),
            code_challenge_method="S256",
        )
        return str(url), pending

    async def finish(self, code: str, redirect_uri: str, pending: Pending) -> Identity:
        """Exchange ``code`` (with the PKCE verifier) and validate the ID token."""
        metadata = await self.discovery()
        body = _form(
            grant_type="authorization_code",
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=pending.code_verifier,
        )
        auth = ClientAuth(self.client_id, self.client_secret, _auth_method(metadata))
        url, headers, body = auth.prepare(
            "POST",
            metadata["token_endpoint"],
            {"Content-Type": "application/x-www-form-urlencoded"},
            body,
        )
        try:
            async with self._http() as http:
                response = await http.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise OidcError("provider_unreachable", type(exc).__name__) from None
        if response.status_code != 200:
            raise OidcError("token_refused", str(response.status_code))
        token = _json_object(response).get("id_token")
        if not isinstance(token, str):
            raise OidcError("id_token_missing")
        return await self.validate(token, pending.nonce, metadata["issuer"])

    async def validate(self, id_token: str, nonce: str, issuer: str) -> Identity:
        """The identity an ID token asserts, once every check passed (module docstring)."""
        registry = JWSRegistry(algorithms=list(ALGORITHMS))
        keys = await self._keys()
        try:
            decoded = _decode(id_token, keys, registry)
        except _UnknownKeyError:
            decoded = _decode_or_fail(id_token, await self._keys(fresh=True), registry)
        claims = decoded.claims
        options: dict[str, Any] = {
            "iss": {"essential": True, "value": issuer},
            "sub": {"essential": True},
            "aud": {"essential": True, "value": self.client_id},
            "exp": {"essential": True},
            "iat": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
        }
        try:
            jwt.JWTClaimsRegistry(leeway=CLOCK_LEEWAY, **options).validate(claims)
        except JoseError as exc:
            raise OidcError("id_token_invalid", getattr(exc, "error", "claims")) from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise OidcError("id_token_invalid", "azp")
        if not isinstance(claims["iat"], int | float) or claims["iat"] > time.time() + (
            CLOCK_LEEWAY
        ):
            raise OidcError("id_token_invalid", "iat")
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject or len(subject) > 255:
            raise OidcError("id_token_invalid", "sub")
        email = claims.get("email")
        name = claims.get("name")
        return Identity(
            issuer=issuer,
            subject=subject,
            email=email if isinstance(email, str) and email else None,
            email_verified=claims.get("email_verified") is True,
            name=name[:200] if isinstance(name, str) and name.strip() else None,
        )


class _UnknownKeyError(Exception):
    pass


def _decode(token: str, keys: KeySet, registry: JWSRegistry) -> jwt.Token:
    try:
        return jwt.decode(token, keys, algorithms=list(ALGORITHMS), registry=registry)
    except JoseError as exc:
        if exc.error == "invalid_key_id":
            raise _UnknownKeyError from None
        raise OidcError("id_token_invalid", exc.error) from None
    except (ValueError, TypeError):
        raise OidcError("id_token_invalid", "malformed") from None


def _decode_or_fail(token: str, keys: KeySet, registry: JWSRegistry) -> jwt.Token:
    try:
        return _decode(token, keys, registry)
    except _UnknownKeyError:
        raise OidcError("id_token_invalid", "unknown_key") from None


def _auth_method(metadata: dict[str, Any]) -> str:
    offered = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" in offered:
        return "client_secret_basic"
    if "client_secret_post" in offered:
        return "client_secret_post"
    raise OidcError("provider_misconfigured", "token_endpoint_auth_methods_supported")


def _form(**values: str) -> str:
    return str(httpx.QueryParams(values))


def _json_object(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        raise OidcError("provider_error", str(response.status_code))
    if len(response.content) > MAX_DOCUMENT_BYTES:
        raise OidcError("provider_error", "too_large")
    try:
        document = response.json()
    except ValueError:
        raise OidcError("provider_error", "not_json") from None
    if not isinstance(document, dict):
        raise OidcError("provider_error", "not_an_object")
    return document
