"""SQL helpers shared by repositories: dialect-aware ``INSERT … ON CONFLICT DO NOTHING``.

A unique constraint is how the service resolves races between concurrent requests
(status list indexes, idempotency keys, list numbering). Inserting with ``ON CONFLICT DO
NOTHING`` turns the race into an empty ``RETURNING`` instead of an exception, which would
abort the whole PostgreSQL transaction; both SQLite (3.35+) and PostgreSQL support it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


@functools.cache
def _insert_ignoring(dialect: str, table: Table, conflict_columns: tuple[str, ...]) -> Any:
    """``INSERT … ON CONFLICT (conflict_columns) DO NOTHING RETURNING pk`` for the dialect,
    built once: the row comes as the execution's parameters (building and hashing the
    statement for each row costs more than running it)."""
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:  # pragma: no cover - db.py accepts only these two backends
        raise ValueError(f"unsupported database backend {dialect!r}")
    # RETURNING, not rowcount: psycopg's async cursor reports -1 for this statement.
    return statement.on_conflict_do_nothing(index_elements=list(conflict_columns)).returning(
        *table.primary_key.columns
    )


async def insert_or_ignore(
    session: AsyncSession,
    table: Table,
    values: Mapping[str, Any],
    conflict_columns: Sequence[str],
) -> bool:
    """Insert one row unless it would violate the unique index on ``conflict_columns``.

    Returns whether the row was inserted. On PostgreSQL a conflicting row written by a
    concurrent, not yet committed transaction makes this wait for that transaction's
    outcome, so the answer is always final.
    """
    statement = _insert_ignoring(session.get_bind().dialect.name, table, tuple(conflict_columns))
    result = await session.execute(statement, dict(values))
    return result.first() is not None


async def lock_row(session: AsyncSession, table: Table, row_id: Any, *, touch: str) -> None:
    """Hold the row whose primary key is ``row_id`` until the transaction ends, so that a
    check-then-write (read the keys, add one; read the versions, add one) cannot race.

    PostgreSQL: ``SELECT … FOR UPDATE`` on the row. SQLite: see :func:`sqlite_write_lock`.
    """
    (key,) = table.primary_key.columns
    if not await sqlite_write_lock(session, table, row_id, touch=touch):
        await session.execute(select(key).where(key == row_id).with_for_update())


async def sqlite_write_lock(
    session: AsyncSession, table: Table, row_id: Any, *, touch: str
) -> bool:
    """On SQLite, take the database write lock now; False (nothing done) elsewhere.

    SQLite has no row locks and reads outside a write transaction: a no-op ``UPDATE``
    (``touch = touch``, a column that is not a key) of the row takes the write lock
    first, so what is read afterwards is what the other writers committed, and they
    wait for this transaction. A caller that reads the row ``FOR UPDATE`` anyway needs
    only this, not :func:`lock_row`.
    """
    if session.get_bind().dialect.name != "sqlite":
        return False
    (key,) = table.primary_key.columns
    column = table.c[touch]
    await session.execute(update(table).where(key == row_id).values({column: column}))
    return True


_sqlite_writers: WeakKeyDictionary[Engine, asyncio.Lock] = WeakKeyDictionary()


@asynccontextmanager
async def write_section(session: AsyncSession) -> AsyncIterator[None]:
    """The writes of a request as a transaction of their own, committed when the block
    ends (rolled back if it raises): locks and, on SQLite, the database write lock are
    held for those few statements only.

    On SQLite, also one such section of this process at a time: concurrent requests of
    the process queue on an asyncio lock instead of each holding a connection in
    SQLite's busy handler, sleeping and retrying, while the writer they wait for needs
    the event loop to finish. What the session wrote before is committed first, so that
    no request waits for the section while holding the write lock itself.
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        await session.commit()
        return
    if await _sqlite_in_write_transaction(session):
        await session.commit()
    engine = bind if isinstance(bind, Engine) else bind.engine
    lock = _sqlite_writers.setdefault(engine, asyncio.Lock())
    async with lock:
        try:
            yield
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


async def _sqlite_in_write_transaction(session: AsyncSession) -> bool:
    """Whether SQLite has begun a transaction on the session's connection. The driver
    begins one before the first write only (reads run outside), so this is: whether the
    session has written and holds the database write lock."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return bool(getattr(raw.driver_connection, "in_transaction", True))
