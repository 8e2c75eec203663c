"""Fixtures of the Open Badges API tests: the whole hub (every route, the real inbox and
job runtime, a local web server for status lists), and the principal a test's requests
carry — set through the one seam the authorization server and the resource routes share
(``app.dependency_overrides[current_principal]``), never by bypassing the routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingestion.factory import PartnerIssuer
from ingestion.fixtures import (  # noqa: F401 - fixtures used in this folder
    campus_fixture,
    greta_fixture,
    web_fixture,
)
from ingestion.helpers import hub_settings, serving
from issuer_api.app import create_app
from issuer_api.oauth import scopes
from issuer_api.oauth.principal import ObApiPrincipal, current_principal
from issuer_api.settings import Settings
from regional.helpers import RegionalHub
from verification.localhttp import LocalServer

Authorize = Callable[..., ObApiPrincipal]


@pytest.fixture
async def hub(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    web: LocalServer,
    anyio_backend: str,
) -> AsyncIterator[RegionalHub]:
    """The hub on the test database (did:key issuers); jobs run when a test says so."""
    app = create_app(hub_settings(db_settings))
    async with serving(app) as http:
        yield RegionalHub(app, http, sessions, web)


@pytest.fixture
def authorize(hub: RegionalHub) -> Authorize:
    """``authorize(learner_id=…, partner_id=…, granted=…)``: the requests that follow carry
    a token of that principal (every scope unless ``granted`` says otherwise)."""

    def give(
        *,
        learner_id: str | None = None,
        partner_id: str | None = None,
        granted: frozenset[str] = scopes.ALL,
    ) -> ObApiPrincipal:
        principal = ObApiPrincipal(
            client_id="obc_wallet",
            client_name="Portefeuille de test",
            scopes=granted,
            learner_id=learner_id,
            partner_id=partner_id,
            grant_id="grant-1",
        )
        hub.app.dependency_overrides[current_principal] = lambda: principal
        return principal

    return give


@pytest.fixture(scope="session")
def mission() -> PartnerIssuer:
    return PartnerIssuer.create("Mission locale Caen")
