"""API clients: creation (secret shown once, stored hashed) and authentication."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.auth import scopes as scope_names
from issuer_api.models import ApiClient

CLIENT_ID_PREFIX = "obc_"
SECRET_PREFIX = "obs_"  # noqa: S105 - a visible prefix, not a secret


class UnknownScopeError(ValueError):
    def __init__(self, unknown: Iterable[str]) -> None:
        self.unknown = sorted(unknown)
        super().__init__(f"unknown scope(s): {', '.join(self.unknown)}")


@dataclass(frozen=True)
class NewClient:
    client_id: str
    client_secret: str  # shown once, never stored


def hash_secret(secret: str) -> str:
    """SHA-256 of a 256-bit random secret: a slow hash would add nothing at that entropy."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


async def create_client(
    session: AsyncSession, name: str, scopes: Iterable[str], issuer_id: str | None = None
) -> NewClient:
    wanted = sorted(set(scopes))
    unknown = set(wanted) - scope_names.ALL
    if unknown or not wanted:
        raise UnknownScopeError(unknown or {"(none)"})
    client_id = CLIENT_ID_PREFIX + secrets.token_hex(12)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiClient(
            id=client_id,
            name=name,
            secret_hash=hash_secret(secret),
            scopes=wanted,
            issuer_id=issuer_id,
        )
    )
    await session.flush()
    return NewClient(client_id, secret)


async def authenticate_client(
    session: AsyncSession, client_id: str, secret: str
) -> ApiClient | None:
    """The enabled client with this id and secret, or None (same answer for either mistake)."""
    client = await session.get(ApiClient, client_id) if len(client_id) <= 64 else None
    expected = client.secret_hash if client is not None else hash_secret("")
    matches = hmac.compare_digest(expected, hash_secret(secret))
    if client is None or not matches or client.disabled_at is not None:
        return None
    return client
