"""Signing keys: Ed25519 (Multikey), P-256 and RSA (JWK), and the key file format."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwk as jose_jwk

from obcore import multibase
from obcore.did import did_key_for
from obcore.errors import InvalidKeyError
from obcore.keys import JWS_ALG, KEY_TYPES, KeyPair, KeyType, PublicKey, private_from_jwk

VECTORS = Path(__file__).parent.parent / "fixtures" / "vectors"
SPEC = Path(__file__).parent.parent / "fixtures" / "spec"
DIGITAL_BAZAAR_KEY_FILE = VECTORS / "aux" / "indep-xverify-key-seed42.json"
DIGITAL_BAZAAR_DID = "did:key:z6Mksjm1puegvWqoRsYxu9Xz4Snu1WLHFce8FGEVKhWEtoX4"
MESSAGE = "Badge « Esprit d'équipe » décerné".encode()


@pytest.fixture(scope="module")
def one_key_of_each_type() -> dict[KeyType, KeyPair]:
    """Generated once: RSA key generation is slow."""
    return {key_type: KeyPair.generate(key_type) for key_type in KEY_TYPES}


@pytest.fixture(scope="module")
def rsa_key_of_1024_bits() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - must be refused


def ed25519_key_from_seed(byte: int) -> KeyPair:
    return KeyPair.from_ed25519_seed(bytes([byte]) * 32)


# ---- generate, sign, verify ------------------------------------------------------------


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_each_key_type_signs_and_its_public_key_verifies(
    one_key_of_each_type: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    key = one_key_of_each_type[key_type]
    assert key.type == key_type
    signature = key.sign(MESSAGE)
    assert key.public.verify(signature, MESSAGE)
    assert key.public.verify(signature, MESSAGE, alg=JWS_ALG[key_type])


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_a_signature_over_other_data_does_not_verify(
    one_key_of_each_type: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    key = one_key_of_each_type[key_type]
    assert not key.public.verify(key.sign(MESSAGE), MESSAGE + b".")


@pytest.mark.parametrize("key_type", ["ed25519", "p256"])
def test_a_signature_by_another_key_of_the_same_type_does_not_verify(
    one_key_of_each_type: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    key = one_key_of_each_type[key_type]
    other = ed25519_key_from_seed(7) if key_type == "ed25519" else KeyPair.generate("p256")
    assert not other.public.verify(key.sign(MESSAGE), MESSAGE)


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_verification_refuses_an_algorithm_that_does_not_suit_the_key(
    one_key_of_each_type: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    key = one_key_of_each_type[key_type]
    signature = key.sign(MESSAGE)
    for alg in {"EdDSA", "ES256", "RS256", "HS256", "none"} - {JWS_ALG[key_type]}:
        assert not key.public.verify(signature, MESSAGE, alg=alg)


def test_the_jws_algorithm_follows_the_key_type(
    one_key_of_each_type: dict[KeyType, KeyPair],
) -> None:
    algs = {t: (k.jws_alg, k.public.jws_alg) for t, k in one_key_of_each_type.items()}
    assert algs == {
        "ed25519": ("EdDSA", "EdDSA"),
        "p256": ("ES256", "ES256"),
        "rsa": ("RS256", "RS256"),
    }


def test_an_es256_signature_is_the_raw_64_byte_r_s_form(
    one_key_of_each_type: dict[KeyType, KeyPair],
) -> None:
    key = one_key_of_each_type["p256"]
    signature = key.sign(MESSAGE)
    assert len(signature) == 64
    assert not key.public.verify(signature[:63], MESSAGE)


def test_an_ed25519_signature_is_deterministic_and_64_bytes() -> None:
    key = ed25519_key_from_seed(1)
    assert key.sign(MESSAGE) == key.sign(MESSAGE)
    assert len(key.sign(MESSAGE)) == 64


def test_an_unknown_key_type_cannot_be_generated() -> None:
    with pytest.raises(InvalidKeyError) as exc:
        KeyPair.generate("secp256k1")  # type: ignore[arg-type]
    assert exc.value.code == "unsupported_key"


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_an_ed25519_seed_must_be_32_bytes(length: int) -> None:
    with pytest.raises(InvalidKeyError) as exc:
        KeyPair.from_ed25519_seed(bytes(length))
    assert exc.value.code == "invalid_key"


def test_an_ed25519_public_key_must_be_32_bytes() -> None:
    with pytest.raises(InvalidKeyError) as exc:
        PublicKey.from_ed25519_bytes(bytes(31))
    assert exc.value.code == "invalid_key"


def test_the_ed25519_seed_is_read_back_unchanged() -> None:
    seed = bytes(range(32))
    assert KeyPair.from_ed25519_seed(seed).ed25519_seed() == seed


@pytest.mark.parametrize("key_type", ["p256", "rsa"])
def test_only_an_ed25519_key_has_a_seed_and_raw_public_bytes(
    one_key_of_each_type: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    key = one_key_of_each_type[key_type]
    with pytest.raises(InvalidKeyError) as seed_exc:
        key.ed25519_seed()
    with pytest.raises(InvalidKeyError) as raw_exc:
        key.public.raw_ed25519()
    assert seed_exc.value.code == raw_exc.value.code == "wrong_key_type"


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_the_public_key_exports_as_pem(
    one_key_of_each_type: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    assert one_key_of_each_type[key_type].public.to_pem().startswith("-----BEGIN PUBLIC KEY-----")


# ---- Multikey ---------------------------------------------------------------------------


def test_an_ed25519_public_key_is_a_z6mk_multikey_that_decodes_to_the_same_key() -> None:
    key = ed25519_key_from_seed(3)
    encoded = key.public.to_multibase()
    assert encoded.startswith("z6Mk")
    assert len(multibase.decode_z(encoded)) == 34
    decoded = PublicKey.from_multibase(encoded)
    assert decoded.type == "ed25519"
    assert decoded.raw_ed25519() == key.public.raw_ed25519()
    assert decoded.verify(key.sign(MESSAGE), MESSAGE)


def test_a_p256_public_key_is_a_zdn_multikey_of_the_compressed_point(
    one_key_of_each_type: dict[KeyType, KeyPair],
) -> None:
    key = one_key_of_each_type["p256"]
    encoded = key.public.to_multibase()
    assert encoded.startswith("zDn")
    raw = multibase.decode_z(encoded)
    assert raw[:2] == multibase.P256_PUB
    assert len(raw) == 35
    assert raw[2] in (2, 3)
    decoded = PublicKey.from_multibase(encoded)
    assert decoded.type == "p256"
    assert decoded.to_jwk() == key.public.to_jwk()
    assert decoded.verify(key.sign(MESSAGE), MESSAGE)


def test_an_rsa_key_has_no_multikey_form(one_key_of_each_type: dict[KeyType, KeyPair]) -> None:
    with pytest.raises(InvalidKeyError) as exc:
        one_key_of_each_type["rsa"].public.to_multibase()
    assert exc.value.code == "wrong_key_type"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (multibase.ED25519_PUB + bytes(31), "Ed25519 key one byte short"),
        (multibase.ED25519_PUB + bytes(33), "Ed25519 key one byte long"),
        (multibase.P256_PUB + b"\x02" + bytes(31), "P-256 point one byte short"),
        (multibase.ED25519_PRIV + bytes(32), "a secret-key prefix"),
        (b"\xe7\x01" + b"\x02" + bytes(32), "a secp256k1 prefix"),
        (bytes(34), "no prefix at all"),
    ],
)
def test_a_multikey_with_a_wrong_prefix_or_length_is_refused(raw: bytes, why: str) -> None:
    with pytest.raises(InvalidKeyError) as exc:
        PublicKey.from_multibase(multibase.encode_z(raw))
    assert exc.value.code == "invalid_multikey", why


def test_a_p256_multikey_that_is_not_a_curve_point_is_refused() -> None:
    with pytest.raises(InvalidKeyError) as exc:
        PublicKey.from_multibase(multibase.encode_z(multibase.P256_PUB + b"\x05" + bytes(32)))
    assert exc.value.code == "invalid_multikey"


@pytest.mark.parametrize("value", ["u7QE", "z0OIl", "", "6MkjZRZv3aez3r18pB1RBFJR1kwUV"])
def test_a_multikey_that_is_not_base58btc_multibase_is_refused(value: str) -> None:
    with pytest.raises(InvalidKeyError) as exc:
        PublicKey.from_multibase(value)
    assert exc.value.code == "invalid_multikey"


def test_the_published_ob3_test_vector_multikey_decodes_to_its_published_bytes() -> None:
    vector = json.loads((SPEC / "ob3" / "spec-test-vector-keypair.json").read_text())
    key = PublicKey.from_multibase(vector["publicKeyMultibase"])
    assert key.raw_ed25519().hex() == vector["publicKeyHex"]


# ---- JWK ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_a_public_jwk_round_trips(
    one_key_of_each_type: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    key = one_key_of_each_type[key_type]
    jwk = key.public.to_jwk()
    back = PublicKey.from_jwk(jwk)
    assert back.type == key_type
    assert back.to_jwk() == jwk
    assert back.verify(key.sign(MESSAGE), MESSAGE)


def test_the_public_jwk_members_are_those_of_rfc_8037_and_rfc_7518(
    one_key_of_each_type: dict[KeyType, KeyPair],
) -> None:
    jwks = {t: k.public.to_jwk() for t, k in one_key_of_each_type.items()}
    assert set(jwks["ed25519"]) == {"kty", "crv", "x"}
    assert (jwks["ed25519"]["kty"], jwks["ed25519"]["crv"]) == ("OKP", "Ed25519")
    assert set(jwks["p256"]) == {"kty", "crv", "x", "y"}
    assert (jwks["p256"]["kty"], jwks["p256"]["crv"]) == ("EC", "P-256")
    assert len(multibase.b64url_decode(jwks["p256"]["x"])) == 32
    assert len(multibase.b64url_decode(jwks["p256"]["y"])) == 32
    assert set(jwks["rsa"]) == {"kty", "n", "e"}
    assert jwks["rsa"]["e"] == "AQAB"


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_a_private_jwk_round_trips_to_the_same_signing_key(
    one_key_of_each_type: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    key = one_key_of_each_type[key_type]
    back = private_from_jwk(key.private_jwk())
    assert back.type == key_type
    assert back.private_jwk() == key.private_jwk()
    assert key.public.verify(back.sign(MESSAGE), MESSAGE)


@pytest.mark.parametrize("key_type", KEY_TYPES)
@pytest.mark.parametrize("member", ["d", "p", "q"])
def test_a_public_jwk_carrying_private_material_is_refused(
    one_key_of_each_type: dict[KeyType, KeyPair], key_type: KeyType, member: str
) -> None:
    jwk: dict[str, Any] = {**one_key_of_each_type[key_type].public.to_jwk(), member: "AAAA"}
    with pytest.raises(InvalidKeyError) as exc:
        PublicKey.from_jwk(jwk)
    assert exc.value.code == "jwk_has_private_key"


def test_a_private_jwk_is_refused_where_a_public_one_is_expected(
    one_key_of_each_type: dict[KeyType, KeyPair],
) -> None:
    with pytest.raises(InvalidKeyError) as exc:
        PublicKey.from_jwk(one_key_of_each_type["ed25519"].private_jwk())
    assert exc.value.code == "jwk_has_private_key"


def test_an_rsa_key_of_fewer_than_2048_bits_is_refused_as_public_and_private_jwk(
    rsa_key_of_1024_bits: rsa.RSAPrivateKey,
) -> None:
    weak = KeyPair("rsa", rsa_key_of_1024_bits)
    with pytest.raises(InvalidKeyError) as public_exc:
        PublicKey.from_jwk(weak.public.to_jwk())
    with pytest.raises(InvalidKeyError) as file_exc:
        KeyPair.from_export(weak.export())
    assert public_exc.value.code == file_exc.value.code == "weak_key"


@pytest.mark.parametrize(
    ("jwk", "code"),
    [
        ({"kty": "OKP", "crv": "X25519", "x": "AAAA"}, "unsupported_key"),
        ({"kty": "EC", "crv": "P-384", "x": "AAAA", "y": "AAAA"}, "unsupported_key"),
        ({"kty": "oct", "k": "c2VjcmV0"}, "unsupported_key"),
        ({"crv": "Ed25519", "x": "AAAA"}, "unsupported_key"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}, "invalid_key"),
        ({"kty": "EC", "crv": "P-256", "x": "AQ", "y": "AQ"}, "invalid_jwk"),
        ({"kty": "EC", "crv": "P-256", "x": 1, "y": "AQ"}, "invalid_jwk"),
        ({"kty": "RSA", "e": "AQAB"}, "invalid_jwk"),
    ],
)
def test_a_jwk_of_an_unsupported_kind_or_with_bad_members_is_refused(
    jwk: dict[str, Any], code: str
) -> None:
    with pytest.raises(InvalidKeyError) as exc:
        PublicKey.from_jwk(jwk)
    assert exc.value.code == code


def test_a_jwk_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidKeyError) as exc:
        PublicKey.from_jwk(["kty", "OKP"])  # type: ignore[arg-type]
    assert exc.value.code == "invalid_jwk"


def test_a_private_jwk_whose_secret_does_not_match_its_public_part_is_refused() -> None:
    jwk = {
        **ed25519_key_from_seed(1).private_jwk(),
        "x": ed25519_key_from_seed(2).public.to_jwk()["x"],
    }
    with pytest.raises(InvalidKeyError) as exc:
        private_from_jwk(jwk)
    assert exc.value.code == "invalid_jwk"


# RFC 7638 §3.1: the RSA key of RFC 7517 Appendix A.1 and its published thumbprint.
RFC7638_RSA_JWK = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tS"
    "oc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0"
    "_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4"
    "vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_RSA_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
# RFC 8037 Appendix A.2 / A.3: the Ed25519 public key and its thumbprint.
RFC8037_ED25519_JWK = {
    "kty": "OKP",
    "crv": "Ed25519",
    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
}
RFC8037_ED25519_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


@pytest.mark.parametrize(
    ("jwk", "thumbprint"),
    [
        (RFC7638_RSA_JWK, RFC7638_RSA_THUMBPRINT),
        (RFC8037_ED25519_JWK, RFC8037_ED25519_THUMBPRINT),
    ],
    ids=["rfc7638-rsa", "rfc8037-ed25519"],
)
def test_the_jwk_thumbprint_is_the_published_rfc_value(
    jwk: dict[str, str], thumbprint: str
) -> None:
    key = PublicKey.from_jwk(jwk)
    assert key.thumbprint() == thumbprint
    assert key.thumbprint_uri() == f"urn:ietf:params:oauth:jwk-thumbprint:sha-256:{thumbprint}"


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_the_thumbprint_hashes_the_required_members_in_lexicographic_order(
    one_key_of_each_type: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    public = one_key_of_each_type[key_type].public
    members = json.dumps(public.to_jwk(), sort_keys=True, separators=(",", ":"))
    expected = multibase.b64url_encode(hashlib.sha256(members.encode()).digest())
    assert public.thumbprint() == expected


def test_the_members_of_a_jwk_that_are_not_the_keys_own_are_ignored() -> None:
    key = PublicKey.from_jwk(RFC7638_RSA_JWK)
    assert key.to_jwk() == {"kty": "RSA", "n": RFC7638_RSA_JWK["n"], "e": "AQAB"}


@pytest.mark.parametrize("spoil", ["+", "/", "!"])
def test_a_jwk_member_that_is_not_base64url_is_refused(spoil: str) -> None:
    jwk = {**RFC8037_ED25519_JWK, "x": spoil + RFC8037_ED25519_JWK["x"][1:]}
    with pytest.raises(InvalidKeyError) as exc:
        PublicKey.from_jwk(jwk)
    assert exc.value.code == "invalid_jwk"


@pytest.mark.parametrize(
    "spoil",
    [
        {"n": "AAAA" + RFC7638_RSA_JWK["n"]},  # leading zero octets
        {"e": multibase.b64url_encode(b"\x01" * 9)},  # exponent longer than 8 bytes
    ],
    ids=["n-leading-zeros", "e-too-long"],
)
def test_an_rsa_jwk_with_a_non_minimal_or_oversized_member_is_refused(
    spoil: dict[str, str],
) -> None:
    with pytest.raises(InvalidKeyError) as exc:
        PublicKey.from_jwk({**RFC7638_RSA_JWK, **spoil})
    assert exc.value.code == "invalid_jwk"


def test_an_rsa_jwk_whose_n_has_one_leading_zero_octet_is_the_same_key() -> None:
    signed_n = multibase.b64url_encode(b"\x00" + multibase.b64url_decode(RFC7638_RSA_JWK["n"]))
    key = PublicKey.from_jwk({**RFC7638_RSA_JWK, "n": signed_n})
    assert key.thumbprint() == RFC7638_RSA_THUMBPRINT


def test_the_same_jwk_read_twice_gives_keys_that_verify_alike() -> None:
    pair = ed25519_key_from_seed(7)
    first = PublicKey.from_jwk(pair.public.to_jwk())
    second = PublicKey.from_jwk(dict(pair.public.to_jwk()))
    assert first.same_key(second)
    assert second.verify(pair.sign(MESSAGE), MESSAGE)
    assert not first.same_key(ed25519_key_from_seed(8).public)


def test_the_public_jwk_returned_is_a_copy_the_caller_may_change(
    one_key_of_each_type: dict[KeyType, KeyPair],
) -> None:
    public = one_key_of_each_type["p256"].public
    jwk = public.to_jwk()
    jwk["x"] = "changed"
    assert public.to_jwk()["x"] != "changed"


def test_a_private_rsa_jwk_without_its_crt_members_is_read() -> None:
    pair = KeyPair.generate("rsa")
    full = pair.private_jwk()
    bare = {k: v for k, v in full.items() if k not in ("dp", "dq", "qi")}
    back = private_from_jwk(bare)
    assert back.private_jwk() == full


def test_a_private_rsa_jwk_with_a_wrong_crt_member_is_refused() -> None:
    pair = KeyPair.generate("rsa")
    spoiled = {**pair.private_jwk(), "dp": pair.private_jwk()["dq"]}
    with pytest.raises(InvalidKeyError) as exc:
        private_from_jwk(spoiled)
    assert exc.value.code == "invalid_jwk"


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_jwcrypto_reads_the_exported_jwks_as_the_same_keys(
    one_key_of_each_type: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    pair = one_key_of_each_type[key_type]
    public = jose_jwk.JWK(**pair.public.to_jwk())
    private = jose_jwk.JWK(**pair.private_jwk())
    assert not public.has_private
    assert private.has_private
    assert public.thumbprint() == private.thumbprint() == pair.public.thumbprint()


# ---- the key file -------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_a_key_file_round_trips_for_every_key_type(
    one_key_of_each_type: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    key = one_key_of_each_type[key_type].with_ids(
        "did:web:issuer.example#key-1", "did:web:issuer.example"
    )
    exported = json.loads(key.dumps())
    back = KeyPair.from_export(exported)
    assert back.type == key_type
    assert back.id == "did:web:issuer.example#key-1"
    assert back.controller == "did:web:issuer.example"
    assert back.public.to_jwk() == key.public.to_jwk()
    assert key.public.verify(back.sign(MESSAGE), MESSAGE)
    assert back.export() == exported


def test_an_ed25519_key_file_is_a_multikey_with_seed_and_public_key_secret() -> None:
    key = ed25519_key_from_seed(5)
    exported = key.with_ids("did:key:x#y", "did:key:x").export()
    assert exported["type"] == "Multikey"
    assert exported["id"] == exported["verificationMethod"] == "did:key:x#y"
    assert exported["controller"] == exported["did"] == "did:key:x"
    assert exported["publicKeyMultibase"] == key.public.to_multibase()
    secret = multibase.decode_z(exported["secretKeyMultibase"])
    assert secret == multibase.ED25519_PRIV + key.ed25519_seed() + key.public.raw_ed25519()
    assert "privateKeyJwk" not in exported


@pytest.mark.parametrize("key_type", ["p256", "rsa"])
def test_a_p256_or_rsa_key_file_is_a_json_web_key_with_a_private_jwk(
    one_key_of_each_type: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    exported = one_key_of_each_type[key_type].export()
    assert exported["type"] == "JsonWebKey"
    assert "d" in exported["privateKeyJwk"]
    assert "d" not in exported["publicKeyJwk"]
    assert "secretKeyMultibase" not in exported


def test_an_https_controller_is_not_exported_as_a_did() -> None:
    exported = ed25519_key_from_seed(5).with_ids("https://a.example/k#1", "https://a.example/k")
    assert "did" not in exported.export()


def test_a_key_file_with_the_32_byte_seed_only_secret_is_read() -> None:
    key = ed25519_key_from_seed(9)
    secret = multibase.encode_z(multibase.ED25519_PRIV + key.ed25519_seed())
    assert KeyPair.from_export({"secretKeyMultibase": secret}).ed25519_seed() == key.ed25519_seed()


def test_a_bare_private_jwk_is_read_as_a_key_file(
    one_key_of_each_type: dict[KeyType, KeyPair],
) -> None:
    key = one_key_of_each_type["p256"]
    assert KeyPair.from_export(key.private_jwk()).public.to_jwk() == key.public.to_jwk()


def test_the_digital_bazaar_key_file_reads_as_its_did_key() -> None:
    data = json.loads(DIGITAL_BAZAAR_KEY_FILE.read_text())
    key = KeyPair.from_export(data)
    assert did_key_for(key.public) == DIGITAL_BAZAAR_DID
    assert key.id == f"{DIGITAL_BAZAAR_DID}#{DIGITAL_BAZAAR_DID.removeprefix('did:key:')}"
    assert key.controller == DIGITAL_BAZAAR_DID
    assert key.public.to_jwk() == data["publicKeyJwk"]


def test_the_ob3_test_vector_key_file_holds_the_published_seed() -> None:
    vector = json.loads((SPEC / "ob3" / "spec-test-vector-keypair.json").read_text())
    key = KeyPair.from_export(vector)
    assert (key.ed25519_seed() + key.public.raw_ed25519()).hex() == vector[
        "privateKeyHex_seed_plus_public"
    ]
    assert key.id == vector["verificationMethod"]
    assert key.controller == vector["controller"]


def test_a_key_file_whose_secret_embeds_another_public_key_is_refused() -> None:
    key, other = ed25519_key_from_seed(1), ed25519_key_from_seed(2)
    secret = multibase.encode_z(
        multibase.ED25519_PRIV + key.ed25519_seed() + other.public.raw_ed25519()
    )
    with pytest.raises(InvalidKeyError) as exc:
        KeyPair.from_export({"secretKeyMultibase": secret})
    assert exc.value.code == "invalid_key_file"


@pytest.mark.parametrize("secret_form", ["seed", "seed+public"])
def test_a_key_file_whose_public_key_multibase_is_not_the_secrets_is_refused(
    secret_form: str,
) -> None:
    key, other = ed25519_key_from_seed(1), ed25519_key_from_seed(2)
    exported = key.export()
    if secret_form == "seed":
        exported["secretKeyMultibase"] = multibase.encode_z(
            multibase.ED25519_PRIV + key.ed25519_seed()
        )
    exported["publicKeyMultibase"] = other.public.to_multibase()
    with pytest.raises(InvalidKeyError) as exc:
        KeyPair.from_export(exported)
    assert exc.value.code == "invalid_key_file"


def test_a_key_file_whose_public_jwk_is_not_the_private_jwks_is_refused() -> None:
    key, other = KeyPair.generate("p256"), KeyPair.generate("p256")
    exported = {**key.export(), "publicKeyJwk": other.public.to_jwk()}
    with pytest.raises(InvalidKeyError) as exc:
        KeyPair.from_export(exported)
    assert exc.value.code == "invalid_key_file"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (["not", "an", "object"], "invalid_key_file"),
        (
            {"publicKeyMultibase": "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"},
            "invalid_key_file",
        ),
        (
            {"secretKeyMultibase": multibase.encode_z(multibase.P256_PRIV + bytes(32))},
            "invalid_key_file",
        ),
        (
            {"secretKeyMultibase": multibase.encode_z(multibase.ED25519_PRIV + bytes(40))},
            "invalid_key_file",
        ),
    ],
)
def test_a_key_file_without_a_usable_secret_is_refused(data: Any, code: str) -> None:
    with pytest.raises(InvalidKeyError) as exc:
        KeyPair.from_export(data)
    assert exc.value.code == code


# ---- secrets never shown ----------------------------------------------------------------


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_the_repr_of_a_key_pair_never_shows_secret_material(
    one_key_of_each_type: dict[KeyType, KeyPair], key_type: KeyType
) -> None:
    key = one_key_of_each_type[key_type].with_ids("did:example:123#k", "did:example:123")
    exported = key.export()
    secrets = [key.private_jwk()["d"]]
    if key_type == "ed25519":
        secrets.append(exported["secretKeyMultibase"])
        secrets.append(key.ed25519_seed().hex())
    else:
        secrets.extend(key.private_jwk()[m] for m in ("p", "q") if m in key.private_jwk())
    shown = [repr(key), str(key), f"{key}", repr([key]), repr(key.public)]
    for text in shown:
        for secret in secrets:
            assert secret not in text
    assert repr(key) == f"KeyPair(type={key_type!r}, id='did:example:123#k')"
