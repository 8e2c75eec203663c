"""DIDs (did:key, did:jwk, did:web), verification methods, and local resolution."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from jwcrypto import jwk as jose_jwk

from obcore import multibase
from obcore.did import (
    DID_CONTEXT,
    JWK_CONTEXT,
    MULTIKEY_CONTEXT,
    build_did_document,
    did_jwk_for,
    did_key_for,
    did_key_vm_id,
    did_web_for_url,
    did_web_to_url,
    find_method,
    is_did,
    jwks,
    method_public_key,
    resolve_did_jwk,
    resolve_did_key,
    split_did_url,
)
from obcore.errors import InvalidKeyError, MalformedInputError, ResolutionError
from obcore.keys import KEY_TYPES, KeyPair, KeyType, PublicKey
from obcore.resolve import LocalResolver

# The published OB 3.0 implementation-guide test key.
SPEC_MULTIKEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
SPEC_DID_KEY = f"did:key:{SPEC_MULTIKEY}"
ISSUER_DID_WEB = "did:web:badges.region.example"
RELYING_PURPOSES = ("assertionMethod", "authentication", "capabilityInvocation")


@pytest.fixture(scope="module")
def one_key_of_each_type() -> dict[KeyType, PublicKey]:
    return {key_type: KeyPair.generate(key_type).public for key_type in KEY_TYPES}


@pytest.fixture(scope="module")
def issuer_document_with_a_retired_key(
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> dict[str, Any]:
    """A did:web document publishing three keys, only ``key-2`` authorised to issue."""
    return build_did_document(
        ISSUER_DID_WEB,
        [
            ("key-1", one_key_of_each_type["ed25519"]),
            ("key-2", one_key_of_each_type["p256"]),
            ("key-3", one_key_of_each_type["rsa"]),
        ],
        assertion=["key-2"],
        also_known_as=["https://badges.region.example"],
    )


def document_with_relative_ids(key: PublicKey) -> dict[str, Any]:
    """A controller document as people write them: relative ``#key`` references."""
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": ISSUER_DID_WEB,
        "verificationMethod": [
            {
                "id": "#signing",
                "type": "Multikey",
                "controller": ISSUER_DID_WEB,
                "publicKeyMultibase": key.to_multibase(),
            }
        ],
        "assertionMethod": ["#signing"],
        "authentication": [
            {
                "id": "#login",
                "type": "Multikey",
                "publicKeyMultibase": key.to_multibase(),
            }
        ],
    }


# ---- DID syntax --------------------------------------------------------------------------


def test_a_did_url_splits_into_the_did_and_its_fragment() -> None:
    assert split_did_url("did:web:a.example#key-1") == ("did:web:a.example", "key-1")
    assert split_did_url("did:web:a.example?versionId=2#k") == ("did:web:a.example", "k")
    assert split_did_url("did:web:a.example") == ("did:web:a.example", None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (SPEC_DID_KEY, True),
        (f"{SPEC_DID_KEY}#{SPEC_MULTIKEY}", True),
        ("did:web:localhost%3A8443:users:alice", True),
        ("https://issuer.example", False),
        ("did:WEB:example.com", False),
        ("did:web:", False),
        ("did:web:exa mple.com", False),
    ],
)
def test_is_did_recognises_the_did_syntax(value: str, expected: bool) -> None:
    assert is_did(value) is expected


# ---- did:key -----------------------------------------------------------------------------


def test_a_did_key_document_has_one_multikey_method_authorised_for_every_purpose() -> None:
    document = resolve_did_key(SPEC_DID_KEY)
    vm_id = f"{SPEC_DID_KEY}#{SPEC_MULTIKEY}"
    assert document == {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": SPEC_DID_KEY,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": SPEC_DID_KEY,
                "publicKeyMultibase": SPEC_MULTIKEY,
            }
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityDelegation": [vm_id],
        "capabilityInvocation": [vm_id],
    }


@pytest.mark.parametrize("key_type", ["ed25519", "p256"])
def test_a_did_key_names_its_key_and_its_method_repeats_the_multikey(
    one_key_of_each_type: dict[KeyType, PublicKey], key_type: KeyType
) -> None:
    key = one_key_of_each_type[key_type]
    did = did_key_for(key)
    assert did == "did:key:" + key.to_multibase()
    assert did.startswith("did:key:z6Mk" if key_type == "ed25519" else "did:key:zDn")
    assert did_key_vm_id(key) == f"{did}#{key.to_multibase()}"
    method = resolve_did_key(did)["verificationMethod"][0]
    assert method_public_key(method).to_jwk() == key.to_jwk()


@pytest.mark.parametrize(
    ("did", "code"),
    [
        ("did:jwk:eyJrdHkiOiJPS1AifQ", "unsupported_did_method"),
        ("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", "invalid_did"),
        ("did:key:z6Mk", "invalid_did"),
        ("did:key:u7QE", "invalid_did"),
    ],
)
def test_a_did_key_that_does_not_hold_a_supported_multikey_is_refused(did: str, code: str) -> None:
    with pytest.raises(ResolutionError) as exc:
        resolve_did_key(did)
    assert exc.value.code == code


# ---- did:jwk -----------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_a_did_jwk_round_trips_to_a_json_web_key_method(
    one_key_of_each_type: dict[KeyType, PublicKey], key_type: KeyType
) -> None:
    key = one_key_of_each_type[key_type]
    did = did_jwk_for(key)
    encoded = did.removeprefix("did:jwk:")
    assert json.loads(multibase.b64url_decode(encoded)) == key.to_jwk()
    document = resolve_did_jwk(did)
    assert document["@context"] == [DID_CONTEXT, JWK_CONTEXT]
    assert document["id"] == did
    (method,) = document["verificationMethod"]
    assert method == {
        "id": f"{did}#0",
        "type": "JsonWebKey",
        "controller": did,
        "publicKeyJwk": key.to_jwk(),
    }
    assert document["assertionMethod"] == [f"{did}#0"]
    assert method_public_key(method).to_jwk() == key.to_jwk()


def test_a_did_jwk_is_the_same_string_for_the_same_key(
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> None:
    key = one_key_of_each_type["p256"]
    assert did_jwk_for(key) == did_jwk_for(PublicKey.from_jwk(dict(reversed(key.to_jwk().items()))))


@pytest.mark.parametrize(
    "encoded_jwk",
    [
        "bm90IGpzb24",  # "not json"
        multibase.b64url_encode(b'{"kty":"OKP","crv":"Ed25519","x":"AAAA"}'),
        multibase.b64url_encode(b'{"kty":"oct","k":"c2VjcmV0"}'),
        "A" * 5000,
    ],
)
def test_a_did_jwk_that_does_not_hold_a_valid_public_jwk_is_refused(encoded_jwk: str) -> None:
    with pytest.raises(ResolutionError) as exc:
        resolve_did_jwk("did:jwk:" + encoded_jwk)
    assert exc.value.code == "invalid_did"


def test_a_did_jwk_holding_a_private_key_is_refused() -> None:
    private = KeyPair.from_ed25519_seed(bytes(32)).private_jwk()
    encoded = multibase.b64url_encode(json.dumps(private).encode())
    with pytest.raises(ResolutionError) as exc:
        resolve_did_jwk("did:jwk:" + encoded)
    assert exc.value.code == "invalid_did"


def test_resolving_a_did_key_as_a_did_jwk_is_refused() -> None:
    with pytest.raises(ResolutionError) as exc:
        resolve_did_jwk(SPEC_DID_KEY)
    assert exc.value.code == "unsupported_did_method"


@pytest.mark.parametrize("spoil", ["junk", "padding"])
def test_a_did_jwk_that_is_not_canonical_base64url_is_refused(spoil: str) -> None:
    encoded = did_jwk_for(KeyPair.from_ed25519_seed(bytes(32)).public).removeprefix("did:jwk:")
    spoiled = encoded[:10] + "!!!!" + encoded[10:] if spoil == "junk" else encoded + "===="
    with pytest.raises(ResolutionError):
        resolve_did_jwk("did:jwk:" + spoiled)


# ---- did:web -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        (
            "did:web:w3c-ccg.github.io:user:alice",
            "https://w3c-ccg.github.io/user/alice/did.json",
        ),
        ("did:web:example.com%3A3000", "https://example.com:3000/.well-known/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
        ("did:web:example.com:caf%C3%A9", "https://example.com/caf%C3%A9/did.json"),
    ],
)
def test_a_did_web_maps_to_the_https_url_of_its_document(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


@pytest.mark.parametrize(
    "did",
    [
        "did:web:",
        "did:web::path",
        "did:web:exa mple.com",
        "did:web:user@evil.example",
        "did:web:evil.example%2Fpath",
        "did:web:example.com%3A",
        "did:web:example.com%3Ahttp",
        "did:web:example.com:..:secret",
        "did:web:example.com:.",
        "did:web:example.com::alice",
        "did:web:example.com:a%2Fb",
    ],
)
def test_a_did_web_with_an_invalid_host_or_path_is_refused(did: str) -> None:
    with pytest.raises(ResolutionError) as exc:
        did_web_to_url(did)
    assert exc.value.code == "invalid_did"


def test_only_a_did_web_maps_to_a_url() -> None:
    with pytest.raises(ResolutionError) as exc:
        did_web_to_url(SPEC_DID_KEY)
    assert exc.value.code == "unsupported_did_method"


@pytest.mark.parametrize(
    ("base_url", "did"),
    [
        ("https://badges.region.example", "did:web:badges.region.example"),
        ("https://badges.region.example/", "did:web:badges.region.example"),
        ("https://host.example:8443/a/b", "did:web:host.example%3A8443:a:b"),
        ("https://host.example/issuers/occitanie/", "did:web:host.example:issuers:occitanie"),
    ],
)
def test_a_service_base_url_names_its_did_web_and_maps_back(base_url: str, did: str) -> None:
    assert did_web_for_url(base_url) == did
    document_url = did_web_to_url(did)
    assert document_url.startswith(base_url.rstrip("/") + "/")
    assert document_url.endswith("did.json")


def test_a_relative_base_url_has_no_did_web() -> None:
    with pytest.raises(MalformedInputError) as exc:
        did_web_for_url("/issuers/1")
    assert exc.value.code == "invalid_url"


# ---- documents this service publishes --------------------------------------------------


def test_a_published_did_document_lists_every_key_and_authorises_only_the_chosen_ones(
    issuer_document_with_a_retired_key: dict[str, Any],
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> None:
    document = issuer_document_with_a_retired_key
    assert document["id"] == ISSUER_DID_WEB
    assert document["@context"] == [DID_CONTEXT, MULTIKEY_CONTEXT, JWK_CONTEXT]
    methods = {m["id"]: m for m in document["verificationMethod"]}
    assert list(methods) == [f"{ISSUER_DID_WEB}#key-{i}" for i in (1, 2, 3)]
    assert all(m["controller"] == ISSUER_DID_WEB for m in methods.values())
    assert methods[f"{ISSUER_DID_WEB}#key-1"]["type"] == "Multikey"
    assert methods[f"{ISSUER_DID_WEB}#key-2"]["publicKeyMultibase"].startswith("zDn")
    assert methods[f"{ISSUER_DID_WEB}#key-3"] == {
        "id": f"{ISSUER_DID_WEB}#key-3",
        "type": "JsonWebKey",
        "controller": ISSUER_DID_WEB,
        "publicKeyJwk": one_key_of_each_type["rsa"].to_jwk(),
    }
    assert document["assertionMethod"] == [f"{ISSUER_DID_WEB}#key-2"]
    assert document["alsoKnownAs"] == ["https://badges.region.example"]


def test_every_published_key_is_authorised_to_issue_by_default(
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> None:
    document = build_did_document(
        ISSUER_DID_WEB,
        [("a", one_key_of_each_type["ed25519"]), ("b", one_key_of_each_type["p256"])],
    )
    assert document["assertionMethod"] == [f"{ISSUER_DID_WEB}#a", f"{ISSUER_DID_WEB}#b"]
    assert JWK_CONTEXT not in document["@context"]
    assert "alsoKnownAs" not in document


def test_a_retired_key_stays_verifiable_but_is_not_authorised_to_issue(
    issuer_document_with_a_retired_key: dict[str, Any],
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> None:
    retired = f"{ISSUER_DID_WEB}#key-1"
    method, authorised = find_method(issuer_document_with_a_retired_key, retired)
    assert not authorised
    assert method_public_key(method).to_jwk() == one_key_of_each_type["ed25519"].to_jwk()
    _, current_authorised = find_method(
        issuer_document_with_a_retired_key, f"{ISSUER_DID_WEB}#key-2"
    )
    assert current_authorised


def test_a_jwks_lists_each_key_with_kid_alg_and_use(
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> None:
    keys = [(f"k-{t}", one_key_of_each_type[t]) for t in KEY_TYPES]
    result = jwks(keys)
    assert [(k["kid"], k["alg"], k["use"]) for k in result["keys"]] == [
        ("k-ed25519", "EdDSA", "sig"),
        ("k-p256", "ES256", "sig"),
        ("k-rsa", "RS256", "sig"),
    ]
    for (_, key), entry in zip(keys, result["keys"], strict=True):
        public = {k: v for k, v in entry.items() if k not in ("kid", "alg", "use")}
        assert public == key.to_jwk()
        assert "d" not in entry


def test_a_jwks_keeps_the_order_of_its_keys_and_jwcrypto_reads_it_back(
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> None:
    keys = [(f"k-{t}", one_key_of_each_type[t]) for t in reversed(KEY_TYPES)]
    result = jwks(keys)
    assert [k["kid"] for k in result["keys"]] == ["k-rsa", "k-p256", "k-ed25519"]
    keyset = jose_jwk.JWKSet.from_json(json.dumps(result))
    for kid, key in keys:
        (found,) = keyset.get_keys(kid)
        assert not found.has_private
        assert found.thumbprint() == key.thumbprint()


# ---- finding verification methods -------------------------------------------------------


def test_a_relative_method_id_is_found_by_its_absolute_id_with_the_document_as_controller(
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> None:
    document = document_with_relative_ids(one_key_of_each_type["ed25519"])
    method, authorised = find_method(document, f"{ISSUER_DID_WEB}#signing")
    assert authorised
    assert method["id"] == f"{ISSUER_DID_WEB}#signing"
    assert method["controller"] == ISSUER_DID_WEB


def test_a_method_embedded_under_a_purpose_is_found_and_gets_the_document_as_controller(
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> None:
    document = document_with_relative_ids(one_key_of_each_type["ed25519"])
    method, authorised = find_method(document, f"{ISSUER_DID_WEB}#login", "authentication")
    assert authorised
    assert method["controller"] == ISSUER_DID_WEB
    _, for_assertion = find_method(document, f"{ISSUER_DID_WEB}#login")
    assert not for_assertion


@pytest.mark.parametrize("purpose", ["capabilityInvocation", "keyAgreement", "authentication"])
def test_a_method_is_not_authorised_for_a_purpose_that_does_not_list_it(
    one_key_of_each_type: dict[KeyType, PublicKey], purpose: str
) -> None:
    document = document_with_relative_ids(one_key_of_each_type["ed25519"])
    method, authorised = find_method(document, f"{ISSUER_DID_WEB}#signing", purpose)
    assert method["id"] == f"{ISSUER_DID_WEB}#signing"
    assert not authorised


def test_a_purpose_given_as_a_single_string_is_honoured(
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> None:
    document = {**document_with_relative_ids(one_key_of_each_type["ed25519"])}
    document["assertionMethod"] = "#signing"
    _, authorised = find_method(document, f"{ISSUER_DID_WEB}#signing")
    assert authorised


def test_a_method_absent_from_the_document_is_not_found(
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> None:
    document = document_with_relative_ids(one_key_of_each_type["ed25519"])
    with pytest.raises(ResolutionError) as exc:
        find_method(document, f"{ISSUER_DID_WEB}#elsewhere")
    assert exc.value.code == "verification_method_not_found"


def test_a_relative_id_is_not_matched_against_another_did(
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> None:
    document = document_with_relative_ids(one_key_of_each_type["ed25519"])
    with pytest.raises(ResolutionError):
        find_method(document, "did:web:attacker.example#signing")


# ---- the key of a verification method ----------------------------------------------------


@pytest.mark.parametrize("key_type", ["ed25519", "p256"])
def test_a_multikey_method_yields_its_key(
    one_key_of_each_type: dict[KeyType, PublicKey], key_type: KeyType
) -> None:
    key = one_key_of_each_type[key_type]
    method = {"type": "Multikey", "publicKeyMultibase": key.to_multibase()}
    assert method_public_key(method).to_jwk() == key.to_jwk()


def test_an_ed25519_verification_key_2020_method_yields_its_key() -> None:
    method = {"type": "Ed25519VerificationKey2020", "publicKeyMultibase": SPEC_MULTIKEY}
    assert method_public_key(method).to_multibase() == SPEC_MULTIKEY


def test_an_ed25519_verification_key_2020_holding_a_p256_key_is_refused(
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> None:
    method = {
        "type": "Ed25519VerificationKey2020",
        "publicKeyMultibase": one_key_of_each_type["p256"].to_multibase(),
    }
    with pytest.raises(InvalidKeyError) as exc:
        method_public_key(method)
    assert exc.value.code == "invalid_key"


@pytest.mark.parametrize("method_type", ["JsonWebKey", "JsonWebKey2020", ["JsonWebKey"]])
@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_a_json_web_key_method_yields_its_key(
    one_key_of_each_type: dict[KeyType, PublicKey], key_type: KeyType, method_type: Any
) -> None:
    key = one_key_of_each_type[key_type]
    method = {"type": method_type, "publicKeyJwk": key.to_jwk()}
    assert method_public_key(method).to_jwk() == key.to_jwk()


def test_a_json_web_key_method_with_private_material_is_refused() -> None:
    method = {
        "type": "JsonWebKey",
        "publicKeyJwk": KeyPair.from_ed25519_seed(bytes(32)).private_jwk(),
    }
    with pytest.raises(InvalidKeyError) as exc:
        method_public_key(method)
    assert exc.value.code == "jwk_has_private_key"


@pytest.mark.parametrize(
    "method",
    [
        {"type": "EcdsaSecp256k1VerificationKey2019", "publicKeyMultibase": SPEC_MULTIKEY},
        {"type": "Multikey", "publicKeyJwk": {"kty": "OKP"}},
        {"type": "JsonWebKey", "publicKeyMultibase": SPEC_MULTIKEY},
        {"type": "Multikey"},
        {"publicKeyMultibase": SPEC_MULTIKEY},
    ],
)
def test_a_method_of_an_unsupported_type_or_without_its_key_member_is_refused(
    method: Mapping[str, Any],
) -> None:
    with pytest.raises(InvalidKeyError) as exc:
        method_public_key(method)
    assert exc.value.code == "unsupported_verification_method"


# ---- LocalResolver -------------------------------------------------------------------------


def test_the_local_resolver_resolves_a_did_key_method_with_its_fragment() -> None:
    vm_id = f"{SPEC_DID_KEY}#{SPEC_MULTIKEY}"
    resolved = LocalResolver()(vm_id)
    assert resolved.id == vm_id
    assert resolved.controller == SPEC_DID_KEY
    assert resolved.key.to_multibase() == SPEC_MULTIKEY
    assert resolved.authorised
    assert resolved.source == "did:key"


def test_the_local_resolver_resolves_a_bare_did_key_to_its_one_key_and_says_so() -> None:
    resolved = LocalResolver()(SPEC_DID_KEY)
    assert resolved.id == SPEC_DID_KEY
    assert resolved.controller == SPEC_DID_KEY
    assert resolved.key.to_multibase() == SPEC_MULTIKEY
    assert resolved.authorised
    assert resolved.source == "did:key-bare"


def test_a_bare_did_key_can_be_refused() -> None:
    with pytest.raises(ResolutionError) as exc:
        LocalResolver(allow_bare_did_key=False)(SPEC_DID_KEY)
    assert exc.value.code == "bare_did_key_method"


def test_a_did_key_fragment_naming_another_key_is_not_found() -> None:
    with pytest.raises(ResolutionError) as exc:
        LocalResolver()(f"{SPEC_DID_KEY}#key-1")
    assert exc.value.code == "verification_method_not_found"


@pytest.mark.parametrize("purpose", RELYING_PURPOSES)
def test_a_did_key_is_authorised_for_every_verification_relationship(purpose: str) -> None:
    assert LocalResolver()(f"{SPEC_DID_KEY}#{SPEC_MULTIKEY}", purpose).authorised


@pytest.mark.parametrize("with_fragment", [True, False])
def test_the_local_resolver_resolves_a_did_jwk_with_or_without_its_fragment(
    one_key_of_each_type: dict[KeyType, PublicKey], with_fragment: bool
) -> None:
    key = one_key_of_each_type["p256"]
    did = did_jwk_for(key)
    resolved = LocalResolver()(f"{did}#0" if with_fragment else did)
    assert resolved.controller == did
    assert resolved.key.to_jwk() == key.to_jwk()
    assert resolved.authorised
    assert resolved.source == "did:jwk"


def test_the_local_resolver_looks_other_dids_up_in_the_documents_it_is_given(
    issuer_document_with_a_retired_key: dict[str, Any],
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> None:
    asked: list[str] = []

    def documents(url: str) -> Mapping[str, Any] | None:
        asked.append(url)
        return issuer_document_with_a_retired_key if url == ISSUER_DID_WEB else None

    resolver = LocalResolver(documents=documents)
    current = resolver(f"{ISSUER_DID_WEB}#key-2")
    assert asked == [ISSUER_DID_WEB]
    assert current.source == "did:web"
    assert current.controller == ISSUER_DID_WEB
    assert current.authorised
    assert current.key.to_jwk() == one_key_of_each_type["p256"].to_jwk()
    assert not resolver(f"{ISSUER_DID_WEB}#key-1").authorised


def test_a_controller_document_at_an_https_url_resolves_with_the_document_source(
    one_key_of_each_type: dict[KeyType, PublicKey],
) -> None:
    url = "https://issuer.example/keys"
    document = {
        "id": url,
        "verificationMethod": [
            {
                "id": f"{url}#1",
                "type": "Multikey",
                "controller": "https://issuer.example",
                "publicKeyMultibase": one_key_of_each_type["ed25519"].to_multibase(),
            }
        ],
        "assertionMethod": [f"{url}#1"],
    }
    resolved = LocalResolver(documents=lambda u: document if u == url else None)(f"{url}#1")
    assert resolved.source == "document"
    assert resolved.controller == "https://issuer.example"


def test_a_key_in_a_url_fragment_is_used_only_when_the_convention_is_enabled() -> None:
    vm_id = f"https://example.edu/issuers/565049#{SPEC_MULTIKEY}"
    with pytest.raises(ResolutionError) as exc:
        LocalResolver()(vm_id)
    assert exc.value.code == "unresolvable_verification_method"
    resolved = LocalResolver(allow_fragment_multikey=True)(vm_id)
    assert resolved.source == "fragment"
    assert resolved.controller == "https://example.edu/issuers/565049"
    assert resolved.key.to_multibase() == SPEC_MULTIKEY


def test_a_url_fragment_that_is_not_a_multikey_is_refused_even_with_the_convention() -> None:
    with pytest.raises(ResolutionError) as exc:
        LocalResolver(allow_fragment_multikey=True)("https://example.edu/issuers/1#zzzz")
    assert exc.value.code == "invalid_verification_method"


def test_the_fragment_convention_never_applies_to_a_did() -> None:
    with pytest.raises(ResolutionError) as exc:
        LocalResolver(allow_fragment_multikey=True)(f"did:example:123#{SPEC_MULTIKEY}")
    assert exc.value.code == "unsupported_did_method"


@pytest.mark.parametrize(
    "vm_id",
    ["did:example:123#key-1", "did:web:issuer.example#key-1", "did:velocity:v2:0x4a#key-1"],
)
def test_a_did_method_that_cannot_be_resolved_locally_is_unsupported(vm_id: str) -> None:
    with pytest.raises(ResolutionError) as exc:
        LocalResolver(documents=lambda _: None)(vm_id)
    assert exc.value.code == "unsupported_did_method"


@pytest.mark.parametrize("vm_id", ["", None, 42])
def test_a_missing_verification_method_is_reported_as_missing(vm_id: Any) -> None:
    with pytest.raises(ResolutionError) as exc:
        LocalResolver()(vm_id)
    assert exc.value.code == "missing_verification_method"


# ---- memoised local resolution ---------------------------------------------------------------


def test_a_did_key_method_resolved_again_is_the_same_immutable_result() -> None:
    key = KeyPair.from_ed25519_seed(bytes([77]) * 32).public
    resolver = LocalResolver()
    first = resolver(did_key_vm_id(key))
    again = LocalResolver()(did_key_vm_id(key))
    assert again is first
    assert (again.source, again.controller, again.authorised) == ("did:key", did_key_for(key), True)
    assert again.key.same_key(key)


def test_the_memo_keeps_each_purpose_and_the_bare_did_key_apart() -> None:
    key = KeyPair.from_ed25519_seed(bytes([78]) * 32).public
    resolver = LocalResolver()
    assert resolver(did_key_vm_id(key), "assertionMethod").authorised
    assert not resolver(did_key_vm_id(key), "keyAgreement").authorised
    assert resolver(did_key_for(key)).source == "did:key-bare"
    with pytest.raises(ResolutionError) as exc:
        LocalResolver(allow_bare_did_key=False)(did_key_for(key))
    assert exc.value.code == "bare_did_key_method"


def test_a_did_jwk_method_resolved_again_is_the_same_immutable_result() -> None:
    key = KeyPair.from_ed25519_seed(bytes([79]) * 32).public
    first = LocalResolver()(did_jwk_for(key) + "#0")
    assert LocalResolver()(did_jwk_for(key) + "#0") is first
    assert first.key.same_key(key)


def test_an_unresolvable_did_key_fails_every_time() -> None:
    for _ in range(2):
        with pytest.raises(ResolutionError) as exc:
            LocalResolver()("did:key:z6MkINVALID#z6MkINVALID")
        assert exc.value.code == "invalid_did"
