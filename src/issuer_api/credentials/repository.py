"""Every query on issued credentials (and the audit events their status changes leave)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.models import IssuedCredential
from issuer_api.sql import insert_or_ignore


async def get(session: AsyncSession, credential_id: str) -> IssuedCredential | None:
    return await session.get(IssuedCredential, credential_id, populate_existing=True)


async def by_idempotency_key(
    session: AsyncSession, client_id: str, key: str
) -> IssuedCredential | None:
    result = await session.execute(
        select(IssuedCredential)
        .where(IssuedCredential.client_id == client_id, IssuedCredential.idempotency_key == key)
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def by_uri(session: AsyncSession, uri: str, limit: int = 20) -> list[IssuedCredential]:
    """Credentials whose ``id`` is ``uri``, newest first (VC-API callers choose ids)."""
    result = await session.execute(
        select(IssuedCredential)
        .where(IssuedCredential.credential_uri == uri)
        .order_by(IssuedCredential.created_at.desc(), IssuedCredential.id)
        .limit(limit)
    )
    return list(result.scalars())


async def page(
    session: AsyncSession, issuer_id: str, *, limit: int, offset: int
) -> tuple[list[IssuedCredential], int]:
    """An issuer's credentials, newest first, and how many there are in all."""
    total = await session.scalar(
        select(func.count())
        .select_from(IssuedCredential)
        .where(IssuedCredential.issuer_id == issuer_id)
    )
    rows = await session.execute(
        select(IssuedCredential)
        .where(IssuedCredential.issuer_id == issuer_id)
        .order_by(IssuedCredential.created_at.desc(), IssuedCredential.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars()), int(total or 0)


def _values(credential: IssuedCredential) -> dict[str, Any]:
    return {
        column.key: getattr(credential, column.key) for column in IssuedCredential.__table__.columns
    }


async def insert(session: AsyncSession, credential: IssuedCredential) -> bool:
    """Store a new credential; false when its (client, idempotency key) is already used.

    Every column must be set on ``credential`` (no defaults apply); it stays transient.
    """
    return await insert_or_ignore(
        session,
        IssuedCredential.__table__,  # type: ignore[arg-type]
        _values(credential),
        ("client_id", "idempotency_key"),
    )


async def _conditional_update(
    session: AsyncSession, credential_id: str, condition: Any, values: dict[str, Any]
) -> bool:
    result = await session.execute(
        update(IssuedCredential)
        .where(IssuedCredential.id == credential_id, condition)
        .values(**values)
        .returning(IssuedCredential.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


async def mark_revoked(session: AsyncSession, credential_id: str, now: datetime) -> bool:
    """Revoke unless already revoked (atomic: the row is locked by the update)."""
    return await _conditional_update(
        session, credential_id, IssuedCredential.revoked_at.is_(None), {"revoked_at": now}
    )


async def mark_erased(
    session: AsyncSession, credential_id: str, now: datetime, document: dict[str, Any]
) -> bool:
    """Empty a revoked credential of its holder's data, once (see ``service.erase_subject``)."""
    return await _conditional_update(
        session,
        credential_id,
        IssuedCredential.revoked_at.is_not(None) & IssuedCredential.erased_at.is_(None),
        {
            "erased_at": now,
            "document": document,
            "jwt": None,
            "recipient_type": "none",
            "recipient": None,
            "request_digest": None,
        },
    )


async def mark_suspended(session: AsyncSession, credential_id: str, suspended: bool) -> bool:
    """Suspend (or lift the suspension) unless revoked or already in that state."""
    return await _conditional_update(
        session,
        credential_id,
        IssuedCredential.revoked_at.is_(None) & (IssuedCredential.suspended == (not suspended)),
        {"suspended": suspended},
    )
