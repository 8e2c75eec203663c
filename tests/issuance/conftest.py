"""Fixtures: the app on the test database (did:key, no public base URL) and the same
database served as did:web (``web_api``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuance.helpers import Api, web_settings
from issuer_api.app import create_app
from issuer_api.settings import Settings


@pytest.fixture
def api(
    db_app: FastAPI,
    db_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
) -> Api:
    return Api(db_app, db_client, sessions)


@pytest.fixture
async def web_api(
    db_settings: Settings, sessions: async_sessionmaker[AsyncSession], anyio_backend: str
) -> AsyncIterator[Api]:
    app = create_app(web_settings(db_settings))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http,
    ):
        yield Api(app, http, sessions)
