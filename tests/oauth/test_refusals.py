"""Every refusal of the authorization and token endpoints, with its exact error.

Before the client and its redirect URI are trusted, the learner sees an error page and
nothing is sent anywhere (RFC 6749 §4.1.2.1); after, the error goes back to the
application with the ``state``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.helpers import Browser, csrf_token
from issuer_api.auth.service import create_client
from issuer_api.models import OAuthAuthorizationCode
from issuer_api.models.base import utcnow
from issuer_api.oauth import scopes
from oauth.conftest import RESOURCE
from oauth.helpers import REDIRECT, Application, basic, query_of, register

pytestmark = pytest.mark.anyio


async def code_for(browser: Browser, app: Application) -> str:
    path = app.authorize_path()
    page = await browser.http.get(path)
    answer = await browser.http.post(
        path, data={"csrf_token": csrf_token(page.text), "decision": "allow"}
    )
    return query_of(answer.headers["location"])["code"]


async def sent_back(browser: Browser, path: str) -> dict[str, str]:
    response = await browser.http.get(path)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return query_of(location)


# ------------------------------------------------------------------ authorization endpoint


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"scope": scopes.PREFIX + "credential.delete"}, "invalid_scope"),
        ({"scope": "admin"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
async def test_a_faulty_request_goes_back_to_the_application_with_its_error_and_state(
    browser: Browser,
    learner_id: str,
    application: Application,
    changes: dict[str, str | None],
    error: str,
) -> None:
    back = await sent_back(browser, application.authorize_path(**changes))
    assert back["error"] == error
    assert back["state"] == application.state
    assert "code" not in back


async def test_a_request_without_state_is_refused(
    browser: Browser, learner_id: str, application: Application
) -> None:
    back = await sent_back(browser, application.authorize_path(state=None))
    assert back["error"] == "invalid_request"
    assert "state" in back["error_description"]


async def test_a_scope_the_client_did_not_register_is_invalid_scope(
    browser: Browser, learner_id: str
) -> None:
    reader = await register(browser.http, scope=scopes.CREDENTIAL_READONLY)
    back = await sent_back(browser, reader.authorize_path(scope=scopes.CREDENTIAL_UPSERT))
    assert back["error"] == "invalid_scope"


@pytest.mark.parametrize(
    "changes",
    [
        {"redirect_uri": "https://app.campus-caen.example/other"},
        {"redirect_uri": "https://evil.example/callback"},
        {"client_id": "obc_unknown"},
        {"client_id": None},
    ],
)
async def test_an_untrusted_client_or_redirect_uri_gets_an_error_page_not_a_redirection(
    browser: Browser,
    learner_id: str,
    application: Application,
    changes: dict[str, str | None],
) -> None:
    response = await browser.http.get(application.authorize_path(**changes))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "Cette demande d'autorisation ne peut pas être traitée" in response.text


async def test_a_region_client_cannot_use_the_authorization_endpoint(
    browser: Browser, learner_id: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        region = await create_client(session, "Region script", ["admin"])
        await session.commit()
    app = Application(browser.http, region.client_id, region.client_secret)
    response = await browser.http.get(app.authorize_path())
    assert response.status_code == 400
    assert "location" not in response.headers


# ------------------------------------------------------------------------ token endpoint


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"code_verifier": None}, "invalid_request"),
        ({"code_verifier": "x" * 43}, "invalid_grant"),
        ({"redirect_uri": "https://app.campus-caen.example/other"}, "invalid_grant"),
        ({"code": "not-a-code-we-issued"}, "invalid_grant"),
        ({"code": None}, "invalid_request"),
    ],
)
async def test_a_faulty_code_exchange_is_refused_with_its_error(
    browser: Browser,
    learner_id: str,
    application: Application,
    changes: dict[str, str | None],
    error: str,
) -> None:
    changes = dict(changes)
    code = await code_for(browser, application)
    response = await application.exchange(changes.pop("code", code), **changes)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


async def test_a_replayed_code_is_refused_and_revokes_the_tokens_it_gave(
    browser: Browser, learner_id: str, application: Application
) -> None:
    code = await code_for(browser, application)
    first = await application.exchange(code)
    assert first.status_code == 200
    replayed = await application.exchange(code)
    assert replayed.status_code == 400
    assert replayed.json()["error"] == "invalid_grant"
    bearer = {"Authorization": f"Bearer {first.json()['access_token']}"}
    assert (await browser.http.get(RESOURCE, headers=bearer)).status_code == 401
    assert (await application.refresh(first.json()["refresh_token"])).status_code == 400


async def test_an_expired_code_is_invalid_grant(
    browser: Browser,
    learner_id: str,
    application: Application,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    code = await code_for(browser, application)
    async with sessions() as session:
        await session.execute(
            update(OAuthAuthorizationCode).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    response = await application.exchange(code)
    assert response.json()["error"] == "invalid_grant"


async def test_a_code_is_bound_to_its_client(
    browser: Browser, learner_id: str, application: Application
) -> None:
    code = await code_for(browser, application)
    other = await register(browser.http, client_name="Autre application")
    assert (await other.exchange(code)).json()["error"] == "invalid_grant"
    assert (await application.exchange(code)).status_code == 200


async def test_a_wrong_secret_or_unknown_client_is_401_invalid_client(
    browser: Browser, learner_id: str, application: Application
) -> None:
    code = await code_for(browser, application)
    for headers in (basic(application.client_id, "obs_wrong"), basic("obc_nobody", "x")):
        response = await browser.http.post(
            "/oauth/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
            headers=headers,
        )
        assert response.status_code == 401
        assert response.json() == {
            "error": "invalid_client",
            "error_description": "unknown client or wrong secret",
        }
        assert response.headers["www-authenticate"] == 'Basic realm="obhub"'
    # Client authentication in the body (client_secret_post) is not accepted.
    response = await browser.http.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": application.client_id,
            "client_secret": application.client_secret,
        },
    )
    assert response.status_code == 401
    assert (await application.exchange(code)).status_code == 200


async def test_neither_kind_of_client_can_use_the_other_s_grant(
    browser: Browser, application: Application, sessions: async_sessionmaker[AsyncSession]
) -> None:
    registered = await browser.http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=application.auth
    )
    assert registered.status_code == 400
    assert registered.json()["error"] == "unauthorized_client"
    async with sessions() as session:
        region = await create_client(session, "Region script", ["issue"])
        await session.commit()
    refused = await browser.http.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT},
        headers=basic(region.client_id, region.client_secret),
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "unauthorized_client"
    ob_scope = await browser.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": scopes.CREDENTIAL_READONLY},
        headers=basic(region.client_id, region.client_secret),
    )
    assert ob_scope.json()["error"] == "invalid_scope"


async def test_a_token_without_bearer_or_a_forged_one_is_401_invalid_token(
    browser: Browser,
) -> None:
    missing = await browser.http.get(RESOURCE)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="obhub"'
    forged = await browser.http.get(RESOURCE, headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401
    assert 'error="invalid_token"' in forged.headers["www-authenticate"]
