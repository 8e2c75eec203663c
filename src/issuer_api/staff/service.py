"""Staff accounts: create, find, sign in with a password (with lock-out), change it."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.audit import add_audit_event
from issuer_api.models import StaffMember, StaffSignInFailure
from issuer_api.privacy import identifier_lookup, normalize_email, seal_pii, unseal_pii
from issuer_api.staff import passwords
from issuer_api.staff.roles import Role

# Ten failed passwords for one account (or fifty from one client address) within the
# window lock password sign-in for the rest of the window.
FAILURE_WINDOW: Final = timedelta(minutes=15)
MAX_ACCOUNT_FAILURES: Final = 10
MAX_CLIENT_FAILURES: Final = 50


class StaffExistsError(Exception):
    """A staff member with this email already exists."""


class UnknownRoleError(ValueError):
    pass


def now_utc() -> datetime:
    return datetime.now(UTC)


def actor(member: StaffMember) -> str:
    """How the audit log names a staff member (no email: a stable id)."""
    return f"staff:{member.id}"


def email_key(kek: bytes, email: str) -> str:
    return identifier_lookup(kek, "email", email)


def email_of(kek: bytes, member: StaffMember) -> str:
    return unseal_pii(kek, member.email_sealed)


async def find_by_email(db: AsyncSession, kek: bytes, email: str) -> StaffMember | None:
    return (
        await db.scalars(
            select(StaffMember).where(StaffMember.email_lookup == email_key(kek, email))
        )
    ).one_or_none()


@dataclass(frozen=True, slots=True)
class Created:
    member: StaffMember
    password: str  # printed once, to be changed at the first sign-in


async def create_member(
    db: AsyncSession,
    kek: bytes,
    *,
    email: str,
    role: str,
    display_name: str | None = None,
    by: str = "system",
    local: bool = True,
) -> Created:
    """A new account. Local: with a one-time password (to be changed at first sign-in);
    otherwise without any password, for sign-in through the identity provider only
    (``password`` is then empty)."""
    try:
        chosen = Role(role)
    except ValueError as exc:
        raise UnknownRoleError(role) from exc
    if await find_by_email(db, kek, email) is not None:
        raise StaffExistsError(email)
    password = passwords.one_time_password() if local else ""
    member = StaffMember(
        email_lookup=email_key(kek, email),
        email_sealed=seal_pii(kek, normalize_email(email)),
        display_name=display_name,
        role=chosen.value,
        password_hash=await passwords.hash_password(password) if local else None,
        must_change_password=local,
    )
    db.add(member)
    await db.flush()
    add_audit_event(
        db,
        actor=by,
        action="staff.created",
        target_type="staff_member",
        target_id=member.id,
        data={"role": chosen.value, "method": "password" if local else "oidc"},
    )
    return Created(member, password)


async def member_for_identity(
    db: AsyncSession,
    kek: bytes,
    *,
    issuer: str,
    subject: str,
    email: str | None,
    email_verified: bool,
) -> StaffMember | None:
    """The active member the identity provider vouches for, else ``None``.

    Found by (issuer, subject) when they signed in this way before; otherwise the first
    sign-in binds the pre-provisioned account whose email is the token's verified
    ``email``, unless that account is already bound to another subject. Accounts are
    never created here.
    """
    member = (
        await db.scalars(
            select(StaffMember).where(
                StaffMember.oidc_issuer == issuer, StaffMember.oidc_subject == subject
            )
        )
    ).one_or_none()
    if member is None and email is not None and email_verified:
        candidate = await find_by_email(db, kek, email)
        # Only an account made for the Region's sign-in (no local password) is bound by
        # email: a local account, an administrator's say, is never taken over this way.
        if (
            candidate is not None
            and candidate.oidc_subject is None
            and candidate.password_hash is None
        ):
            candidate.oidc_issuer = issuer
            candidate.oidc_subject = subject
            member = candidate
            add_audit_event(
                db,
                actor=actor(candidate),
                action="staff.identity_bound",
                target_type="staff_member",
                target_id=candidate.id,
                data={"issuer": issuer},
            )
    if member is None or not member.active:
        return None
    # The identity provider vouches for the member: no printed password to replace (a
    # printed one never replaced is void from now on).
    if member.must_change_password:
        member.password_hash = None
        member.must_change_password = False
    member.last_sign_in_at = now_utc()
    return member


def _failure_key(kek: bytes, kind: str, value: str) -> str:
    return hmac.new(kek, f"staff-sign-in/{kind}/{value}".encode(), hashlib.sha256).hexdigest()


async def _failures(
    db: AsyncSession, *, account: str | None, client: str | None, since: datetime
) -> int:
    query = select(func.count()).select_from(StaffSignInFailure)
    query = query.where(StaffSignInFailure.created_at > since)
    if account is not None:
        query = query.where(StaffSignInFailure.account_key == account)
    if client is not None:
        query = query.where(StaffSignInFailure.client_key == client)
    return int(await db.scalar(query) or 0)


@dataclass(frozen=True, slots=True)
class SignInOutcome:
    member: StaffMember | None
    locked: bool = False


async def authenticate(
    db: AsyncSession, kek: bytes, *, email: str, password: str, client: str
) -> SignInOutcome:
    """The active member whose email and password these are, else ``member=None``.

    Failures are counted per account and per client address (keyed hashes); past the
    limits the answer is ``locked`` whatever the password, until the window passes.

    Every attempt is recorded as a failure and committed *before* the slow password
    check, so attempts sent in parallel see each other: a burst gets no more guesses than
    the limit. A right password then removes the account's failures.
    """
    now = now_utc()
    since = now - FAILURE_WINDOW
    account_key = _failure_key(kek, "account", normalize_email(email))
    client_key = _failure_key(kek, "client", client)
    db.add(StaffSignInFailure(account_key=account_key, client_key=client_key, created_at=now))
    await db.commit()
    if (
        await _failures(db, account=account_key, client=None, since=since) > MAX_ACCOUNT_FAILURES
        or await _failures(db, account=None, client=client_key, since=since) > MAX_CLIENT_FAILURES
    ):
        return SignInOutcome(None, locked=True)
    member = await find_by_email(db, kek, email)
    usable = member is not None and member.active and member.password_hash is not None
    stored = member.password_hash if usable and member is not None else None
    if not await passwords.check_password(stored, password) or member is None:
        return SignInOutcome(None)
    if stored is not None and passwords.needs_rehash(stored):
        member.password_hash = await passwords.hash_password(password)
    member.last_sign_in_at = now
    await db.execute(
        delete(StaffSignInFailure).where(StaffSignInFailure.account_key == account_key)
    )
    return SignInOutcome(member)


async def change_password(db: AsyncSession, member: StaffMember, new_password: str) -> None:
    member.password_hash = await passwords.hash_password(new_password)
    member.must_change_password = False
    add_audit_event(
        db,
        actor=actor(member),
        action="staff.password_changed",
        target_type="staff_member",
        target_id=member.id,
    )


async def purge_failures(db: AsyncSession, *, now: datetime | None = None) -> None:
    cutoff = (now or now_utc()) - FAILURE_WINDOW
    await db.execute(delete(StaffSignInFailure).where(StaffSignInFailure.created_at <= cutoff))
