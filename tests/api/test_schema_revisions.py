"""Readiness and ``obhub serve`` during a rolling upgrade: what "migrated" means.

A database at this release's head, or at a revision it does not know (a newer release
migrated it first), is ready; one behind (a revision of this release's history short of
its head) or never migrated is not. The probe reads the scripts once, and logs nothing
of Alembic's at each call.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from issuer_api.app import create_app
from issuer_api.db import sync_url
from issuer_api.migrate import alembic_config, head_revisions, upgrade
from issuer_api.models import Issuer
from issuer_api.settings import Settings

pytestmark = pytest.mark.anyio

UNKNOWN_REVISION = "f00dfacecafe"


@pytest.fixture
def migrated_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'own.sqlite3'}"
    upgrade(url)
    return url


def _set_revision(url: str, revision: str) -> None:
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def _first_revision() -> str:
    scripts = ScriptDirectory.from_config(alembic_config())
    *_, first = scripts.walk_revisions()
    assert first.revision not in head_revisions()
    return str(first.revision)


async def _readyz(url: str, tmp_path: Path) -> httpx.Response:
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=url))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as c,
    ):
        return await c.get("/readyz")


async def test_a_database_migrated_by_a_newer_release_is_ready_with_a_warning(
    migrated_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _set_revision(migrated_url, UNKNOWN_REVISION)

    with caplog.at_level(logging.WARNING, logger="issuer_api.migrate"):
        response = await _readyz(migrated_url, tmp_path)

    assert response.status_code == 200, response.text
    assert UNKNOWN_REVISION in caplog.text


async def test_a_database_behind_this_release_is_not_ready(
    migrated_url: str, tmp_path: Path
) -> None:
    _set_revision(migrated_url, _first_revision())

    response = await _readyz(migrated_url, tmp_path)

    assert response.status_code == 503
    assert response.json()["codes"] == {"migrations": "database_not_migrated"}


async def test_the_probe_logs_nothing_of_alembic(
    migrated_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await _readyz(migrated_url, tmp_path)  # the scripts are read (once) here at the latest

    with caplog.at_level(logging.DEBUG, logger="alembic"):
        response = await _readyz(migrated_url, tmp_path)

    assert response.status_code == 200
    assert [r for r in caplog.records if r.name.startswith("alembic")] == []


def test_serve_refuses_a_database_behind_but_not_one_ahead(
    migrated_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "OBHUB_DATABASE_URL": migrated_url, "OBHUB_DATA_DIR": str(tmp_path)}
    probe = "from issuer_api.cli import _require_migrated, _service_settings as s; " + (
        "_require_migrated(s()); print('accepted')"
    )

    _set_revision(migrated_url, _first_revision())
    behind = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    _set_revision(migrated_url, UNKNOWN_REVISION)
    ahead = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )

    assert behind.returncode != 0
    assert "not migrated" in behind.stderr
    assert ahead.returncode == 0, ahead.stderr
    assert "accepted" in ahead.stdout


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    server = os.environ.get("OBHUB_TEST_DATABASE_URL")
    if not server:
        pytest.skip("needs OBHUB_TEST_DATABASE_URL (a PostgreSQL server)")
    name = f"obhub_migrate_{uuid.uuid4().hex[:12]}"
    admin = create_engine(sync_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(sync_url(server)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_two_replicas_migrating_a_fresh_postgres_database_together_both_succeed(
    fresh_postgres: str, tmp_path: Path
) -> None:
    obhub = Path(sys.executable).with_name("obhub")
    env = {**os.environ, "OBHUB_DATABASE_URL": fresh_postgres, "OBHUB_DATA_DIR": str(tmp_path)}
    env.pop("OBHUB_KEK", None)
    first = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
        [str(obhub), "migrate"], env=env, stderr=subprocess.PIPE, text=True
    )
    second = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
        [str(obhub), "migrate"], env=env, stderr=subprocess.PIPE, text=True
    )
    _, first_err = first.communicate(timeout=120)
    _, second_err = second.communicate(timeout=120)

    assert first.returncode == 0, first_err
    assert second.returncode == 0, second_err
    engine = create_engine(sync_url(fresh_postgres))
    with engine.connect() as connection:
        regions = connection.execute(select(Issuer.slug).where(Issuer.is_region)).all()
    engine.dispose()
    assert len(regions) == 1
