"""The schema the migrations create is the schema the models describe, on every backend."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine as sync_engine
from sqlalchemy import func, select

from issuer_api.db import POSTGRES_POOL_SIZE, create_engine, sync_url
from issuer_api.migrate import include_name
from issuer_api.models import AuditEvent, Base
from issuer_api.models.base import utcnow


def test_migrations_leave_nothing_for_autogenerate_to_add(database_url: str) -> None:
    engine = sync_engine(sync_url(database_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


@pytest.mark.anyio
async def test_timestamps_come_back_timezone_aware(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        session.add(AuditEvent(actor="system", action="test", target_type="t", target_id="1"))
        await session.commit()
    async with sessions() as session:
        event = (await session.execute(select(AuditEvent))).scalar_one()
    assert event.at.tzinfo is not None
    assert abs((utcnow() - event.at).total_seconds()) < 60


@pytest.mark.postgres
@pytest.mark.anyio
async def test_a_pooled_connection_the_server_closed_is_replaced_at_checkout(
    database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs OBHUB_TEST_DATABASE_URL (a PostgreSQL server)")
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            first = (await connection.execute(select(func.pg_backend_pid()))).scalar_one()
        # Back in the pool, idle, the connection loses its backend (a server restart, an
        # administrator, an idle timeout): the server says so and closes the socket.
        admin = sync_engine(sync_url(database_url))
        with admin.connect() as other:
            other.execute(select(func.pg_terminate_backend(first)))
        admin.dispose()
        await asyncio.sleep(0.3)

        async with engine.connect() as connection:
            second = (await connection.execute(select(func.pg_backend_pid()))).scalar_one()

        assert second != first
    finally:
        await engine.dispose()


def test_the_postgresql_pool_keeps_the_configured_connections_and_half_as_many_on_demand() -> None:
    engine = create_engine("postgresql://obhub@db.invalid/obhub", pool_size=6)
    pool: Any = engine.sync_engine.pool
    assert (pool.size(), pool._max_overflow) == (6, 3)
    default: Any = create_engine("postgresql://obhub@db.invalid/obhub").sync_engine.pool
    assert (default.size(), default._max_overflow) == (POSTGRES_POOL_SIZE, POSTGRES_POOL_SIZE // 2)
