"""Private keys at rest: AES-256-GCM envelopes under a key-encryption key (KEK).

A sealed key is a JSON object::

    {"type": "ObhubSealedKey", "alg": "A256GCM", "kid": "<KEK fingerprint>",
     "iv": "<base64url 12 bytes>", "ciphertext": "<base64url>", "aad": "obhub-key-v1"}

``kid`` is the first 16 hex digits of SHA-256(KEK): it tells which KEK sealed
the key (so rotation can find the right one) without revealing it. The
plaintext is the key file JSON (:meth:`obcore.keys.KeyPair.export`). The
additional authenticated data binds the envelope to its purpose, so a sealed
blob cannot be replayed as something else.

The KEK itself comes from settings or a secret file (32 bytes, base64url);
loading it is the caller's job. Nothing here logs or returns key material in
an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from obcore import multibase
from obcore.errors import InvalidKeyError, MalformedInputError
from obcore.keys import KeyPair

SEALED_TYPE = "ObhubSealedKey"
_AAD = "obhub-key-v1"
KEK_BYTES = 32


_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def parse_kek(text: str) -> bytes:
    """A KEK written as base64url (RFC 4648 §5, padding optional) → 32 bytes."""
    value = text.strip().rstrip("=")
    if not _BASE64URL.fullmatch(value):
        raise InvalidKeyError(
            "the key-encryption key must be written in base64url (A-Z a-z 0-9 - _)",
            code="invalid_kek",
        )
    try:
        raw = multibase.b64url_decode(value)
    except MalformedInputError:
        raw = b""
    if len(raw) != KEK_BYTES:
        raise InvalidKeyError(
            f"the key-encryption key must decode to {KEK_BYTES} bytes, not {len(raw)}",
            code="invalid_kek",
        )
    return raw


def format_kek(kek: bytes) -> str:
    """The base64url text form (no padding) of a KEK."""
    return multibase.b64url_encode(kek)


def new_kek() -> str:
    """A fresh KEK as base64url text."""
    return format_kek(os.urandom(KEK_BYTES))


def kek_id(kek: bytes) -> str:
    return hashlib.sha256(kek).hexdigest()[:16]


def is_sealed(document: Any) -> bool:
    return isinstance(document, Mapping) and document.get("type") == SEALED_TYPE


def seal(plaintext: bytes, kek: bytes, *, purpose: str = _AAD) -> dict[str, str]:
    """Encrypt ``plaintext`` under ``kek``; ``purpose`` is the additional authenticated
    data (``obhub-key-v1`` for private keys; see :data:`SECRET_PURPOSE`, :data:`PII_PURPOSE`)."""
    if len(kek) != KEK_BYTES:
        raise InvalidKeyError("the key-encryption key must be 32 bytes", code="invalid_kek")
    iv = os.urandom(12)
    ciphertext = AESGCM(kek).encrypt(iv, plaintext, purpose.encode("ascii"))
    return {
        "type": SEALED_TYPE,
        "alg": "A256GCM",
        "kid": kek_id(kek),
        "iv": multibase.b64url_encode(iv),
        "ciphertext": multibase.b64url_encode(ciphertext),
        "aad": purpose,
    }


def unseal(envelope: Mapping[str, Any], kek: bytes, *, purpose: str | None = None) -> bytes:
    """Decrypt a sealed envelope; with ``purpose``, refuse one sealed for anything else."""
    if not is_sealed(envelope) or envelope.get("alg") != "A256GCM":
        raise InvalidKeyError("not a sealed key", code="invalid_sealed_key")
    if purpose is not None and envelope.get("aad") != purpose:
        raise InvalidKeyError("this envelope was sealed for another purpose", code="wrong_purpose")
    if envelope.get("kid") != kek_id(kek):
        raise InvalidKeyError(
            "this key was sealed with another key-encryption key", code="wrong_kek"
        )
    try:
        iv = multibase.b64url_decode(str(envelope.get("iv", "")))
        ciphertext = multibase.b64url_decode(str(envelope.get("ciphertext", "")))
        return AESGCM(kek).decrypt(iv, ciphertext, str(envelope.get("aad", "")).encode("ascii"))
    except (InvalidTag, ValueError, MalformedInputError) as exc:
        raise InvalidKeyError(
            "the sealed key cannot be decrypted (tampered or wrong KEK)",
            code="key_decryption_failed",
        ) from exc


SECRET_PURPOSE: Final = "obhub-secret-v1"  # noqa: S105 - a label, not a secret
"""Additional authenticated data of sealed shared secrets (webhook signing secrets)."""
PII_PURPOSE: Final = "obhub-pii-v1"
"""Additional authenticated data of sealed personal data (learner emails, payloads)."""


def seal_text(text: str, kek: bytes, purpose: str) -> dict[str, str]:
    return seal(text.encode("utf-8"), kek, purpose=purpose)


def unseal_text(envelope: Mapping[str, Any], kek: bytes, purpose: str) -> str:
    return unseal(envelope, kek, purpose=purpose).decode("utf-8")


def derive_key(kek: bytes, purpose: str) -> bytes:
    """A 32-byte key for ``purpose`` derived from the KEK (HMAC-SHA-256 as a PRF), so
    one secret never serves two uses."""
    return hmac.new(kek, b"obhub-derive-v1:" + purpose.encode("utf-8"), hashlib.sha256).digest()


def keyed_hash(key: bytes, text: str) -> str:
    """HMAC-SHA-256 of ``text`` in hex: a lookup value that reveals nothing without ``key``."""
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def seal_keypair(pair: KeyPair, kek: bytes) -> dict[str, str]:
    return seal(pair.dumps().encode("utf-8"), kek)


def unseal_keypair(envelope: Mapping[str, Any], kek: bytes) -> KeyPair:
    return KeyPair.from_export(json.loads(unseal(envelope, kek)))
