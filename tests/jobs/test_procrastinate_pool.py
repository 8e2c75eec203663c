"""procrastinate's connection pool (PostgreSQL): one round trip per query, and a
connection the server closed is replaced before a query is sent on it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from procrastinate import App
from sqlalchemy import create_engine, text

from issuer_api.db import sync_url
from issuer_api.jobs import distributed
from issuer_api.jobs.registry import JobContext, load_tasks


def _no_context() -> JobContext:
    raise AssertionError("no job runs in these tests")


@pytest.fixture
async def opened_app(database_url: str, anyio_backend: str) -> AsyncIterator[App]:
    if not database_url.startswith("postgresql"):
        pytest.skip("the distributed job engine runs on PostgreSQL only")
    app = distributed.build_app(load_tasks(), database_url, _no_context)
    async with app.open_async():
        yield app


async def test_procrastinate_queries_run_on_autocommit_connections(opened_app: App) -> None:
    pool = opened_app.connector.pool  # type: ignore[attr-defined]
    async with pool.connection() as connection:
        assert connection.autocommit
    row = await opened_app.connector.execute_query_one_async("SELECT 1 AS answer")
    assert row["answer"] == 1
    # no transaction left open on the connection given back (nothing to commit)
    async with pool.connection() as connection:
        assert connection.info.transaction_status.name == "IDLE"


async def test_a_connection_the_server_closed_is_replaced_before_a_query(
    opened_app: App, database_url: str
) -> None:
    await opened_app.connector.execute_query_one_async("SELECT 1 AS answer")
    admin = create_engine(sync_url(database_url))
    with admin.connect() as connection:
        ended = connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            )
        )
    admin.dispose()
    assert ended
    await asyncio.sleep(0.2)  # the terminations reach the pooled sockets

    for _ in range(8):  # more than the pool holds: every pooled connection is checked
        row = await opened_app.connector.execute_query_one_async("SELECT 1 AS answer")
        assert row["answer"] == 1
