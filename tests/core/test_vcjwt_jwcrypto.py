"""VC-JWT against jwcrypto, the reference JOSE implementation: same verdicts both ways.

obhub verifies VC-JWTs with its own strict path (:mod:`obcore.proofs.vcjwt`);
jwcrypto (``jwcrypto.jws`` / ``jwcrypto.jwt``, algorithms pinned) is the
reference it must agree with on every token we hold, on tokens each side signs
for the other (EdDSA, ES256, RS256) and on tampered tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwcrypto import jwk as jose_jwk
from jwcrypto import jws as jose_jws
from jwcrypto import jwt as jose_jwt
from jwcrypto.common import JWException

from obcore.did import did_jwk_for, did_key_for, did_key_vm_id
from obcore.errors import ObcoreError, ProofError, ResolutionError, SignatureError
from obcore.keys import KEY_TYPES, KeyPair, KeyType
from obcore.proofs.vcjwt import ALLOWED_ALGS, sign_vc_jwt, verify_vc_jwt
from obcore.resolve import LocalResolver

FIXTURES = Path(__file__).parent.parent / "fixtures"
LOCAL = LocalResolver()
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

Verdict = Literal["valid", "invalid", "no key"]


def vc_jwt_vectors() -> list[Path]:
    """Every OB 3.0 VC-JWT in the fixtures, once each (the same file may sit in two folders)."""
    seen: dict[bytes, Path] = {}
    for path in sorted([*FIXTURES.glob("jwt/*.jwt"), *FIXTURES.glob("vectors/*.jwt")]):
        token = path.read_bytes().strip()
        payload = json.loads(base64.urlsafe_b64decode(token.split(b".")[1] + b"=="))
        if "vc" in payload or "@context" in payload:  # OB 2.0 signed Assertions are not VC-JWTs
            seen.setdefault(token, path)
    return sorted(seen.values())


VECTORS = vc_jwt_vectors()


def key_for(key_type: KeyType) -> KeyPair:
    """A key named by a DID the local resolver derives: did:key, or did:jwk for RSA."""
    pair = KeyPair.generate(key_type)
    if key_type == "rsa":
        controller = did_jwk_for(pair.public)
        return pair.with_ids(f"{controller}#0", controller)
    return pair.with_ids(did_key_vm_id(pair.public), did_key_for(pair.public))


@pytest.fixture(scope="module")
def keys() -> dict[KeyType, KeyPair]:
    return {key_type: key_for(key_type) for key_type in KEY_TYPES}


def credential_of(issuer: str, **changes: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [VC_V2, OB_CONTEXT],
        "id": "urn:uuid:7d3c5a1e-2b4f-4e8a-9c61-0f2e8b7a6d54",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Région Normandie"},
        "validFrom": "2026-01-15T09:30:00Z",
        "name": "Communiquer — Je maîtrise",
        "credentialSubject": {
            "id": "did:example:apprenant-42",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://badges.normandie.example/achievements/communiquer",
                "type": ["Achievement"],
                "name": "Communiquer",
                "criteria": {"narrative": "Présenter un projet devant un jury."},
            },
        },
    }
    credential.update(changes)
    return credential


# ---- the two verifiers -----------------------------------------------------------------


def obhub_verdict(token: str) -> Verdict:
    try:
        verify_vc_jwt(token, LOCAL)
    except ResolutionError:
        return "no key"
    except (SignatureError, ProofError, ObcoreError):
        return "invalid"
    return "valid"


def jwcrypto_key(header: dict[str, Any]) -> jose_jwk.JWK | None:
    """The key the header names: ``kid`` resolved like any verifier would, else ``jwk``."""
    kid = header.get("kid")
    if isinstance(kid, str):
        try:
            return jose_jwk.JWK(**LOCAL(kid).key.to_jwk())
        except ObcoreError:
            return None
    if isinstance(header.get("jwk"), dict):
        return jose_jwk.JWK(**header["jwk"])
    return None


def jwcrypto_verdict(token: str) -> Verdict:
    """jwcrypto's JWS verification, algorithms pinned to the OB 3.0 allow-list."""
    checker = jose_jws.JWS()
    checker.allowed_algs = sorted(ALLOWED_ALGS)
    try:
        checker.deserialize(token.strip())
        key = jwcrypto_key(checker.jose_header)
        if key is None:
            return "no key"
        checker.verify(key)
    except (JWException, ValueError):
        return "invalid"
    return "valid"


def tamper_payload(token: str) -> str:
    head, payload, signature = token.strip().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["tampered"] = True
    spoiled = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{spoiled}.{signature}"


def tamper_signature(token: str) -> str:
    head, payload, signature = token.strip().split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return f"{head}.{payload}." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


# ---- the vectors -------------------------------------------------------------------------


def test_the_fixtures_hold_the_vc_jwt_vectors_of_the_shared_corpus() -> None:
    names = {path.name for path in VECTORS}
    assert {
        "indep-xverify-ob3-vcjwt-eddsa.jwt",
        "validator-baked-png-vcjwt-vcdm2.jwt",
        "validator-baked-svg-vcjwt-vcdm2.jwt",
        "validator-baked-png-vcjwt-vcdm1.jwt",
        "1edtech-ob30-simple.jwt",
        "1edtech-ob30-velocity.jwt",
    } <= names


@pytest.mark.parametrize("path", VECTORS, ids=[p.name for p in VECTORS])
def test_every_vc_jwt_vector_gets_the_same_verdict_from_obhub_and_jwcrypto(path: Path) -> None:
    token = path.read_text()
    assert obhub_verdict(token) == jwcrypto_verdict(token)


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("indep-xverify-ob3-vcjwt-eddsa.jwt", "valid"),
        ("validator-baked-png-vcjwt-vcdm2.jwt", "valid"),
        ("validator-baked-svg-vcjwt-vcdm2.jwt", "valid"),
        ("validator-baked-png-vcjwt-vcdm1.jwt", "valid"),
        ("1edtech-ob30-simple.jwt", "no key"),
        ("1edtech-ob30-velocity.jwt", "no key"),
    ],
)
def test_each_vector_has_its_documented_verdict(name: str, verdict: Verdict) -> None:
    assert jwcrypto_verdict((FIXTURES / "jwt" / name).read_text()) == verdict


@pytest.mark.parametrize("tamper", [tamper_payload, tamper_signature])
@pytest.mark.parametrize("path", VECTORS, ids=[p.name for p in VECTORS])
def test_a_tampered_vector_whose_key_is_known_is_refused_by_both(path: Path, tamper: Any) -> None:
    token = path.read_text()
    if jwcrypto_verdict(token) == "no key":
        assert obhub_verdict(tamper(token)) == jwcrypto_verdict(tamper(token)) == "no key"
        return
    assert obhub_verdict(tamper(token)) == jwcrypto_verdict(tamper(token)) == "invalid"


# ---- obhub signs, jwcrypto verifies ------------------------------------------------------


@pytest.mark.parametrize("vc_claim", [False, True], ids=["payload", "vc-claim"])
@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_a_token_obhub_signs_verifies_under_jwcrypto(
    keys: dict[KeyType, KeyPair], key_type: KeyType, vc_claim: bool
) -> None:
    key = keys[key_type]
    credential = credential_of(str(key.controller))
    token = sign_vc_jwt(credential, key, vc_claim=vc_claim)
    public = jose_jwk.JWK(**key.public.to_jwk())
    verified = jose_jwt.JWT(jwt=token, key=public, algs=[key.jws_alg], expected_type="JWS")
    claims = json.loads(verified.claims)
    assert verified.token.jose_header == {"alg": key.jws_alg, "typ": "JWT", "kid": key.id}
    assert claims["iss"] == key.controller
    assert claims["jti"] == credential["id"]
    assert claims["sub"] == "did:example:apprenant-42"
    assert (claims["vc"] if vc_claim else claims)["name"] == credential["name"]
    assert jwcrypto_verdict(token) == obhub_verdict(token) == "valid"


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_a_token_obhub_signs_with_a_header_jwk_verifies_under_jwcrypto_with_that_jwk(
    keys: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    key = keys[key_type].with_ids(None, keys[key_type].controller)
    token = sign_vc_jwt(credential_of(str(key.controller)), key, include_jwk=True)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert "kid" not in header
    assert "d" not in header["jwk"]
    assert jwcrypto_verdict(token) == obhub_verdict(token) == "valid"


# ---- jwcrypto signs, obhub verifies ------------------------------------------------------


def jwcrypto_signed(key: KeyPair, claims: dict[str, Any], **header: Any) -> str:
    signer = jose_jwt.JWT(header={"alg": key.jws_alg, **header}, claims=claims)
    signer.make_signed_token(jose_jwk.JWK(**key.private_jwk()))
    return str(signer.serialize())


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_a_payload_style_token_jwcrypto_signs_verifies_under_obhub(
    keys: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    key = keys[key_type]
    credential = credential_of(str(key.controller))
    claims = {**credential, "iss": key.controller, "jti": credential["id"], "nbf": 1768469400}
    token = jwcrypto_signed(key, claims, typ="JWT", kid=key.id)
    result = verify_vc_jwt(token, LOCAL)
    assert result.credential == credential
    assert (result.alg, result.vc_style, result.verification_method) == (
        key.jws_alg,
        "payload",
        key.id,
    )


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_a_vc_claim_token_jwcrypto_signs_with_a_header_jwk_verifies_under_obhub(
    keys: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    key = keys[key_type]
    credential = credential_of(str(key.controller))
    claims = {"iss": key.controller, "sub": "did:example:apprenant-42", "vc": credential}
    token = jwcrypto_signed(key, claims, jwk=key.public.to_jwk())
    result = verify_vc_jwt(token, LOCAL)
    assert result.credential == credential
    assert result.verification_method == "jwk"
    assert result.key.same_key(key.public)


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_a_token_jwcrypto_signs_then_tampered_is_refused_by_both(
    keys: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    key = keys[key_type]
    credential = credential_of(str(key.controller))
    token = jwcrypto_signed(key, {"iss": key.controller, "vc": credential}, kid=key.id)
    for spoiled in (tamper_payload(token), tamper_signature(token)):
        assert obhub_verdict(spoiled) == jwcrypto_verdict(spoiled) == "invalid"


# ---- algorithm confusion -----------------------------------------------------------------


def test_a_token_macd_with_the_issuers_public_key_as_hs256_secret_is_refused_by_both(
    keys: dict[KeyType, KeyPair],
) -> None:
    key = keys["rsa"]
    secret = key.public.to_pem().encode()
    header = {"alg": "HS256", "typ": "JWT", "kid": key.id}
    payload = {"iss": key.controller, "vc": credential_of(str(key.controller))}
    signing_input = ".".join(
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
        for part in (header, payload)
    )
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    token = signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with pytest.raises(ProofError) as exc:
        verify_vc_jwt(token, LOCAL)
    assert exc.value.code == "jwt_alg_not_allowed"
    assert jwcrypto_verdict(token) == "invalid"


@pytest.mark.parametrize("alg", ["none", "HS256", "PS256", "ES384"])
def test_an_algorithm_outside_the_allow_list_is_refused_by_both(
    keys: dict[KeyType, KeyPair], alg: str
) -> None:
    key = keys["ed25519"]
    token = sign_vc_jwt(credential_of(str(key.controller)), key)
    head, payload, signature = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    swapped = base64.urlsafe_b64encode(json.dumps({**header, "alg": alg}).encode())
    forged = f"{swapped.rstrip(b'=').decode()}.{payload}.{signature}"
    assert obhub_verdict(forged) == jwcrypto_verdict(forged) == "invalid"


# ---- properties ---------------------------------------------------------------------------

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
JSON_SCALAR = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXT
EXTRA = st.dictionaries(
    st.sampled_from(["description", "image", "narrative", "tag", "alignment"]),
    st.recursive(JSON_SCALAR, lambda inner: st.lists(inner, max_size=3), max_leaves=6),
    max_size=3,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=TEXT.filter(bool), subject=TEXT, extra=EXTRA, vc_claim=st.booleans())
def test_any_credential_obhub_signs_is_read_back_identically_by_jwcrypto(
    keys: dict[KeyType, KeyPair], name: str, subject: str, extra: dict[str, Any], vc_claim: bool
) -> None:
    key = keys["ed25519"]
    credential = credential_of(str(key.controller), name=name, **extra)
    credential["credentialSubject"]["achievement"]["description"] = subject
    token = sign_vc_jwt(credential, key, vc_claim=vc_claim)
    checker = jose_jws.JWS()
    checker.allowed_algs = ["EdDSA"]
    checker.deserialize(token)
    checker.verify(jose_jwk.JWK(**key.public.to_jwk()))
    payload = json.loads(checker.payload)
    carried = payload["vc"] if vc_claim else {k: v for k, v in payload.items() if k in credential}
    assert carried == credential


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=TEXT.filter(bool), subject=TEXT, extra=EXTRA)
def test_any_credential_jwcrypto_signs_is_read_back_identically_by_obhub(
    keys: dict[KeyType, KeyPair], name: str, subject: str, extra: dict[str, Any]
) -> None:
    key = keys["p256"]
    credential = credential_of(str(key.controller), name=name, **extra)
    credential["credentialSubject"]["achievement"]["description"] = subject
    token = jwcrypto_signed(key, {"iss": key.controller, "vc": credential}, typ="JWT", kid=key.id)
    assert verify_vc_jwt(token, LOCAL).credential == credential
