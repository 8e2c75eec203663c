"""The embedded database's async driver: SQLite statements run in the event loop's thread.

SQLAlchemy's stock async SQLite driver (aiosqlite) gives each connection a thread and
sends every statement there and back: two thread switches and a wake-up of the event
loop per statement. For the embedded database's statements — a few microseconds of
SQLite work on a local file — that round trip is the cost: measured here, about
420 µs of CPU per statement through aiosqlite against 33 µs for the same statement
through SQLAlchemy's synchronous driver, most of an issuance request's time.

So this driver runs each statement directly, in the event loop's thread, with
SQLite's busy timeout at zero: a statement never waits inside SQLite. When another
process holds the database's write lock, SQLite answers ``SQLITE_BUSY`` at once; the
coroutine then sleeps (0.5 ms, doubling up to 20 ms — what SQLite's own busy handler
does, but without holding the thread) and runs the statement again, for up to the
connection's ``timeout``, while the event loop serves other requests. No thread ever
touches the connection, so a request cancelled while it waits leaves nothing running.
A statement refused with ``SQLITE_BUSY`` changed nothing (checked: the connection's
``total_changes`` did not move; otherwise the error is raised, never retried), so
running it again is safe. Within one process, writers already queue on an asyncio lock
(:func:`issuer_api.sql.write_section`), so the waiting is for the other processes
(uvicorn workers, ``obhub worker``, the CLI).

The price: while SQLite works on a statement, the event loop waits. For the embedded
database's short statements that is less than the thread round trip; a long one (an
aggregate over a very large table) holds every request of the process meanwhile — past
that size, PostgreSQL is the database to run (``OBHUB_DATABASE_URL``).

It plugs into SQLAlchemy as the dialect ``sqlite+obhub`` (the stock SQLite dialect
for everything but the connection), registered by :func:`register`.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, TypeVar

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util.concurrency import await_

DRIVER: Final = "obhub"
"""``sqlite+obhub://…``: the driver name this module registers."""

DEFAULT_TIMEOUT_S: Final = 10.0
_FIRST_PAUSE_S: Final = 0.0005
_LONGEST_PAUSE_S: Final = 0.02

T = TypeVar("T")


def _busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return bool(code & 0xFF == sqlite3.SQLITE_BUSY)
    return "locked" in str(error)  # pragma: no cover - every supported Python sets the code


class Cursor:
    """An asyncio face on a :class:`sqlite3.Cursor` (the methods SQLAlchemy awaits)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._cursor = connection._conn.cursor()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        await self._connection.run(self._cursor.execute, sql, parameters or ())
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Cursor:
        # materialised: a retry after SQLITE_BUSY must see them all again
        await self._connection.run(self._cursor.executemany, sql, list(parameters))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()


class Connection:
    """An asyncio face on a :class:`sqlite3.Connection`; see the module docstring."""

    def __init__(self, conn: sqlite3.Connection, timeout_s: float) -> None:
        self._conn = conn
        self._timeout_s = timeout_s
        # SQLAlchemy's adapter reads this to tell an open connection from a closed one
        self._connection: sqlite3.Connection | None = conn

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        """``call(*args)`` now; while another process holds the lock, again after a pause."""
        pause = _FIRST_PAUSE_S
        deadline: float | None = None
        while True:
            changes = self._conn.total_changes
            try:
                return call(*args)
            except sqlite3.OperationalError as error:
                if not _busy(error) or self._conn.total_changes != changes:
                    raise
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self._timeout_s
                elif now >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE_S)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Any) -> None:
        self._conn.isolation_level = value

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def cursor(self) -> Cursor:
        # not awaited: SQLAlchemy enters the cursor with ``async with`` semantics
        return Cursor(self)

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        cursor = Cursor(self)
        return await cursor.execute(sql, parameters)

    async def commit(self) -> None:
        await self.run(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Close now (also SQLAlchemy's forced termination); closing twice is a no-op."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()


async def connect(
    database: str, *, timeout: float = DEFAULT_TIMEOUT_S, **kwargs: Any
) -> Connection:
    """Open ``database`` (the arguments of :func:`sqlite3.connect`; ``timeout`` is how long
    a statement waits for another process's lock)."""
    return Connection(sqlite3.connect(database, timeout=0, **kwargs), timeout)


class _Module:
    """What SQLAlchemy's adapter reads from an aiosqlite-like module."""

    Connection = Connection
    connect = staticmethod(connect)
    DatabaseError = sqlite3.DatabaseError
    Error = sqlite3.Error
    IntegrityError = sqlite3.IntegrityError
    NotSupportedError = sqlite3.NotSupportedError
    OperationalError = sqlite3.OperationalError
    ProgrammingError = sqlite3.ProgrammingError
    sqlite_version = sqlite3.sqlite_version
    sqlite_version_info = sqlite3.sqlite_version_info
    __version__ = sqlite3.sqlite_version


class _AdaptedConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    @property
    def isolation_level(self) -> str | None:
        level: str | None = self._connection.isolation_level
        return level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        # no thread to hand it to: set it directly
        self._connection.isolation_level = value


class _DBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *args: Any, **kwargs: Any) -> _AdaptedConnection:
        kwargs.pop("async_creator_fn", None)
        connection: Any = await_(connect(*args, **kwargs))
        return _AdaptedConnection(self, connection)


class InlineSQLiteDialect(SQLiteDialect_aiosqlite):
    """SQLAlchemy's async SQLite dialect with this module's connection."""

    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> _DBAPI:
        module: Any = _Module
        return _DBAPI(module, sqlite3)


def register() -> None:
    """Make ``sqlite+obhub://`` known to SQLAlchemy (idempotent)."""
    registry.register(f"sqlite.{DRIVER}", __name__, "InlineSQLiteDialect")
