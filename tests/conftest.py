"""Fixtures shared by every test package. Keep this file small: fixtures used by one
package live in that package's ``conftest.py``.

Database: tests that use ``database_url`` (directly or through ``db_settings``,
``db_app``, ``db_client``, ``sessions``) are marked ``db`` automatically, so the
PostgreSQL pass of ``make test`` runs them again. The schema is created by the
real Alembic migrations, once per session: a SQLite file by default, or a fresh
database on the server named by ``OBHUB_TEST_DATABASE_URL`` (dropped afterwards).
Tables are emptied after each test, so tests see real commits.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuance.helpers import Api, web_settings
from issuer_api.app import create_app
from issuer_api.db import create_engine as create_async_engine
from issuer_api.db import session_factory, sync_url
from issuer_api.migrate import upgrade
from issuer_api.models import Base
from issuer_api.partners.service import forget_senders
from issuer_api.settings import Settings

DB_FIXTURES = {"database_url", "db_settings", "db_app", "db_client", "sessions", "api", "web_api"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


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
    """Settings for one test that needs no database: its own data directory."""
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI, anyio_backend: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to ``app`` in process, with the app's lifespan running."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://localhost"
        ) as client,
    ):
        yield client


# --------------------------------------------------------------------------- database


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for this test session (SQLite file, or a fresh PostgreSQL DB)."""
    server = os.environ.get("OBHUB_TEST_DATABASE_URL")
    if not server:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'obhub.sqlite3'}"
        upgrade(url)
        yield url
        return
    name = f"obhub_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(sync_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(sync_url(server)).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db_settings(tmp_path: Path, database_url: str) -> Iterator[Settings]:
    # Jobs run when a test says so (``await app.state.jobs.run_pending()``), not behind
    # its back: tests stay deterministic.
    yield Settings(data_dir=tmp_path / "data", database_url=database_url, run_jobs_in_process=False)
    _empty_tables(database_url)


def _empty_tables(url: str) -> None:
    forget_senders()  # per-process cache of webhook senders: the rows are going
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            tables = [t.name for t in Base.metadata.sorted_tables]
            tables += [
                "procrastinate_jobs",
                "procrastinate_periodic_defers",
                "procrastinate_events",
            ]
            names = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
    engine.dispose()


@pytest.fixture
def db_app(db_settings: Settings) -> FastAPI:
    return create_app(db_settings)


@pytest.fixture
async def db_client(db_app: FastAPI, anyio_backend: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for an app on the migrated test database, lifespan running."""
    async with (
        db_app.router.lifespan_context(db_app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=db_app), base_url="http://localhost"
        ) as client,
    ):
        yield client


@pytest.fixture
async def sessions(
    db_settings: Settings, anyio_backend: str
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory on the test database, for service-level tests."""
    engine = create_async_engine(db_settings.effective_database_url)
    yield session_factory(engine)
    await engine.dispose()


# --------------------------------------------------------------------------- service API


@pytest.fixture
def api(
    db_app: FastAPI,
    db_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
) -> Api:
    """The service under test (did:key issuers: no public base URL), with real tokens."""
    return Api(db_app, db_client, sessions)


@pytest.fixture
async def web_api(
    db_settings: Settings, sessions: async_sessionmaker[AsyncSession], anyio_backend: str
) -> AsyncIterator[Api]:
    """The same database served with a public base URL: issuers are did:web."""
    app = create_app(web_settings(db_settings))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://localhost"
        ) as http,
    ):
        yield Api(app, http, sessions)
