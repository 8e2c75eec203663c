"""Console sessions: a random token in a cookie scoped to ``/console``, its hash stored.

The cookie (``obhub_staff``) is ``HttpOnly``, ``SameSite=Strict``, limited to the
console's paths and ``Secure`` over https. A session lasts at most
:data:`SESSION_LIFETIME` and ends after :data:`IDLE_TIMEOUT` without use.

Console routes declare :func:`staff_with` (``Annotated[StaffPrincipal,
Depends(staff_with(Permission.X))]``): signed out, the reader is sent to
``/console/connexion?next=…``; signed in without the permission, a 403 page; a member
who must still replace a printed password is sent to ``/console/mot-de-passe``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import quote

from fastapi import Request, Response
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api import cookies
from issuer_api.accounts.tokens import new_token, token_hash
from issuer_api.deps import Session
from issuer_api.models import StaffMember, StaffSession
from issuer_api.staff.roles import ROLE_PERMISSIONS, Permission, Role

COOKIE: Final = "obhub_staff"
COOKIE_PATH: Final = "/console"
SESSION_LIFETIME: Final = timedelta(hours=8)
IDLE_TIMEOUT: Final = timedelta(hours=1)
LAST_SEEN_GRANULARITY: Final = timedelta(minutes=1)
SIGN_IN_PATH: Final = "/console/connexion"
PASSWORD_PATH: Final = "/console/mot-de-passe"  # noqa: S105 - a page, not a secret


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class StaffPrincipal:
    """The signed-in staff member as console routes see them."""

    id: str
    role: Role
    display_name: str | None
    must_change_password: bool

    @property
    def actor(self) -> str:
        return f"staff:{self.id}"

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


async def open_session(db: AsyncSession, staff_id: str, *, now: datetime | None = None) -> str:
    now = now or now_utc()
    token = new_token()
    db.add(
        StaffSession(
            id=token_hash(token),
            staff_id=staff_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            last_seen_at=now,
        )
    )
    await db.flush()
    return token


async def principal_of(
    db: AsyncSession, token: str | None, *, now: datetime | None = None
) -> StaffPrincipal | None:
    if not token or len(token) > 128:
        return None
    now = now or now_utc()
    row = await db.get(StaffSession, token_hash(token))
    if row is None or row.expires_at <= now or now - row.last_seen_at >= IDLE_TIMEOUT:
        return None
    member = await db.get(StaffMember, row.staff_id)
    if member is None or not member.active:
        return None
    try:
        role = Role(member.role)
    except ValueError:
        return None
    if now - row.last_seen_at >= LAST_SEEN_GRANULARITY:
        row.last_seen_at = now
    return StaffPrincipal(member.id, role, member.display_name, member.must_change_password)


async def close_session(db: AsyncSession, token: str | None) -> None:
    if token:
        await db.execute(delete(StaffSession).where(StaffSession.id == token_hash(token)))


async def close_all(db: AsyncSession, staff_id: str) -> None:
    await db.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))


async def purge_expired(db: AsyncSession, *, now: datetime | None = None) -> None:
    now = now or now_utc()
    await db.execute(delete(StaffSession).where(StaffSession.expires_at <= now))


def cookie_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def set_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=cookies.secure(request),
        path=COOKIE_PATH,
    )


def clear_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE,
        httponly=True,
        samesite="strict",
        secure=cookies.secure(request),
        path=COOKIE_PATH,
    )


class StaffSignInRequiredError(Exception):
    """Answered with a redirection to the console's sign-in page (then back)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path

    @property
    def location(self) -> str:
        return f"{SIGN_IN_PATH}?next={quote(self.next_path, safe='/')}"


class PasswordChangeRequiredError(Exception):
    """A printed password must be replaced before anything else."""

    location = PASSWORD_PATH


class StaffForbiddenError(Exception):
    """Signed in, but the role does not grant the permission: a 403 page."""

    def __init__(self, permission: Permission) -> None:
        super().__init__(permission.value)
        self.permission = permission


def staff_with(
    permission: Permission, *, allow_password_change: bool = False
) -> Callable[[Request, AsyncSession], Awaitable[StaffPrincipal]]:
    """A dependency: the signed-in staff member, who must hold ``permission``."""

    async def dependency(request: Request, db: Session) -> StaffPrincipal:
        principal = await principal_of(db, cookie_token(request))
        request.state.staff = principal
        if principal is None:
            raise StaffSignInRequiredError(request.url.path)
        if principal.must_change_password and not allow_password_change:
            raise PasswordChangeRequiredError
        if not principal.can(permission):
            raise StaffForbiddenError(permission)
        return principal

    return dependency
