"""Learners' web sessions: a random token in a cookie, its SHA-256 in the database.

The cookie (``obhub_session``) is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` when the
page is served over https; it holds 32 random bytes. The database keeps only their
SHA-256 (a stolen database opens no session), the learner, when the session ends
(absolute lifetime, :data:`SESSION_LIFETIME`) and when it was last used.

Pages that need a learner declare :data:`SignedInLearner` (signed out: a redirection
to ``/connexion?next=…``); pages that only adapt to one declare :data:`OptionalLearner`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Final
from urllib.parse import quote

from fastapi import Depends, Request, Response
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api import cookies
from issuer_api.accounts.tokens import new_token, token_hash
from issuer_api.deps import Session
from issuer_api.models import LearnerSession

COOKIE: Final = "obhub_session"
SESSION_LIFETIME: Final = timedelta(days=7)
LAST_SEEN_GRANULARITY: Final = timedelta(minutes=5)
SIGN_IN_PATH: Final = "/connexion"


def now_utc() -> datetime:
    return datetime.now(UTC)


async def open_session(db: AsyncSession, learner_id: str, *, now: datetime | None = None) -> str:
    """A new session of ``learner_id``; returns the cookie's token (never stored)."""
    now = now or now_utc()
    token = new_token()
    db.add(
        LearnerSession(
            id=token_hash(token),
            learner_id=learner_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            last_seen_at=now,
        )
    )
    await db.flush()
    return token


async def learner_of(
    db: AsyncSession, token: str | None, *, now: datetime | None = None
) -> str | None:
    """The learner whose live session ``token`` opens, else ``None``."""
    if not token or len(token) > 128:
        return None
    now = now or now_utc()
    row = await db.get(LearnerSession, token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    if now - row.last_seen_at >= LAST_SEEN_GRANULARITY:
        row.last_seen_at = now
    return row.learner_id


async def close_session(db: AsyncSession, token: str | None) -> None:
    if token:
        await db.execute(delete(LearnerSession).where(LearnerSession.id == token_hash(token)))


async def close_all(db: AsyncSession, learner_id: str) -> None:
    """Ends every session of ``learner_id`` (sign-out everywhere, erasure)."""
    await db.execute(delete(LearnerSession).where(LearnerSession.learner_id == learner_id))


async def purge_expired(db: AsyncSession, *, now: datetime | None = None) -> int:
    now = now or now_utc()
    expired = (
        await db.scalars(select(LearnerSession.id).where(LearnerSession.expires_at <= now))
    ).all()
    if expired:
        await db.execute(delete(LearnerSession).where(LearnerSession.id.in_(expired)))
    return len(expired)


def set_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=cookies.secure(request),
        path="/",
    )


def clear_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, httponly=True, samesite="lax", secure=cookies.secure(request), path="/"
    )


def cookie_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def is_signed_in(request: Request) -> bool:
    """Whether the page should offer "Mon espace" rather than "Se connecter": the
    resolved learner if a dependency resolved it, else whether a session cookie is sent."""
    resolved = getattr(request.state, "learner_id", ...)
    if resolved is not ...:
        return resolved is not None
    return cookie_token(request) is not None


class SignInRequiredError(Exception):
    """Raised by :data:`SignedInLearner`; answered with a redirection to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path

    @property
    def location(self) -> str:
        return f"{SIGN_IN_PATH}?next={quote(self.next_path, safe='/')}"


async def _optional_learner(request: Request, db: Session) -> str | None:
    learner_id = await learner_of(db, cookie_token(request))
    request.state.learner_id = learner_id
    return learner_id


async def _signed_in_learner(request: Request, db: Session) -> str:
    learner_id = await _optional_learner(request, db)
    if learner_id is None:
        raise SignInRequiredError(request.url.path)
    return learner_id


OptionalLearner = Annotated[str | None, Depends(_optional_learner)]
SignedInLearner = Annotated[str, Depends(_signed_in_learner)]
