"""Fixtures of the outbound webhook tests: a live receiver and the hub under test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuer_api.settings import Settings
from issuers.helpers import Api
from outbound.helpers import running_hub
from outbound.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
async def hub(
    db_settings: Settings, sessions: async_sessionmaker[AsyncSession], anyio_backend: str
) -> AsyncIterator[Api]:
    """The hub, allowed to reach the local receiver (127.0.0.1), retrying at once."""
    async with running_hub(db_settings, sessions, fetch_allowlist=["127.0.0.1"]) as api:
        yield api
