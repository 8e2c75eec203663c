"""The strict JWS segment parsing of VC-JWT verification, against plain reference rules.

The verifier decodes base64url without re-encoding (checking the stray bits of
the last character instead) and finds duplicate member names in the parse itself
(see :func:`obcore.proofs.vcjwt._json_object`); these tests hold both to plain
reference definitions, on crafted and generated input.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obcore.errors import MalformedInputError
from obcore.proofs.vcjwt import _b64url_decode, _json_object, _parse_date_time

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def reference_b64url(segment: str) -> bytes | None:
    """Unpadded base64url whose decoding re-encodes to the same text, else None."""
    if len(segment) % 4 == 1 or re.fullmatch(r"[A-Za-z0-9_-]*", segment) is None:
        return None
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    return raw if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == segment else None


def decoded(segment: str) -> bytes | None:
    try:
        return _b64url_decode(segment, "payload")
    except MalformedInputError:
        return None


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(B64URL + "+/=. \n*é"), max_size=24))
def test_base64url_decoding_accepts_exactly_the_canonical_unpadded_segments(segment: str) -> None:
    assert decoded(segment) == reference_b64url(segment)


@pytest.mark.parametrize("segment", ["QQ", "QR", "QUI", "QUJ", "QUJD"])
def test_a_segment_is_canonical_only_when_its_stray_bits_are_zero(segment: str) -> None:
    assert decoded(segment) == reference_b64url(segment)


def parsed(text: str) -> dict[str, Any] | None:
    try:
        return _json_object(text.encode("utf-8"), "payload")
    except MalformedInputError:
        return None


@pytest.mark.parametrize(
    "text",
    [
        '{"name":"a","name":"b"}',
        '{"name" : "a", "name" : "b"}',
        '{\n  "name": "a",\n  "name": "b"\n}',
        '{"a":{"name":"x","name":"y"}}',
        '{"na\\u006de":"a","name":"b"}',
        # a string value holding '":' cannot make up for the member the duplicate loses
        '{"name":"a","name":"b","x":"\\":"}',
        '{"name":"a","x":"\\" :","name":"b"}',
        # one name written with a space before ':' would be missed by a bare count
        '{"name" : "a","name":"b","x":"y"}',
    ],
    ids=[
        "compact",
        "spaced",
        "pretty",
        "nested",
        "escaped-name",
        "compensating-value",
        "compensating-spaced-value",
        "one-spaced-name",
    ],
)
def test_duplicate_member_names_are_refused_however_written(text: str) -> None:
    assert parsed(text) is None


@pytest.mark.parametrize(
    "text",
    [
        '{"x":"\\":","y":"a \\": b"}',
        '{"x":"NaN","y":"-Infinity"}',
        '{\n  "a": [1, {"b": "c"}],\n  "d": "e"\n}',
        '{"\\u0061":1,"b":{"\\u0061":2}}',
    ],
    ids=["colon-in-values", "nan-in-strings", "pretty", "same-name-in-two-objects"],
)
def test_json_without_duplicates_is_read_as_written(text: str) -> None:
    assert parsed(text) == json.loads(text)


NAMES = st.sampled_from(["a", "b", "name", "\\u0061", 'x\\":'])
SPACE = st.sampled_from(["", " ", "\n  "])
SCALARS = st.sampled_from(['"v"', '"\\":"', '"NaN"', "1", "true", "null", '" : "'])


@st.composite
def json_object_texts(draw: st.DrawFn, depth: int = 0) -> str:
    members = []
    for name in draw(st.lists(NAMES, max_size=4)):
        value = draw(json_object_texts(depth + 1)) if depth < 2 and draw(st.booleans()) else None
        value = value if value is not None else draw(SCALARS)
        members.append(f'{draw(SPACE)}"{name}"{draw(SPACE)}:{draw(SPACE)}{value}')
    return "{" + ",".join(members) + "}"


def has_duplicates(text: str) -> bool:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({name for name, _ in pairs}) != len(pairs):
            raise ValueError("duplicate")
        return dict(pairs)

    try:
        json.loads(text, object_pairs_hook=no_duplicates)
    except ValueError:
        return True
    return False


@settings(max_examples=400, deadline=None)
@given(json_object_texts())
def test_an_object_is_refused_exactly_when_a_member_name_repeats(text: str) -> None:
    assert (parsed(text) is None) == has_duplicates(text)


def reference_date_time(value: str) -> tuple[int, bool] | None:
    """Seconds since the epoch (fraction cut, leap second → next second, no zone → UTC)."""
    match = re.fullmatch(
        r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?", value
    )
    if match is None:
        return None
    year, month, day, hours, minutes, seconds = (int(part) for part in match.groups()[:6])
    zone = match[8]
    sign = -1 if zone and zone[0] == "-" else 1
    offset = 0 if zone is None or zone in "Zz" else sign * (int(zone[1:3]) * 60 + int(zone[4:]))
    if seconds > 60 or abs(offset) >= 24 * 60:
        return None
    try:
        start = datetime(year, month, day, hours, minutes, min(seconds, 59), tzinfo=UTC)
    except ValueError:
        return None
    epoch = int(start.timestamp()) - offset * 60 + (seconds == 60)
    return epoch, zone is not None


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-15T09:30:00Z",
        "2026-01-15t09:30:00z",
        "2026-01-15T09:30:00z",
        "2026-01-15T09:30:00+02:00",
        "2026-01-15T09:30:00-05:30",
        "2026-01-15T09:30:00.999Z",
        "2026-01-15T09:30:00.1234567+01:00",
        "2026-01-15T09:30:00",
        "2016-12-31T23:59:60Z",
        "2026-01-15T09:30:61Z",
        "2026-01-15T24:00:00Z",
        "2026-02-30T09:30:00Z",
        "2026-01-15T09:30:00+24:00",
        "2026-01-15 09:30:00Z",
    ],
)
def test_credential_dates_read_as_the_reference_reads_them(value: str) -> None:
    assert _parse_date_time(value) == reference_date_time(value)
