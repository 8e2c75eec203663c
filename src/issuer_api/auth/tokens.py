"""Short-lived access tokens: JWT (RFC 9068 profile) signed with HMAC-SHA256.

The signing key is derived from the key-encryption key with HKDF-SHA256
(info ``obhub access-token v1``), so every stateless API replica that shares
the KEK validates every other replica's tokens and no extra secret needs
distributing. Verification is strict: exactly ``{"alg": "HS256", "typ":
"at+jwt"}``, issuer ``obhub``, unexpired, constant-time MAC comparison.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from obcore import multibase
from obcore.errors import MalformedInputError

TOKEN_ISSUER = "obhub"  # noqa: S105 - the iss claim, not a secret
_HEADER = {"alg": "HS256", "typ": "at+jwt"}
_HEADER_B64 = multibase.b64url_encode(json.dumps(_HEADER, separators=(",", ":")).encode())
MAX_TOKEN_CHARS = 4096


class InvalidTokenError(Exception):
    """The bearer token is malformed, forged or expired (no detail leaks to clients)."""


@dataclass(frozen=True)
class AccessToken:
    client_id: str
    scopes: frozenset[str]
    issuer_id: str | None
    expires_at: int
    token_id: str
    # Tokens of the OB 3.0 API (authorization code grant): the learner's grant (revocable;
    # the learner is read from it, so the token names no learner); None for the Region's
    # client-credentials tokens.
    grant_id: str | None = None


def signing_key(kek: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"obhub access-token v1").derive(kek)


def _mac(key: bytes, signing_input: bytes) -> str:
    return multibase.b64url_encode(hmac.new(key, signing_input, hashlib.sha256).digest())


def issue(
    key: bytes,
    client_id: str,
    scopes: frozenset[str],
    issuer_id: str | None,
    ttl_seconds: int,
    *,
    now: int | None = None,
    grant_id: str | None = None,
) -> tuple[str, AccessToken]:
    issued = int(time.time()) if now is None else now
    token = AccessToken(
        client_id,
        scopes,
        issuer_id,
        issued + ttl_seconds,
        secrets.token_hex(12),
        grant_id,
    )
    claims = {
        "iss": TOKEN_ISSUER,
        "sub": client_id,
        "client_id": client_id,
        "scope": " ".join(sorted(scopes)),
        "iat": issued,
        "exp": token.expires_at,
        "jti": token.token_id,
    }
    if issuer_id is not None:
        claims["obhub_issuer"] = issuer_id
    if grant_id is not None:
        claims["obhub_grant"] = grant_id
    payload = multibase.b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{_HEADER_B64}.{payload}".encode("ascii")
    return f"{_HEADER_B64}.{payload}.{_mac(key, signing_input)}", token


def verify(key: bytes, token: str, *, now: int | None = None) -> AccessToken:
    if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise InvalidTokenError("malformed token")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != _HEADER_B64:
        raise InvalidTokenError("malformed token")
    expected = _mac(key, f"{parts[0]}.{parts[1]}".encode("ascii"))
    if not hmac.compare_digest(expected, parts[2]):
        raise InvalidTokenError("bad signature")
    try:
        claims = json.loads(multibase.b64url_decode(parts[1]))
    except (MalformedInputError, ValueError) as exc:
        raise InvalidTokenError("malformed token") from exc
    if not isinstance(claims, dict) or claims.get("iss") != TOKEN_ISSUER:
        raise InvalidTokenError("wrong issuer")
    expires = claims.get("exp")
    current = int(time.time()) if now is None else now
    if not isinstance(expires, int) or expires <= current:
        raise InvalidTokenError("expired")
    client_id, scope = claims.get("sub"), claims.get("scope")
    if not isinstance(client_id, str) or not isinstance(scope, str):
        raise InvalidTokenError("malformed claims")
    issuer_id = claims.get("obhub_issuer")
    grant_id = claims.get("obhub_grant")
    return AccessToken(
        client_id,
        frozenset(scope.split()),
        issuer_id if isinstance(issuer_id, str) else None,
        expires,
        str(claims.get("jti", "")),
        grant_id if isinstance(grant_id, str) else None,
    )
