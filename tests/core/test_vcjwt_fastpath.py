"""The fast paths of VC-JWT verification give the verdicts of the reference paths.

EdDSA signatures are checked with libsodium (PyNaCl) instead of OpenSSL
(``cryptography``, which jwcrypto uses), and checked JOSE headers are
remembered per encoded segment. These tests hold both to the reference:
every signature OpenSSL accepts over an honest key, libsodium accepts; every
altered signature both refuse; the only difference is that libsodium also
refuses the small-order key forgery OpenSSL lets through.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto import jwk as jose_jwk
from jwcrypto import jws as jose_jws
from jwcrypto.common import JWException

from obcore.did import did_key_for, did_key_vm_id
from obcore.errors import MalformedInputError, ProofError, SignatureError
from obcore.keys import KeyPair
from obcore.proofs import vcjwt
from obcore.proofs.vcjwt import sign_vc_jwt, verify_vc_jwt
from obcore.resolve import LocalResolver

LOCAL = LocalResolver()
# Order of the Ed25519 base point: S + L encodes the same scalar non-canonically.
ED25519_ORDER = 2**252 + 27742317777372353535851937790883648493
# The neutral point: a small-order "public key" for which S = 0, R = neutral verifies any message.
NEUTRAL_POINT = bytes([1]) + bytes(31)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


@pytest.fixture(scope="module")
def issuer_key() -> KeyPair:
    pair = KeyPair.from_ed25519_seed(bytes(range(32)))
    return pair.with_ids(did_key_vm_id(pair.public), did_key_for(pair.public))


def credential_of(issuer: str, name: str = "Communiquer") -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:7d3c5a1e-2b4f-4e8a-9c61-0f2e8b7a6d54",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Région Normandie"},
        "validFrom": "2026-01-15T09:30:00Z",
        "name": name,
        "credentialSubject": {"id": "did:example:apprenant-42", "type": ["AchievementSubject"]},
    }


def obhub_accepts(token: str) -> bool:
    try:
        verify_vc_jwt(token, LOCAL)
    except (SignatureError, ProofError):
        return False
    return True


def openssl_accepts(token: str, key: KeyPair) -> bool:
    """jwcrypto (OpenSSL through cryptography), the reference verifier."""
    checker = jose_jws.JWS()
    checker.allowed_algs = ["EdDSA"]
    checker.deserialize(token)
    try:
        checker.verify(jose_jwk.JWK(**key.public.to_jwk()))
    except (JWException, ValueError):
        return False
    return True


def with_signature(token: str, signature: bytes) -> str:
    head, payload, _ = token.split(".")
    return f"{head}.{payload}.{b64(signature)}"


@settings(max_examples=40, deadline=None)
@given(name=st.text(max_size=200), flip=st.integers(min_value=0, max_value=64 * 8 - 1))
def test_libsodium_and_openssl_agree_on_a_signed_token_and_on_every_flipped_signature_bit(
    issuer_key: KeyPair, name: str, flip: int
) -> None:
    token = sign_vc_jwt(credential_of(issuer_key.controller or "", name), issuer_key)
    assert obhub_accepts(token) is openssl_accepts(token, issuer_key) is True

    signature = bytearray(unb64(token.split(".")[2]))
    signature[flip // 8] ^= 1 << (flip % 8)
    spoiled = with_signature(token, bytes(signature))
    assert obhub_accepts(spoiled) is openssl_accepts(spoiled, issuer_key) is False


def test_a_non_canonical_s_is_refused_by_both(issuer_key: KeyPair) -> None:
    token = sign_vc_jwt(credential_of(issuer_key.controller or ""), issuer_key)
    signature = unb64(token.split(".")[2])
    s = int.from_bytes(signature[32:], "little") + ED25519_ORDER
    stretched = with_signature(token, signature[:32] + s.to_bytes(32, "little"))

    assert openssl_accepts(stretched, issuer_key) is False
    assert obhub_accepts(stretched) is False


@pytest.mark.parametrize("size", [0, 63, 65])
def test_a_signature_of_the_wrong_length_is_refused(issuer_key: KeyPair, size: int) -> None:
    token = sign_vc_jwt(credential_of(issuer_key.controller or ""), issuer_key)
    with pytest.raises(SignatureError) as caught:
        verify_vc_jwt(with_signature(token, bytes(range(size))), LOCAL)
    assert caught.value.code == "invalid_signature"


def test_the_small_order_key_forgery_openssl_accepts_is_refused() -> None:
    forged_signature = NEUTRAL_POINT + bytes(32)
    header = {
        "alg": "EdDSA",
        "typ": "JWT",
        "jwk": {"kty": "OKP", "crv": "Ed25519", "x": b64(NEUTRAL_POINT)},
    }
    payload = {**credential_of("did:example:faussaire"), "iss": "did:example:faussaire"}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    token = f"{signing_input}.{b64(forged_signature)}"

    # OpenSSL verifies this signature over any message: the key has small order.
    Ed25519PublicKey.from_public_bytes(NEUTRAL_POINT).verify(
        forged_signature, signing_input.encode()
    )
    Ed25519PublicKey.from_public_bytes(NEUTRAL_POINT).verify(forged_signature, b"anything")
    with pytest.raises(SignatureError) as caught:
        verify_vc_jwt(token, LOCAL)
    assert caught.value.code == "invalid_signature"


def test_a_remembered_header_is_checked_like_a_new_one(issuer_key: KeyPair) -> None:
    first = sign_vc_jwt(credential_of(issuer_key.controller or "", "Premier"), issuer_key)
    second = sign_vc_jwt(credential_of(issuer_key.controller or "", "Second"), issuer_key)
    assert first.split(".")[0] == second.split(".")[0]

    assert verify_vc_jwt(first, LOCAL).credential["name"] == "Premier"
    assert verify_vc_jwt(second, LOCAL).credential["name"] == "Second"
    with pytest.raises(SignatureError):
        verify_vc_jwt(with_signature(second, unb64(first.split(".")[2])), LOCAL)


def test_a_caller_changing_a_result_header_does_not_change_the_next_verification(
    issuer_key: KeyPair,
) -> None:
    token = sign_vc_jwt(credential_of(issuer_key.controller or ""), issuer_key, include_jwk=True)
    result = verify_vc_jwt(token, LOCAL)
    result.header["alg"] = "none"
    result.header["jwk"]["x"] = b64(NEUTRAL_POINT)

    again = verify_vc_jwt(token, LOCAL)
    assert again.header["alg"] == "EdDSA"
    assert again.header["jwk"] == issuer_key.public.to_jwk()


def test_a_refused_header_is_refused_again_with_the_same_error(issuer_key: KeyPair) -> None:
    token = sign_vc_jwt(credential_of(issuer_key.controller or ""), issuer_key)
    _, payload, signature = token.split(".")
    bad_head = b64(json.dumps({"alg": "HS256", "kid": issuer_key.id}).encode())
    for _ in range(2):
        with pytest.raises(ProofError) as caught:
            verify_vc_jwt(f"{bad_head}.{payload}.{signature}", LOCAL)
        assert caught.value.code == "jwt_alg_not_allowed"


def test_a_long_header_is_verified_but_not_remembered(issuer_key: KeyPair) -> None:
    token = sign_vc_jwt(credential_of(issuer_key.controller or ""), issuer_key, include_jwk=True)
    _, payload, _ = token.split(".")
    header = {"alg": "EdDSA", "typ": "JWT", "kid": issuer_key.id, "jwk": issuer_key.public.to_jwk()}
    header["jwk"]["padding"] = "x" * 5000
    signing_input = f"{b64(json.dumps(header).encode())}.{payload}"
    token = f"{signing_input}.{b64(issuer_key.sign(signing_input.encode()))}"

    assert verify_vc_jwt(token, LOCAL).header["jwk"]["padding"] == "x" * 5000
    assert b64(json.dumps(header).encode()) not in vcjwt._HEADERS


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_non_json_number_deep_in_the_payload_is_refused_by_the_parsing_decoder(
    issuer_key: KeyPair, constant: str
) -> None:
    head = b64(json.dumps({"alg": "EdDSA", "kid": issuer_key.id}).encode())
    body = '{"@context":[],"credentialSubject":{"scores":[1,' + constant + "]}}"
    signing_input = f"{head}.{b64(body.encode())}"
    token = f"{signing_input}.{b64(issuer_key.sign(signing_input.encode()))}"
    with pytest.raises(MalformedInputError) as caught:
        verify_vc_jwt(token, LOCAL)
    assert caught.value.code == "malformed_jwt"
    assert f"{constant} is not JSON" in str(caught.value)
