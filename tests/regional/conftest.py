"""Fixtures of the regional aggregation tests: the hub serving every route involved,
partner issuers, and the cascade policy as a test chooses it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingestion.factory import PartnerIssuer
from ingestion.fixtures import (  # noqa: F401 - fixtures used in this folder
    campus_fixture,
    greta_fixture,
    stranger_fixture,
    web_fixture,
)
from ingestion.helpers import hub_settings, serving
from issuer_api.app import create_app
from issuer_api.learners import endpoints as learner_endpoints
from issuer_api.outbound import endpoints as outbound_endpoints
from issuer_api.regional import endpoints as regional_endpoints
from issuer_api.regional import service
from issuer_api.settings import CascadePolicy, Settings
from partners.helpers import with_ingestion_routes
from regional.helpers import RegionalHub
from verification.localhttp import LocalServer


def with_regional_routes(app: FastAPI) -> FastAPI:
    """Serve the routes these tests use (until app.py serves them all)."""
    with_ingestion_routes(app)
    paths = {getattr(route, "path", None) for route in app.routes}
    if "/referential" not in paths:
        app.include_router(regional_endpoints.router)
    if "/learners" not in paths:
        app.include_router(learner_endpoints.router)
    if "/webhook-endpoints" not in paths:
        app.include_router(outbound_endpoints.router)
    return app


@pytest.fixture
async def hub(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    web: LocalServer,
    anyio_backend: str,
) -> AsyncIterator[RegionalHub]:
    """The service on the test database (did:key issuers); jobs run when a test says so."""
    app = with_regional_routes(create_app(hub_settings(db_settings)))
    async with serving(app) as http:
        yield RegionalHub(app, http, sessions, web)


@pytest.fixture
def policy(monkeypatch: pytest.MonkeyPatch) -> object:
    """Choose the cascade policy (``OBHUB_CASCADE_POLICY``) for one test."""

    class Chooser:
        def __call__(self, value: CascadePolicy) -> None:
            monkeypatch.setattr(service, "cascade_policy", lambda _settings: value)

    return Chooser()


@pytest.fixture(scope="session")
def mission() -> PartnerIssuer:
    """The issuer of the partner 'mission-locale'."""
    return PartnerIssuer.create("Mission locale Caen")
