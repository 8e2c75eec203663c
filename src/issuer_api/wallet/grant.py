"""The pre-authorised code grant (OID4VCI 1.0 §6.1, RFC 6749 §5) as one function.

:func:`pre_authorized_code_grant` takes the token request's form fields and returns the
token response, or raises :class:`OAuthError` (RFC 6749 §5.2). It is the hook the
hub's token endpoint calls for ``grant_type=urn:ietf:params:oauth:grant-type:
pre-authorized_code``; the caller commits the unit of work even on an error, so that a
wrong PIN is counted.

Rules: the code is single use (a second exchange is refused and revokes the token the
first one gave, RFC 6749 §4.1.2), valid ten minutes, and needs the offer's PIN
(``tx_code``); five wrong PINs burn the offer. Anonymous access: no client
authentication (``pre-authorized_grant_anonymous_access_supported``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.accounts.tokens import new_token, token_hash
from issuer_api.models import WalletAccessToken, WalletOffer
from issuer_api.wallet import codes
from issuer_api.wallet.offers import MAX_PIN_ATTEMPTS, PRE_AUTHORIZED_GRANT

TOKEN_LIFETIME: Final = timedelta(minutes=10)
MAX_FIELD_CHARS: Final = 200


@dataclass
class OAuthError(Exception):
    """An OAuth error response: ``error`` code, human ``description``, HTTP status."""

    error: str
    description: str
    status_code: int = 400

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def _field(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_FIELD_CHARS:
        raise OAuthError("invalid_request", f"{name} is malformed")
    return value


async def pre_authorized_code_grant(
    session: AsyncSession, kek: bytes, form: Mapping[str, Any], *, now: datetime
) -> dict[str, Any]:
    """Exchange a pre-authorised code (and its PIN) for a bearer access token."""
    if form.get("grant_type") != PRE_AUTHORIZED_GRANT:
        raise OAuthError("unsupported_grant_type", f"only {PRE_AUTHORIZED_GRANT} is served here")
    code = _field(form, "pre-authorized_code")
    if code is None:
        raise OAuthError("invalid_request", "pre-authorized_code is required")
    pin = _field(form, "tx_code")
    offer = await session.scalar(
        select(WalletOffer).where(WalletOffer.code_hash == token_hash(code))
    )
    if offer is None:
        raise OAuthError("invalid_grant", "the pre-authorized code is unknown")
    if offer.redeemed_at is not None:
        await session.execute(
            update(WalletAccessToken)
            .where(WalletAccessToken.offer_id == offer.id, WalletAccessToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        raise OAuthError("invalid_grant", "the pre-authorized code was already used")
    if offer.expires_at <= now:
        raise OAuthError("invalid_grant", "the pre-authorized code has expired")
    if offer.failed_attempts >= MAX_PIN_ATTEMPTS:
        raise OAuthError("invalid_grant", "too many wrong codes: make a new offer")
    if pin is None:
        raise OAuthError("invalid_request", "tx_code is required for this offer")
    if not codes.same(codes.pin_hash(kek, offer.id, pin), offer.tx_code_hash):
        await session.execute(
            update(WalletOffer)
            .where(WalletOffer.id == offer.id)
            .values(failed_attempts=WalletOffer.failed_attempts + 1)
        )
        raise OAuthError("invalid_grant", "the transaction code (tx_code) is wrong")
    # The conditional update is the single-use guard, even against a concurrent exchange.
    claimed = await session.execute(
        update(WalletOffer)
        .where(
            WalletOffer.id == offer.id,
            WalletOffer.redeemed_at.is_(None),
            WalletOffer.failed_attempts < MAX_PIN_ATTEMPTS,
        )
        .values(redeemed_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise OAuthError("invalid_grant", "the pre-authorized code was already used")
    token = new_token()
    session.add(
        WalletAccessToken(
            token_hash=token_hash(token),
            offer_id=offer.id,
            expires_at=now + TOKEN_LIFETIME,
            created_at=now,
        )
    )
    await session.flush()
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": int(TOKEN_LIFETIME.total_seconds()),
    }


async def claim_token(session: AsyncSession, token: str, *, now: datetime) -> WalletOffer | None:
    """Use up a live (unexpired, unused) access token and return the offer it was issued
    for; None if the token is unknown, used or expired.

    One credential per token: the conditional update is the single-use guard, so of two
    concurrent requests with the same token only one gets the offer. It is the unit of
    work's first statement (a writer from the start: on SQLite it waits for the other
    writer instead of failing to upgrade a read). If the issuance then fails, the caller
    rolls back and the token works again.
    """
    if not token or len(token) > MAX_FIELD_CHARS:
        return None
    digest = token_hash(token)
    claimed = await session.execute(
        update(WalletAccessToken)
        .where(
            WalletAccessToken.token_hash == digest,
            WalletAccessToken.revoked_at.is_(None),
            WalletAccessToken.expires_at > now,
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return None
    offer_id = await session.scalar(
        select(WalletAccessToken.offer_id).where(WalletAccessToken.token_hash == digest)
    )
    return await session.get(WalletOffer, offer_id) if offer_id is not None else None
