"""Managing the staff: list the members, change a role, deactivate and reactivate.

An administrator may not remove the last active administrator (by demoting or
deactivating them): the console would have nobody left to manage it. Deactivating a
member ends their console sessions. Every change is recorded in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.audit import add_audit_event
from issuer_api.models import StaffMember
from issuer_api.staff import sessions
from issuer_api.staff.roles import Role
from issuer_api.staff.service import UnknownRoleError, email_of


class LastAdministratorError(Exception):
    """The change would leave no active administrator."""


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: str
    display_name: str | None
    role: Role | None
    active: bool
    last_sign_in_at: datetime | None
    oidc: bool
    local: bool
    email: str | None


async def list_members(db: AsyncSession, kek: bytes, *, with_emails: bool) -> list[MemberRow]:
    """Every member, by name; emails unsealed only when asked (administrators)."""
    members = (await db.scalars(select(StaffMember))).all()
    rows = []
    for member in members:
        try:
            role: Role | None = Role(member.role)
        except ValueError:
            role = None
        rows.append(
            MemberRow(
                id=member.id,
                display_name=member.display_name,
                role=role,
                active=member.active,
                last_sign_in_at=member.last_sign_in_at,
                oidc=member.oidc_subject is not None,
                local=member.password_hash is not None,
                email=email_of(kek, member) if with_emails else None,
            )
        )
    return sorted(rows, key=lambda row: ((row.display_name or "").casefold(), row.id))


async def _active_administrators(db: AsyncSession) -> int:
    """How many active administrators there are, their rows locked (PostgreSQL) so two
    simultaneous demotions cannot both see the other one still there."""
    query = (
        select(StaffMember.id)
        .where(StaffMember.role == Role.ADMINISTRATOR.value, StaffMember.active.is_(True))
        .with_for_update()
    )
    return len((await db.scalars(query)).all())


async def _guard_last_administrator(db: AsyncSession, member: StaffMember) -> None:
    if (
        member.active
        and member.role == Role.ADMINISTRATOR.value
        and await _active_administrators(db) <= 1
    ):
        raise LastAdministratorError(member.id)


async def change_role(db: AsyncSession, member: StaffMember, role: str, *, by: str) -> bool:
    """Give ``member`` the role ``role``; whether anything changed."""
    try:
        chosen = Role(role)
    except ValueError as exc:
        raise UnknownRoleError(role) from exc
    if member.role == chosen.value:
        return False
    if chosen is not Role.ADMINISTRATOR:
        await _guard_last_administrator(db, member)
    previous = member.role
    member.role = chosen.value
    add_audit_event(
        db,
        actor=by,
        action="staff.role_changed",
        target_type="staff_member",
        target_id=member.id,
        data={"from": previous, "to": chosen.value},
    )
    return True


async def set_active(db: AsyncSession, member: StaffMember, active: bool, *, by: str) -> bool:
    """Deactivate (ending their sessions) or reactivate ``member``; whether it changed."""
    if member.active == active:
        return False
    if not active:
        await _guard_last_administrator(db, member)
        await sessions.close_all(db, member.id)
    member.active = active
    add_audit_event(
        db,
        actor=by,
        action="staff.reactivated" if active else "staff.deactivated",
        target_type="staff_member",
        target_id=member.id,
    )
    return True
