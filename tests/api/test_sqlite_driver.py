"""The embedded database's driver: statements in the event loop's thread, and a statement
that finds the write lock taken by another process waits for it elsewhere."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from issuer_api import sqlite_driver
from issuer_api.db import async_url, create_engine


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "driver.sqlite3"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    return path


@pytest.fixture
async def engine(database: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite:///{database}")
    yield engine
    await engine.dispose()


def _thread_recorder(engine: AsyncEngine, seen: list[int]) -> None:
    """``where_am_i()`` in SQL records the thread that runs the statement."""

    def on_connect(dbapi_connection: object, _record: object) -> None:
        raw = dbapi_connection.driver_connection  # type: ignore[attr-defined]
        raw._conn.create_function("where_am_i", 0, lambda: seen.append(threading.get_ident()))

    event.listen(engine.sync_engine, "connect", on_connect)


def test_the_embedded_database_url_selects_this_driver() -> None:
    assert async_url("sqlite:////var/obhub/obhub.sqlite3") == (
        f"sqlite+{sqlite_driver.DRIVER}:////var/obhub/obhub.sqlite3"
    )


@pytest.mark.anyio
async def test_a_statement_runs_in_the_event_loops_thread(engine: AsyncEngine) -> None:
    seen: list[int] = []
    _thread_recorder(engine, seen)
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO note (body) VALUES ('bonjour')"))
        await connection.execute(text("SELECT where_am_i()"))
    async with engine.connect() as connection:
        body = (await connection.execute(text("SELECT body FROM note"))).scalar_one()
    assert body == "bonjour"
    assert seen == [threading.get_ident()]


@pytest.mark.anyio
async def test_a_write_waits_for_another_process_lock_without_blocking_the_loop(
    engine: AsyncEngine, database: Path
) -> None:
    seen: list[int] = []
    _thread_recorder(engine, seen)
    async with engine.connect() as warm:  # the connection exists before the lock is taken
        await warm.execute(text("SELECT 1"))
    other = sqlite3.connect(database, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    other.execute("INSERT INTO note (body) VALUES ('premier')")
    ticks = 0

    async def loop_keeps_serving() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def write() -> None:
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO note (body) VALUES ('second') RETURNING where_am_i()")
            )

    ticker = asyncio.create_task(loop_keeps_serving())
    writer = asyncio.create_task(write())
    await asyncio.sleep(0.3)
    assert not writer.done()  # it waits for the lock...
    assert ticks >= 10  # ...while the event loop goes on serving
    other.commit()  # the other process is done
    await asyncio.wait_for(writer, 5)
    ticker.cancel()
    other.close()
    async with engine.connect() as connection:
        bodies = (await connection.execute(text("SELECT body FROM note ORDER BY id"))).scalars()
        assert list(bodies) == ["premier", "second"]
    assert seen == [threading.get_ident()]  # waited in the loop, no thread involved


@pytest.mark.anyio
async def test_a_write_cancelled_while_it_waits_leaves_nothing_behind(
    engine: AsyncEngine, database: Path
) -> None:
    """A request cancelled (client gone, shutdown, a timeout) while its write waits for
    another process's lock: nothing runs on after it, nothing is written, and the pool's
    connections keep working."""
    other = sqlite3.connect(database)
    other.execute("BEGIN IMMEDIATE")

    async def write() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO note (body) VALUES ('annulé')"))

    writer = asyncio.create_task(write())
    await asyncio.sleep(0.2)
    writer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writer
    other.rollback()
    other.close()
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO note (body) VALUES ('après')"))
    async with engine.connect() as connection:
        bodies = (await connection.execute(text("SELECT body FROM note"))).scalars()
        assert list(bodies) == ["après"]


@pytest.mark.anyio
async def test_a_lock_held_past_the_timeout_fails_the_statement_and_writes_nothing(
    database: Path,
) -> None:
    engine = create_async_engine(async_url(f"sqlite:///{database}"), connect_args={"timeout": 0.3})
    other = sqlite3.connect(database)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO note (body) VALUES ('perdu')"))
    finally:
        other.rollback()
        other.close()
    async with engine.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM note"))).scalar_one()
    await engine.dispose()
    assert count == 0


@pytest.mark.anyio
async def test_an_sql_error_is_raised_as_is_without_a_retry(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO note (id, body) VALUES (1, 'un')"))
    with pytest.raises(Exception, match="UNIQUE"):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO note (id, body) VALUES (1, 'deux')"))
    async with engine.connect() as connection:
        body = (await connection.execute(text("SELECT body FROM note"))).scalar_one()
    assert body == "un"
