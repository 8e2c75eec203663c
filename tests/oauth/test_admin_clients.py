"""The Region links a registered client to a partner: its tokens then carry the partner."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.helpers import Browser, csrf_token
from issuer_api.auth.service import create_client
from issuer_api.models import AuditEvent
from oauth.conftest import RESOURCE
from oauth.helpers import Application, basic, query_of
from web.test_page import Page

pytestmark = pytest.mark.anyio


async def bearer_of(
    browser: Browser, sessions: async_sessionmaker[AsyncSession], *scopes: str
) -> dict[str, str]:
    async with sessions() as session:
        created = await create_client(session, "Region console", scopes)
        await session.commit()
    response = await browser.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(created.client_id, created.client_secret),
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def admin(browser: Browser, sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    return await bearer_of(browser, sessions, "admin")


async def principal_of(browser: Browser, app: Application) -> dict[str, object]:
    path = app.authorize_path()
    page = await browser.http.get(path)
    answer = await browser.http.post(
        path, data={"csrf_token": csrf_token(page.text), "decision": "allow"}
    )
    issued = (await app.exchange(query_of(answer.headers["location"])["code"])).json()
    who = await browser.http.get(
        RESOURCE, headers={"Authorization": f"Bearer {issued['access_token']}"}
    )
    assert who.status_code == 200, who.text
    found: dict[str, object] = who.json()
    return found


async def test_the_region_lists_links_and_unlinks_a_registered_client(
    browser: Browser,
    learner_id: str,
    application: Application,
    admin: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    listed = await browser.http.get("/v1/clients", headers=admin)
    assert listed.status_code == 200
    [record] = listed.json()
    assert record["client_id"] == application.client_id
    assert record["client_uri"] == "https://app.campus-caen.example/"
    assert record["partner"] is None
    assert "client_secret" not in record

    partner = await browser.http.post(
        "/partners",
        json={"slug": "campus-caen", "name": "Campus des métiers de Caen"},
        headers=admin,
    )
    assert partner.status_code == 201, partner.text
    partner_id = partner.json()["id"]
    linked = await browser.http.put(
        f"/v1/clients/{application.client_id}/partner",
        json={"partner": "campus-caen"},
        headers=admin,
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["partner"] == partner_id
    assert (await principal_of(browser, application))["partner_id"] == partner_id

    unlinked = await browser.http.delete(
        f"/v1/clients/{application.client_id}/partner", headers=admin
    )
    assert unlinked.status_code == 204
    assert (await principal_of(browser, application))["partner_id"] is None
    one = await browser.http.get(f"/v1/clients/{application.client_id}", headers=admin)
    assert one.json()["partner"] is None

    async with sessions() as session:
        actions = (
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.target_id == application.client_id)
            )
        ).all()
    assert sorted(actions) == [
        "oauth_client.link_partner",
        "oauth_client.register",
        "oauth_client.unlink_partner",
    ]


async def test_unknown_clients_and_partners_are_404(
    browser: Browser, application: Application, admin: dict[str, str]
) -> None:
    unknown = await browser.http.get("/v1/clients/obc_nobody", headers=admin)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "registered_client_not_found"
    no_partner = await browser.http.put(
        f"/v1/clients/{application.client_id}/partner",
        json={"partner": "nowhere"},
        headers=admin,
    )
    assert no_partner.status_code == 404
    assert no_partner.json()["error"]["code"] == "partner_not_found"


async def test_only_admins_see_registered_clients(
    browser: Browser, application: Application, sessions: async_sessionmaker[AsyncSession]
) -> None:
    reader = await bearer_of(browser, sessions, "read")
    response = await browser.http.get("/v1/clients", headers=reader)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert (await browser.http.get("/v1/clients")).status_code == 401


async def test_a_disabled_client_s_tokens_stop_at_once(
    browser: Browser, learner_id: str, application: Application, admin: dict[str, str]
) -> None:
    path = application.authorize_path()
    page = await browser.http.get(path)
    answer = await browser.http.post(
        path, data={"csrf_token": csrf_token(page.text), "decision": "allow"}
    )
    issued = (await application.exchange(query_of(answer.headers["location"])["code"])).json()
    disabled = await browser.http.post(
        f"/v1/clients/{application.client_id}/disable", headers=admin
    )
    assert disabled.status_code == 200
    assert disabled.json()["disabled"] is True
    bearer = {"Authorization": f"Bearer {issued['access_token']}"}
    assert (await browser.http.get(RESOURCE, headers=bearer)).status_code == 401
    refreshed = await application.refresh(issued["refresh_token"])
    assert refreshed.status_code == 401
    assert refreshed.json()["error"] == "invalid_client"
    assert (await browser.http.get(application.authorize_path())).status_code == 400


async def test_revoking_a_region_token_says_it_is_unsupported_and_the_token_stays_valid(
    browser: Browser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        region = await create_client(session, "Region console", ["admin"])
        other = await create_client(session, "Region script", ["admin"])
        await session.commit()
    auth = basic(region.client_id, region.client_secret)
    issued = await browser.http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=auth
    )
    token = issued.json()["access_token"]

    answer = await browser.http.post("/oauth/revoke", data={"token": token}, headers=auth)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "unsupported_token_type"
    assert answer.json()["error_description"]
    # Nothing was revoked (a 200 would have said otherwise): the token still works.
    listed = await browser.http.get("/v1/clients", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200

    # Another client's token and garbage are answered as unknown tokens (RFC 7009 §2.2).
    other_auth = basic(other.client_id, other.client_secret)
    for presented, by in ((token, other_auth), ("garbage", auth), ("a.b.c", auth)):
        unknown = await browser.http.post("/oauth/revoke", data={"token": presented}, headers=by)
        assert unknown.status_code == 200, unknown.text


async def test_the_consent_page_says_which_partner_the_region_linked_the_application_to(
    browser: Browser, learner_id: str, application: Application, admin: dict[str, str]
) -> None:
    unlinked = Page((await browser.http.get(application.authorize_path())).text).text
    assert "La Région n'a rattaché cette application à aucun de ses partenaires" in unlinked

    await browser.http.post(
        "/partners", json={"slug": "greta-rouen", "name": "Greta de Rouen"}, headers=admin
    )
    linked = await browser.http.put(
        f"/v1/clients/{application.client_id}/partner",
        json={"partner": "greta-rouen"},
        headers=admin,
    )
    assert linked.status_code == 200, linked.text

    page = Page((await browser.http.get(application.authorize_path())).text).text
    assert "La Région a rattaché cette application à son partenaire Greta de Rouen" in page
    assert "aucun de ses partenaires" not in page
