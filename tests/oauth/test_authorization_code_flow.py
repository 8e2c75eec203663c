"""The OB 3.0 authorization server end to end: metadata → register → authorize (a
signed-in learner consents) → code → token with PKCE → the bearer resolves to the
learner's principal → refresh with rotation and reuse detection → revocation."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest

from accounts.helpers import Browser, csrf_token
from issuer_api.oauth import scopes
from oauth.conftest import RESOURCE
from oauth.helpers import ALL_SCOPES, REDIRECT, Application, query_of, register

pytestmark = pytest.mark.anyio


async def consent(browser: Browser, app: Application, decision: str = "allow") -> dict[str, str]:
    """The learner opens the authorization request, reads the page, decides; what the
    application receives on its redirect URI."""
    path = app.authorize_path()
    page = await browser.http.get(path)
    assert page.status_code == 200, page.text
    answer = await browser.http.post(
        path, data={"csrf_token": csrf_token(page.text), "decision": decision}
    )
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return query_of(location)


async def tokens_for(browser: Browser, app: Application) -> dict[str, Any]:
    code = (await consent(browser, app))["code"]
    response = await app.exchange(code)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_metadata_names_every_endpoint_and_s256_only(browser: Browser) -> None:
    response = await browser.http.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    body = response.json()
    assert body["issuer"] == "http://localhost"
    assert body["authorization_endpoint"] == "http://localhost/oauth/authorize"
    assert body["token_endpoint"] == "http://localhost/oauth/token"
    assert body["revocation_endpoint"] == "http://localhost/oauth/revoke"
    assert body["registration_endpoint"] == "http://localhost/oauth/register"
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["token_endpoint_auth_methods_supported"] == ["client_secret_basic"]
    assert body["response_types_supported"] == ["code"]
    assert set(body["scopes_supported"]) == scopes.ALL
    assert {"authorization_code", "refresh_token"} <= set(body["grant_types_supported"])


async def test_a_learner_authorises_an_application_which_then_reads_as_them(
    browser: Browser, learner_id: str, application: Application
) -> None:
    page = await browser.http.get(application.authorize_path(lang="fr"))
    assert page.status_code == 200
    assert "Carnet de compétences du Campus" in page.text
    assert "app.campus-caen.example" in page.text
    for words in ("Lire vos badges", "Ajouter ou remplacer des badges", "Lire votre profil"):
        assert words in page.text
    assert "Modifier votre profil" in page.text
    assert (
        "form-action 'self' https://app.campus-caen.example"
        in (page.headers["content-security-policy"])
    )

    back = await consent(browser, application)
    assert back["state"] == application.state
    response = await application.exchange(back["code"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    issued = response.json()
    assert issued["token_type"] == "Bearer"
    assert issued["expires_in"] == 3600
    assert set(issued["scope"].split()) == scopes.ALL
    assert issued["refresh_token"].startswith("obr_")

    # The token names its grant, not the learner (the same learner is not correlatable
    # across applications by what they receive).
    claims = json.loads(base64.urlsafe_b64decode(issued["access_token"].split(".")[1] + "=="))
    assert learner_id not in json.dumps(claims)
    assert claims["client_id"] == application.client_id

    bearer = {"Authorization": f"Bearer {issued['access_token']}"}
    who = await browser.http.get(RESOURCE, headers=bearer)
    assert who.status_code == 200, who.text
    principal = who.json()
    assert principal["client_id"] == application.client_id
    assert principal["client_name"] == "Carnet de compétences du Campus"
    assert principal["learner_id"] == learner_id
    assert principal["partner_id"] is None
    assert principal["grant_id"]
    assert set(principal["scopes"]) == scopes.ALL


async def test_the_consent_csp_allows_the_redirect_origin_rebuilt_from_its_parts(
    browser: Browser, learner_id: str
) -> None:
    base = "https://Café.example:8443"
    callback = f"{base}/retour?x=1"
    application = await register(
        browser.http,
        client_uri=f"{base}/",
        logo_uri=f"{base}/logo.png",
        tos_uri=f"{base}/cgu",
        policy_uri=f"{base}/privacy",
        redirect_uris=[callback],
    )
    page = await browser.http.get(application.authorize_path(redirect_uri=callback))
    assert page.status_code == 200, page.text
    policy = page.headers["content-security-policy"]
    directive = next(d.strip() for d in policy.split(";") if "form-action" in d)
    assert directive == "form-action 'self' https://xn--caf-dma.example:8443"


async def test_no_token_reaches_the_logs_even_at_debug_level(
    browser: Browser, learner_id: str, application: Application, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger at DEBUG, as an operator may set it
    issued = await tokens_for(browser, application)
    refreshed = await application.refresh(issued["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    logged = caplog.text
    assert caplog.records  # the capture works: the service did log at DEBUG
    for token in (
        issued["access_token"],
        issued["refresh_token"],
        refreshed.json()["access_token"],
        refreshed.json()["refresh_token"],
    ):
        assert token not in logged


async def test_a_client_registered_without_refresh_token_gets_no_refresh_token(
    browser: Browser, learner_id: str
) -> None:
    application = await register(browser.http, grant_types=["authorization_code"])
    issued = await tokens_for(browser, application)
    assert issued["access_token"]
    assert "refresh_token" not in issued
    refused = await application.refresh("obr_" + "x" * 40)
    assert refused.status_code == 400
    assert refused.json()["error"] == "unauthorized_client"


async def test_a_narrower_scope_gives_a_narrower_token_and_a_403_beyond_it(
    browser: Browser, learner_id: str, application: Application
) -> None:
    path = application.authorize_path(scope=scopes.PROFILE_READONLY)
    page = await browser.http.get(path)
    assert "Lire vos badges" not in page.text
    answer = await browser.http.post(
        path, data={"csrf_token": csrf_token(page.text), "decision": "allow"}
    )
    issued = (await application.exchange(query_of(answer.headers["location"])["code"])).json()
    assert issued["scope"] == scopes.PROFILE_READONLY
    refused = await browser.http.get(
        RESOURCE, headers={"Authorization": f"Bearer {issued['access_token']}"}
    )
    assert refused.status_code == 403
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]


async def test_refusing_sends_access_denied_with_the_state(
    browser: Browser, learner_id: str, application: Application
) -> None:
    back = await consent(browser, application, decision="deny")
    assert back["error"] == "access_denied"
    assert back["state"] == application.state
    assert "code" not in back


async def test_a_signed_out_learner_signs_in_first_and_comes_back_to_the_request(
    browser: Browser, known_learner: str, application: Application
) -> None:
    path = application.authorize_path()
    first = await browser.http.get(path)
    assert first.status_code == 303
    assert first.headers["location"].startswith("/connexion?next=")
    signed_in = await browser.sign_in("camille.martin@example.fr", next_path=path)
    assert signed_in.headers["location"] == path
    page = await browser.http.get(path)
    assert page.status_code == 200
    assert "csrf_token" in page.text


async def test_the_consent_form_needs_its_csrf_token(
    browser: Browser, learner_id: str, application: Application
) -> None:
    refused = await browser.http.post(
        application.authorize_path(), data={"csrf_token": "forged", "decision": "allow"}
    )
    assert refused.status_code == 403
    assert "location" not in refused.headers


async def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_grant(
    browser: Browser, learner_id: str, application: Application
) -> None:
    first = await tokens_for(browser, application)
    second = await application.refresh(first["refresh_token"])
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["expires_in"] == 3600
    ok = await browser.http.get(
        RESOURCE, headers={"Authorization": f"Bearer {rotated['access_token']}"}
    )
    assert ok.status_code == 200

    reused = await application.refresh(first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    # The whole grant is dead: the newer refresh token and every access token.
    assert (await application.refresh(rotated["refresh_token"])).json()["error"] == (
        "invalid_grant"
    )
    for token in (first["access_token"], rotated["access_token"]):
        dead = await browser.http.get(RESOURCE, headers={"Authorization": f"Bearer {token}"})
        assert dead.status_code == 401
        assert 'error="invalid_token"' in dead.headers["www-authenticate"]


async def test_revoking_a_refresh_token_kills_the_grant_and_its_access_tokens(
    browser: Browser, learner_id: str, application: Application
) -> None:
    issued = await tokens_for(browser, application)
    revoked = await application.revoke(issued["refresh_token"], "refresh_token")
    assert revoked.status_code == 200
    assert (await application.refresh(issued["refresh_token"])).status_code == 400
    dead = await browser.http.get(
        RESOURCE, headers={"Authorization": f"Bearer {issued['access_token']}"}
    )
    assert dead.status_code == 401


async def test_revoking_an_access_token_revokes_its_grant_too(
    browser: Browser, learner_id: str, application: Application
) -> None:
    issued = await tokens_for(browser, application)
    assert (await application.revoke(issued["access_token"])).status_code == 200
    dead = await browser.http.get(
        RESOURCE, headers={"Authorization": f"Bearer {issued['access_token']}"}
    )
    assert dead.status_code == 401
    assert (await application.refresh(issued["refresh_token"])).json()["error"] == ("invalid_grant")


async def test_revoking_an_unknown_token_is_200(application: Application) -> None:
    response = await application.revoke("obr_not-a-token-anyone-issued")
    assert response.status_code == 200


async def test_another_client_cannot_revoke_or_refresh_a_grant_not_its_own(
    browser: Browser, learner_id: str, application: Application
) -> None:
    issued = await tokens_for(browser, application)
    other = await register(browser.http, client_name="Autre application")
    assert (await other.refresh(issued["refresh_token"])).json()["error"] == "invalid_grant"
    assert (await other.revoke(issued["refresh_token"])).status_code == 400
    still = await application.refresh(issued["refresh_token"])
    assert still.status_code == 200, still.text


async def test_ob_tokens_do_not_open_obhub_s_own_api(
    browser: Browser, learner_id: str, application: Application
) -> None:
    issued = await tokens_for(browser, application)
    response = await browser.http.get(
        "/learners", headers={"Authorization": f"Bearer {issued['access_token']}"}
    )
    assert response.status_code == 401
    assert ALL_SCOPES
