"""The schema the migrations create is the schema the models describe, on every backend."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select

from issuer_api.db import sync_url
from issuer_api.migrate import include_name
from issuer_api.models import AuditEvent, Base
from issuer_api.models.base import utcnow


def test_migrations_leave_nothing_for_autogenerate_to_add(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
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
