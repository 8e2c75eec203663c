"""Bearer tokens held by a browser (a session's cookie, a sign-in link): 32 random
bytes, URL-safe; the database keeps only their SHA-256, so a stolen database opens
nothing."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A fresh token: 32 random bytes, URL-safe base64."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of ``token``: its SHA-256, in hexadecimal."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
