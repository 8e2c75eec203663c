"""The secrets of a wallet offer, and what the database keeps of them.

The offer's URL holds a random *reference* (:func:`issuer_api.accounts.tokens.new_token`,
32 bytes). The pre-authorised code is derived from it (HMAC under a key derived from the
key-encryption key), so the offer can be served by reference while the database keeps
neither: only their :func:`~issuer_api.accounts.tokens.token_hash`. The PIN
(``tx_code``) is kept as an HMAC under the same key and the offer id: six digits hashed
without a secret would fall to a million guesses against a stolen database. A
``c_nonce`` carries its own MAC and time, so handing one out stores nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final

_LABEL: Final = b"obhub/oid4vci/v1"
PIN_DIGITS: Final = 6
NONCE_CHARS: Final = 54  # 40 bytes in unpadded base64url


def _key(kek: bytes) -> bytes:
    return hmac.new(kek, _LABEL, hashlib.sha256).digest()


def _mac(kek: bytes, message: str) -> str:
    return hmac.new(_key(kek), message.encode("utf-8"), hashlib.sha256).hexdigest()


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def code_for(kek: bytes, reference: str) -> str:
    """The pre-authorised code of the offer whose reference is ``reference``."""
    mac = hmac.new(_key(kek), b"code:" + reference.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def pin_hash(kek: bytes, offer_id: str, pin: str) -> str:
    return _mac(kek, f"pin:{offer_id}:{pin}")


def new_nonce(kek: bytes, now: int) -> str:
    """A ``c_nonce`` that proves itself: 16 random bytes and the time it was made, with
    their MAC. The nonce endpoint writes nothing (anyone may call it); using one is
    recorded (:func:`nonce_time` checks it first)."""
    body = secrets.token_bytes(16) + now.to_bytes(8, "big")
    tag = hmac.new(_key(kek), b"nonce:" + body, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(body + tag).rstrip(b"=").decode("ascii")


def nonce_time(kek: bytes, nonce: str) -> int | None:
    """When ``nonce`` was made by :func:`new_nonce` under ``kek``, else ``None``."""
    if len(nonce) != NONCE_CHARS or not nonce.isascii():
        return None
    try:
        raw = base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4))
    except ValueError:
        return None
    body, tag = raw[:24], raw[24:]
    expected = hmac.new(_key(kek), b"nonce:" + body, hashlib.sha256).digest()[:16]
    if len(raw) != 40 or not hmac.compare_digest(tag, expected):
        return None
    return int.from_bytes(body[16:], "big")


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
