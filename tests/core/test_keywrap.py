"""Private keys at rest are sealed with AES-256-GCM under the key-encryption key."""

from __future__ import annotations

import json

import pytest

from obcore import keywrap
from obcore.errors import InvalidKeyError
from obcore.keys import KeyPair


@pytest.fixture
def kek() -> bytes:
    return keywrap.parse_kek(keywrap.new_kek())


@pytest.mark.parametrize("key_type", ["ed25519", "p256", "rsa"])
def test_a_sealed_key_opens_to_the_same_key(kek: bytes, key_type: str) -> None:
    pair = KeyPair.generate(key_type).with_ids("did:example:1#k", "did:example:1")  # type: ignore[arg-type]
    opened = keywrap.unseal_keypair(keywrap.seal_keypair(pair, kek), kek)
    assert opened.public.to_jwk() == pair.public.to_jwk()
    assert opened.id == "did:example:1#k"


def test_the_sealed_form_holds_no_key_material_in_clear(kek: bytes) -> None:
    pair = KeyPair.generate()
    sealed = json.dumps(keywrap.seal_keypair(pair, kek))
    secret = pair.export()["secretKeyMultibase"]
    assert secret not in sealed
    assert pair.public.to_multibase() not in sealed


def test_a_wrong_kek_is_refused_by_fingerprint(kek: bytes) -> None:
    sealed = keywrap.seal_keypair(KeyPair.generate(), kek)
    other = keywrap.parse_kek(keywrap.new_kek())
    with pytest.raises(InvalidKeyError) as caught:
        keywrap.unseal_keypair(sealed, other)
    assert caught.value.code == "wrong_kek"


def test_a_tampered_ciphertext_is_refused(kek: bytes) -> None:
    sealed = keywrap.seal_keypair(KeyPair.generate(), kek)
    ct = sealed["ciphertext"]
    sealed["ciphertext"] = ct[:10] + ("A" if ct[10] != "A" else "B") + ct[11:]
    with pytest.raises(InvalidKeyError) as caught:
        keywrap.unseal_keypair(sealed, kek)
    assert caught.value.code == "key_decryption_failed"


def test_the_purpose_binding_cannot_be_changed(kek: bytes) -> None:
    sealed = keywrap.seal_keypair(KeyPair.generate(), kek)
    sealed["aad"] = "something-else"
    with pytest.raises(InvalidKeyError):
        keywrap.unseal_keypair(sealed, kek)


@pytest.mark.parametrize("text", ["", "short", "!!!!", "A" * 44, "a" * 64])
def test_a_malformed_kek_is_refused_without_echoing_it(text: str) -> None:
    with pytest.raises(InvalidKeyError) as caught:
        keywrap.parse_kek(text)
    assert caught.value.code == "invalid_kek"
    if text:
        assert text not in caught.value.message


def test_a_secret_sealed_for_one_purpose_cannot_be_opened_as_another() -> None:
    kek = bytes(range(32))
    sealed = keywrap.seal_text("whsec_abc", kek, keywrap.SECRET_PURPOSE)

    assert keywrap.unseal_text(sealed, kek, keywrap.SECRET_PURPOSE) == "whsec_abc"
    with pytest.raises(InvalidKeyError) as caught:
        keywrap.unseal_text(sealed, kek, keywrap.PII_PURPOSE)
    assert caught.value.code == "wrong_purpose"


def test_derived_keys_differ_per_purpose_and_keyed_hashes_are_stable() -> None:
    kek = bytes(range(32))
    one = keywrap.derive_key(kek, "lookup")

    assert one != keywrap.derive_key(kek, "other") != kek
    assert keywrap.keyed_hash(one, "a@b.fr") == keywrap.keyed_hash(one, "a@b.fr")
    assert keywrap.keyed_hash(one, "a@b.fr") != keywrap.keyed_hash(
        keywrap.derive_key(bytes(32), "lookup"), "a@b.fr"
    )
