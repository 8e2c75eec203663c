"""Staff passwords: Argon2id (argon2-cffi's defaults, RFC 9106), checked off the event loop."""

from __future__ import annotations

import asyncio
import secrets
from functools import cache
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH: Final = 12
MAX_LENGTH: Final = 256
_ALPHABET: Final = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _decoy_hash() -> str:
    """A hash checked when no account matches, so both answers take the same time."""
    return _hasher().hash(secrets.token_urlsafe(16))


def one_time_password() -> str:
    """A 20-character password to print once (about 117 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(20))


def acceptable(password: str) -> bool:
    """The rule for a chosen password: long enough (a passphrase), not absurdly long."""
    return MIN_LENGTH <= len(password) <= MAX_LENGTH


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher().hash, password)


def _check(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def check_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; ``None`` (no account, no password) is
    checked against a decoy and is always false."""
    if stored is None:
        await asyncio.to_thread(_check, _decoy_hash(), password)
        return False
    return await asyncio.to_thread(_check, stored, password)


def needs_rehash(stored: str) -> bool:
    return _hasher().check_needs_rehash(stored)
