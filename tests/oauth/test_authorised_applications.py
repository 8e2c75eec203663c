"""Mon espace, "Applications autorisées", and a learner's grants in their export and erasure."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.helpers import Browser, csrf_token
from issuer_api.models import OAuthAuthorizationCode, OAuthGrant, OAuthRefreshToken
from issuer_api.oauth import scopes
from oauth.conftest import RESOURCE
from oauth.helpers import Application, query_of

pytestmark = pytest.mark.anyio


async def authorised(
    browser: Browser, app: Application, scope: str | None = None
) -> dict[str, Any]:
    path = app.authorize_path(**({"scope": scope} if scope else {}))
    page = await browser.http.get(path)
    answer = await browser.http.post(
        path, data={"csrf_token": csrf_token(page.text), "decision": "allow"}
    )
    response = await app.exchange(query_of(answer.headers["location"])["code"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_learner_sees_the_application_in_words_and_withdraws_it_at_once(
    browser: Browser, learner_id: str, application: Application
) -> None:
    issued = await authorised(browser, application, scopes.CREDENTIAL_READONLY)
    page = await browser.http.get("/espace/applications?lang=fr")
    assert page.status_code == 200
    assert "Carnet de compétences du Campus" in page.text
    assert "app.campus-caen.example" in page.text
    assert "Lire vos badges" in page.text
    assert "Modifier votre profil" not in page.text

    withdrawn = await browser.http.post(
        "/espace/applications/retirer",
        data={"csrf_token": csrf_token(page.text), "client_id": application.client_id},
    )
    assert withdrawn.status_code == 303
    after = await browser.http.get(withdrawn.headers["location"] + "&lang=fr")
    assert "autorisation est retirée" in after.text
    assert "Carnet de compétences du Campus" not in after.text
    bearer = {"Authorization": f"Bearer {issued['access_token']}"}
    assert (await browser.http.get(RESOURCE, headers=bearer)).status_code == 401
    assert (await application.refresh(issued["refresh_token"])).json()["error"] == ("invalid_grant")


async def test_withdrawing_needs_the_csrf_token(
    browser: Browser, learner_id: str, application: Application
) -> None:
    issued = await authorised(browser, application)
    refused = await browser.http.post(
        "/espace/applications/retirer",
        data={"csrf_token": "forged", "client_id": application.client_id},
    )
    assert refused.status_code == 403
    bearer = {"Authorization": f"Bearer {issued['access_token']}"}
    assert (await browser.http.get(RESOURCE, headers=bearer)).status_code == 200


async def test_a_signed_out_reader_is_sent_to_sign_in(browser: Browser) -> None:
    response = await browser.http.get("/espace/applications")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/connexion?next=")


async def test_the_export_holds_the_grants_and_erasure_deletes_them(
    browser: Browser,
    learner_id: str,
    application: Application,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    issued = await authorised(browser, application)
    export = (await browser.http.get("/espace/donnees/export")).json()
    [grant] = export["authorised_applications"]
    assert grant["client_id"] == application.client_id
    assert grant["client_name"] == "Carnet de compétences du Campus"
    assert set(grant["scopes"]) == scopes.ALL
    assert grant["revoked_at"] is None
    assert issued["refresh_token"] not in str(export)

    page = await browser.http.get("/espace/donnees/effacer")
    erased = await browser.http.post(
        "/espace/donnees/effacer", data={"csrf_token": csrf_token(page.text), "confirm": "yes"}
    )
    assert erased.status_code == 200, erased.text
    async with sessions() as session:
        for model in (OAuthGrant, OAuthAuthorizationCode, OAuthRefreshToken):
            count = await session.scalar(select(func.count()).select_from(model))
            assert count == 0, model.__name__
    bearer = {"Authorization": f"Bearer {issued['access_token']}"}
    assert (await browser.http.get(RESOURCE, headers=bearer)).status_code == 401
