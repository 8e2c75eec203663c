"""Fixtures of the "Mon espace" tests: the hub (real inbox, job runtime, regional
aggregation), partner issuers, and browsers of signed-in learners."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from espace.helpers import Space
from ingestion.fixtures import (  # noqa: F401 - fixtures used in this folder
    campus_fixture,
    greta_fixture,
    stranger_fixture,
    web_fixture,
)
from ingestion.helpers import hub_settings, serving
from issuer_api.app import create_app
from issuer_api.settings import Settings
from verification.localhttp import LocalServer


@pytest.fixture
async def space(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    web: LocalServer,
    anyio_backend: str,
) -> AsyncIterator[Space]:
    """The whole service on the test database; jobs run when a test says so."""
    app = create_app(hub_settings(db_settings))
    async with serving(app) as http:
        yield Space(app, http, sessions, web)
