"""Every query on status lists and their allocations.

Rows are read as plain column tuples where the 16 KB bitstring is not needed, and the
bitstring itself only under a row lock when it is about to change.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Integer, String, and_, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.models import StatusAllocation, StatusList
from issuer_api.sql import insert_or_ignore


@dataclass(frozen=True)
class ListHead:
    """A status list without its bitstring."""

    id: str
    issuer_id: str
    purpose: str
    url: str
    size: int
    version: int
    created_at: datetime
    updated_at: datetime | None


_HEAD_COLUMNS = (
    StatusList.id,
    StatusList.issuer_id,
    StatusList.purpose,
    StatusList.url,
    StatusList.size,
    StatusList.version,
    StatusList.created_at,
    StatusList.updated_at,
)


def _head(row: Sequence[object]) -> ListHead:
    return ListHead(*row)  # type: ignore[arg-type]


async def get_head(session: AsyncSession, list_id: str) -> ListHead | None:
    row = (await session.execute(select(*_HEAD_COLUMNS).where(StatusList.id == list_id))).first()
    return _head(row) if row is not None else None


async def heads_by_url(session: AsyncSession, urls: Collection[str]) -> list[ListHead]:
    if not urls:
        return []
    rows = await session.execute(select(*_HEAD_COLUMNS).where(StatusList.url.in_(list(urls))))
    return [_head(row) for row in rows]


async def get_bits(session: AsyncSession, list_id: str) -> tuple[bytes, int] | None:
    """The bitstring and version, read together (a consistent pair)."""
    row = (
        await session.execute(
            select(StatusList.bits, StatusList.version).where(StatusList.id == list_id)
        )
    ).first()
    return (bytes(row[0]), int(row[1])) if row is not None else None


async def open_list(session: AsyncSession, issuer_id: str, purpose: str) -> ListHead | None:
    """The oldest open list of this issuer and purpose."""
    row = (
        await session.execute(
            select(*_HEAD_COLUMNS)
            .where(
                StatusList.issuer_id == issuer_id,
                StatusList.purpose == purpose,
                StatusList.closed_at.is_(None),
            )
            .order_by(StatusList.sequence)
            .limit(1)
        )
    ).first()
    return _head(row) if row is not None else None


async def last_sequence(session: AsyncSession, issuer_id: str, purpose: str) -> int:
    value = await session.scalar(
        select(func.max(StatusList.sequence)).where(
            StatusList.issuer_id == issuer_id, StatusList.purpose == purpose
        )
    )
    return int(value or 0)


async def insert_list(
    session: AsyncSession,
    *,
    list_id: str,
    issuer_id: str,
    purpose: str,
    sequence: int,
    url: str,
    size: int,
    now: datetime,
) -> bool:
    """Create a list unless another request just created this issuer's list ``sequence``."""
    return await insert_or_ignore(
        session,
        StatusList.__table__,  # type: ignore[arg-type]
        {
            "id": list_id,
            "issuer_id": issuer_id,
            "purpose": purpose,
            "sequence": sequence,
            "url": url,
            "size": size,
            "bits": bytes(-(-size // 8)),
            "version": 1,
            "created_at": now,
        },
        ("issuer_id", "purpose", "sequence"),
    )


async def close(session: AsyncSession, list_id: str, now: datetime) -> None:
    """No new allocations in this list (it stays published)."""
    await session.execute(
        update(StatusList)
        .where(StatusList.id == list_id, StatusList.closed_at.is_(None))
        .values(closed_at=now)
    )


# Built once (every issuance runs it): see issuer_api.auth.deps.
_TAKEN_AMONG: Final = (
    select(StatusList.id, StatusAllocation.status_index)
    .select_from(StatusList)
    .outerjoin(
        StatusAllocation,
        and_(
            StatusAllocation.status_list_id == StatusList.id,
            StatusAllocation.status_index.in_(bindparam("indexes", expanding=True)),
        ),
    )
    .where(StatusList.id == bindparam("list_id"))
)


async def taken_among(
    session: AsyncSession, list_id: str, indexes: Collection[int]
) -> set[int] | None:
    """Which of ``indexes`` are allocated in the list; None when there is no such list (a
    list a process remembered that is gone — one statement, the list's row by its key)."""
    rows = (
        await session.execute(_TAKEN_AMONG, {"list_id": list_id, "indexes": list(indexes)})
    ).all()
    if not rows:
        return None
    return {index for _, index in rows if index is not None}


async def all_taken(session: AsyncSession, list_id: str) -> set[int]:
    """Every allocated index of a list (only used when the list is nearly full)."""
    rows = await session.scalars(
        select(StatusAllocation.status_index).where(StatusAllocation.status_list_id == list_id)
    )
    return set(rows)


@functools.cache
def _claim_statement(dialect: str) -> Any:
    """``INSERT … SELECT`` from the list's row: nothing is inserted (no foreign-key error)
    when the list is gone, and nothing when the index is taken (``ON CONFLICT DO
    NOTHING``); ``RETURNING`` says whether a row went in."""
    source = select(
        StatusList.id,
        bindparam("status_index", type_=Integer),
        bindparam("credential_id", type_=String),
    ).where(StatusList.id == bindparam("list_id"))
    module: Any = postgresql if dialect == "postgresql" else sqlite
    table: Any = StatusAllocation.__table__  # Core, not the ORM's bulk insert
    return (
        module.insert(table)
        .from_select(["status_list_id", "status_index", "credential_id"], source)
        .on_conflict_do_nothing(index_elements=["status_list_id", "status_index"])
        .returning(table.c.id)
    )


async def claim(session: AsyncSession, list_id: str, index: int, credential_id: str) -> bool:
    """Record ``index`` as given to ``credential_id``; false when someone else has it, or
    when there is no such list (one a process remembered, deleted since)."""
    statement = _claim_statement(session.get_bind().dialect.name)
    values = {"list_id": list_id, "status_index": index, "credential_id": credential_id}
    return (await session.execute(statement, values)).first() is not None


async def release(session: AsyncSession, list_id: str, index: int, credential_id: str) -> None:
    """Undo a :func:`claim` of this transaction (the index was never published)."""
    await session.execute(
        delete(StatusAllocation).where(
            StatusAllocation.status_list_id == list_id,
            StatusAllocation.status_index == index,
            StatusAllocation.credential_id == credential_id,
        )
    )


async def lock_bits(session: AsyncSession, list_id: str) -> bytes:
    """The bitstring under a row lock (``FOR UPDATE`` on PostgreSQL) until the commit.

    SQLite has no row locks: callers there must already hold the database write lock
    (they have written in this transaction) so that the read is current.
    """
    row = (
        await session.execute(
            select(StatusList.bits).where(StatusList.id == list_id).with_for_update()
        )
    ).one()
    return bytes(row[0])


async def store_bits(session: AsyncSession, list_id: str, bits: bytes, now: datetime) -> None:
    """Write the bitstring and bump the version (the published list changes)."""
    await session.execute(
        update(StatusList)
        .where(StatusList.id == list_id)
        .values(bits=bits, version=StatusList.version + 1, updated_at=now)
    )
