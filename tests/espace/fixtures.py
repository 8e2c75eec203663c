"""The hub behind "Mon espace" (real inbox, job runtime, regional aggregation), as a
fixture other folders import too (``from espace.fixtures import space_fixture``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from espace.helpers import Space
from ingestion.helpers import hub_settings, serving
from issuer_api.app import create_app
from issuer_api.settings import Settings
from verification.localhttp import LocalServer


@pytest.fixture(name="space")
async def space_fixture(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    web: LocalServer,
    anyio_backend: str,
) -> AsyncIterator[Space]:
    """The whole service on the test database; jobs run when a test says so."""
    app = create_app(hub_settings(db_settings))
    async with serving(app) as http:
        yield Space(app, http, sessions, web)
