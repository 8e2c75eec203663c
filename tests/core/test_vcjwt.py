"""VC-JWT (OB 3.0 §8.2): signing, verification, and every refusal the verifier makes."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from obcore.did import build_did_document, did_key_for, did_key_vm_id
from obcore.errors import (
    InvalidKeyError,
    LimitExceededError,
    MalformedInputError,
    ObcoreError,
    ProofError,
    ResolutionError,
    SignatureError,
)
from obcore.keys import KeyPair, KeyType
from obcore.proofs.vcjwt import JwtResult, sign_vc_jwt, verify_vc_jwt
from obcore.resolve import LocalResolver, ResolvedMethod

FIXTURES = Path(__file__).parent.parent / "fixtures" / "jwt"
LOCAL = LocalResolver()
VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SUBJECT_DID = "did:example:ebfeb1f712ebc6f1c276e12ec21"


# ---- helpers ----------------------------------------------------------------------


def did_key_pair(key: KeyPair) -> KeyPair:
    """The key named by its did:key verification method, controlled by the did:key."""
    return key.with_ids(did_key_vm_id(key.public), did_key_for(key.public))


ED_KEY = did_key_pair(KeyPair.from_ed25519_seed(bytes(range(32))))
OTHER_ED_KEY = did_key_pair(KeyPair.from_ed25519_seed(bytes(range(1, 33))))
ED_ISSUER = did_key_for(ED_KEY.public)


@pytest.fixture(scope="module")
def p256_key() -> KeyPair:
    return did_key_pair(KeyPair.generate("p256"))


@pytest.fixture(scope="module")
def rsa_key() -> KeyPair:
    return KeyPair.generate("rsa")  # no id: published as a header jwk


@pytest.fixture(scope="module")
def keys(p256_key: KeyPair, rsa_key: KeyPair) -> dict[KeyType, KeyPair]:
    return {"ed25519": ED_KEY, "p256": p256_key, "rsa": rsa_key}


def make_credential(issuer_id: str, **changes: Any) -> dict[str, Any]:
    """An OB 3.0 (VCDM 2.0) AchievementCredential issued by ``issuer``."""
    credential: dict[str, Any] = {
        "@context": [VC_V2, OB_CONTEXT],
        "id": "urn:uuid:2b6a3c3e-0b7d-4c0e-9a53-3c0f3a6a9d11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": "Région Occitanie"},
        "validFrom": "2024-03-01T09:30:00Z",
        "validUntil": "2029-03-01T09:30:00Z",
        "name": "Badge « Esprit d'équipe »",
        "credentialSubject": {
            "id": SUBJECT_DID,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.org/achievements/teamwork",
                "type": ["Achievement"],
                "name": "Esprit d'équipe",
                "description": "Travaille en équipe. 協力 🤝",
                "criteria": {"narrative": "Nommé·e par ses pairs."},
            },
        },
    }
    credential.update(changes)
    return credential


def make_vcdm1_credential(issuer: str) -> dict[str, Any]:
    credential = make_credential(issuer)
    credential["@context"] = [VC_V1, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"]
    credential["issuanceDate"] = credential.pop("validFrom")
    credential["expirationDate"] = credential.pop("validUntil")
    return credential


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64json(value: Any) -> str:
    return b64(json.dumps(value).encode("utf-8"))


def segments(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return (
        json.loads(base64.urlsafe_b64decode(header + "==")),
        json.loads(base64.urlsafe_b64decode(payload + "==")),
    )


def forge(
    header: Mapping[str, Any] | str,
    payload: Mapping[str, Any] | str,
    signer: KeyPair | Callable[[bytes], bytes] | None = ED_KEY,
) -> str:
    """A compact JWS with any header and payload (dicts, or already encoded segments)."""
    h = header if isinstance(header, str) else b64json(header)
    p = payload if isinstance(payload, str) else b64json(payload)
    signing_input = f"{h}.{p}".encode("ascii")
    if signer is None:
        signature = b""
    elif isinstance(signer, KeyPair):
        signature = signer.sign(signing_input)
    else:
        signature = signer(signing_input)
    return f"{h}.{p}.{b64(signature)}"


def ed_header(**extra: Any) -> dict[str, Any]:
    return {"alg": "EdDSA", "typ": "JWT", "kid": ED_KEY.id, **extra}


def ed_payload(**changes: Any) -> dict[str, Any]:
    """The payload sign_vc_jwt makes for make_credential(ED issuer), with changes."""
    _, payload = segments(sign_vc_jwt(make_credential(ED_ISSUER), ED_KEY))
    payload.update(changes)
    return payload


def refused(token: Any, resolver: Any = LOCAL, **kwargs: Any) -> ObcoreError:
    with pytest.raises(ObcoreError) as info:
        verify_vc_jwt(token, resolver, **kwargs)
    return info.value


class SpyResolver:
    """Records what was asked; resolves like LocalResolver."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, vm_id: str, purpose: str = "assertionMethod") -> ResolvedMethod:
        self.calls.append(vm_id)
        return LOCAL(vm_id, purpose)


def issuer_of(key: KeyPair) -> str:
    return key.controller or "https://issuer.example.org/profile"


# ---- round trips --------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ["ed25519", "p256", "rsa"])
@pytest.mark.parametrize("vc_claim", [False, True], ids=["payload", "vc-claim"])
def test_sign_then_verify_returns_the_credential_for_every_key_type_and_style(
    keys: dict[KeyType, KeyPair], key_type: KeyType, vc_claim: bool
) -> None:
    key = keys[key_type]
    credential = make_credential(issuer_of(key))
    token = sign_vc_jwt(credential, key, include_jwk=key.id is None, vc_claim=vc_claim)

    result = verify_vc_jwt(token, LOCAL)

    assert result.credential == credential
    assert result.alg == {"ed25519": "EdDSA", "p256": "ES256", "rsa": "RS256"}[key_type]
    assert result.vc_style == ("vc-claim" if vc_claim else "payload")
    assert result.key.to_jwk() == key.public.to_jwk()
    if key.id is None:  # RSA: header jwk
        assert result.verification_method == "jwk"
        assert result.resolved is None
    else:  # did:key kid, resolved through the resolver
        assert result.verification_method == key.id
        assert result.resolved is not None
        assert result.resolved.controller == key.controller == credential["issuer"]["id"]


def test_payload_style_is_the_credential_plus_registered_claims() -> None:
    credential = make_credential(ED_ISSUER)
    header, payload = segments(sign_vc_jwt(credential, ED_KEY))

    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": ED_KEY.id}
    assert {k: payload.pop(k) for k in ("iss", "jti", "sub", "nbf", "iat", "exp")} == {
        "iss": ED_ISSUER,
        "jti": credential["id"],
        "sub": SUBJECT_DID,
        "nbf": int(datetime(2024, 3, 1, 9, 30, tzinfo=UTC).timestamp()),
        "iat": int(datetime(2024, 3, 1, 9, 30, tzinfo=UTC).timestamp()),
        "exp": int(datetime(2029, 3, 1, 9, 30, tzinfo=UTC).timestamp()),
    }
    assert payload == credential


def test_vc_claim_style_of_a_vcdm1_credential_uses_issuance_and_expiration_dates() -> None:
    credential = make_vcdm1_credential(ED_ISSUER)
    token = sign_vc_jwt(credential, ED_KEY, vc_claim=True)
    _, payload = segments(token)

    assert payload["vc"] == credential
    assert payload["nbf"] == int(datetime(2024, 3, 1, 9, 30, tzinfo=UTC).timestamp())
    assert payload["exp"] == int(datetime(2029, 3, 1, 9, 30, tzinfo=UTC).timestamp())
    result = verify_vc_jwt(token, LOCAL)
    assert result.credential == credential
    assert result.not_before == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert result.expires_at == datetime(2029, 3, 1, 9, 30, tzinfo=UTC)


def test_claims_follow_a_string_issuer_an_offset_and_fractional_seconds() -> None:
    credential = make_credential(
        ED_ISSUER, issuer=ED_ISSUER, validFrom="2024-03-01T11:30:00.999+02:00"
    )
    del credential["validUntil"]
    token = sign_vc_jwt(credential, ED_KEY)
    _, payload = segments(token)

    assert payload["iss"] == ED_ISSUER
    assert payload["nbf"] == int(datetime(2024, 3, 1, 9, 30, tzinfo=UTC).timestamp())
    assert "exp" not in payload
    assert verify_vc_jwt(token, LOCAL).credential == credential


def test_a_subject_known_only_by_an_identifier_gets_no_sub_claim() -> None:
    credential = make_credential(ED_ISSUER)
    del credential["credentialSubject"]["id"]
    credential["credentialSubject"]["identifier"] = [
        {
            "type": "IdentityObject",
            "hashed": True,
            "identityHash": "sha256$"
            + "b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399",
            "identityType": "emailAddress",
            "salt": "Kosher",
        }
    ]
    token = sign_vc_jwt(credential, ED_KEY)

    assert "sub" not in segments(token)[1]
    assert verify_vc_jwt(token, LOCAL).credential == credential


def test_an_embedded_proof_is_signed_as_given() -> None:
    proof = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z1"}
    credential = make_credential(ED_ISSUER, proof=proof)

    assert verify_vc_jwt(sign_vc_jwt(credential, ED_KEY), LOCAL).credential["proof"] == proof


def test_include_jwk_puts_only_the_public_key_in_the_header(rsa_key: KeyPair) -> None:
    header, _ = segments(
        sign_vc_jwt(make_credential(issuer_of(rsa_key)), rsa_key, include_jwk=True)
    )

    assert header == {"alg": "RS256", "typ": "JWT", "jwk": rsa_key.public.to_jwk()}
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(header["jwk"])


def test_kid_and_matching_jwk_verify_through_the_kid() -> None:
    token = sign_vc_jwt(make_credential(ED_ISSUER), ED_KEY, include_jwk=True)
    result = verify_vc_jwt(token, LOCAL)

    assert result.verification_method == ED_KEY.id
    assert result.resolved is not None


def test_explicit_kid_and_no_typ(p256_key: KeyPair) -> None:
    key = p256_key.with_ids(None, None)
    kid = did_key_vm_id(key.public)
    token = sign_vc_jwt(make_credential(did_key_for(key.public)), key, kid=kid, typ=None)

    assert segments(token)[0] == {"alg": "ES256", "kid": kid}
    assert verify_vc_jwt(token, LOCAL).verification_method == kid


def test_kid_resolves_through_the_callers_resolver_for_did_web() -> None:
    did = "did:web:badges.example.org"
    key = ED_KEY.with_ids(f"{did}#key-1", did)
    document = build_did_document(did, [("key-1", key.public)])
    resolver = LocalResolver(documents=lambda d: document if d == did else None)

    result = verify_vc_jwt(sign_vc_jwt(make_credential(did), key), resolver)

    assert result.resolved is not None
    assert (result.resolved.source, result.resolved.controller) == ("did:web", did)


def test_signing_matches_the_independent_digital_bazaar_signer_byte_for_byte() -> None:
    key = KeyPair.from_export(json.loads((FIXTURES / "indep-xverify-key-seed42.json").read_text()))
    credential = json.loads((FIXTURES / "indep-unsigned-ob3.json").read_text())
    credential["issuer"]["id"] = key.controller

    token = sign_vc_jwt(credential, key, vc_claim=True)

    assert token == (FIXTURES / "indep-xverify-ob3-vcjwt-eddsa.jwt").read_text().strip()


# ---- what the signer refuses ----------------------------------------------------------


def test_signing_needs_a_kid_or_a_jwk() -> None:
    with pytest.raises(InvalidKeyError) as info:
        sign_vc_jwt(make_credential("did:example:issuer"), ED_KEY.with_ids(None, None))
    assert info.value.code == "missing_key_reference"


@pytest.mark.parametrize("typ", ["vc+jwt", "vc+ld+json+jwt", ""])
def test_signing_refuses_a_typ_other_than_jwt(typ: str) -> None:
    with pytest.raises(ProofError) as info:
        sign_vc_jwt(make_credential(ED_ISSUER), ED_KEY, typ=typ)
    assert info.value.code == "jwt_typ_not_allowed"


@pytest.mark.parametrize("member", ["iss", "nbf", "exp", "aud", "vc"])
def test_payload_style_refuses_a_credential_holding_a_reserved_member(member: str) -> None:
    credential = make_credential(ED_ISSUER, **{member: "x"})
    with pytest.raises(MalformedInputError) as info:
        sign_vc_jwt(credential, ED_KEY)
    assert info.value.code == "jwt_reserved_claim"
    assert verify_vc_jwt(sign_vc_jwt(credential, ED_KEY, vc_claim=True), LOCAL).credential == (
        credential
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"issuer": {"type": ["Profile"]}}, "jwt_missing_issuer"),
        ({"validFrom": "2024-03-01T09:30:00"}, "invalid_date_time"),
        ({"validUntil": "next year"}, "invalid_date_time"),
        ({"id": 42}, "invalid_credential"),
        ({"name": "\ud800"}, "invalid_credential"),
        ({"name": float("nan")}, "invalid_credential"),
        ({"name": object()}, "invalid_credential"),
    ],
)
def test_signing_refuses_credentials_it_cannot_express(changes: dict[str, Any], code: str) -> None:
    credential = make_credential(ED_ISSUER, **changes)
    with pytest.raises(MalformedInputError) as info:
        sign_vc_jwt(credential, ED_KEY)
    assert info.value.code == code


def test_payload_style_signing_needs_a_context() -> None:
    credential = make_credential(ED_ISSUER)
    del credential["@context"]
    with pytest.raises(MalformedInputError) as info:
        sign_vc_jwt(credential, ED_KEY)
    assert info.value.code == "jwt_no_credential"


# ---- real-world tokens -------------------------------------------------------------------


def test_independent_eddsa_token_verifies() -> None:
    token = (FIXTURES / "indep-xverify-ob3-vcjwt-eddsa.jwt").read_text()

    result = verify_vc_jwt(token, LOCAL)

    assert (result.alg, result.vc_style) == ("EdDSA", "vc-claim")
    assert result.resolved is not None
    assert result.resolved.controller == result.credential["issuer"]["id"] == result.claims["iss"]
    assert result.credential["id"] == "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002"


@pytest.mark.parametrize(
    ("name", "style", "credential_id"),
    [
        ("validator-baked-png-vcjwt-vcdm2.jwt", "payload", "http://example.com/credentials/3527"),
        ("validator-baked-svg-vcjwt-vcdm2.jwt", "payload", "http://example.com/credentials/3527"),
        ("validator-baked-png-vcjwt-vcdm1.jwt", "vc-claim", "http://example.edu/credentials/3732"),
    ],
)
def test_1edtech_validator_tokens_verify_with_their_header_jwk(
    name: str, style: str, credential_id: str
) -> None:
    result = verify_vc_jwt((FIXTURES / name).read_text(), LOCAL)

    assert (result.alg, result.vc_style, result.verification_method) == ("RS256", style, "jwk")
    assert result.resolved is None
    assert result.credential["id"] == credential_id
    assert "sub" not in result.claims  # the 1EdTech samples omit sub: tolerated
    assert result.claims["aud"] == SUBJECT_DID  # aud is kept as a claim, not compared
    assert not {"iss", "jti", "nbf", "iat", "aud"} & set(result.credential)


def test_1edtech_token_without_kid_or_jwk_cannot_be_checked() -> None:
    error = refused((FIXTURES / "1edtech-ob30-simple.jwt").read_text())

    assert isinstance(error, ResolutionError)
    assert error.code == "jwt_no_key_reference"


def test_1edtech_velocity_token_needs_a_did_method_we_cannot_resolve() -> None:
    error = refused((FIXTURES / "1edtech-ob30-velocity.jwt").read_text())

    assert isinstance(error, ResolutionError)
    assert error.code == "unsupported_did_method"


def test_a_real_token_with_an_edited_payload_fails() -> None:
    token = (FIXTURES / "validator-baked-png-vcjwt-vcdm2.jwt").read_text().strip()
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["name"] = "Teamwork Badge (gold)"

    error = refused(f"{header}.{b64json(claims)}.{signature}")

    assert isinstance(error, SignatureError)


# ---- algorithm refusals -----------------------------------------------------------------


def test_alg_none_is_refused() -> None:
    spy = SpyResolver()
    error = refused(forge({"alg": "none", "kid": ED_KEY.id}, ed_payload(), None), spy)

    assert isinstance(error, ProofError)
    assert error.code == "jwt_alg_not_allowed"
    assert spy.calls == []


@pytest.mark.parametrize("secret", ["jwk-json", "pem", "der"])
def test_hs256_signed_with_the_public_key_as_hmac_secret_is_refused(
    rsa_key: KeyPair, secret: str
) -> None:
    """The classic confusion: a verifier that lets the token pick the algorithm
    would check this HMAC with the (public) RSA key as the secret, and accept it."""
    public = rsa_key.public
    key_bytes = {
        "jwk-json": json.dumps(public.to_jwk()).encode(),
        "pem": public.to_pem().encode(),
        "der": public.key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),
    }[secret]
    spy = SpyResolver()
    token = forge(
        {"alg": "HS256", "jwk": public.to_jwk()},
        ed_payload(),
        lambda data: hmac.new(key_bytes, data, hashlib.sha256).digest(),
    )

    error = refused(token, spy)

    assert isinstance(error, ProofError)
    assert error.code == "jwt_alg_not_allowed"
    assert spy.calls == []


def test_hs256_with_a_did_key_kid_and_the_ed25519_key_as_secret_is_refused() -> None:
    secret = ED_KEY.public.raw_ed25519()
    token = forge(
        {"alg": "HS256", "kid": ED_KEY.id},
        ed_payload(),
        lambda data: hmac.new(secret, data, hashlib.sha256).digest(),
    )

    assert refused(token).code == "jwt_alg_not_allowed"


@pytest.mark.parametrize(
    "alg",
    ["HS512", "PS256", "ES384", "ES512", "RS512", "ES256K", "Ed25519", "eddsa", "EdDSA ", "", 7],
)
def test_algorithms_outside_eddsa_es256_rs256_are_refused(alg: Any) -> None:
    error = refused(forge({"alg": alg, "kid": ED_KEY.id}, ed_payload()))

    assert isinstance(error, ProofError)
    assert error.code == "jwt_alg_not_allowed"


def test_a_header_without_alg_is_refused() -> None:
    assert refused(forge({"kid": ED_KEY.id}, ed_payload())).code == "jwt_alg_not_allowed"


def test_alg_must_match_the_key_type(p256_key: KeyPair) -> None:
    token = forge({"alg": "ES256", "kid": ED_KEY.id}, ed_payload(), p256_key)

    error = refused(token)

    assert isinstance(error, ProofError)
    assert error.code == "jwt_alg_key_mismatch"


def test_rs256_header_with_an_ed25519_jwk_is_refused() -> None:
    token = forge({"alg": "RS256", "jwk": ED_KEY.public.to_jwk()}, ed_payload())

    assert refused(token).code == "jwt_alg_key_mismatch"


# ---- header refusals ---------------------------------------------------------------------


@pytest.mark.parametrize("member", ["x5u", "x5c", "jku", "cty", "b64", "zip", "iss", "nonce"])
def test_header_members_other_than_alg_kid_jwk_typ_are_refused(member: str) -> None:
    error = refused(forge(ed_header(**{member: "x"}), ed_payload()))

    assert isinstance(error, ProofError)
    assert error.code == "jwt_header_not_allowed"


def test_crit_is_always_refused() -> None:
    error = refused(forge(ed_header(crit=["b64"], b64=False), ed_payload()))

    assert error.code == "jwt_header_not_allowed"
    assert "crit" in error.message


@pytest.mark.parametrize("member", ["d", "p", "q", "dp", "dq", "qi", "oth", "k"])
def test_a_header_jwk_with_private_members_is_refused(rsa_key: KeyPair, member: str) -> None:
    jwk = {**rsa_key.public.to_jwk(), member: rsa_key.private_jwk().get(member, "AQAB")}
    token = forge({"alg": "RS256", "jwk": jwk}, ed_payload(), rsa_key)

    error = refused(token)

    assert isinstance(error, InvalidKeyError)
    assert error.code == "jwk_has_private_key"


@pytest.mark.parametrize("typ", ["vc+jwt", "vc+ld+json+jwt", "JOSE", "application/jwt", "", 1])
def test_typ_other_than_jwt_is_refused(typ: Any) -> None:
    error = refused(forge(ed_header(typ=typ), ed_payload()))

    assert isinstance(error, ProofError)
    assert error.code == "jwt_typ_not_allowed"


@pytest.mark.parametrize("typ", ["jwt", "Jwt"])
def test_typ_jwt_is_compared_case_insensitively(typ: str) -> None:
    assert verify_vc_jwt(forge(ed_header(typ=typ), ed_payload()), LOCAL).header["typ"] == typ


def test_a_token_with_neither_kid_nor_jwk_cannot_be_checked() -> None:
    error = refused(forge({"alg": "EdDSA", "typ": "JWT"}, ed_payload()))

    assert isinstance(error, ResolutionError)
    assert error.code == "jwt_no_key_reference"


def test_a_jwk_that_is_not_the_kid_key_is_refused() -> None:
    token = forge(ed_header(jwk=OTHER_ED_KEY.public.to_jwk()), ed_payload(), OTHER_ED_KEY)

    error = refused(token)

    assert isinstance(error, ProofError)
    assert error.code == "jwt_key_mismatch"


@pytest.mark.parametrize(
    ("member", "value", "code"),
    [
        ("kid", "", "malformed_jwt"),
        ("kid", 5, "malformed_jwt"),
        ("kid", None, "malformed_jwt"),
        ("jwk", "AQAB", "invalid_jwk"),
        ("jwk", None, "invalid_jwk"),
        ("jwk", {"kty": "oct"}, "unsupported_key"),
    ],
)
def test_kid_and_jwk_of_the_wrong_shape_are_refused(member: str, value: Any, code: str) -> None:
    error = refused(forge({"alg": "EdDSA", member: value}, ed_payload()))

    assert error.code == code


def test_resolver_errors_propagate() -> None:
    token = forge(ed_header(kid="did:web:unknown.example.org#key-1"), ed_payload())

    error = refused(token)

    assert isinstance(error, ResolutionError)
    assert error.code == "unsupported_did_method"


# ---- signature refusals ---------------------------------------------------------------------


def test_a_tampered_payload_fails_the_signature() -> None:
    token = sign_vc_jwt(make_credential(ED_ISSUER), ED_KEY)
    header, _, signature = token.split(".")
    payload = ed_payload(name="Badge « Esprit d'équipe » (or)")

    error = refused(f"{header}.{b64json(payload)}.{signature}")

    assert isinstance(error, SignatureError)
    assert error.code == "invalid_signature"


def test_a_tampered_signature_fails() -> None:
    token = sign_vc_jwt(make_credential(ED_ISSUER), ED_KEY)
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[10] ^= 0x01

    assert refused(f"{header}.{payload}.{b64(bytes(raw))}").code == "invalid_signature"


def test_a_signature_by_another_key_fails() -> None:
    assert refused(forge(ed_header(), ed_payload(), OTHER_ED_KEY)).code == "invalid_signature"


@pytest.mark.parametrize("signature", [b"", b"\x00" * 63, b"\x00" * 65])
def test_a_signature_of_the_wrong_length_fails(signature: bytes) -> None:
    assert refused(forge(ed_header(), ed_payload(), lambda _: signature)).code == (
        "invalid_signature"
    )


# ---- claims must agree with the credential ---------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("iss", "did:example:someone-else"),
        ("jti", "urn:uuid:00000000-0000-0000-0000-000000000000"),
        ("sub", "did:example:another-learner"),
        ("nbf", int(datetime(2024, 3, 1, 9, 30, 1, tzinfo=UTC).timestamp())),
        ("exp", int(datetime(2030, 3, 1, 9, 30, tzinfo=UTC).timestamp())),
    ],
)
def test_each_claim_must_agree_with_the_credential(claim: str, value: Any) -> None:
    error = refused(forge(ed_header(), ed_payload(**{claim: value})))

    assert isinstance(error, ProofError)
    assert error.code == "jwt_claims_mismatch"
    assert claim in error.message


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("iss", "did:example:someone-else"),
        ("nbf", int(datetime(2024, 3, 2, 9, 30, tzinfo=UTC).timestamp())),
        ("exp", int(datetime(2029, 3, 2, 9, 30, tzinfo=UTC).timestamp())),
    ],
)
def test_vc_claim_tokens_compare_with_issuance_and_expiration_dates(claim: str, value: Any) -> None:
    credential = make_vcdm1_credential(ED_ISSUER)
    _, payload = segments(sign_vc_jwt(credential, ED_KEY, vc_claim=True))
    payload[claim] = value

    error = refused(forge(ed_header(), payload))

    assert error.code == "jwt_claims_mismatch"
    assert claim in error.message


def test_nbf_is_compared_at_second_precision() -> None:
    payload = ed_payload(validFrom="2024-03-01T09:30:00.750Z")
    payload["nbf"] += 0.5  # a fractional NumericDate is allowed

    assert verify_vc_jwt(forge(ed_header(), payload), LOCAL).credential["validFrom"] == (
        "2024-03-01T09:30:00.750Z"
    )


def test_a_credential_date_that_is_not_a_date_time_fails_the_claim() -> None:
    error = refused(forge(ed_header(), ed_payload(validFrom="1 March 2024")))

    assert error.code == "jwt_claims_mismatch"
    assert "nbf" in error.message


@pytest.mark.parametrize("missing", ["iss", "jti", "sub", "nbf", "exp", "iat"])
def test_missing_claims_are_tolerated(missing: str) -> None:
    payload = ed_payload()
    del payload[missing]

    result = verify_vc_jwt(forge(ed_header(), payload), LOCAL)

    assert missing not in result.claims
    assert result.credential == make_credential(ED_ISSUER)


def test_exp_without_a_credential_expiry_is_kept_for_the_pipeline() -> None:
    payload = ed_payload()
    del payload["validUntil"]

    result = verify_vc_jwt(forge(ed_header(), payload), LOCAL)

    assert result.expires_at == datetime(2029, 3, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("claim", "value"),
    [("iss", 1), ("jti", ["a"]), ("sub", None), ("nbf", "2024"), ("exp", True), ("iat", {})],
)
def test_claims_of_the_wrong_type_are_malformed(claim: str, value: Any) -> None:
    error = refused(forge(ed_header(), ed_payload(**{claim: value})))

    assert isinstance(error, MalformedInputError)
    assert error.code == "malformed_jwt"


# ---- malformed tokens -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_token() -> str:
    return sign_vc_jwt(make_credential(ED_ISSUER), ED_KEY)


def test_surrounding_whitespace_is_ignored(good_token: str) -> None:
    assert verify_vc_jwt(f"\n {good_token}\r\n", LOCAL).credential["name"]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.rsplit(".", 1)[0],  # two parts
        lambda t: t + ".",  # four parts
        lambda t: t + ".a.b",  # five parts (a JWE shape)
        lambda t: t + "==",  # padding
        lambda t: t.replace(".", "=.", 1),  # padding inside
        lambda t: t[:40] + "+" + t[41:],  # standard base64 alphabet
        lambda t: t[:40] + "/" + t[41:],
        lambda t: t[:40] + " " + t[41:],  # whitespace inside
        lambda t: t[:40] + "é" + t[41:],  # non-ASCII
        lambda t: "AAAAA." + t.split(".", 1)[1],  # 4n+1 characters cannot be base64
        lambda t: "",
        lambda t: "..",
    ],
    ids=[
        "two-parts",
        "four-parts",
        "five-parts",
        "trailing-padding",
        "inner-padding",
        "plus",
        "slash",
        "inner-space",
        "non-ascii",
        "impossible-length",
        "empty",
        "empty-parts",
    ],
)
def test_tokens_that_are_not_strict_compact_jws_are_malformed(
    good_token: str, mangle: Callable[[str], str]
) -> None:
    error = refused(mangle(good_token))

    assert isinstance(error, MalformedInputError)
    assert error.code == "malformed_jwt"


def test_a_signature_with_stray_bits_in_its_last_character_is_malformed(good_token: str) -> None:
    # 64 bytes encode to 86 characters; the last one carries 4 unused bits.
    header, payload, signature = good_token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet[alphabet.index(signature[-1]) | 0x01]
    assert base64.urlsafe_b64decode(signature[:-1] + last + "==") == base64.urlsafe_b64decode(
        signature + "=="
    )

    assert refused(f"{header}.{payload}.{signature[:-1]}{last}").code == "malformed_jwt"


def test_an_oversize_token_is_refused_before_parsing(good_token: str) -> None:
    error = refused("e" * (1024 * 1024 + 1))

    assert isinstance(error, LimitExceededError)
    assert error.code == "malformed_jwt"
    assert refused(good_token, max_token_bytes=len(good_token) - 1).code == "malformed_jwt"


def test_a_non_string_token_is_malformed(good_token: str) -> None:
    assert refused(good_token.encode("ascii")).code == "malformed_jwt"


@pytest.mark.parametrize(
    ("header", "payload"),
    [
        (b64(b"{not json"), None),
        (b64(b'["alg","EdDSA"]'), None),
        (b64(b'{"alg":"EdDSA","alg":"none","kid":"x"}'), None),  # duplicate names
        (None, b64(b'{"@context":[],"name":"a","name":"b"}')),
        (None, b64(b'{"@context":[],"n":NaN}')),
        (None, b64(b'{"@context":[],"n":"\\udc00"}')),  # lone surrogate
        (None, b64(b'{"@context":[],"n":"\xff"}')),  # not UTF-8
        (None, b64('{"@context":[]}'.encode("utf-16"))),
        (None, b64(b"[" * 100_000 + b"]" * 100_000)),  # nesting beyond the recursion limit
        (None, b64(b'"a string"')),
        (None, b64(json.dumps(ed_payload()).replace('"nbf": ', '"nbf": 1e400, "x": ').encode())),
    ],
    ids=[
        "header-not-json",
        "header-array",
        "header-duplicate-alg",
        "payload-duplicate-name",
        "payload-nan",
        "payload-lone-surrogate",
        "payload-not-utf8",
        "payload-utf16",
        "payload-deep-nesting",
        "payload-not-object",
        "payload-infinite-nbf",
    ],
)
def test_headers_and_payloads_that_are_not_strict_json_objects_are_malformed(
    header: str | None, payload: str | None
) -> None:
    token = forge(header or b64json(ed_header()), payload or b64json(ed_payload()))

    error = refused(token)

    assert isinstance(error, MalformedInputError)
    assert error.code == "malformed_jwt"


def test_a_valid_surrogate_pair_is_fine() -> None:
    raw = json.dumps(ed_payload(name="PLACEHOLDER")).replace("PLACEHOLDER", "\\ud83e\\udd1d")

    result = verify_vc_jwt(forge(ed_header(), b64(raw.encode())), LOCAL)

    assert result.credential["name"] == "🤝"


def test_a_payload_without_a_credential_is_refused() -> None:
    payload = {"iss": ED_ISSUER, "nbf": 1}

    error = refused(forge(ed_header(), payload))

    assert isinstance(error, MalformedInputError)
    assert error.code == "jwt_no_credential"
    assert refused(forge(ed_header(), {**payload, "vc": "x"})).code == "jwt_no_credential"


def test_a_payload_that_is_both_a_credential_and_a_vc_holder_is_refused() -> None:
    payload = ed_payload(vc=make_credential("did:example:other"))

    assert refused(forge(ed_header(), payload)).code == "jwt_ambiguous_payload"


# ---- the result --------------------------------------------------------------------------------


def test_the_result_is_immutable_and_exposes_header_and_claims(good_token: str) -> None:
    result = verify_vc_jwt(good_token, LOCAL)

    assert isinstance(result, JwtResult)
    with pytest.raises(AttributeError):
        result.alg = "none"  # type: ignore[misc]
    assert result.header == {"alg": "EdDSA", "typ": "JWT", "kid": ED_KEY.id}
    assert set(result.claims) == {"iss", "jti", "sub", "nbf", "iat", "exp"}
    assert result.not_before == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


# ---- properties ----------------------------------------------------------------------------------

TEXT = st.text(max_size=40)
OFFSETS = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
)


@st.composite
def credentials(draw: st.DrawFn) -> dict[str, Any]:
    valid_from = draw(
        st.datetimes(
            min_value=datetime(1950, 1, 1), max_value=datetime(2200, 1, 1), timezones=OFFSETS
        )
    )
    credential = make_credential(ED_ISSUER, name=draw(TEXT), validFrom=valid_from.isoformat())
    if draw(st.booleans()):
        del credential["validUntil"]
    achievement = credential["credentialSubject"]["achievement"]
    achievement["name"] = draw(TEXT)
    achievement["description"] = draw(st.text(max_size=400))
    achievement["tag"] = draw(st.lists(TEXT, max_size=4))
    extensions = draw(st.dictionaries(TEXT, TEXT, max_size=3))
    if extensions:
        credential["ext:extra"] = extensions
    return credential


@settings(max_examples=150, deadline=None)
@given(credential=credentials(), vc_claim=st.booleans())
def test_property_sign_then_verify_returns_the_same_credential(
    credential: dict[str, Any], vc_claim: bool
) -> None:
    original = copy.deepcopy(credential)

    result = verify_vc_jwt(sign_vc_jwt(credential, ED_KEY, vc_claim=vc_claim), LOCAL)

    assert result.credential == original
    assert credential == original  # signing does not mutate its input


@settings(max_examples=300, deadline=None)
@given(credential=credentials(), data=st.data())
def test_property_flipping_any_single_byte_makes_verification_fail(
    credential: dict[str, Any], data: st.DataObject
) -> None:
    token = sign_vc_jwt(credential, ED_KEY, vc_claim=data.draw(st.booleans()))
    raw = bytearray(token.encode("ascii"))
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] ^= data.draw(st.integers(1, 255))

    with pytest.raises(ObcoreError):
        verify_vc_jwt(raw.decode("latin-1"), LOCAL)
