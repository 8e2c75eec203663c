"""The rate limit of open client registration (``POST /oauth/register``).

Registration is open, as the OB 3.0 API requires, so each client address may register
at most ``OBHUB_OAUTH_REGISTRATIONS_PER_HOUR`` times an hour (an IPv6 address counts
with its /64, :func:`issuer_api.client_address.rate_bucket`); every registration request
that reaches validation counts, refused or not. Counted in the database, so every API
replica sees the same count, in the rate-limit entries of the sign-in links
(``sign_in_request``, forgotten after an hour by ``accounts.purge``) under keys of
their own: the client key is a keyed hash (the IP address is not stored) that no
sign-in request can carry, and the address key marks the entry as a registration.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.accounts.signin import recent_requests
from issuer_api.client_address import rate_bucket
from issuer_api.models import SignInRequest
from obcore import keywrap

WINDOW: Final = timedelta(hours=1)
_PURPOSE: Final = "oauth-registration-rate-limit"


def _key(kek: bytes, value: str) -> str:
    return keywrap.keyed_hash(keywrap.derive_key(kek, _PURPOSE), value)


async def allow(
    db: AsyncSession, kek: bytes, *, client: str, limit: int, now: datetime | None = None
) -> bool:
    """Record one registration request from ``client`` unless it is past ``limit`` for
    the last hour; whether it may go on."""
    now = now or datetime.now(UTC)
    client_key = _key(kek, f"client:{rate_bucket(client)}")
    if await recent_requests(db, SignInRequest.client_key == client_key, now - WINDOW) >= limit:
        return False
    db.add(
        SignInRequest(address_key=_key(kek, "registration"), client_key=client_key, created_at=now)
    )
    await db.flush()
    return True
