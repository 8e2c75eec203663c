"""OID4VCI 1.0 ``jwt`` key proofs (:mod:`obcore.proofs.keyproof`), made with jwcrypto: the
holder's DID comes from ``kid`` (did:key, did:jwk) or from the header ``jwk``; ES256 and
EdDSA are accepted, anything malformed, mismatched or not allowed is refused with a
reason. The flow through the hub is in ``tests/wallet``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jwcrypto import jwk, jws

from obcore import multibase
from obcore.did import did_jwk_for, did_key_for
from obcore.keys import PublicKey
from obcore.proofs.keyproof import KeyProofError, verify_key_proof

ISSUER = "https://hub.example"
NOW = 1_800_000_000


def signed(key: jwk.JWK, header: dict[str, Any], claims: dict[str, Any]) -> str:
    token = jws.JWS(json.dumps(claims).encode("utf-8"))
    token.add_signature(key, alg=header["alg"], protected=json.dumps(header))
    return str(token.serialize(compact=True))


def claims(**changes: Any) -> dict[str, Any]:
    return {"aud": ISSUER, "iat": NOW, "nonce": "n-1", **changes}


def public_of(key: jwk.JWK) -> PublicKey:
    return PublicKey.from_jwk(key.export_public(as_dict=True))


def test_an_es256_proof_named_by_did_jwk_binds_to_that_did() -> None:
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    holder = did_jwk_for(public_of(key))
    header = {"typ": "openid4vci-proof+jwt", "alg": "ES256", "kid": f"{holder}#0"}

    proof = verify_key_proof(signed(key, header, claims()), audience=ISSUER, now=NOW)

    assert proof.holder == holder
    assert proof.alg == "ES256"
    assert proof.nonce == "n-1"


def test_an_eddsa_proof_named_by_did_key_binds_to_that_did() -> None:
    key = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    holder = did_key_for(public_of(key))
    fragment = holder.removeprefix("did:key:")
    header = {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": f"{holder}#{fragment}"}

    proof = verify_key_proof(signed(key, header, claims(aud=[ISSUER])), audience=ISSUER, now=NOW)

    assert proof.holder == holder


def test_a_header_algorithm_that_does_not_fit_the_key_is_refused() -> None:
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    header = {"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": key.export_public(as_dict=True)}
    token = signed(key, header, claims())
    _, body, signature = token.split(".")
    forged = json.dumps({**header, "alg": "EdDSA"}).encode()

    with pytest.raises(KeyProofError) as refused:
        verify_key_proof(
            f"{multibase.b64url_encode(forged)}.{body}.{signature}", audience=ISSUER, now=NOW
        )

    assert refused.value.reason == "alg"
    assert refused.value.code == "invalid_proof"


@pytest.mark.parametrize(
    ("header_change", "reason"),
    [
        ({"jwk": "PRIVATE"}, "jwk"),
        ({"kid": "did:key:z6Mk-not-a-key#x"}, "kid"),
        ({"kid": "did:jwk:e30"}, "kid"),
        ({"crit": ["b64"]}, "crit"),
        ({"alg": "none"}, "alg"),
    ],
    ids=["private-jwk", "bad-did-key", "no-fragment", "crit", "alg-none"],
)
def test_malformed_headers_are_refused(header_change: dict[str, Any], reason: str) -> None:
    key = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    header: dict[str, Any] = {"typ": "openid4vci-proof+jwt", "alg": "EdDSA"}
    if header_change.get("jwk") == "PRIVATE":
        header["jwk"] = key.export_private(as_dict=True)
    else:
        header["jwk"] = key.export_public(as_dict=True)
        if "kid" in header_change:
            del header["jwk"]
        header.update(header_change)
    encoded = multibase.b64url_encode(json.dumps(header).encode())
    body = multibase.b64url_encode(json.dumps(claims()).encode())
    signature = multibase.b64url_encode(b"\0" * 64)

    with pytest.raises(KeyProofError) as refused:
        verify_key_proof(f"{encoded}.{body}.{signature}", audience=ISSUER, now=NOW)

    assert refused.value.reason == reason


@pytest.mark.parametrize(
    "token",
    ["", "a.b", "é.b.c", "x" * 9000, 42, "e30.e30.AAAA"],
    ids=["empty", "two-parts", "not-ascii", "too-long", "not-a-string", "empty-objects"],
)
def test_what_is_not_a_compact_jws_is_refused(token: Any) -> None:
    with pytest.raises(KeyProofError):
        verify_key_proof(token, audience=ISSUER, now=NOW)


def test_a_header_repeating_a_member_is_refused() -> None:
    raw = b'{"typ":"openid4vci-proof+jwt","alg":"EdDSA","alg":"ES256"}'
    token = f"{multibase.b64url_encode(raw)}.e30.AAAA"

    with pytest.raises(KeyProofError) as refused:
        verify_key_proof(token, audience=ISSUER, now=NOW)

    assert refused.value.reason == "malformed"
