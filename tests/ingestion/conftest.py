"""Fixtures of the ingestion tests: the hub (app + local web server), partner issuers,
and a stand-in for the regional aggregation task (records which learners it was asked
to evaluate)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingestion.factory import PartnerIssuer
from ingestion.helpers import Hub
from issuer_api.app import create_app
from issuer_api.jobs import JobContext
from issuer_api.jobs.registry import REGISTRY, TaskSpec, load_tasks
from issuer_api.learners import endpoints as learner_endpoints
from issuer_api.learners.service import EVALUATE_TASK
from issuer_api.settings import Settings
from verification.localhttp import LocalServer


@pytest.fixture
def web() -> Iterator[LocalServer]:
    """A local HTTP server for status lists and OB 2.0 hosted badges."""
    server = LocalServer()
    yield server
    server.stop()


@pytest.fixture
def evaluations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The learners the regional aggregation was asked to evaluate, in order."""
    calls: list[str] = []

    async def evaluate(ctx: JobContext, /, **args: Any) -> None:
        calls.append(str(args["learner_id"]))

    load_tasks()
    monkeypatch.setitem(REGISTRY.tasks, EVALUATE_TASK, TaskSpec(EVALUATE_TASK, evaluate, 1))
    return calls


def _with_learner_routes(app: Any) -> Any:
    if not any(getattr(route, "path", "") == "/learners" for route in app.routes):
        app.include_router(learner_endpoints.router)
    return app


@pytest.fixture
async def hub(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    web: LocalServer,
    evaluations: list[str],
    anyio_backend: str,
) -> AsyncIterator[Hub]:
    """The service on the test database; it may fetch from the local server; jobs run
    only when the test says so."""
    settings = Settings(
        data_dir=Path(db_settings.data_dir),
        database_url=db_settings.database_url,
        fetch_allowlist=["127.0.0.1"],
        run_jobs_in_process=False,
        job_retry_backoff_seconds=0,
    )
    app = _with_learner_routes(create_app(settings))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http,
    ):
        yield Hub(app, http, sessions, web)


@pytest.fixture(scope="session")
def campus() -> PartnerIssuer:
    """The issuer of the partner 'campus-caen'."""
    return PartnerIssuer.create("Campus Caen")


@pytest.fixture(scope="session")
def greta() -> PartnerIssuer:
    """The issuer of another partner, 'greta-rouen'."""
    return PartnerIssuer.create("GRETA Rouen")


@pytest.fixture(scope="session")
def stranger() -> PartnerIssuer:
    """An issuer no partner is trusted for."""
    return PartnerIssuer.create("Organisme inconnu")
