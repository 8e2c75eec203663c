"""Key proofs of OpenID for Verifiable Credential Issuance 1.0 (§8.2.1.1, proof type ``jwt``).

A wallet proves it holds the key a credential is to be bound to by signing a JWT::

    header   {"typ": "openid4vci-proof+jwt", "alg": "EdDSA" | "ES256",
              "kid": "did:key:…#…" | "did:jwk:…#0"}   or   {…, "jwk": {public JWK}}
    payload  {"aud": <credential issuer identifier>, "iat": <seconds>,
              "nonce": <c_nonce from the nonce endpoint>, "iss"?: <client id>}

:func:`verify_key_proof` checks one strictly and returns the holder's DID — the DID of
``kid``, or the ``did:jwk`` of the header ``jwk`` — with the nonce to be consumed by the
caller (the nonce store lives outside the core). Only DIDs resolved without the network
are accepted (did:key, did:jwk): a key proof never makes the issuer fetch anything.
Errors are :class:`KeyProofError` with ``code`` ``invalid_proof`` (``reason`` says why);
the caller answers ``invalid_nonce`` itself when the nonce is unknown or used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from obcore import did as dids
from obcore import multibase
from obcore.errors import InvalidKeyError, MalformedInputError, ObcoreError, ResolutionError
from obcore.keys import KeyType, PublicKey

PROOF_TYPE: Final = "openid4vci-proof+jwt"
ALGORITHMS: Final[dict[str, KeyType]] = {"EdDSA": "ed25519", "ES256": "p256"}
DID_METHODS: Final = ("did:key", "did:jwk")
MAX_PROOF_CHARS: Final = 8192
MAX_AGE_SECONDS: Final = 300  # an ``iat`` older than this is stale
MAX_SKEW_SECONDS: Final = 60  # an ``iat`` this far in the future is tolerated
_PRIVATE_JWK_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class KeyProofError(ObcoreError):
    """The key proof is refused; ``reason`` is a stable sub-code for logs and tests."""

    code = "invalid_proof"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class KeyProof:
    holder: str  # the DID the credential is to be bound to
    key: PublicKey
    alg: str
    nonce: str | None
    issued_at: int


def _decode(segment: str, what: str) -> bytes:
    if not segment or "=" in segment:
        raise KeyProofError(f"the {what} is not unpadded base64url", reason="malformed")
    try:
        return multibase.b64url_decode(segment)
    except (MalformedInputError, ValueError) as exc:
        raise KeyProofError(f"the {what} is not base64url", reason="malformed") from exc


def _object(raw: bytes, what: str) -> dict[str, Any]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            raise KeyProofError(f"the {what} repeats a member", reason="malformed")
        return result

    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, ValueError) as exc:
        raise KeyProofError(f"the {what} is not JSON", reason="malformed") from exc
    if not isinstance(value, dict):
        raise KeyProofError(f"the {what} is not a JSON object", reason="malformed")
    return value


def _holder_key(header: Mapping[str, Any]) -> tuple[str, PublicKey]:
    """The holder's DID and key, from exactly one of ``kid`` (a DID URL) and ``jwk``."""
    references = [name for name in ("kid", "jwk", "x5c", "key_attestation") if name in header]
    if len(references) != 1 or references[0] not in {"kid", "jwk"}:
        raise KeyProofError(
            "the header must name the key by exactly one of kid (did:key, did:jwk) or jwk",
            reason="key_reference",
        )
    if "jwk" in header:
        jwk = header["jwk"]
        if not isinstance(jwk, dict) or _PRIVATE_JWK_MEMBERS.intersection(jwk):
            raise KeyProofError("the header jwk is not a public JWK", reason="jwk")
        try:
            key = PublicKey.from_jwk(jwk)
        except InvalidKeyError as exc:
            raise KeyProofError(f"the header jwk is invalid: {exc.message}", reason="jwk") from exc
        return dids.did_jwk_for(key), key
    kid = header["kid"]
    if not isinstance(kid, str) or not kid.startswith(tuple(f"{m}:" for m in DID_METHODS)):
        raise KeyProofError(
            "kid must be a did:key or did:jwk DID URL (no other method is resolved)",
            reason="kid",
        )
    holder, fragment = dids.split_did_url(kid)
    if fragment is None:
        raise KeyProofError("kid must name a verification method (#fragment)", reason="kid")
    try:
        document = (
            dids.resolve_did_key(holder)
            if holder.startswith("did:key:")
            else dids.resolve_did_jwk(holder)
        )
        method, _ = dids.find_method(document, kid, "authentication")
        return holder, dids.method_public_key(method)
    except (ResolutionError, InvalidKeyError) as exc:
        raise KeyProofError(f"kid cannot be resolved: {exc.message}", reason="kid") from exc


def verify_key_proof(token: Any, *, audience: str, now: int) -> KeyProof:
    """Check a ``jwt`` key proof for ``audience`` (the credential issuer identifier) at
    ``now`` (seconds since the epoch); return the holder's DID and key, and the nonce."""
    if not isinstance(token, str) or not token.isascii() or len(token) > MAX_PROOF_CHARS:
        raise KeyProofError("a jwt key proof is a compact JWS (ASCII)", reason="malformed")
    parts = token.split(".")
    if len(parts) != 3:
        raise KeyProofError("a compact JWS has three parts", reason="malformed")
    header = _object(_decode(parts[0], "header"), "header")
    payload = _object(_decode(parts[1], "payload"), "payload")
    signature = _decode(parts[2], "signature")

    if header.get("typ") != PROOF_TYPE:
        raise KeyProofError(f"typ must be {PROOF_TYPE}", reason="typ")
    if "crit" in header:
        raise KeyProofError("no critical header extension is supported", reason="crit")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALGORITHMS:
        raise KeyProofError(
            f"alg {alg!r} is not supported (only {', '.join(ALGORITHMS)})", reason="alg"
        )
    holder, key = _holder_key(header)
    if key.type != ALGORITHMS[alg]:
        raise KeyProofError(f"alg {alg} does not fit a {key.type} key", reason="alg")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    if not key.verify(signature, signing_input, alg):
        raise KeyProofError("the key proof signature does not verify", reason="signature")

    aud = payload.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if audience not in audiences:
        raise KeyProofError("aud is not this credential issuer", reason="aud")
    iat = payload.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise KeyProofError("iat (seconds since the epoch) is required", reason="iat")
    if iat > now + MAX_SKEW_SECONDS or iat < now - MAX_AGE_SECONDS:
        raise KeyProofError("iat is not recent", reason="iat")
    nonce = payload.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        raise KeyProofError("nonce must be a string", reason="nonce")
    return KeyProof(holder=holder, key=key, alg=alg, nonce=nonce, issued_at=iat)
