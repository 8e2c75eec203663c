"""Baking credentials into PNG and SVG images, and getting them back out.

Pure and bounded: no I/O, every input size and every decompression is capped,
and XML is parsed with defusedxml (no entity declarations, no external
references).

Specifications (summarised in ``OB3-NOTES.md`` §7):

* Open Badges 3.0, "Open Badges Document Formats", *Baked Badge*
  (``ob_v3p0/docformat.md``, anchors ``#png-baking``, ``#png-extracting``,
  ``#svg-baking``): one uncompressed PNG ``iTXt`` chunk with keyword
  ``openbadgecredential``; in SVG, ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"``
  on ``<svg>`` and an ``<openbadges:credential>`` directly after the ``<svg>``
  tag, the compact JWS in ``verify="…"`` or the JSON in a CDATA body. Readers
  take the first occurrence.
* Open Badges 2.0 Baking Specification (``ob_v2p0/baking/index.md``): PNG
  ``iTXt`` keyword ``openbadges`` (older images: ``tEXt``, usually a hosted
  assertion URL); SVG ``<openbadges:assertion>`` in namespace
  ``http://openbadges.org``, with ``verify="JWS-or-URL"`` or a JSON body.
* PNG Specification, Second Edition (https://www.w3.org/TR/2003/REC-PNG-20031110/;
  the OB 3.0 text links its ``#11iTXt`` anchor): §5.2 signature, §5.3 chunk
  layout (length ≤ 2**31-1, CRC-32 over type and data), §5.6 chunk ordering
  (``IHDR`` first, ``IEND`` last), §11.3.4 textual chunks (``#11tEXt``,
  ``#11iTXt``).

Reading rules. When an image carries several payloads, :func:`unbake` returns
the first ``openbadgecredential`` chunk / ``openbadges:credential`` element
(OB 3.0) if there is one, otherwise the first OB 2.0 ``iTXt`` chunk /
``openbadges:assertion`` element, otherwise (PNG only) the first OB 2.0
``tEXt`` chunk. Only that occurrence is decoded; if it is malformed the error
is raised rather than falling back to a later one. SVG elements are matched by
namespace URI, never by prefix.

Writing rules. :func:`bake_png` drops every existing ``openbadgecredential`` /
``openbadges`` text chunk and inserts one uncompressed ``iTXt`` chunk right
before ``IEND``; the other chunks are copied byte for byte (anything after
``IEND`` is dropped). :func:`bake_svg` works on the text, not on a re-serialised
tree, because ElementTree would drop CDATA sections, comments and the
DOCTYPE: the document is first parsed with defusedxml, which both refuses
dangerous constructs and reports the byte offset of every tag; then the
existing ``openbadges:credential`` / ``openbadges:assertion`` elements are cut
out, the namespace declaration is added to (or corrected on) the root start
tag, and the new element is inserted directly after it. Every other byte of
the SVG is left unchanged, and the result is parsed again before it is
returned. Each ``]]>`` in a JSON payload is split across two CDATA sections
(``]]]]><![CDATA[>``), which XML readers join back together.

SVG input must be UTF-8 (or ASCII): byte offsets are spliced directly, so
other declared encodings and UTF-16/32 byte-order marks are refused. A
DOCTYPE is accepted (editors emit the SVG 1.1 one) but an entity declaration
of any kind, internal or external, is refused before anything is expanded.

Error codes: ``image_too_large``, ``png_too_many_chunks`` and
``baked_payload_too_large`` are :class:`~obcore.errors.LimitExceededError`;
``unsupported_image``, ``no_baked_badge``, ``png_malformed``,
``png_crc_mismatch``, ``svg_malformed``, ``svg_forbidden_xml``,
``svg_encoding_unsupported``, ``svg_namespace_conflict``,
``baked_payload_malformed``, ``baked_payload_unrecognized`` and
``baked_payload_invalid`` are :class:`~obcore.errors.MalformedInputError`.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal
from xml.etree.ElementTree import ParseError

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from obcore.errors import LimitExceededError, MalformedInputError
from obcore.inflate import InflateError, TooLargeError, inflate_one

if TYPE_CHECKING:
    from pyexpat import XMLParserType

__all__ = [
    "DEFAULT_MAX_IMAGE_BYTES",
    "DEFAULT_MAX_PAYLOAD_BYTES",
    "DEFAULT_MAX_PNG_CHUNKS",
    "OB2_NAMESPACE",
    "OB3_NAMESPACE",
    "Unbaked",
    "bake",
    "bake_png",
    "bake_svg",
    "unbake",
    "unbake_png",
    "unbake_svg",
]

DEFAULT_MAX_IMAGE_BYTES: Final = 10 * 1024 * 1024
"""Largest image accepted, baked or not (10 MiB)."""

DEFAULT_MAX_PAYLOAD_BYTES: Final = 10 * 1024 * 1024
"""Largest payload, in UTF-8 bytes, after any decompression (10 MiB)."""

DEFAULT_MAX_PNG_CHUNKS: Final = 10_000
"""Largest number of PNG chunks read before giving up."""

OB3_NAMESPACE: Final = "https://purl.imsglobal.org/ob/v3p0"
OB2_NAMESPACE: Final = "http://openbadges.org"
_SVG_NAMESPACE: Final = "http://www.w3.org/2000/svg"

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_OB3_KEYWORD: Final = b"openbadgecredential"
_OB2_KEYWORD: Final = b"openbadges"
_BADGE_KEYWORDS: Final = frozenset({_OB3_KEYWORD, _OB2_KEYWORD})
_TEXT_CHUNKS: Final = frozenset({b"iTXt", b"tEXt", b"zTXt"})
_MAX_CHUNK_LENGTH: Final = 0x7FFFFFFF  # PNG §5.3
_MAX_KEYWORD_LENGTH: Final = 79  # PNG §11.3.4.2

# Inflate in slices this size, so the peak stays near the cap, not twice it.

_UTF8_BOM: Final = b"\xef\xbb\xbf"
_XML_WHITESPACE: Final = b" \t\r\n"
_ACCEPTED_XML_ENCODINGS: Final = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})

_JWS_RE: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_URL_RE: Final = re.compile(r"https?://\S+", re.IGNORECASE)
# Characters XML 1.0 (§2.2 Char) cannot carry, plus lone surrogates.
_NOT_XML_CHAR_RE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Version = Literal["ob3", "ob2"]
PayloadKind = Literal["json", "jws", "url"]
ImageFormat = Literal["png", "svg"]


@dataclass(frozen=True, slots=True)
class Unbaked:
    """What an image carried.

    ``payload`` is the text exactly as baked, without surrounding whitespace.
    ``kind`` is sniffed from it: ``json`` (starts with ``{``), ``jws`` (three
    base64url segments) or ``url`` (an http(s) URL: an OB 2.0 hosted
    assertion). Nothing here has been verified yet.
    """

    version: Version
    payload: str
    kind: PayloadKind
    image_format: ImageFormat


# --------------------------------------------------------------------------- payloads


def _sniff_kind(payload: str) -> PayloadKind:
    if payload.startswith("{"):
        return "json"
    if _JWS_RE.fullmatch(payload):
        return "jws"
    if _URL_RE.fullmatch(payload):
        return "url"
    raise MalformedInputError(
        "the baked payload is neither JSON, a compact JWS nor an http(s) URL",
        code="baked_payload_unrecognized",
    )


def _payload_too_large(size: int, limit: int) -> LimitExceededError:
    return LimitExceededError(
        f"the baked payload is {size} bytes, more than the {limit}-byte limit",
        code="baked_payload_too_large",
    )


def _prepare_payload(payload: str, max_payload_bytes: int) -> tuple[str, PayloadKind]:
    """Validate what :func:`bake_png` / :func:`bake_svg` are asked to embed."""
    if not isinstance(payload, str):
        raise TypeError(f"payload must be a str, not {type(payload).__name__}")
    text = payload.strip()
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_payload_bytes:
        raise _payload_too_large(size, max_payload_bytes)
    if _NOT_XML_CHAR_RE.search(text):
        raise MalformedInputError(
            "the payload contains control characters or lone surrogates",
            code="baked_payload_malformed",
        )
    if not text:
        raise MalformedInputError("the payload is empty", code="baked_payload_invalid")
    try:
        kind = _sniff_kind(text)
    except MalformedInputError as exc:
        raise MalformedInputError(
            "an OB 3.0 image carries the credential JSON or its compact JWS", code=exc.code
        ) from exc
    if kind == "url":
        raise MalformedInputError(
            "OB 3.0 bakes the credential itself (JSON or compact JWS), not a URL",
            code="baked_payload_invalid",
        )
    if kind == "json":
        try:
            json.loads(text)  # starts with "{", so valid JSON here is an object
        except (ValueError, RecursionError) as exc:
            raise MalformedInputError(
                f"the payload is not valid JSON: {exc}", code="baked_payload_invalid"
            ) from exc
    return text, kind


def _finish(version: Version, text: str, image_format: ImageFormat) -> Unbaked:
    payload = text.strip()
    if not payload:
        raise MalformedInputError(
            f"the {version.upper()} badge element is empty", code="baked_payload_malformed"
        )
    return Unbaked(version, payload, _sniff_kind(payload), image_format)


def _inflate_bounded(data: bytes, max_bytes: int) -> bytes:
    """Inflate one zlib stream (RFC 1950) to at most ``max_bytes``, never holding more."""
    try:
        output, unused = inflate_one(data, wbits=zlib.MAX_WBITS, max_bytes=max_bytes)
    except TooLargeError as exc:
        raise LimitExceededError(
            f"the compressed iTXt text expands beyond {max_bytes} bytes",
            code="baked_payload_too_large",
        ) from exc
    except InflateError as exc:
        what = "truncated" if exc.kind == "truncated" else f"corrupt: {exc}"
        raise MalformedInputError(
            f"the compressed iTXt text is {what}", code="baked_payload_malformed"
        ) from exc
    if unused:
        raise MalformedInputError(
            "the compressed iTXt text has trailing data", code="baked_payload_malformed"
        )
    return output


def _image_too_large(size: int, limit: int) -> LimitExceededError:
    return LimitExceededError(
        f"the image is {size} bytes, more than the {limit}-byte limit", code="image_too_large"
    )


# --------------------------------------------------------------------------- PNG


@dataclass(frozen=True, slots=True)
class _Chunk:
    type: bytes
    start: int  # offset of the length field
    length: int  # of the data field

    @property
    def data_start(self) -> int:
        return self.start + 8

    @property
    def end(self) -> int:  # one past the CRC
        return self.start + 12 + self.length


def _png_malformed(message: str) -> MalformedInputError:
    return MalformedInputError(message, code="png_malformed")


def _png_chunks(image: bytes, *, max_bytes: int, max_chunks: int) -> list[_Chunk]:
    """Split a PNG datastream into chunks up to ``IEND``, checking every CRC.

    Lengths are checked against the bytes actually present before anything is
    sliced, so a forged length (up to 2**31-1) costs nothing.
    """
    if len(image) > max_bytes:
        raise _image_too_large(len(image), max_bytes)
    if not image.startswith(_PNG_SIGNATURE):
        raise _png_malformed("not a PNG datastream (bad signature)")
    view = memoryview(image)
    chunks: list[_Chunk] = []
    pos = len(_PNG_SIGNATURE)
    while True:
        if len(chunks) >= max_chunks:
            raise LimitExceededError(
                f"the PNG has more than {max_chunks} chunks", code="png_too_many_chunks"
            )
        if pos + 12 > len(image):
            raise _png_malformed("the PNG is truncated: no IEND chunk")
        length, ctype = struct.unpack_from(">I4s", image, pos)
        if length > _MAX_CHUNK_LENGTH:
            raise _png_malformed(f"chunk length {length} exceeds 2^31-1")
        chunk = _Chunk(ctype, pos, length)
        if chunk.end > len(image):
            raise _png_malformed(
                f"chunk {ctype!r} declares {length} bytes but only {len(image) - pos - 12} remain"
            )
        if not ctype.isalpha():
            raise _png_malformed(f"invalid chunk type {ctype!r}")
        (crc,) = struct.unpack_from(">I", image, chunk.end - 4)
        if zlib.crc32(view[pos + 4 : chunk.end - 4]) != crc:
            raise MalformedInputError(
                f"CRC mismatch in PNG chunk {ctype.decode('ascii')} at offset {pos}",
                code="png_crc_mismatch",
            )
        if not chunks and (ctype != b"IHDR" or length != 13):
            raise _png_malformed("the first PNG chunk must be a 13-byte IHDR")
        chunks.append(chunk)
        pos = chunk.end
        if ctype == b"IEND":
            return chunks


def _keyword(image: bytes, chunk: _Chunk) -> bytes | None:
    """Keyword of a text chunk (1-79 Latin-1 bytes before a NUL), or None."""
    if chunk.type not in _TEXT_CHUNKS:
        return None
    head = image[chunk.data_start : chunk.data_start + min(chunk.length, _MAX_KEYWORD_LENGTH + 1)]
    nul = head.find(b"\x00")
    return head[:nul] if nul >= 1 else None


def _itxt_text(data: bytes, max_payload_bytes: int) -> str:
    """Text of an iTXt chunk (PNG §11.3.4.5), inflating it if compressed."""

    def bad(reason: str) -> MalformedInputError:
        return MalformedInputError(
            f"malformed iTXt chunk: {reason}", code="baked_payload_malformed"
        )

    keyword_end = data.index(b"\x00")
    if len(data) < keyword_end + 3:
        raise bad("missing compression fields")
    flag, method = data[keyword_end + 1], data[keyword_end + 2]
    language_end = data.find(b"\x00", keyword_end + 3)
    if language_end < 0:
        raise bad("unterminated language tag")
    translated_end = data.find(b"\x00", language_end + 1)
    if translated_end < 0:
        raise bad("unterminated translated keyword")
    raw = data[translated_end + 1 :]
    if flag == 1:
        if method != 0:
            raise bad(f"unknown compression method {method}")
        raw = _inflate_bounded(raw, max_payload_bytes)
    elif flag != 0:
        raise bad(f"invalid compression flag {flag}")
    if len(raw) > max_payload_bytes:
        raise _payload_too_large(len(raw), max_payload_bytes)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad("text is not UTF-8") from exc


def _itxt_chunk(keyword: bytes, text: str) -> bytes:
    """An uncompressed iTXt chunk, empty language tag and translated keyword."""
    data = keyword + b"\x00\x00\x00\x00\x00" + text.encode("utf-8")
    if len(data) > _MAX_CHUNK_LENGTH:  # pragma: no cover - far above any payload limit
        raise _payload_too_large(len(data), _MAX_CHUNK_LENGTH)
    body = b"iTXt" + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def bake_png(
    image: bytes,
    payload: str,
    *,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
    max_chunks: int = DEFAULT_MAX_PNG_CHUNKS,
) -> bytes:
    """Embed an OB 3.0 credential (JSON or compact JWS) in a PNG.

    Pass compact JSON; surrounding whitespace is stripped. Existing
    ``openbadgecredential`` / ``openbadges`` chunks are removed, so baking an
    already baked image replaces its credential.
    """
    text, _ = _prepare_payload(payload, max_payload_bytes)
    chunks = _png_chunks(image, max_bytes=max_bytes, max_chunks=max_chunks)
    parts = [_PNG_SIGNATURE]
    for chunk in chunks:
        if _keyword(image, chunk) in _BADGE_KEYWORDS:
            continue
        if chunk.type == b"IEND":
            parts.append(_itxt_chunk(_OB3_KEYWORD, text))
        parts.append(image[chunk.start : chunk.end])
    return b"".join(parts)


def unbake_png(
    image: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
    max_chunks: int = DEFAULT_MAX_PNG_CHUNKS,
) -> Unbaked:
    """Extract the badge from a PNG (see the module docstring for precedence)."""
    ob3_itxt: _Chunk | None = None
    ob2_itxt: _Chunk | None = None
    ob2_text: _Chunk | None = None
    for chunk in _png_chunks(image, max_bytes=max_bytes, max_chunks=max_chunks):
        keyword = _keyword(image, chunk)
        if chunk.type == b"iTXt" and keyword == _OB3_KEYWORD:
            ob3_itxt = ob3_itxt or chunk
        elif chunk.type == b"iTXt" and keyword == _OB2_KEYWORD:
            ob2_itxt = ob2_itxt or chunk
        elif chunk.type == b"tEXt" and keyword == _OB2_KEYWORD:
            ob2_text = ob2_text or chunk
    itxt_candidates: tuple[tuple[_Chunk | None, Version], ...] = (
        (ob3_itxt, "ob3"),
        (ob2_itxt, "ob2"),
    )
    for chosen, version in itxt_candidates:
        if chosen is not None:
            data = image[chosen.data_start : chosen.end - 4]
            return _finish(version, _itxt_text(data, max_payload_bytes), "png")
    if ob2_text is not None:
        data = image[ob2_text.data_start : ob2_text.end - 4]
        text = data[data.index(b"\x00") + 1 :]
        if len(text) > max_payload_bytes:
            raise _payload_too_large(len(text), max_payload_bytes)
        return _finish("ob2", text.decode("latin-1"), "png")  # tEXt is Latin-1 (§11.3.4.3)
    raise MalformedInputError("this PNG carries no baked badge", code="no_baked_badge")


# --------------------------------------------------------------------------- SVG


@dataclass(slots=True)
class _BadgeElement:
    """An outermost ``openbadges:credential`` or ``openbadges:assertion`` element."""

    namespace: str
    start: int  # byte offset of its "<"
    end_event: int = -1  # byte offset reported with its end event
    verify: str | None = None
    text: list[str] = field(default_factory=list)


class _SvgScan:
    """ElementTree parser target recording what baking needs, with byte offsets.

    It builds no tree: it notes the root element, the namespaces declared on
    it, the badge elements (outermost only) with their ``verify`` attribute and
    character data, and every namespace used outside them.
    """

    def __init__(self) -> None:
        self._expat: XMLParserType | None = None
        self._depth = 0
        self._inside: _BadgeElement | None = None
        self._inside_depth = 0
        self.root_tag: str | None = None
        self.root_start = -1
        self.root_namespaces: dict[str, str] = {}
        self.badges: list[_BadgeElement] = []
        self.namespaces_used: set[str] = set()

    def bind(self, expat: XMLParserType) -> None:
        self._expat = expat
        expat.XmlDeclHandler = self._xml_decl

    def _offset(self) -> int:
        return self._expat.CurrentByteIndex if self._expat is not None else -1

    @staticmethod
    def _xml_decl(version: str, encoding: str | None, standalone: int) -> None:
        del version, standalone
        if encoding is not None and encoding.lower() not in _ACCEPTED_XML_ENCODINGS:
            raise MalformedInputError(
                f"SVG encoding {encoding!r} is not supported; re-save the image as UTF-8",
                code="svg_encoding_unsupported",
            )

    def start_ns(self, prefix: str, uri: str) -> None:
        if self._depth == 0:
            self.root_namespaces[prefix] = uri

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self._depth += 1
        if self.root_tag is None:
            self.root_tag = tag
            self.root_start = self._offset()
        if self._inside is not None:
            return
        namespace = tag[1:].partition("}")[0] if tag.startswith("{") else ""
        if (namespace, tag.rpartition("}")[2]) in {
            (OB3_NAMESPACE, "credential"),
            (OB2_NAMESPACE, "assertion"),
        }:
            self._inside = _BadgeElement(namespace, self._offset(), verify=attrib.get("verify"))
            self._inside_depth = self._depth
            self.badges.append(self._inside)
            return
        self.namespaces_used.add(namespace)
        for name in attrib:
            if name.startswith("{"):
                self.namespaces_used.add(name[1:].partition("}")[0])

    def end(self, tag: str) -> None:
        del tag
        if self._inside is not None and self._depth == self._inside_depth:
            self._inside.end_event = self._offset()
            self._inside = None
        self._depth -= 1

    def data(self, text: str) -> None:
        if self._inside is not None:
            self._inside.text.append(text)

    def close(self) -> None:
        return None


def _svg_bytes(image: bytes | str, max_bytes: int) -> bytes:
    if isinstance(image, str):
        if len(image) > max_bytes:
            raise _image_too_large(len(image), max_bytes)
        try:
            data = image.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise MalformedInputError(
                "the SVG text contains lone surrogates", code="svg_malformed"
            ) from exc
    else:
        data = bytes(image)
    if len(data) > max_bytes:
        raise _image_too_large(len(data), max_bytes)
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        raise MalformedInputError(
            "UTF-16/UTF-32 SVG is not supported; re-save the image as UTF-8",
            code="svg_encoding_unsupported",
        )
    return data


def _scan_svg(data: bytes) -> _SvgScan:
    """Parse with defusedxml and return what was seen; the root must be ``<svg>``."""
    scan = _SvgScan()
    # DTDs are allowed (editors emit the SVG 1.1 DOCTYPE); entity declarations
    # and external references are refused, so nothing is ever expanded or fetched.
    parser = DefusedXMLParser(
        target=scan, forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    scan.bind(parser.parser)
    try:
        parser.feed(data)
        parser.close()
    except DefusedXmlException as exc:
        raise MalformedInputError(
            f"the SVG uses forbidden XML constructs (entity declarations or external "
            f"references): {type(exc).__name__}",
            code="svg_forbidden_xml",
        ) from exc
    except ParseError as exc:
        raise MalformedInputError(
            f"the SVG is not well-formed XML: {exc}", code="svg_malformed"
        ) from exc
    if scan.root_tag not in {"svg", f"{{{_SVG_NAMESPACE}}}svg"}:
        raise MalformedInputError(
            f"the XML root element is {scan.root_tag!r}, not an SVG <svg>",
            code="unsupported_image",
        )
    return scan


@dataclass(frozen=True, slots=True)
class _StartTag:
    name: bytes
    name_end: int
    end: int  # one past ">"
    self_closing: bool
    attributes: dict[bytes, tuple[int, int]]  # raw name -> value span (without quotes)


def _start_tag(data: bytes, pos: int) -> _StartTag:
    """Tokenise the start tag at ``data[pos] == b"<"``.

    Only used on documents expat has already accepted as well-formed, so the
    grammar is the simple one of XML §3.1 (names, ``=``, quoted values).
    """
    try:
        i = pos + 1
        while data[i] not in b" \t\r\n/>":
            i += 1
        name, name_end = data[pos + 1 : i], i
        attributes: dict[bytes, tuple[int, int]] = {}
        while True:
            while data[i] in _XML_WHITESPACE:
                i += 1
            if data[i] == ord(">"):
                return _StartTag(name, name_end, i + 1, False, attributes)
            if data[i] == ord("/"):
                return _StartTag(name, name_end, i + 2, True, attributes)
            attr_start = i
            while data[i] not in b" \t\r\n=":
                i += 1
            attr_name = data[attr_start:i]
            i = data.index(b"=", i) + 1
            while data[i] in _XML_WHITESPACE:
                i += 1
            quote = data[i : i + 1]
            value_end = data.index(quote, i + 1)
            attributes[attr_name] = (i + 1, value_end)
            i = value_end + 1
    except (IndexError, ValueError) as exc:  # pragma: no cover - expat accepted the tag
        raise MalformedInputError(
            f"cannot read the start tag at byte {pos}", code="svg_malformed"
        ) from exc


def _element_end(data: bytes, badge: _BadgeElement) -> int:
    """One past the last byte of ``badge`` (its end tag, or its empty-element tag)."""
    tag = _start_tag(data, badge.start)
    if tag.self_closing:
        return tag.end
    return data.index(b">", badge.end_event) + 1


def _credential_element(text: str, kind: PayloadKind) -> bytes:
    if kind == "jws":  # base64url and dots: nothing to escape
        return f'<openbadges:credential verify="{text}"></openbadges:credential>'.encode()
    body = text.replace("]]>", "]]]]><![CDATA[>")
    return f"<openbadges:credential><![CDATA[{body}]]></openbadges:credential>".encode()


def _apply_edits(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Replace each ``data[start:end]`` by its bytes; spans must not overlap."""
    parts: list[bytes] = []
    cursor = 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        if start < cursor:  # pragma: no cover - the spans come from one parse
            raise MalformedInputError("overlapping SVG edits", code="svg_malformed")
        parts += (data[cursor:start], replacement)
        cursor = end
    parts.append(data[cursor:])
    return b"".join(parts)


def bake_svg(
    image: bytes | str,
    payload: str,
    *,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
) -> bytes:
    """Embed an OB 3.0 credential (JSON or compact JWS) in a UTF-8 SVG.

    Returns UTF-8 bytes. Existing ``openbadges:credential`` and
    ``openbadges:assertion`` elements are removed first; see the module
    docstring for how the rest of the document is preserved.
    """
    text, kind = _prepare_payload(payload, max_payload_bytes)
    data = _svg_bytes(image, max_bytes)
    scan = _scan_svg(data)
    root = _start_tag(data, scan.root_start)
    edits: list[tuple[int, int, bytes]] = []

    # The declaration must be written on the root start tag itself: a value
    # defaulted from an <!ATTLIST> in the DOCTYPE is not enough for readers that
    # ignore the internal subset, and an explicit attribute overrides it.
    declared = scan.root_namespaces.get("openbadges")
    if declared not in {None, OB3_NAMESPACE} and declared in scan.namespaces_used:
        raise MalformedInputError(
            f"the SVG binds the prefix 'openbadges' to {declared!r} and still uses it",
            code="svg_namespace_conflict",
        )
    span = root.attributes.get(b"xmlns:openbadges")
    if span is None:
        declaration = f' xmlns:openbadges="{OB3_NAMESPACE}"'.encode()
        edits.append((root.name_end, root.name_end, declaration))
    elif declared != OB3_NAMESPACE:
        edits.append((span[0], span[1], OB3_NAMESPACE.encode()))

    edits.extend((badge.start, _element_end(data, badge), b"") for badge in scan.badges)

    element = _credential_element(text, kind)
    if root.self_closing:
        closing = b"></" + root.name + b">"
        edits.append((root.end - 2, root.end, closing[:1] + element + closing[1:]))
    else:
        edits.append((root.end, root.end, element))
    baked = _apply_edits(data, edits)

    check = unbake_svg(baked, max_bytes=len(baked), max_payload_bytes=max_payload_bytes)
    if check.version != "ob3" or check.payload != text:  # pragma: no cover - defensive
        raise MalformedInputError("baking did not round-trip", code="svg_malformed")
    return baked


def unbake_svg(
    image: bytes | str,
    *,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
) -> Unbaked:
    """Extract the badge from an SVG (see the module docstring for precedence)."""
    scan = _scan_svg(_svg_bytes(image, max_bytes))
    namespaces: tuple[tuple[str, Version], ...] = ((OB3_NAMESPACE, "ob3"), (OB2_NAMESPACE, "ob2"))
    for namespace, version in namespaces:
        badge = next((b for b in scan.badges if b.namespace == namespace), None)
        if badge is None:
            continue
        text = badge.verify if badge.verify and badge.verify.strip() else "".join(badge.text)
        size = len(text.encode("utf-8"))
        if size > max_payload_bytes:
            raise _payload_too_large(size, max_payload_bytes)
        return _finish(version, text, "svg")
    raise MalformedInputError("this SVG carries no baked badge", code="no_baked_badge")


# --------------------------------------------------------------------------- dispatch


def _sniff_image(data: bytes) -> ImageFormat:
    if data.startswith(_PNG_SIGNATURE):
        return "png"
    head = data[:64]
    head = head.removeprefix(_UTF8_BOM).lstrip(_XML_WHITESPACE)
    if head.startswith(b"<"):
        return "svg"
    raise MalformedInputError(
        "unsupported image: only PNG and SVG can carry a baked badge", code="unsupported_image"
    )


def bake(
    image: bytes,
    payload: str,
    *,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
) -> bytes:
    """Bake ``payload`` into a PNG or an SVG, whichever ``image`` is."""
    if _sniff_image(image) == "png":
        return bake_png(image, payload, max_bytes=max_bytes, max_payload_bytes=max_payload_bytes)
    return bake_svg(image, payload, max_bytes=max_bytes, max_payload_bytes=max_payload_bytes)


def unbake(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
) -> Unbaked:
    """Extract the baked badge from a PNG or an SVG.

    Raises ``no_baked_badge`` when the image carries none and
    ``unsupported_image`` when ``data`` is neither PNG nor SVG.
    """
    if len(data) > max_bytes:
        raise _image_too_large(len(data), max_bytes)
    if _sniff_image(data) == "png":
        return unbake_png(data, max_bytes=max_bytes, max_payload_bytes=max_payload_bytes)
    return unbake_svg(data, max_bytes=max_bytes, max_payload_bytes=max_payload_bytes)
