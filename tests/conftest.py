"""Fixtures shared by every test package. Keep this file small: fixtures used by one
package live in that package's ``conftest.py``."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from issuer_api.app import create_app
from issuer_api.settings import Settings


@pytest.fixture(scope="session", autouse=True)
def _session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Anything that builds settings from the environment writes here, never to ./var."""
    path = tmp_path_factory.mktemp("obhub-data")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("OBHUB_DATA_DIR", str(path))
        yield path


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: its own data directory; the test database when one is set
    (``make test`` sets OBHUB_TEST_DATABASE_URL on its PostgreSQL pass), else SQLite."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=os.environ.get("OBHUB_TEST_DATABASE_URL"),
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI, anyio_backend: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to ``app`` in process, with the app's lifespan running."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client,
    ):
        yield client
