"""Nonces and the Credential Endpoint (OID4VCI 1.0 §7, §8): the badge bound to the wallet.

:func:`new_nonce` hands out a ``c_nonce`` (self-authenticating, five minutes, single use:
its use is recorded, :func:`consume_nonce`).
:func:`issue` answers a Credential Request of a wallet holding an access token: one
``jwt`` key proof (:func:`obcore.proofs.keyproof.verify_key_proof`: ``aud`` = this
credential issuer, a fresh ``nonce``, recent ``iat``, EdDSA or ES256, the key named by
did:key, did:jwk or a header ``jwk``), then the learner's regional badge **re-signed**
with ``credentialSubject.id`` = the holder's DID: a new ``id``, the same achievement,
evidence, dates and status entry (suspending or revoking the badge reaches the copy),
signed by the Region's active key (eddsa-rdfc-2022). The learner's original is left as
it is; the delivery is recorded (which badge, to which DID, when) and audited.

Errors are :class:`CredentialError` (§8.3.1.2: ``invalid_credential_request``,
``unknown_credential_configuration``, ``invalid_proof``, ``invalid_nonce``,
``credential_request_denied``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, cast

import anyio
from sqlalchemy import Table, delete
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.accounts.tokens import token_hash
from issuer_api.audit import add_audit_event
from issuer_api.credentials import repository as credential_repository
from issuer_api.credentials import service as credentials
from issuer_api.issuers import service as issuers
from issuer_api.models import WalletDelivery, WalletNonce, WalletOffer
from issuer_api.models.base import new_id
from issuer_api.regional import service as regional
from issuer_api.settings import Settings
from issuer_api.sql import insert_or_ignore
from issuer_api.wallet import codes
from issuer_api.wallet.offers import CONFIGURATION_ID
from obcore.keys import KeyPair
from obcore.proofs.keyproof import KeyProofError, verify_key_proof

NONCE_LIFETIME_S: Final = 300
DELIVERED_ACTION: Final = "regional_badge.delivered_to_wallet"


@dataclass
class CredentialError(Exception):
    error: str
    description: str
    status_code: int = 400

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def new_nonce(kek: bytes, *, now: datetime) -> str:
    return codes.new_nonce(kek, int(now.timestamp()))


async def consume_nonce(session: AsyncSession, kek: bytes, nonce: str, *, now: datetime) -> bool:
    """Whether ``nonce`` is one of ours, fresh, and not used before; it is used up now
    (the unique hash of a used nonce is the single-use guard, even across workers)."""
    made = codes.nonce_time(kek, nonce)
    seconds = int(now.timestamp())
    if made is None or not seconds - NONCE_LIFETIME_S < made <= seconds:
        return False
    await session.execute(delete(WalletNonce).where(WalletNonce.expires_at <= now))
    return await insert_or_ignore(
        session,
        cast(Table, WalletNonce.__table__),
        {
            "nonce_hash": token_hash(nonce),
            "expires_at": now + timedelta(seconds=NONCE_LIFETIME_S),
            "created_at": now,
        },
        ["nonce_hash"],
    )


def _proof_jwt(body: Mapping[str, Any]) -> str:
    """The single ``jwt`` key proof of a Credential Request, or the reason it has none."""
    if "credential_identifier" in body:
        raise CredentialError(
            "invalid_credential_request",
            "credential_identifier is not used here: name credential_configuration_id",
        )
    configuration = body.get("credential_configuration_id")
    if not isinstance(configuration, str):
        raise CredentialError(
            "invalid_credential_request", "credential_configuration_id is required"
        )
    if configuration != CONFIGURATION_ID:
        raise CredentialError(
            "unknown_credential_configuration", f"only {CONFIGURATION_ID} is issued here"
        )
    if "proof" in body:
        raise CredentialError(
            "invalid_credential_request", "send the key proof in proofs (OpenID4VCI 1.0)"
        )
    if "credential_response_encryption" in body:
        raise CredentialError(
            "invalid_encryption_parameters", "encrypted responses are not supported"
        )
    proofs = body.get("proofs")
    if not isinstance(proofs, dict) or list(proofs) != ["jwt"]:
        raise CredentialError(
            "invalid_credential_request", "proofs must hold exactly one proof type: jwt"
        )
    jwts = proofs["jwt"]
    if not isinstance(jwts, list) or len(jwts) != 1 or not isinstance(jwts[0], str):
        raise CredentialError(
            "invalid_credential_request", "proofs.jwt must hold exactly one key proof"
        )
    return jwts[0]


def bound_copy(original: Mapping[str, Any], holder: str, copy_id: str) -> dict[str, Any]:
    """The unsigned copy of ``original`` bound to ``holder``: new id, subject id set,
    everything else (achievement, evidence, dates, status entry, identifier) kept."""
    document = copy.deepcopy(dict(original))
    document.pop("proof", None)
    document["id"] = f"urn:uuid:{copy_id}"
    subject = dict(document.get("credentialSubject") or {})
    subject.pop("id", None)
    document["credentialSubject"] = {"id": holder, **subject}
    return document


def _sign(document: dict[str, Any], key: KeyPair) -> dict[str, Any]:
    credentials.ensure_schema_valid(document)
    return credentials.sign(document, key, "di").document


async def issue(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    offer: WalletOffer,
    body: Any,
    *,
    issuer: str,
    now: datetime,
) -> dict[str, Any]:
    """The Credential Response for ``offer``'s badge, bound to the key the proof proves."""
    if not isinstance(body, dict):
        raise CredentialError("invalid_credential_request", "the request is a JSON object")
    token = _proof_jwt(body)
    try:
        proof = verify_key_proof(token, audience=issuer, now=int(now.timestamp()))
    except KeyProofError as exc:
        raise CredentialError("invalid_proof", exc.message) from exc
    if proof.nonce is None:
        raise CredentialError("invalid_proof", "the key proof has no nonce (c_nonce)")
    if not await consume_nonce(session, kek, proof.nonce, now=now):
        raise CredentialError(
            "invalid_nonce", "the nonce is unknown, used or expired: get a new c_nonce"
        )
    original = await credential_repository.get(session, offer.credential_id)
    if original is None or original.erased_at is not None or original.revoked_at is not None:
        raise CredentialError("credential_request_denied", "this badge can no longer be delivered")
    region = await regional.region_issuer(session, settings, kek)
    key = await issuers.active_signing_key(session, region, settings, kek)
    copy_id = new_id()
    unsigned = bound_copy(original.document, proof.holder, copy_id)
    signed = await anyio.to_thread.run_sync(_sign, unsigned, key)
    session.add(
        WalletDelivery(
            learner_id=offer.learner_id,
            credential_id=original.id,
            offer_id=offer.id,
            holder_did=proof.holder,
            delivered_uri=unsigned["id"],
            delivered_at=now,
        )
    )
    add_audit_event(
        session,
        actor="learner",
        action=DELIVERED_ACTION,
        target_type="credential",
        target_id=original.id,
        data={"copy": unsigned["id"], "holder_method": proof.holder.split(":", 2)[1]},
    )
    await session.flush()
    return {"credentials": [{"credential": signed}]}
