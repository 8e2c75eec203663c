"""Multibase and multicodec helpers for the encodings credentials use.

Only the encodings the specifications need are supported:

* ``z`` — base58btc (Multikey ``publicKeyMultibase``, ``proofValue``);
* ``u`` — base64url without padding (Bitstring Status List ``encodedList``).

Multicodec prefixes (unsigned varints) for keys:
https://github.com/multiformats/multicodec/blob/master/table.csv
"""

from __future__ import annotations

import base64
import binascii
import re

import base58

from obcore.errors import MalformedInputError

ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
P256_PUB = b"\x80\x24"  # compressed SEC1 point
P256_PRIV = b"\x86\x26"

# A base58 string this long is far beyond any key or signature; refusing it
# early keeps base58 decoding (quadratic in Python) cheap on hostile input.
_MAX_BASE58_CHARS = 512


def b58encode(data: bytes) -> str:
    return str(base58.b58encode(data).decode("ascii"))


def b58decode(text: str) -> bytes:
    if len(text) > _MAX_BASE58_CHARS:
        raise MalformedInputError("base58 value is too long", code="malformed_multibase")
    try:
        return bytes(base58.b58decode(text.encode("ascii")))
    except (ValueError, UnicodeEncodeError) as exc:
        raise MalformedInputError(
            "value is not valid base58btc", code="malformed_multibase"
        ) from exc


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_B64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")


def b64url_decode(text: str) -> bytes:
    """Strict base64url (RFC 4648 §5): only ``A-Z a-z 0-9 - _``, optional final padding.

    Characters outside the alphabet (including ``+`` and ``/`` of standard
    base64) are refused rather than skipped, so a value has one spelling.
    """
    if not isinstance(text, str) or not _B64URL.fullmatch(text):
        raise MalformedInputError("value is not valid base64url", code="malformed_base64url")
    stripped = text.rstrip("=")
    if len(stripped) % 4 == 1:
        raise MalformedInputError("value is not valid base64url", code="malformed_base64url")
    padded = stripped + "=" * (-len(stripped) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii"))
    except (binascii.Error, ValueError) as exc:
        raise MalformedInputError(
            "value is not valid base64url", code="malformed_base64url"
        ) from exc


def encode_z(data: bytes) -> str:
    """Multibase base58btc: ``z`` + base58btc(data)."""
    return "z" + b58encode(data)


def decode_z(value: str) -> bytes:
    """Decode a ``z``-prefixed multibase base58btc string."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise MalformedInputError(
            "multibase value must be base58btc (prefix 'z')", code="malformed_multibase"
        )
    return b58decode(value[1:])


def encode_u(data: bytes) -> str:
    """Multibase base64url without padding: ``u`` + base64url(data)."""
    return "u" + b64url_encode(data)


def decode_u(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("u"):
        raise MalformedInputError(
            "multibase value must be base64url (prefix 'u')", code="malformed_multibase"
        )
    return b64url_decode(value[1:])
