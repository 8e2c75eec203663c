"""Multibase (``z`` base58btc, ``u`` base64url) and the multicodec key prefixes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obcore import multibase
from obcore.errors import MalformedInputError


def test_multicodec_prefixes_are_the_published_varints() -> None:
    # https://github.com/multiformats/multicodec/blob/master/table.csv
    assert bytes.fromhex("ed01") == multibase.ED25519_PUB  # ed25519-pub 0xed
    assert bytes.fromhex("8026") == multibase.ED25519_PRIV  # ed25519-priv 0x1300
    assert bytes.fromhex("8024") == multibase.P256_PUB  # p256-pub 0x1200
    assert bytes.fromhex("8626") == multibase.P256_PRIV  # p256-priv 0x1306


def test_base58btc_keeps_leading_zero_bytes_as_ones() -> None:
    assert multibase.encode_z(b"\x00\x00\x01") == "z112"
    assert multibase.decode_z("z112") == b"\x00\x00\x01"


def test_an_ed25519_multikey_starts_with_z6mk() -> None:
    assert multibase.encode_z(multibase.ED25519_PUB + bytes(32)).startswith("z6Mk")


def test_a_p256_multikey_starts_with_zdn() -> None:
    assert multibase.encode_z(multibase.P256_PUB + b"\x02" + bytes(32)).startswith("zDn")


def test_base64url_multibase_uses_the_url_alphabet_without_padding() -> None:
    encoded = multibase.encode_u(b"\xff\xfe")
    assert encoded == "u__4"
    assert multibase.decode_u(encoded) == b"\xff\xfe"


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=200))
def test_both_encodings_round_trip_any_bytes(data: bytes) -> None:
    assert multibase.decode_z(multibase.encode_z(data)) == data
    assert multibase.decode_u(multibase.encode_u(data)) == data
    assert "=" not in multibase.encode_u(data)


@pytest.mark.parametrize("value", ["u123", "6Mk", "", "Z6Mk"])
def test_decode_z_refuses_a_value_without_the_z_prefix(value: str) -> None:
    with pytest.raises(MalformedInputError) as exc:
        multibase.decode_z(value)
    assert exc.value.code == "malformed_multibase"


def test_decode_z_refuses_a_value_that_is_not_a_string() -> None:
    with pytest.raises(MalformedInputError) as exc:
        multibase.decode_z(123)  # type: ignore[arg-type]
    assert exc.value.code == "malformed_multibase"


@pytest.mark.parametrize("value", ["z0OIl", "z+/", "zé"])
def test_decode_z_refuses_characters_outside_the_base58btc_alphabet(value: str) -> None:
    with pytest.raises(MalformedInputError) as exc:
        multibase.decode_z(value)
    assert exc.value.code == "malformed_multibase"


def test_base58_values_longer_than_any_key_or_signature_are_refused_before_decoding() -> None:
    assert multibase.b58decode("1" * 512) == bytes(512)
    with pytest.raises(MalformedInputError) as exc:
        multibase.b58decode("1" * 513)
    assert exc.value.code == "malformed_multibase"


def test_decode_u_refuses_a_value_without_the_u_prefix() -> None:
    with pytest.raises(MalformedInputError) as exc:
        multibase.decode_u("zabc")
    assert exc.value.code == "malformed_multibase"


@pytest.mark.parametrize("value", ["a", "ab=c"])
def test_base64url_of_impossible_length_or_inner_padding_is_refused(value: str) -> None:
    with pytest.raises(MalformedInputError) as exc:
        multibase.b64url_decode(value)
    assert exc.value.code == "malformed_base64url"


@pytest.mark.parametrize("value", ["!!!!", "QUJD!!!!", "QU+/"])
def test_base64url_refuses_characters_outside_the_url_alphabet(value: str) -> None:
    with pytest.raises(MalformedInputError):
        multibase.b64url_decode(value)
