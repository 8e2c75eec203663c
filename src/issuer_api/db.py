"""Database engine and sessions: created in the app lifespan, never at import time.

* Embedded default: SQLite file in ``OBHUB_DATA_DIR`` through the driver of
  :mod:`issuer_api.sqlite_driver` (statements in the event loop's thread; a
  statement finding the write lock taken by another process waits for it in a
  worker thread, up to 10 s), WAL journal, foreign keys on.
* Scale: PostgreSQL through psycopg 3 (async), ``OBHUB_DATABASE_URL``.

Only the request (or job) boundary commits: :func:`session_scope` commits when
the block succeeds and rolls back otherwise; services only ``flush()``.
"""

from __future__ import annotations

import select
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from issuer_api import sqlite_driver

sqlite_driver.register()


def async_url(url: str) -> str:
    """Map a configured URL to its async driver (sqlite → :mod:`issuer_api.sqlite_driver`,
    postgresql → psycopg)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        drivername = f"sqlite+{sqlite_driver.DRIVER}"
        return parsed.set(drivername=drivername).render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database backend {backend!r} (use sqlite or postgresql)")


def sync_url(url: str) -> str:
    """The synchronous form of the same URL (Alembic migrations)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database backend {backend!r} (use sqlite or postgresql)")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str, *, echo: bool = False, pool_size: int | None = None) -> AsyncEngine:
    """The async engine for ``url`` (plain or async driver names are both accepted);
    ``pool_size``: PostgreSQL connections kept open (:data:`POSTGRES_POOL_SIZE`)."""
    target = async_url(url)
    if target.startswith("sqlite"):
        # A pooled SQLite connection costs a file handle and a little memory: enough of
        # them that a busy process never opens and closes one per request.
        engine = create_async_engine(
            target,
            echo=echo,
            connect_args={"timeout": sqlite_driver.DEFAULT_TIMEOUT_S},
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_POOL_OVERFLOW,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(
        target,
        echo=echo,
        pool_size=pool_size or POSTGRES_POOL_SIZE,
        max_overflow=(pool_size or POSTGRES_POOL_SIZE) // 2,
        pool_recycle=POOL_RECYCLE_SECONDS,
    )
    event.listen(engine.sync_engine, "checkout", _replace_dead_connection)
    return engine


POSTGRES_POOL_SIZE: Final = 20
"""Connections a process keeps open to PostgreSQL unless told otherwise
(``OBHUB_DATABASE_POOL_SIZE`` for the API). Beyond them (up to half as many more) a
connection is opened for the request and closed after it: a new server process each
time, and statements never reach psycopg's automatic prepare (a query is prepared on a
connection after its fifth run), so every one is parsed and planned again. With 10,
sixteen requests in flight opened about one connection every six requests."""
SQLITE_POOL_SIZE: Final = 32
SQLITE_POOL_OVERFLOW: Final = 32
POOL_RECYCLE_SECONDS: Final = 1800
"""A pooled PostgreSQL connection is replaced after this long (idle-timeout middleboxes)."""


def _replace_dead_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Pool checkout on PostgreSQL: a connection the server has closed is replaced.

    Instead of SQLAlchemy's ``pool_pre_ping`` — a ``SELECT 1`` round trip and two
    autocommit switches at every checkout, about an eighth of the CPU of acknowledging
    a partner delivery — the check reads the socket without waiting: an idle
    connection has nothing to read unless the server closed it (a restart, a
    terminated backend, an idle timeout: PostgreSQL sends an error and closes).
    """
    if closed_by_server(dbapi_connection.driver_connection):
        raise DisconnectionError("the server closed this pooled connection")


def closed_by_server(connection: Any) -> bool:
    """Whether an idle psycopg connection is closed, broken, or has something to read —
    which, idle, only happens once the server has closed it: a check with no round trip."""
    return bool(connection.closed or connection.broken or _readable(connection.pgconn.socket))


def _readable(fd: int) -> bool:
    readable, _, _ = select.select([fd], [], [], 0)
    return bool(readable)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on error."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
