"""The service on the test database, a learner's browser, a signed-in learner, and a
registered application sharing the browser's HTTP client (the redirections are read,
not followed, so the application sees exactly what the browser would be sent)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Annotated, Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.helpers import Browser, Learners
from ingestion.helpers import hub_settings, serving
from issuer_api.app import create_app
from issuer_api.oauth import scopes
from issuer_api.oauth.principal import ObApiAuthError, ObApiPrincipal, RequireObScope
from issuer_api.settings import Settings
from oauth.helpers import Application, register

LEARNER_EMAIL = "camille.martin@example.fr"
RESOURCE = "/_test/ob/credentials"


@pytest.fixture
def hub_app(db_settings: Settings) -> FastAPI:
    """The service, with a resource route as the OB API declares them (answering with
    its principal) and the OB API's answer to an authentication failure."""
    app = create_app(hub_settings(db_settings))

    @app.get(RESOURCE)
    async def credentials(
        principal: Annotated[ObApiPrincipal, RequireObScope(scopes.CREDENTIAL_READONLY)],
    ) -> dict[str, Any]:
        found = asdict(principal)
        found["scopes"] = sorted(principal.scopes)
        return found

    async def refused(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ObApiAuthError)
        return JSONResponse(
            {"code_minor": exc.code_minor},
            status_code=exc.status_code,
            headers={"WWW-Authenticate": exc.www_authenticate},
        )

    app.add_exception_handler(ObApiAuthError, refused)
    return app


@pytest.fixture
async def browser(hub_app: FastAPI, anyio_backend: str) -> AsyncIterator[Browser]:
    async with serving(hub_app) as http:
        yield Browser(hub_app, http, hub_app.state.settings.data_dir)


@pytest.fixture
async def known_learner(
    hub_app: FastAPI, sessions: async_sessionmaker[AsyncSession], browser: Browser
) -> str:
    """A learner the hub knows by their email (not signed in)."""
    return await Learners(hub_app, sessions).with_email(LEARNER_EMAIL)


@pytest.fixture
async def learner_id(known_learner: str, browser: Browser) -> str:
    """The learner, signed in in ``browser``."""
    found = known_learner
    signed_in = await browser.sign_in(LEARNER_EMAIL)
    assert signed_in.status_code == 303, signed_in.text
    return found


@pytest.fixture
async def application(browser: Browser) -> Application:
    return await register(browser.http)
