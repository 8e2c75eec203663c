"""Personal data at rest: sealing under the KEK and keyed-hash lookups.

Learner emails, DIDs and the badges partners send are personal data. They are stored
sealed (AES-256-GCM, :data:`obcore.keywrap.PII_PURPOSE`) and found again through a
keyed hash of their normalised form: HMAC-SHA-256 under a key derived from the KEK,
so the database alone reveals neither the values nor (unlike a plain hash) lets
anyone test a guessed email against it. Rotating the KEK means re-sealing and
re-hashing these rows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, Final, Literal

from obcore import keywrap

IdentifierKind = Literal["email", "did"]

_LOOKUP_PURPOSE: Final = "learner-identifier-lookup"


def normalize_email(value: str) -> str:
    """Trimmed, NFC, lower-cased: the form two partners' spellings of one address share."""
    return unicodedata.normalize("NFC", value.strip()).lower()


def normalize_did(value: str) -> str:
    """DIDs compare as written (RFC 3986: only the scheme is case-insensitive)."""
    text = value.strip()
    if text[:4].lower() == "did:":
        text = "did:" + text[4:]
    return text


def normalize(kind: IdentifierKind, value: str) -> str:
    return normalize_email(value) if kind == "email" else normalize_did(value)


def identifier_lookup(kek: bytes, kind: IdentifierKind, value: str) -> str:
    """The keyed hash that finds a learner by ``kind`` and (normalised) ``value``."""
    key = keywrap.derive_key(kek, _LOOKUP_PURPOSE)
    return keywrap.keyed_hash(key, f"{kind}:{normalize(kind, value)}")


def seal_pii(kek: bytes, text: str) -> dict[str, str]:
    return keywrap.seal_text(text, kek, keywrap.PII_PURPOSE)


def unseal_pii(kek: bytes, envelope: Mapping[str, Any]) -> str:
    return keywrap.unseal_text(envelope, kek, keywrap.PII_PURPOSE)
