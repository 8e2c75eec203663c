"""Dynamic client registration (RFC 7591) as the OB 3.0 API profiles it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.helpers import Browser
from ingestion.helpers import hub_settings
from issuer_api.app import create_app
from issuer_api.auth.service import hash_secret
from issuer_api.models import ApiClient, AuditEvent
from issuer_api.oauth import scopes
from issuer_api.settings import Settings
from oauth.helpers import REDIRECT, registration

pytestmark = pytest.mark.anyio


async def register(http: httpx.AsyncClient, body: Any) -> httpx.Response:
    return await http.post("/oauth/register", json=body)


async def test_a_registration_returns_credentials_once_and_stores_the_secret_hashed(
    browser: Browser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    response = await register(browser.http, registration())
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["client_id"].startswith("obc_")
    assert body["client_secret"].startswith("obs_")
    assert isinstance(body["client_id_issued_at"], int)
    assert body["client_secret_expires_at"] == 0
    assert body["client_name"] == "Carnet de compétences du Campus"
    assert body["redirect_uris"] == [REDIRECT]
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert body["grant_types"] == ["authorization_code", "refresh_token"]
    assert body["response_types"] == ["code"]
    assert body["software_id"] == "c7a0e1d2-campus-carnet"
    assert body["software_version"] == "2.4.1"
    async with sessions() as session:
        row = await session.get(ApiClient, body["client_id"])
    assert row is not None
    assert row.secret_hash == hash_secret(body["client_secret"])
    assert body["client_secret"] not in str(row.registration)
    assert set(row.scopes) == scopes.ALL
    async with sessions() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.target_id == body["client_id"])
        )
    assert event is not None
    assert event.action == "oauth_client.register"
    assert event.data["software_id"] == "c7a0e1d2-campus-carnet"


async def test_the_defaults_of_rfc_7591_apply_when_the_optional_fields_are_left_out(
    browser: Browser,
) -> None:
    body = registration(token_endpoint_auth_method=None, grant_types=None, response_types=None)
    response = await register(browser.http, body)
    assert response.status_code == 201, response.text
    assert response.json()["grant_types"] == ["authorization_code", "refresh_token"]


async def test_http_is_accepted_on_localhost_for_development(browser: Browser) -> None:
    base = "http://localhost:8080"
    body = registration(
        client_uri=f"{base}/",
        logo_uri=f"{base}/logo.png",
        tos_uri=f"{base}/cgu",
        policy_uri=f"{base}/privacy",
        redirect_uris=[f"{base}/callback"],
    )
    assert (await register(browser.http, body)).status_code == 201


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"client_name": None}, "invalid_client_metadata"),
        ({"software_version": None}, "invalid_client_metadata"),
        ({"tos_uri": None}, "invalid_client_metadata"),
        ({"redirect_uris": None}, "invalid_client_metadata"),
        ({"scope": "admin"}, "invalid_client_metadata"),
        ({"scope": "   "}, "invalid_client_metadata"),
        ({"scope": scopes.CREDENTIAL_READONLY + " issue"}, "invalid_client_metadata"),
        ({"token_endpoint_auth_method": "client_secret_post"}, "invalid_client_metadata"),
        ({"token_endpoint_auth_method": "none"}, "invalid_client_metadata"),
        ({"grant_types": ["client_credentials"]}, "invalid_client_metadata"),
        ({"grant_types": ["authorization_code", "implicit"]}, "invalid_client_metadata"),
        ({"response_types": ["token"]}, "invalid_client_metadata"),
        ({"logo_uri": "https://cdn.elsewhere.example/logo.png"}, "invalid_client_metadata"),
        ({"client_uri": "http://app.campus-caen.example/"}, "invalid_client_metadata"),
        ({"redirect_uris": ["http://app.campus-caen.example/callback"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://evil.example/callback"]}, "invalid_redirect_uri"),
        ({"redirect_uris": [REDIRECT + "#fragment"]}, "invalid_redirect_uri"),
        ({"redirect_uris": "https://app.campus-caen.example/cb"}, "invalid_redirect_uri"),
        ({"redirect_uris": ["not a uri"]}, "invalid_redirect_uri"),
    ],
)
async def test_a_registration_outside_the_ob_profile_is_refused_with_its_rfc_7591_error(
    browser: Browser, changes: dict[str, Any], error: str
) -> None:
    response = await register(browser.http, registration(**changes))
    assert response.status_code == 400, response.text
    assert response.json()["error"] == error
    assert response.json()["error_description"]


HOSTILE_HOSTS = [
    "app.campus-caen.example *",
    "app.campus-caen.example; sandbox",
    "app.campus-caen.example,evil.example",
    "app.campus-caen.example'",
    'app.campus-caen.example"',
    "app.campus-caen.example<script>",
    "app.campus-caen.example\\evil.example",
    "app.campus-caen.example`",
    "app.campus-caen.example\tevil.example",
    "*.campus-caen.example",
    "app_campus.example",
    "-app.campus-caen.example",
    "app..campus-caen.example",
    "1.2.3",
    "[fe80::1%25eth0]",
]


def on_host(host: str) -> dict[str, Any]:
    """A registration whose every URI is on ``host`` (so only the host can be refused)."""
    base = f"https://{host}"
    return registration(
        client_uri=f"{base}/",
        logo_uri=f"{base}/logo.png",
        tos_uri=f"{base}/cgu",
        policy_uri=f"{base}/privacy",
        redirect_uris=[f"{base}/callback"],
    )


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
async def test_a_host_that_is_neither_a_dns_name_nor_an_ip_address_is_refused(
    browser: Browser, host: str
) -> None:
    response = await register(browser.http, on_host(host))
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_client_metadata"


@pytest.mark.parametrize("uri", [REDIRECT + "?a=1 b", REDIRECT + ";x", REDIRECT + "/<x>"])
async def test_a_redirect_uri_with_a_forbidden_character_is_invalid_redirect_uri(
    browser: Browser, uri: str
) -> None:
    response = await register(browser.http, registration(redirect_uris=[uri]))
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_redirect_uri"


@pytest.mark.parametrize("host", ["café.example", "xn--caf-dma.example", "[2001:db8::1]"])
async def test_an_international_name_or_an_ip_literal_is_a_valid_host(
    browser: Browser, host: str
) -> None:
    response = await register(browser.http, on_host(host))
    assert response.status_code == 201, response.text


async def test_hosts_are_compared_in_punycode(browser: Browser) -> None:
    body = on_host("café.example") | {"logo_uri": "https://xn--caf-dma.example/logo.png"}
    assert (await register(browser.http, body)).status_code == 201


@pytest.mark.parametrize("body", [[], "text", 3])
async def test_a_body_that_is_not_a_json_object_is_invalid_client_metadata(
    browser: Browser, body: Any
) -> None:
    response = await register(browser.http, body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"


async def test_a_body_that_is_not_json_is_invalid_client_metadata(browser: Browser) -> None:
    response = await browser.http.post(
        "/oauth/register", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"


@asynccontextmanager
async def hub_with_registration_limit(
    db_settings: Settings, limit: int
) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """The service with ``limit`` registrations an hour per client address, and a way
    to call it from a given client IP address."""
    app = create_app(hub_settings(db_settings, oauth_registrations_per_hour=limit))

    def from_address(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        return httpx.AsyncClient(transport=transport, base_url="http://localhost")

    async with app.router.lifespan_context(app):
        yield from_address


async def test_past_the_hourly_limit_an_address_is_told_to_come_back_later(
    db_settings: Settings, anyio_backend: str
) -> None:
    async with hub_with_registration_limit(db_settings, 2) as from_address:
        async with from_address("192.0.2.10") as http:
            assert (await register(http, registration())).status_code == 201
            refused = await register(http, registration(scope="admin"))  # counts too
            assert refused.status_code == 400
            limited = await register(http, registration())
        async with from_address("192.0.2.11") as elsewhere:
            other_address = await register(elsewhere, registration())

    assert limited.status_code == 429
    assert limited.json() == {
        "error": "temporarily_unavailable",
        "error_description": limited.json()["error_description"],
    }
    assert limited.json()["error_description"]
    assert limited.headers["retry-after"] == "3600"
    assert limited.headers["cache-control"] == "no-store"
    assert other_address.status_code == 201


async def test_the_registration_limit_counts_an_ipv6_address_with_its_slash_64(
    db_settings: Settings, sessions: async_sessionmaker[AsyncSession], anyio_backend: str
) -> None:
    async with hub_with_registration_limit(db_settings, 1) as from_address:
        async with from_address("2001:db8:5:6::1") as first:
            assert (await register(first, registration())).status_code == 201
        async with from_address("2001:db8:5:6:ffff::2") as same_64:
            assert (await register(same_64, registration())).status_code == 429
        async with from_address("2001:db8:5:7::1") as next_64:
            assert (await register(next_64, registration())).status_code == 201
    async with sessions() as session:
        stored = await session.scalar(
            select(func.count()).select_from(ApiClient).where(ApiClient.registration.is_not(None))
        )
    assert stored == 2


@pytest.mark.parametrize("name", ["Campus\u202egnirut", "Campus\u0000", "Région\u200bNormandie"])
async def test_a_client_name_with_control_or_formatting_characters_is_refused(
    browser: Browser, name: str
) -> None:
    response = await register(browser.http, registration(client_name=name))
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_client_metadata"
