"""Fixtures of the learners' access tests: the service on the test database (no SMTP
configured: emails land in the outbox), a browser, learners known by their email."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.helpers import Browser, Learners
from ingestion.helpers import hub_settings, serving
from issuer_api.app import create_app
from issuer_api.settings import Settings

KNOWN = "camille.martin@example.fr"


@pytest.fixture
def hub_app(db_settings: Settings) -> FastAPI:
    """The service on the test database; jobs run when a test says so, retries at once."""
    return create_app(hub_settings(db_settings))


@pytest.fixture
async def browser(hub_app: FastAPI, anyio_backend: str) -> AsyncIterator[Browser]:
    async with serving(hub_app) as http:
        yield Browser(hub_app, http, hub_app.state.settings.data_dir)


@pytest.fixture
def learners(hub_app: FastAPI, sessions: async_sessionmaker[AsyncSession]) -> Learners:
    return Learners(hub_app, sessions)


@pytest.fixture
async def known_learner(learners: Learners, browser: Browser) -> str:
    """A learner whose email the hub knows (a partner sent them a badge)."""
    return await learners.with_email(KNOWN)
