"""Bitstring Status List codec (W3C Bitstring Status List v1.0; OB3-NOTES §6)."""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import random
import struct
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obcore.errors import LimitExceededError, MalformedInputError
from obcore.statuslist import (
    DEFAULT_MAX_DECOMPRESSED_BYTES,
    MIN_ENTRIES,
    Bitstring,
    StatusEntry,
    decode,
    encode,
    parse_status_entry,
    random_free_index,
    status_of,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "statuslist"
MIB = 1024 * 1024

# credentialStatus entries of signed vectors in /work/shared/vectors (see MANIFEST.tsv).
VCORE_REVOKED_ENTRY = {  # vcore-v2-ed2020-revoked.json: "revoked (status bit 8 = 1)"
    "id": "https://raw.githubusercontent.com/digitalcredentials/verifier-core/refs/heads/main/src/test-fixtures/status/e5WK8CbZ1GjycuPombrj#8",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListCredential": "https://raw.githubusercontent.com/digitalcredentials/verifier-core/refs/heads/main/src/test-fixtures/status/e5WK8CbZ1GjycuPombrj",
    "statusListIndex": "8",
}
VCORE_VALID_ENTRY = {  # vcore-v2-eddsa-validStatus.json: "valid (status bit 9 = 0)"
    **VCORE_REVOKED_ENTRY,
    "id": VCORE_REVOKED_ENTRY["statusListCredential"] + "#9",
    "statusListIndex": "9",
}
# The DCC list holds 100,000 entries, below the W3C minimum (see the tests below).
DCC_LIST_ENTRIES = 100_000


def _seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible test data, not a secret


def _subject(name: str) -> dict[str, Any]:
    document = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    subject: dict[str, Any] = document["credentialSubject"]
    return subject


def _encoded(raw: bytes, *, prefix: str = "u") -> str:
    return prefix + base64.urlsafe_b64encode(gzip.compress(raw, mtime=0)).rstrip(b"=").decode()


def _b64u(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _entry(index: str | int = "5", **overrides: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": "https://example.org/status/1#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": index,
        "statusListCredential": "https://example.org/status/1",
    }
    entry.update(overrides)
    return entry


def _list_subject(bits: Bitstring, **overrides: object) -> dict[str, object]:
    subject: dict[str, object] = {
        "id": "https://example.org/status/1#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": encode(bits),
    }
    subject.update(overrides)
    return subject


def _gzip_of_zeros(mebibytes: int) -> bytes:
    """A valid GZIP member expanding to ``mebibytes`` MiB of zeros, built in ~1 ms per GiB.

    After a Z_FULL_FLUSH the compressor starts afresh, so every further MiB of
    zeros compresses to the same bytes; the bomb is that block repeated.
    """
    mib = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    compressor.compress(mib)
    compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(mib, crc)
    final_empty_block = b"\x03\x00"
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (mebibytes * MIB) & 0xFFFFFFFF)
    return header + block * mebibytes + final_empty_block + trailer


# --------------------------------------------------------------------------- Bitstring


def test_a_new_list_holds_131072_clear_entries_in_16_kib() -> None:
    bits = Bitstring()

    assert len(bits) == bits.entries == MIN_ENTRIES == 131_072
    assert bits.to_bytes() == bytes(16 * 1024)


def test_index_0_is_the_most_significant_bit_of_byte_0() -> None:
    bits = Bitstring()

    bits.set(0, 1)
    bits.set(7, 1)
    bits.set(8, 1)

    assert bits.to_bytes()[:3] == b"\x81\x80\x00"


def test_setting_an_entry_back_to_zero_clears_only_that_bit() -> None:
    bits = Bitstring()
    bits.set(41, 1)
    bits.set(42, 1)

    bits.set(41, 0)

    assert (bits.get(40), bits.get(41), bits.get(42)) == (0, 0, 1)


def test_the_last_entry_is_addressable_and_the_next_one_is_a_range_error() -> None:
    bits = Bitstring()
    bits.set(MIN_ENTRIES - 1, 1)

    assert bits.get(MIN_ENTRIES - 1) == 1
    assert bits.to_bytes()[-1] == 0x01
    with pytest.raises(MalformedInputError) as excinfo:
        bits.get(MIN_ENTRIES)
    assert excinfo.value.code == "status_index_out_of_range"


def test_a_negative_index_is_a_range_error() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        Bitstring().set(-1, 1)
    assert excinfo.value.code == "status_index_out_of_range"


def test_a_boolean_index_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        Bitstring().get(True)


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_value_is_stored_as_0_or_1(value: bool) -> None:
    bits = Bitstring()

    bits.set(9, value)

    assert bits.get(9) == int(value)


def test_a_non_integer_value_or_size_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        Bitstring().set(9, "1")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Bitstring(float(MIN_ENTRIES))  # type: ignore[arg-type]


def test_bitstrings_compare_by_size_and_content() -> None:
    bits = Bitstring(status_size=2)

    assert bits == Bitstring(status_size=2)
    assert bits != Bitstring()
    assert bits != bits.to_bytes()
    assert bits.status_size == 2
    assert repr(bits) == "Bitstring(entries=131072, status_size=2)"


def test_a_list_below_the_minimum_size_cannot_be_created() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        Bitstring(MIN_ENTRIES - 1)
    assert excinfo.value.code == "status_list_too_small"


def test_a_larger_list_rounds_up_to_whole_bytes() -> None:
    bits = Bitstring(MIN_ENTRIES + 3)

    assert len(bits.to_bytes()) == 16 * 1024 + 1


def test_status_size_2_packs_each_value_msb_first_in_two_bits() -> None:
    bits = Bitstring(status_size=2)

    bits.set(0, 3)
    bits.set(1, 1)
    bits.set(3, 2)

    assert len(bits.to_bytes()) == 2 * 16 * 1024
    assert bits.to_bytes()[0] == 0b11_01_00_10
    assert [bits.get(i) for i in range(4)] == [3, 1, 0, 2]


def test_status_size_3_values_can_straddle_a_byte_boundary() -> None:
    bits = Bitstring(status_size=3)

    bits.set(2, 0b101)  # bits 6, 7 of byte 0 and bit 0 of byte 1

    assert bits.to_bytes()[:2] == bytes([0b0000_0010, 0b1000_0000])
    assert bits.get(2) == 0b101
    assert bits.get(1) == bits.get(3) == 0


def test_a_value_wider_than_status_size_is_refused() -> None:
    bits = Bitstring(status_size=2)

    with pytest.raises(MalformedInputError) as excinfo:
        bits.set(0, 4)
    assert excinfo.value.code == "status_value_out_of_range"


@pytest.mark.parametrize("status_size", [0, -1, 33, 2.0, "2", True])
def test_status_size_must_be_an_integer_between_1_and_32(status_size: Any) -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        Bitstring(status_size=status_size)
    assert excinfo.value.code == "status_size_invalid"


# --------------------------------------------------------------------------- encode / decode


def test_encoding_is_gzip_then_multibase_base64url_without_padding() -> None:
    bits = Bitstring()
    bits.set(3, 1)

    encoded = encode(bits)

    assert encoded.startswith("uH4sI")  # 'u' + base64url of the 1f 8b 08 GZIP magic
    assert not set(encoded) & set("=+/")
    compressed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert gzip.decompress(compressed) == bits.to_bytes()


def test_encoding_is_deterministic() -> None:
    first, second = Bitstring(), Bitstring()
    first.set(1000, 1)
    second.set(1000, 1)

    assert encode(first) == encode(second) == encode(first)


def test_encode_then_decode_preserves_every_set_entry() -> None:
    rng = _seeded(20240515)
    bits = Bitstring()
    revoked = set(rng.sample(range(MIN_ENTRIES), 500))
    for index in revoked:
        bits.set(index, 1)

    decoded = decode(encode(bits))

    assert decoded == bits
    assert {i for i in range(MIN_ENTRIES) if decoded.get(i)} == revoked


def test_encode_then_decode_with_status_size_2() -> None:
    bits = Bitstring(status_size=2)
    bits.set(12_345, 2)

    decoded = decode(encode(bits), status_size=2)

    assert decoded.get(12_345) == 2
    assert decoded == bits


def test_encode_refuses_a_list_below_the_minimum() -> None:
    small = Bitstring.from_bytes(bytes(100), min_entries=0)

    with pytest.raises(MalformedInputError) as excinfo:
        encode(small)
    assert excinfo.value.code == "status_list_too_small"


def test_a_bitstring_status_list_needs_the_multibase_prefix() -> None:
    encoded = encode(Bitstring())

    with pytest.raises(MalformedInputError) as excinfo:
        decode(encoded[1:])
    assert excinfo.value.code == "status_list_malformed"


def test_multibase_base64url_with_padding_is_tolerated() -> None:
    raw = bytes(16 * 1024)
    padded = "u" + base64.urlsafe_b64encode(gzip.compress(raw, mtime=0)).decode()

    assert decode(padded).to_bytes() == raw


@pytest.mark.parametrize(
    "encode_base64",
    [
        pytest.param(base64.b64encode, id="standard-alphabet-padded"),
        pytest.param(lambda b: base64.urlsafe_b64encode(b).rstrip(b"="), id="url-alphabet-bare"),
    ],
)
def test_a_status_list_2021_encoded_list_is_plain_base64(encode_base64: Any) -> None:
    raw = bytearray(16 * 1024)
    raw[0] = 0xFB  # make the base64 text vary
    encoded = encode_base64(gzip.compress(bytes(raw), mtime=0)).decode()

    assert decode(encoded, multibase=False).to_bytes() == bytes(raw)


def test_a_multibase_prefix_is_tolerated_on_a_status_list_2021() -> None:
    # GZIP always encodes to text starting with 'H', so a leading 'u' is a prefix.
    assert decode(encode(Bitstring()), multibase=False) == Bitstring()


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(
            "u" + base64.urlsafe_b64encode(zlib.compress(bytes(16384))).decode(), id="zlib"
        ),
        pytest.param("u" + base64.urlsafe_b64encode(bytes(16384)).decode(), id="raw-bytes"),
        pytest.param("uH4sI" + "A" * 4, id="truncated-header"),
        pytest.param("u!!!!", id="not-base64"),
        pytest.param("uH4sI AAAA", id="whitespace"),
        pytest.param("uA", id="impossible-length"),
        pytest.param("", id="empty"),
        pytest.param("zH4sIAAAA", id="other-multibase"),
    ],
)
def test_garbage_is_refused_as_a_malformed_list(encoded: str) -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        decode(encoded)
    assert excinfo.value.code == "status_list_malformed"


def test_truncated_gzip_data_is_refused() -> None:
    compressed = gzip.compress(bytes(16 * 1024), mtime=0)
    encoded = "u" + base64.urlsafe_b64encode(compressed[:-10]).decode()

    with pytest.raises(MalformedInputError) as excinfo:
        decode(encoded)
    assert excinfo.value.code == "status_list_malformed"


def test_a_gzip_crc_mismatch_is_refused() -> None:
    compressed = bytearray(gzip.compress(bytes(16 * 1024), mtime=0))
    compressed[-8] ^= 0xFF  # first byte of the CRC-32 trailer
    encoded = "u" + base64.urlsafe_b64encode(bytes(compressed)).decode()

    with pytest.raises(MalformedInputError) as excinfo:
        decode(encoded)
    assert excinfo.value.code == "status_list_malformed"


def test_trailing_bytes_after_the_gzip_stream_are_refused() -> None:
    compressed = gzip.compress(bytes(16 * 1024), mtime=0) + b"junk"
    encoded = "u" + base64.urlsafe_b64encode(compressed).decode()

    with pytest.raises(MalformedInputError) as excinfo:
        decode(encoded)
    assert excinfo.value.code == "status_list_malformed"


def test_concatenated_gzip_members_form_one_list() -> None:
    # RFC 1952 §2.2: a GZIP file is a series of members.
    compressed = gzip.compress(b"\x80" + bytes(8191), mtime=0) + gzip.compress(bytes(8192))
    encoded = "u" + base64.urlsafe_b64encode(compressed).decode()

    bits = decode(encoded)

    assert len(bits) == MIN_ENTRIES
    assert bits.get(0) == 1


@pytest.mark.parametrize("value", [None, 42, b"uH4sI"])
def test_an_encoded_list_that_is_not_a_string_is_refused(value: Any) -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        decode(value)
    assert excinfo.value.code == "status_list_malformed"


def test_a_list_shorter_than_131072_entries_is_a_length_error() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        decode(_encoded(bytes(16 * 1024 - 1)))
    assert excinfo.value.code == "status_list_too_small"
    assert "STATUS_LIST_LENGTH_ERROR" in str(excinfo.value)


def test_with_status_size_2_a_16_kib_list_holds_too_few_entries() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        decode(_encoded(bytes(16 * 1024)), status_size=2)
    assert excinfo.value.code == "status_list_too_small"


def test_the_gzip_bomb_builder_makes_valid_gzip() -> None:
    assert gzip.decompress(_gzip_of_zeros(3)) == bytes(3 * MIB)


def test_a_gzip_bomb_is_refused_without_inflating_it() -> None:
    bomb = "u" + base64.urlsafe_b64encode(_gzip_of_zeros(1024)).decode()  # 1 GiB of zeros
    assert len(bomb) < 2 * MIB

    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError) as excinfo:
            decode(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert excinfo.value.code == "status_list_too_large"
    assert isinstance(excinfo.value, MalformedInputError)
    # Copies of the ~1.4 MB text and its decoding, plus at most the 16 MiB cap: not 1 GiB.
    assert peak < DEFAULT_MAX_DECOMPRESSED_BYTES + 8 * MIB


def test_the_decompression_cap_is_configurable_and_inclusive() -> None:
    encoded = _encoded(bytes(16 * 1024))

    assert len(decode(encoded, max_decompressed_bytes=16 * 1024)) == MIN_ENTRIES
    with pytest.raises(LimitExceededError) as excinfo:
        decode(encoded, max_decompressed_bytes=16 * 1024 - 1)
    assert excinfo.value.code == "status_list_too_large"


def test_an_encoded_list_too_long_for_the_cap_is_refused_before_decoding() -> None:
    with pytest.raises(LimitExceededError) as excinfo:
        decode("u" + "A" * 200_000, max_decompressed_bytes=16 * 1024)
    assert excinfo.value.code == "status_list_too_large"


# --------------------------------------------------------------------------- published lists


def test_1edtech_validator_list_has_bit_23_set_and_its_neighbours_clear() -> None:
    bits = decode(_subject("validator-bitstring-status-list-credential.json")["encodedList"])

    assert len(bits) == MIN_ENTRIES
    assert [bits.get(i) for i in range(20, 27)] == [0, 0, 0, 1, 0, 0, 0]
    assert sum(bin(byte).count("1") for byte in bits.to_bytes()) == 1


def test_1edtech_validator_list_survives_a_decode_encode_round_trip() -> None:
    bits = decode(_subject("validator-bitstring-status-list-credential.json")["encodedList"])

    assert decode(encode(bits)) == bits


def test_w3c_example_list_is_131072_clear_entries() -> None:
    bits = decode(_subject("bitstring-status-list-credential-example.json")["encodedList"])

    assert bits.to_bytes() == bytes(16 * 1024)


def test_dcc_list_of_100000_entries_is_refused_at_the_default_minimum() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        decode(_subject("dcc-statuslist-e5WK8CbZ1GjycuPombrj.json")["encodedList"])
    assert excinfo.value.code == "status_list_too_small"


def test_dcc_list_read_leniently_has_bits_2_6_and_8_set() -> None:
    encoded = _subject("dcc-statuslist-e5WK8CbZ1GjycuPombrj.json")["encodedList"]

    bits = decode(encoded, min_entries=DCC_LIST_ENTRIES)

    assert len(bits) == DCC_LIST_ENTRIES
    assert [i for i in range(DCC_LIST_ENTRIES) if bits.get(i)] == [2, 6, 8]


def test_vcore_revoked_vector_reads_1_at_index_8() -> None:
    subject = _subject("dcc-statuslist-e5WK8CbZ1GjycuPombrj.json")

    assert status_of(VCORE_REVOKED_ENTRY, subject, min_entries=DCC_LIST_ENTRIES) == 1


def test_vcore_valid_status_vector_reads_0_at_index_9() -> None:
    subject = _subject("dcc-statuslist-e5WK8CbZ1GjycuPombrj.json")

    assert status_of(VCORE_VALID_ENTRY, subject, min_entries=DCC_LIST_ENTRIES) == 0


def test_1edtech_revoked_credential_with_an_integer_index_reads_1() -> None:
    credential = json.loads(
        (FIXTURES / "validator-bitstring-status-revoked.json").read_text(encoding="utf-8")
    )
    entry = credential["credentialStatus"]
    assert entry["statusListIndex"] == 23  # a JSON number, not the string the spec asks for

    subject = _subject("validator-bitstring-status-list-credential.json")

    assert status_of(entry, subject) == 1


def test_w3c_entries_example_parses_to_revocation_and_suspension_entries() -> None:
    credential = json.loads(
        (FIXTURES / "bitstring-status-entries-example.json").read_text(encoding="utf-8")
    )

    entries = [parse_status_entry(entry) for entry in credential["credentialStatus"]]

    assert entries == [
        StatusEntry(
            type="BitstringStatusListEntry",
            purpose="revocation",
            index=94567,
            size=1,
            list_credential="https://example.com/credentials/status/3",
        ),
        StatusEntry(
            type="BitstringStatusListEntry",
            purpose="suspension",
            index=23452,
            size=1,
            list_credential="https://example.com/credentials/status/4",
        ),
    ]


# --------------------------------------------------------------------------- status_of


def test_status_of_reads_a_set_and_a_clear_entry() -> None:
    bits = Bitstring()
    bits.set(5, 1)
    subject = _list_subject(bits)

    assert status_of(_entry("5"), subject) == 1
    assert status_of(_entry("6"), subject) == 0


def test_a_suspension_entry_against_a_revocation_list_is_a_purpose_mismatch() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        status_of(_entry(statusPurpose="suspension"), _list_subject(Bitstring()))
    assert excinfo.value.code == "status_purpose_mismatch"


def test_a_list_may_declare_several_purposes() -> None:
    bits = Bitstring()
    bits.set(5, 1)
    subject = _list_subject(bits, statusPurpose=["revocation", "suspension"])

    assert status_of(_entry(statusPurpose="suspension"), subject) == 1


def test_an_index_past_the_end_of_the_list_is_a_range_error() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        status_of(_entry(str(MIN_ENTRIES)), _list_subject(Bitstring()))
    assert excinfo.value.code == "status_index_out_of_range"


def test_an_absurdly_long_index_is_a_range_error_not_a_crash() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        status_of(_entry("9" * 5000), _list_subject(Bitstring()))
    assert excinfo.value.code == "status_index_out_of_range"


@pytest.mark.parametrize(
    "index",
    ["-1", "+5", " 5", "5 ", "5.0", "0x10", "1e3", "\u0661\u0662", "", True, 5.0, None, -3, [5]],
)
def test_an_index_that_is_not_a_base_10_integer_is_refused(index: Any) -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        status_of(_entry(index), _list_subject(Bitstring()))
    assert excinfo.value.code == "status_index_invalid"


def test_a_status_list_2021_entry_reads_an_unprefixed_list() -> None:
    raw = bytearray(16 * 1024)
    raw[1] = 0x40  # index 9
    subject = {
        "type": "StatusList2021",
        "statusPurpose": "revocation",
        "encodedList": base64.b64encode(gzip.compress(bytes(raw))).decode(),
    }
    entry = _entry(9, type="StatusList2021Entry")

    assert status_of(entry, subject) == 1
    assert status_of({**entry, "statusListIndex": "8"}, subject) == 0


def test_an_entry_type_must_match_the_list_type() -> None:
    entry = _entry(type="StatusList2021Entry")

    with pytest.raises(MalformedInputError) as excinfo:
        status_of(entry, _list_subject(Bitstring()))
    assert excinfo.value.code == "status_list_type_mismatch"


@pytest.mark.parametrize("entry_type", [None, {"@id": "BitstringStatusListEntry"}])
def test_an_entry_without_a_usable_type_is_unsupported(entry_type: object) -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        parse_status_entry(_entry(type=entry_type))
    assert excinfo.value.code == "status_type_unsupported"


def test_an_entry_type_may_be_an_array() -> None:
    entry = parse_status_entry(_entry(type=["BitstringStatusListEntry"]))

    assert entry.type == "BitstringStatusListEntry"


def test_another_credential_status_type_is_unsupported() -> None:
    entry = {
        "id": "https://example.edu/credentials/3732/revocations",
        "type": "1EdTechRevocationList",
    }

    with pytest.raises(MalformedInputError) as excinfo:
        status_of(entry, _list_subject(Bitstring()))
    assert excinfo.value.code == "status_type_unsupported"


@pytest.mark.parametrize("missing", ["statusPurpose", "statusListCredential", "statusListIndex"])
def test_an_entry_missing_a_required_property_is_malformed(missing: str) -> None:
    entry = _entry()
    del entry[missing]

    with pytest.raises(MalformedInputError) as excinfo:
        parse_status_entry(entry)
    assert excinfo.value.code == "status_entry_malformed"


def test_entry_and_list_must_agree_on_status_size() -> None:
    bits = Bitstring(status_size=2)
    subject = _list_subject(bits, statusSize=2)

    with pytest.raises(MalformedInputError) as excinfo:
        status_of(_entry(statusSize=1), subject)
    assert excinfo.value.code == "status_size_mismatch"


def test_a_two_bit_entry_returns_its_two_bit_value() -> None:
    bits = Bitstring(status_size=2)
    bits.set(5, 2)
    subject = _list_subject(bits, statusPurpose="message")

    assert status_of(_entry(statusSize=2, statusPurpose="message"), subject) == 2


@pytest.mark.parametrize("size", [0, "2", True, 2.0])
def test_a_status_size_that_is_not_a_positive_integer_is_refused(size: Any) -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        parse_status_entry(_entry(statusSize=size))
    assert excinfo.value.code == "status_size_invalid"


def test_a_list_subject_without_an_encoded_list_is_malformed() -> None:
    subject = _list_subject(Bitstring())
    del subject["encodedList"]

    with pytest.raises(MalformedInputError) as excinfo:
        status_of(_entry(), subject)
    assert excinfo.value.code == "status_list_malformed"


# --------------------------------------------------------------------------- random_free_index


def test_random_indexes_are_never_reused_and_do_not_follow_issuance_order() -> None:
    rng = _seeded(7)
    used: set[int] = set()

    issued = []
    for _ in range(2000):
        index = random_free_index(used, MIN_ENTRIES, rng)
        assert 0 <= index < MIN_ENTRIES
        assert index not in used
        used.add(index)
        issued.append(index)

    assert len(set(issued)) == 2000
    assert issued != sorted(issued)


def test_the_only_free_index_of_a_nearly_full_list_is_found() -> None:
    size = 5000
    used = set(range(size)) - {4321}

    assert random_free_index(used, size, _seeded(1)) == 4321


def test_a_nearly_full_list_still_picks_uniformly_among_free_indexes() -> None:
    size = 2000
    free = {3, 1500, 1999}
    used = set(range(size)) - free
    rng = _seeded(3)

    picks = {random_free_index(used, size, rng) for _ in range(60)}

    assert picks == free


def test_a_full_list_raises_status_list_full() -> None:
    with pytest.raises(LimitExceededError) as excinfo:
        random_free_index(set(range(100)), 100, _seeded(0))
    assert excinfo.value.code == "status_list_full"


def test_any_container_of_used_indexes_works() -> None:
    assert random_free_index(range(999), 1000, _seeded(0)) == 999


def test_the_default_generator_is_the_system_csprng() -> None:
    index = random_free_index(set(), MIN_ENTRIES)

    assert 0 <= index < MIN_ENTRIES


@pytest.mark.parametrize("size", [0, -5])
def test_a_list_size_must_be_positive(size: int) -> None:
    with pytest.raises(ValueError, match="size"):
        random_free_index(set(), size)


# --------------------------------------------------------------------------- properties


@settings(max_examples=25, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=MIN_ENTRIES - 1), max_size=50))
def test_any_set_of_revoked_indexes_survives_encoding(revoked: set[int]) -> None:
    bits = Bitstring()
    for index in revoked:
        bits.set(index, 1)

    decoded = decode(encode(bits))

    assert decoded == bits
    assert all(decoded.get(index) == 1 for index in revoked)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200).map(_b64u)))
def test_arbitrary_encoded_lists_fail_only_with_malformed_input(encoded: str) -> None:
    with contextlib.suppress(MalformedInputError):
        decode(encoded)
