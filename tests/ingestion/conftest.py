"""Fixtures of the ingestion tests: the hub (app + local web server), partner issuers,
and a stand-in for the regional aggregation task (records which learners it was asked
to evaluate)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingestion.fixtures import (  # noqa: F401 - fixtures used in this folder
    campus_fixture,
    greta_fixture,
    stranger_fixture,
    web_fixture,
)
from ingestion.helpers import Hub, hub_settings, serving
from issuer_api.app import create_app
from issuer_api.jobs import JobContext
from issuer_api.jobs.registry import REGISTRY, TaskSpec, load_tasks
from issuer_api.learners import endpoints as learner_endpoints
from issuer_api.learners.service import EVALUATE_TASK
from issuer_api.settings import Settings
from verification.localhttp import LocalServer


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
    app = _with_learner_routes(create_app(hub_settings(db_settings)))
    async with serving(app) as http:
        yield Hub(app, http, sessions, web)
