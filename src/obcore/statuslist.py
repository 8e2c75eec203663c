"""W3C Bitstring Status List codec: bitstrings, ``encodedList`` and status entries.

Pure functions only: no I/O, no network. Dereferencing ``statusListCredential``
and verifying the list credential's proofs belong to the verifier; this module
starts from the already verified list credential subject.

Specification: W3C *Bitstring Status List v1.0* (Recommendation, 15 May 2025,
https://www.w3.org/TR/vc-bitstring-status-list/), summarised in
``OB3-NOTES.md`` §6:

* §2.1 ``BitstringStatusListEntry``: ``statusPurpose``, ``statusListIndex`` (a
  base-10 integer *string*), ``statusListCredential``, optional ``statusSize``.
* §2.2 ``BitstringStatusListCredential``: its subject ``BitstringStatusList``
  carries ``statusPurpose`` and ``encodedList``.
* §3.1 Generate Algorithm: index 0 is the left-most (most significant) bit of
  byte 0; the bitstring holds at least 131,072 entries (16 KB at one bit per
  entry). Issuers allocate indexes randomly (§6.5 Decoy Values) and never
  reuse one.
* §3.2 Validate Algorithm: purposes must match (``STATUS_VERIFICATION_ERROR``),
  a list shorter than 131,072 entries is a ``STATUS_LIST_LENGTH_ERROR``, an
  index outside the list is a ``RANGE_ERROR``.
* §3.3 / §3.4 Bitstring Generation / Expansion: GZIP (RFC 1952) then multibase
  base64url without padding (prefix ``u``), and the reverse.
* §6.1 Revocation Bitstring Length: the minimum size is what gives holders a
  crowd to hide in.

The legacy ``StatusList2021Entry`` / ``StatusList2021`` (VCDM 1.1 era) work
the same way except that ``encodedList`` is plain base64 with no multibase
prefix; :func:`decode` handles it with ``multibase=False``.

Safety: the list arrives from the network, and a few kilobytes of GZIP can
expand to gigabytes. Decompression is therefore incremental
(``zlib.decompressobj`` with ``max_length``) and stops as soon as the output
would pass ``max_decompressed_bytes`` (16 MiB by default), raising
:class:`~obcore.errors.LimitExceededError` without ever holding more than the
cap in memory.

Error codes (``MalformedInputError`` unless noted): ``status_list_malformed``,
``status_list_too_large`` (``LimitExceededError``), ``status_list_too_small``,
``status_list_full`` (``LimitExceededError``), ``status_index_invalid``,
``status_index_out_of_range``, ``status_value_out_of_range``,
``status_size_invalid``, ``status_size_mismatch``, ``status_purpose_mismatch``,
``status_entry_malformed``, ``status_type_unsupported``,
``status_list_type_mismatch``.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import struct
import zlib
from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from obcore.errors import LimitExceededError, MalformedInputError
from obcore.inflate import InflateError, TooLargeError, inflate_one
from obcore.model import type_names

if TYPE_CHECKING:
    import random

__all__ = [
    "BITSTRING_STATUS_LIST_ENTRY",
    "DEFAULT_MAX_DECOMPRESSED_BYTES",
    "MAX_STATUS_SIZE",
    "MIN_ENTRIES",
    "STATUS_LIST_2021_ENTRY",
    "Bitstring",
    "StatusEntry",
    "decode",
    "encode",
    "parse_status_entry",
    "random_free_index",
    "status_of",
]

MIN_ENTRIES: Final = 131_072
"""§3.1 / §6.1: minimum number of entries (16 KB at one bit per entry)."""

DEFAULT_MAX_DECOMPRESSED_BYTES: Final = 16 * 1024 * 1024
"""Default cap on the expanded bitstring (16 MiB = 134 million 1-bit entries)."""

MAX_STATUS_SIZE: Final = 32
"""Upper bound on ``statusSize`` (the specification sets none; 32 bits is ample)."""

BITSTRING_STATUS_LIST_ENTRY: Final = "BitstringStatusListEntry"
STATUS_LIST_2021_ENTRY: Final = "StatusList2021Entry"

EntryType = Literal["BitstringStatusListEntry", "StatusList2021Entry"]

_LIST_SUBJECT_TYPE: Final[dict[str, str]] = {
    BITSTRING_STATUS_LIST_ENTRY: "BitstringStatusList",
    STATUS_LIST_2021_ENTRY: "StatusList2021",
}

_GZIP_MAGIC: Final = b"\x1f\x8b"
# RFC 1952 §2.3 member header, fixed so encode() is byte-for-byte reproducible:
# CM=8 (deflate), FLG=0, MTIME=0, XFL=2 (maximum compression), OS=255 (unknown).
_GZIP_HEADER: Final = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
_MULTIBASE_BASE64URL: Final = "u"
# Inflate in slices this size, so the peak stays near the cap, not twice it.
# Base64 (either alphabet), padding optional. Whitespace is not tolerated.
_BASE64_RE: Final = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
# A base-10 non-negative integer, ASCII digits only (str.isdigit accepts other scripts).
_DIGITS_RE: Final = re.compile(r"[0-9]+")
# Longer index strings cannot address any list this module will decode.
_MAX_INDEX_DIGITS: Final = 20


def _check_status_size(status_size: int) -> None:
    if isinstance(status_size, bool) or not isinstance(status_size, int):
        raise MalformedInputError(
            f"statusSize must be an integer, not {type(status_size).__name__}",
            code="status_size_invalid",
        )
    if not 1 <= status_size <= MAX_STATUS_SIZE:
        raise MalformedInputError(
            f"statusSize must be between 1 and {MAX_STATUS_SIZE}, got {status_size}",
            code="status_size_invalid",
        )


class Bitstring:
    """A fixed-size list of ``entries`` status values of ``status_size`` bits each.

    Entry ``i`` occupies bits ``[i * status_size, (i + 1) * status_size)``, bit 0
    being the most significant bit of byte 0 (§3.1); a multi-bit value is read
    most significant bit first. New lists are all zeros (every credential valid).
    """

    __slots__ = ("_buf", "_entries", "_status_size")

    def __init__(self, entries: int = MIN_ENTRIES, *, status_size: int = 1) -> None:
        """Create an all-zero list; ``entries`` must be at least :data:`MIN_ENTRIES`."""
        _check_status_size(status_size)
        if isinstance(entries, bool) or not isinstance(entries, int):
            raise TypeError(f"entries must be an int, not {type(entries).__name__}")
        if entries < MIN_ENTRIES:
            raise MalformedInputError(
                f"a status list needs at least {MIN_ENTRIES} entries for herd privacy, "
                f"got {entries}",
                code="status_list_too_small",
            )
        self._entries = entries
        self._status_size = status_size
        self._buf = bytearray(-(-entries * status_size // 8))

    @classmethod
    def from_bytes(
        cls, data: bytes, *, status_size: int = 1, min_entries: int = MIN_ENTRIES
    ) -> Bitstring:
        """Wrap an expanded bitstring; it holds ``len(data) * 8 // status_size`` entries.

        ``min_entries`` defaults to the specification minimum (§3.2). Lowering it
        is a deliberate leniency for legacy lists (some deployed lists hold
        100,000 entries); raising it is never needed.
        """
        _check_status_size(status_size)
        entries = len(data) * 8 // status_size
        if entries < min_entries:
            raise MalformedInputError(
                f"status list holds {entries} entries ({len(data)} bytes at statusSize "
                f"{status_size}); the minimum is {min_entries} (STATUS_LIST_LENGTH_ERROR)",
                code="status_list_too_small",
            )
        bits = cls.__new__(cls)
        bits._entries = entries
        bits._status_size = status_size
        bits._buf = bytearray(data)
        return bits

    @property
    def entries(self) -> int:
        """Number of addressable entries."""
        return self._entries

    @property
    def status_size(self) -> int:
        """Bits per entry."""
        return self._status_size

    def __len__(self) -> int:
        return self._entries

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Bitstring):
            return NotImplemented
        return (
            self._entries == other._entries
            and self._status_size == other._status_size
            and self._buf == other._buf
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Bitstring(entries={self._entries}, status_size={self._status_size})"

    def to_bytes(self) -> bytes:
        """The expanded bitstring (what gets GZIP-compressed)."""
        return bytes(self._buf)

    def _span(self, index: int) -> tuple[int, int, int]:
        """Return (first byte, last byte, right shift) of entry ``index``."""
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"index must be an int, not {type(index).__name__}")
        if not 0 <= index < self._entries:
            raise MalformedInputError(
                f"status index {index} is outside the list (0..{self._entries - 1}) (RANGE_ERROR)",
                code="status_index_out_of_range",
            )
        start = index * self._status_size
        end = start + self._status_size  # exclusive bit position
        first, last = start >> 3, (end - 1) >> 3
        return first, last, (last + 1) * 8 - end

    def get(self, index: int) -> int:
        """Value of entry ``index`` (0 or 1 for ``status_size`` 1)."""
        first, last, shift = self._span(index)
        if first == last:
            word = self._buf[first]
        else:
            word = int.from_bytes(self._buf[first : last + 1], "big")
        return (word >> shift) & ((1 << self._status_size) - 1)

    def set(self, index: int, value: int) -> None:
        """Set entry ``index`` to ``value`` (``0 <= value < 2 ** status_size``)."""
        first, last, shift = self._span(index)
        mask = (1 << self._status_size) - 1
        if isinstance(value, bool):
            value = int(value)
        if not isinstance(value, int):
            raise TypeError(f"value must be an int, not {type(value).__name__}")
        if not 0 <= value <= mask:
            raise MalformedInputError(
                f"status value {value} does not fit in {self._status_size} bit(s)",
                code="status_value_out_of_range",
            )
        width = last - first + 1
        word = int.from_bytes(self._buf[first : last + 1], "big")
        word = (word & ~(mask << shift)) | (value << shift)
        self._buf[first : last + 1] = word.to_bytes(width, "big")


def encode(bitstring: Bitstring) -> str:
    """§3.3 Bitstring Generation: GZIP, then multibase base64url without padding.

    The output is deterministic: the GZIP header is fixed (MTIME 0, OS unknown)
    and the deflate level is 9, so the same list always encodes to the same
    string (a status list credential is re-signed only when a bit changes).
    """
    if bitstring.entries < MIN_ENTRIES:
        raise MalformedInputError(
            f"refusing to publish a status list of {bitstring.entries} entries; "
            f"the minimum is {MIN_ENTRIES}",
            code="status_list_too_small",
        )
    raw = bitstring.to_bytes()
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    deflated = compressor.compress(raw) + compressor.flush()
    trailer = struct.pack("<II", zlib.crc32(raw), len(raw) & 0xFFFFFFFF)
    gz = _GZIP_HEADER + deflated + trailer
    return _MULTIBASE_BASE64URL + base64.urlsafe_b64encode(gz).rstrip(b"=").decode("ascii")


def _b64decode_lenient(text: str) -> bytes:
    """Decode base64url or base64, padded or not."""
    if _BASE64_RE.fullmatch(text) is None:
        raise MalformedInputError(
            "encodedList is not base64url: it contains characters outside the alphabet",
            code="status_list_malformed",
        )
    body = text.rstrip("=").replace("+", "-").replace("/", "_")
    if len(body) % 4 == 1:
        raise MalformedInputError(
            "encodedList is not base64url: impossible length", code="status_list_malformed"
        )
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - regex guards this
        raise MalformedInputError(
            f"encodedList is not base64url: {exc}", code="status_list_malformed"
        ) from exc


def _gunzip_bounded(data: bytes, max_bytes: int) -> bytes:
    """Expand GZIP ``data`` (one or more members, RFC 1952 §2.2) to at most ``max_bytes``.

    Output is produced in slices of at most 256 KiB and never past the budget,
    so memory stays near ``max_bytes`` whatever the compression ratio.
    """
    parts: list[bytes] = []
    total = 0
    rest = data
    while True:
        if not rest.startswith(_GZIP_MAGIC):
            raise MalformedInputError(
                "encodedList is not GZIP data (missing 1f 8b magic)"
                if rest is data
                else "encodedList has trailing data after its GZIP stream",
                code="status_list_malformed",
            )
        try:  # gzip wrapper only
            output, rest = inflate_one(rest, wbits=16 + zlib.MAX_WBITS, max_bytes=max_bytes - total)
        except TooLargeError as exc:
            raise LimitExceededError(
                f"status list expands beyond {max_bytes} bytes; refusing to inflate it",
                code="status_list_too_large",
            ) from exc
        except InflateError as exc:
            what = "truncated GZIP data" if exc.kind == "truncated" else f"corrupt GZIP: {exc}"
            raise MalformedInputError(
                f"encodedList is {what}", code="status_list_malformed"
            ) from exc
        parts.append(output)
        total += len(output)
        if not rest:
            return b"".join(parts)


def decode(
    encoded_list: str,
    *,
    status_size: int = 1,
    multibase: bool = True,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    min_entries: int = MIN_ENTRIES,
) -> Bitstring:
    """§3.4 Bitstring Expansion: multibase base64url, then bounded GUNZIP.

    ``multibase=True`` (``BitstringStatusList``) requires the ``u`` prefix.
    ``multibase=False`` (``StatusList2021``) accepts plain base64 or base64url;
    a leading ``u`` is also tolerated there, because GZIP data always encodes
    to a string starting with ``H`` (``1f 8b`` -> ``H4sI``), so a ``u`` can only
    be a multibase prefix. Padding is optional in both modes.

    ``min_entries`` is the §3.2 length check (``STATUS_LIST_LENGTH_ERROR``);
    see :meth:`Bitstring.from_bytes` before lowering it.
    """
    if not isinstance(encoded_list, str):
        raise MalformedInputError(
            f"encodedList must be a string, not {type(encoded_list).__name__}",
            code="status_list_malformed",
        )
    _check_status_size(status_size)
    text = encoded_list
    if text.startswith(_MULTIBASE_BASE64URL):
        text = text[1:]
    elif multibase:
        raise MalformedInputError(
            "encodedList must be multibase base64url (prefix 'u')",
            code="status_list_malformed",
        )
    # Deflate expands incompressible input by well under 1 %; anything longer
    # than this cannot decode within the cap, so refuse it before decoding.
    max_encoded = (max_decompressed_bytes + max_decompressed_bytes // 64 + 1024) * 4 // 3 + 4
    if len(text) > max_encoded:
        raise LimitExceededError(
            f"encodedList is {len(text)} characters, more than a list of at most "
            f"{max_decompressed_bytes} bytes can need",
            code="status_list_too_large",
        )
    compressed = _b64decode_lenient(text)
    raw = _gunzip_bounded(compressed, max_decompressed_bytes)
    return Bitstring.from_bytes(raw, status_size=status_size, min_entries=min_entries)


def random_free_index(used: Container[int], size: int, rng: random.Random | None = None) -> int:
    """Pick a uniformly random index in ``[0, size)`` that is not in ``used``.

    §6.5 (Decoy Values) advises allocating indexes randomly, so that position
    does not leak issuance order; an index is never reused. ``rng`` defaults to
    :class:`secrets.SystemRandom`; pass a seeded :class:`random.Random` only in
    tests.

    A few random draws settle almost every call. When the list is nearly full,
    the function falls back to counting the free indexes and choosing one of
    them uniformly, which costs two passes over ``size`` membership tests.
    Raises :class:`~obcore.errors.LimitExceededError` (``status_list_full``)
    when no index is free.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    generator = rng if rng is not None else secrets.SystemRandom()
    for _ in range(64):
        candidate = generator.randrange(size)
        if candidate not in used:
            return candidate
    free = sum(1 for i in range(size) if i not in used)
    if free == 0:
        raise LimitExceededError(
            f"all {size} status list indexes are in use; allocate a new list",
            code="status_list_full",
        )
    target = generator.randrange(free)
    for i in range(size):  # pragma: no branch - target < free guarantees a return
        if i not in used:
            if target == 0:
                return i
            target -= 1
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """A validated ``credentialStatus`` entry (§2.1, or its StatusList2021 ancestor)."""

    type: EntryType
    purpose: str
    index: int
    size: int
    list_credential: str


def _entry_malformed(message: str) -> MalformedInputError:
    return MalformedInputError(message, code="status_entry_malformed")


def _parse_index(value: object) -> int:
    """``statusListIndex``: a base-10 integer string (§2.1).

    A JSON integer is accepted too: StatusList2021 issuers and 1EdTech's own
    validator fixture (``validator-bitstring-status-revoked.json``) emit one.
    """
    if isinstance(value, bool):
        raise MalformedInputError(
            "statusListIndex must be a base-10 integer string, not a boolean",
            code="status_index_invalid",
        )
    if isinstance(value, int):
        if value < 0:
            raise MalformedInputError(
                f"statusListIndex must not be negative, got {value}",
                code="status_index_invalid",
            )
        return value
    if isinstance(value, str) and _DIGITS_RE.fullmatch(value):
        if len(value) > _MAX_INDEX_DIGITS:
            raise MalformedInputError(
                f"statusListIndex has {len(value)} digits; no list is that large",
                code="status_index_out_of_range",
            )
        return int(value)
    raise MalformedInputError(
        f"statusListIndex must be a base-10 integer string, got {value!r}"[:200],
        code="status_index_invalid",
    )


def _parse_size(value: object) -> int:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedInputError(
            f"statusSize must be an integer, got {value!r}"[:200], code="status_size_invalid"
        )
    _check_status_size(value)
    return value


def parse_status_entry(entry: Mapping[str, object]) -> StatusEntry:
    """Validate a ``BitstringStatusListEntry`` or ``StatusList2021Entry`` dict.

    Checks the shape only (type, purpose, index, size, list URL); whether the
    index fits the list is known only once the list is decoded (:func:`status_of`).
    """
    types = type_names(entry.get("type"))
    kind: EntryType
    if BITSTRING_STATUS_LIST_ENTRY in types:
        kind = BITSTRING_STATUS_LIST_ENTRY
    elif STATUS_LIST_2021_ENTRY in types:
        kind = STATUS_LIST_2021_ENTRY
    else:
        raise MalformedInputError(
            f"unsupported credentialStatus type {entry.get('type')!r}"[:200],
            code="status_type_unsupported",
        )
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise _entry_malformed("credentialStatus.statusPurpose must be a non-empty string")
    list_credential = entry.get("statusListCredential")
    if not isinstance(list_credential, str) or not list_credential:
        raise _entry_malformed("credentialStatus.statusListCredential must be a URL string")
    if "statusListIndex" not in entry:
        raise _entry_malformed("credentialStatus.statusListIndex is missing")
    return StatusEntry(
        type=kind,
        purpose=purpose,
        index=_parse_index(entry["statusListIndex"]),
        size=_parse_size(entry.get("statusSize")),
        list_credential=list_credential,
    )


def status_of(
    entry: Mapping[str, object],
    list_subject: Mapping[str, object],
    *,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    min_entries: int = MIN_ENTRIES,
) -> int:
    """§3.2 Validate Algorithm, steps after the list credential has been verified.

    ``entry`` is the credential's ``credentialStatus`` item; ``list_subject`` is
    the ``credentialSubject`` of the (already fetched and proof-checked) list
    credential. Returns the entry's value: for ``revocation`` / ``suspension``
    0 means valid and anything else means revoked / suspended.

    The caller remains responsible for checking that the list credential's
    ``id`` is the entry's ``statusListCredential``, who signed it, and its
    validity period.
    """
    parsed = parse_status_entry(entry)
    expected_type = _LIST_SUBJECT_TYPE[parsed.type]
    if expected_type not in type_names(list_subject.get("type")):
        raise MalformedInputError(
            f"a {parsed.type} must point to a {expected_type} list, got "
            f"{list_subject.get('type')!r}"[:200],
            code="status_list_type_mismatch",
        )
    list_purposes = type_names(list_subject.get("statusPurpose"))
    if parsed.purpose not in list_purposes:
        raise MalformedInputError(
            f"credential status purpose {parsed.purpose!r} does not match the list's "
            f"{list_subject.get('statusPurpose')!r} (STATUS_VERIFICATION_ERROR)"[:300],
            code="status_purpose_mismatch",
        )
    if "statusSize" in list_subject:
        list_size = _parse_size(list_subject["statusSize"])
        if list_size != parsed.size:
            raise MalformedInputError(
                f"credential statusSize {parsed.size} differs from the list's {list_size}",
                code="status_size_mismatch",
            )
    encoded = list_subject.get("encodedList")
    if not isinstance(encoded, str):
        raise MalformedInputError(
            "the status list has no encodedList string", code="status_list_malformed"
        )
    bitstring = decode(
        encoded,
        status_size=parsed.size,
        multibase=parsed.type == BITSTRING_STATUS_LIST_ENTRY,
        max_decompressed_bytes=max_decompressed_bytes,
        min_entries=min_entries,
    )
    return bitstring.get(parsed.index)
