"""Sign-in links: who may ask, how often, and what a link opens.

Asking (``POST /connexion``) never reveals whether an address is known: the request
records a rate-limit entry and enqueues :data:`SEND_TASK` with the address sealed,
whatever the address; the job creates the link and queues the email. So the answer, its
status and its timing are the same.

An address no learner holds yet gets a link too (a learner may sign in before any badge
reached the hub: to claim badges obtained elsewhere, or to let an application send them
through the Open Badges API). That link carries the address, sealed, instead of a
learner, and the learner is created only when it is used: proof that the address is
theirs. Until then nothing but the expiring link exists.

Limits, counted in the database (every API replica sees them) over the last hour:
:data:`CLIENT_LIMIT` requests per client address (an IPv6 address counts with its /64;
beyond: a 429 page) and :data:`ADDRESS_LIMIT` per email address (beyond: silently,
nothing is sent). Both are keyed hashes: neither the address nor the client's IP address
is stored. Links to addresses no learner holds are also capped for the whole hub
(``OBHUB_SIGN_UP_LINKS_PER_HOUR``, :func:`sign_up_links_last_hour`): beyond, the job
sends nothing, so asking for links cannot mail arbitrary addresses in bulk.

A link carries 32 random bytes; the database keeps their SHA-256, the learner, where
to go next, the expiry (:data:`TOKEN_LIFETIME`) and when it was used. Redeeming is one
conditional update: a token opens at most one session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from issuer_api.accounts.tokens import new_token, token_hash
from issuer_api.client_address import rate_bucket
from issuer_api.jobs import enqueue
from issuer_api.learners import repository as learners
from issuer_api.learners import service as learner_service
from issuer_api.models import SignInRequest, SignInToken
from issuer_api.privacy import identifier_lookup, normalize_email, seal_pii, unseal_pii
from obcore import keywrap

SEND_TASK: Final = "accounts.send_sign_in_link"
TOKEN_LIFETIME: Final = timedelta(minutes=15)
RATE_WINDOW: Final = timedelta(hours=1)
ADDRESS_LIMIT: Final = 5
CLIENT_LIMIT: Final = 20
MAX_EMAIL_CHARS: Final = 254
MAX_NEXT_CHARS: Final = 2048  # an OAuth authorization request URL fits
LINK_PATH: Final = "/connexion/lien"
DEFAULT_NEXT: Final = "/espace"
_RATE_PURPOSE: Final = "sign-in-rate-limit"
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_UNSAFE_NEXT: Final = re.compile(r"[\x00-\x20\\\x7f]")

TokenProblem = Literal["unknown", "expired", "used"]


def now_utc() -> datetime:
    return datetime.now(UTC)


def is_plausible_email(value: str) -> bool:
    """Shaped like an address (one ``@``, a dot in the domain, no spaces)."""
    return len(value) <= MAX_EMAIL_CHARS and _EMAIL.fullmatch(value) is not None


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a path of this site (``/…``, not ``//…`` nor ``/\\…``), else None."""
    if not value or len(value) > MAX_NEXT_CHARS:
        return None
    if not value.startswith("/") or value.startswith("//") or _UNSAFE_NEXT.search(value):
        return None
    return value


def _rate_key(kek: bytes, kind: str, value: str) -> str:
    return keywrap.keyed_hash(keywrap.derive_key(kek, _RATE_PURPOSE), f"{kind}:{value}")


@dataclass(frozen=True)
class Allowance:
    client_exceeded: bool
    address_exceeded: bool


async def count_request(
    db: AsyncSession, kek: bytes, *, email: str, client: str, now: datetime | None = None
) -> Allowance:
    """Record one request for a link and say whether a limit is passed."""
    now = now or now_utc()
    since = now - RATE_WINDOW
    address_key = _rate_key(kek, "email", normalize_email(email))
    client_key = _rate_key(kek, "client", rate_bucket(client))
    if await recent_requests(db, SignInRequest.client_key == client_key, since) >= CLIENT_LIMIT:
        return Allowance(client_exceeded=True, address_exceeded=False)
    address_count = await recent_requests(db, SignInRequest.address_key == address_key, since)
    db.add(SignInRequest(address_key=address_key, client_key=client_key, created_at=now))
    await db.flush()
    return Allowance(client_exceeded=False, address_exceeded=address_count >= ADDRESS_LIMIT)


async def recent_requests(db: AsyncSession, condition: ColumnElement[bool], since: datetime) -> int:
    """How many rate-limit entries (``sign_in_request``) matching ``condition`` were
    recorded after ``since``."""
    count = await db.scalar(
        select(func.count())
        .select_from(SignInRequest)
        .where(condition, SignInRequest.created_at > since)
    )
    return count or 0


async def request_link(
    db: AsyncSession, kek: bytes, *, email: str, next_path: str | None, language: str
) -> None:
    """Enqueue the sending of a link to ``email`` (known or not: the job decides)."""
    await enqueue(
        db,
        SEND_TASK,
        {
            "email": seal_pii(kek, normalize_email(email)),
            "next": safe_next(next_path),
            "language": language,
        },
    )


async def create_token(
    db: AsyncSession, learner_id: str, next_path: str | None, *, now: datetime | None = None
) -> str:
    """A new single-use token for ``learner_id``; returns it (only its hash is stored)."""
    return await _store_token(db, next_path, now, learner_id=learner_id)


async def create_sign_up_token(
    db: AsyncSession, kek: bytes, email: str, next_path: str | None, *, now: datetime | None = None
) -> str:
    """A new single-use token for an address no learner holds: the learner is created
    when it is used (:func:`redeem`)."""
    address = normalize_email(email)
    return await _store_token(
        db,
        next_path,
        now,
        email_sealed=seal_pii(kek, address),
        email_lookup=identifier_lookup(kek, "email", address),
    )


async def sign_up_links_last_hour(db: AsyncSession, *, now: datetime | None = None) -> int:
    """Sign-up links (to an address no learner held) created over the last hour; those
    used since (their learner now set) count too."""
    now = now or now_utc()
    found = await db.scalar(
        select(func.count())
        .select_from(SignInToken)
        .where(SignInToken.email_lookup.is_not(None), SignInToken.created_at > now - RATE_WINDOW)
    )
    return int(found or 0)


async def _store_token(
    db: AsyncSession,
    next_path: str | None,
    now: datetime | None,
    *,
    learner_id: str | None = None,
    email_sealed: dict[str, Any] | None = None,
    email_lookup: str | None = None,
) -> str:
    now = now or now_utc()
    token = new_token()
    db.add(
        SignInToken(
            id=token_hash(token),
            learner_id=learner_id,
            email_sealed=email_sealed,
            email_lookup=email_lookup,
            created_at=now,
            expires_at=now + TOKEN_LIFETIME,
            next_path=safe_next(next_path),
        )
    )
    await db.flush()
    return token


@dataclass(frozen=True)
class Redeemed:
    learner_id: str
    next_path: str


class TokenRefusedError(Exception):
    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(problem)
        self.problem: TokenProblem = problem


async def redeem(
    db: AsyncSession, kek: bytes, token: str, *, now: datetime | None = None
) -> Redeemed:
    """Use ``token`` (once); :class:`TokenRefusedError` says why it cannot be. A link
    sent to a new address creates its learner now (or finds the one a badge created
    for that address since the link was sent)."""
    now = now or now_utc()
    if not token or len(token) > 128:
        raise TokenRefusedError("unknown")
    key = token_hash(token)
    result = await db.execute(
        update(SignInToken)
        .where(
            SignInToken.id == key,
            SignInToken.used_at.is_(None),
            SignInToken.expires_at > now,
        )
        .values(used_at=now)
    )
    row = await db.get(SignInToken, key)
    if row is None:
        raise TokenRefusedError("unknown")
    if not getattr(result, "rowcount", 0):
        raise TokenRefusedError("used" if row.used_at is not None else "expired")
    learner_id = row.learner_id
    if learner_id is None:
        if row.email_sealed is None:  # excluded by a check constraint
            raise TokenRefusedError("unknown")
        learner_id = await learner_service.find_or_create(
            db, kek, "email", unseal_pii(kek, row.email_sealed), now
        )
        row.learner_id = learner_id
        await db.flush()
    return Redeemed(learner_id, safe_next(row.next_path) or DEFAULT_NEXT)


async def peek(db: AsyncSession, token: str, *, now: datetime | None = None) -> TokenProblem | None:
    """What is wrong with ``token`` (``None``: it can be used), without using it."""
    now = now or now_utc()
    if not token or len(token) > 128:
        return "unknown"
    row = await db.get(SignInToken, token_hash(token))
    if row is None:
        return "unknown"
    if row.used_at is not None:
        return "used"
    return "expired" if row.expires_at <= now else None


async def masked_address(db: AsyncSession, kek: bytes, token: str) -> str | None:
    """The address the link ``token`` signs into, masked (``c•••@example.fr``), so a
    reader who was sent someone else's link sees it is not their account."""
    row = await db.get(SignInToken, token_hash(token)) if 0 < len(token) <= 128 else None
    if row is None:
        return None
    if row.learner_id is None:
        return _masked(unseal_pii(kek, row.email_sealed)) if row.email_sealed else None
    for identifier in await learners.identifiers_of(db, row.learner_id):
        if identifier.kind == "email":
            return _masked(unseal_pii(kek, identifier.sealed))
    return None


def _masked(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"


async def purge(db: AsyncSession, *, now: datetime | None = None) -> None:
    """Forget rate-limit entries past their window and tokens past their expiry."""
    now = now or now_utc()
    await db.execute(delete(SignInRequest).where(SignInRequest.created_at <= now - RATE_WINDOW))
    await db.execute(delete(SignInToken).where(SignInToken.expires_at <= now - RATE_WINDOW))
