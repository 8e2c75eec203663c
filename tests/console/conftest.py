"""Fixtures of the console tests: the service on the test database, staff accounts, a
staff member's browser."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from console.helpers import ConsoleBrowser, Staff
from ingestion.helpers import hub_settings, serving
from issuer_api.app import create_app
from issuer_api.settings import Settings


@pytest.fixture
def hub_app(db_settings: Settings) -> FastAPI:
    return create_app(hub_settings(db_settings))


@pytest.fixture
async def console(hub_app: FastAPI, anyio_backend: str) -> AsyncIterator[ConsoleBrowser]:
    async with serving(hub_app) as http:
        yield ConsoleBrowser(http)


@pytest.fixture
def staff(
    hub_app: FastAPI, sessions: async_sessionmaker[AsyncSession], console: ConsoleBrowser
) -> Staff:
    return Staff(hub_app, sessions)
