"""Regional badges into wallets: OpenID for Verifiable Credential Issuance 1.0 with a
pre-authorised code (credential offer by reference, QR code and deep link).

``wallet.codes``      the offer's secrets (reference, code, PIN, nonces) and their hashes
``wallet.offers``     the learner's offer of one of their regional badges (code, PIN)
``wallet.grant``      the ``urn:ietf:params:oauth:grant-type:pre-authorized_code`` grant
``wallet.issuance``   nonces, and the credential bound to the wallet's DID
``wallet.metadata``   credential issuer and authorization server metadata
``wallet.endpoints``  the protocol's HTTP routes; ``wallet.pages`` the learner's page
"""

from __future__ import annotations

from fastapi import APIRouter

from issuer_api.wallet import endpoints, pages

router = APIRouter(include_in_schema=False)
router.include_router(endpoints.router)
router.include_router(pages.router)

__all__ = ["router"]
