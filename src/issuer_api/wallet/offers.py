"""A learner's credential offer of one of their regional badges (OID4VCI 1.0 §4.1).

:func:`create_offer` checks that the badge is the learner's (an award of theirs names
it, the credential is neither revoked nor erased), then stores a new offer: a random
reference (the offer's URL), the pre-authorised code derived from it, a 6-digit PIN
(``tx_code``), ten minutes to use it. Nothing secret is stored in clear
(:mod:`issuer_api.wallet.codes`); the page shows the PIN once.

The PIN is asked for because the offer travels where others can pick it up: the QR
code is on a screen (over a shoulder, in a screen share, on a photo) and the deep link
``openid-credential-offer://`` goes to whichever app registered that scheme on the
phone. Anyone with the offer alone cannot redeem it; five wrong PINs burn it.

:func:`offer_document` serves the offer by reference while it can still be redeemed, at
``/oid4vci/offer?ref={reference}``: the secret is in the query, which the access log
does not write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import quote

import segno
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.accounts.tokens import new_token, token_hash
from issuer_api.models import IssuedCredential, RegionalAward, WalletOffer
from issuer_api.models.base import new_id
from issuer_api.wallet import codes

OFFER_LIFETIME: Final = timedelta(minutes=10)
MAX_PIN_ATTEMPTS: Final = 5
CONFIGURATION_ID: Final = "RegionalBadge_ldp_vc"
PRE_AUTHORIZED_GRANT: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_PATH: Final = "/oid4vci/offer"
REFERENCE_PARAMETER: Final = "ref"  # in the query: the access log writes paths only
DEEP_LINK_SCHEME: Final = "openid-credential-offer://"


@dataclass(frozen=True)
class NewOffer:
    offer_id: str
    reference: str
    pin: str
    expires_at: datetime


async def offerable(session: AsyncSession, learner_id: str, credential_id: str) -> bool:
    """Whether ``credential_id`` is a regional badge of ``learner_id`` a wallet can receive."""
    found = await session.scalar(
        select(IssuedCredential)
        .join(RegionalAward, RegionalAward.credential_id == IssuedCredential.id)
        .where(RegionalAward.learner_id == learner_id, IssuedCredential.id == credential_id)
    )
    return found is not None and found.revoked_at is None and found.erased_at is None


async def create_offer(
    session: AsyncSession, kek: bytes, learner_id: str, credential_id: str, *, now: datetime
) -> NewOffer | None:
    """A new offer of the learner's badge, or ``None`` when the badge is not theirs (or
    can no longer be delivered)."""
    if not await offerable(session, learner_id, credential_id):
        return None
    reference = new_token()
    pin = codes.new_pin()
    offer_id = new_id()
    offer = WalletOffer(
        id=offer_id,
        learner_id=learner_id,
        credential_id=credential_id,
        reference_hash=token_hash(reference),
        code_hash=token_hash(codes.code_for(kek, reference)),
        tx_code_hash=codes.pin_hash(kek, offer_id, pin),
        expires_at=now + OFFER_LIFETIME,
        failed_attempts=0,
        created_at=now,
    )
    session.add(offer)
    await session.flush()
    return NewOffer(offer_id, reference, pin, offer.expires_at)


def usable(offer: WalletOffer, now: datetime) -> bool:
    return (
        offer.redeemed_at is None
        and offer.expires_at > now
        and offer.failed_attempts < MAX_PIN_ATTEMPTS
    )


async def offer_document(
    session: AsyncSession, kek: bytes, reference: str, issuer: str, *, now: datetime
) -> dict[str, Any] | None:
    """The Credential Offer object behind ``reference``, while it can be redeemed."""
    if not reference or len(reference) > 100:
        return None
    offer = await session.scalar(
        select(WalletOffer).where(WalletOffer.reference_hash == token_hash(reference))
    )
    if offer is None or not usable(offer, now):
        return None
    return {
        "credential_issuer": issuer,
        "credential_configuration_ids": [CONFIGURATION_ID],
        "grants": {
            PRE_AUTHORIZED_GRANT: {
                "pre-authorized_code": codes.code_for(kek, reference),
                "tx_code": {
                    "input_mode": "numeric",
                    "length": codes.PIN_DIGITS,
                    "description": "Code à 6 chiffres affiché sur la page / "
                    "6-digit code shown on the page",
                },
            }
        },
    }


def offer_url(issuer: str, reference: str) -> str:
    return f"{issuer}{OFFER_PATH}?{REFERENCE_PARAMETER}={reference}"


def deep_link(issuer: str, reference: str) -> str:
    """``openid-credential-offer://?credential_offer_uri=…`` (the offer by reference)."""
    return f"{DEEP_LINK_SCHEME}?credential_offer_uri={quote(offer_url(issuer, reference), safe='')}"


def qr_code(link: str) -> str:
    """The QR code of ``link`` as an SVG ``data:`` URI (for an ``<img>``: no inline markup)."""
    return str(segno.make(link, error="m", micro=False).svg_data_uri(scale=4, border=4))
