"""The secrets of a wallet offer, and what the database keeps of them.

The offer's URL holds a random *reference* (32 bytes). The pre-authorised code is
derived from it (HMAC under a key derived from the key-encryption key), so the offer
can be served by reference while the database keeps neither: only SHA-256 hashes of
the reference and the code. The PIN (``tx_code``) is kept as an HMAC under the same
key and the offer id: six digits hashed without a secret would fall to a million
guesses against a stolen database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final

_LABEL: Final = b"obhub/oid4vci/v1"
PIN_DIGITS: Final = 6


def _key(kek: bytes) -> bytes:
    return hmac.new(kek, _LABEL, hashlib.sha256).digest()


def _mac(kek: bytes, message: str) -> str:
    return hmac.new(_key(kek), message.encode("utf-8"), hashlib.sha256).hexdigest()


def new_reference() -> str:
    return secrets.token_urlsafe(32)


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """What the database keeps of a high-entropy secret: its SHA-256, hexadecimal."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def code_for(kek: bytes, reference: str) -> str:
    """The pre-authorised code of the offer whose reference is ``reference``."""
    mac = hmac.new(_key(kek), b"code:" + reference.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def pin_hash(kek: bytes, offer_id: str, pin: str) -> str:
    return _mac(kek, f"pin:{offer_id}:{pin}")


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
