"""Cookies are ``Secure`` whenever the hub is published over https — over an https
request, and behind a proxy that ends TLS (the public base URL says https) — and pages
served over https ask browsers to keep to https (HSTS)."""

from __future__ import annotations

import httpx
import pytest

from ingestion.helpers import hub_settings
from issuer_api.app import create_app
from issuer_api.settings import Settings

pytestmark = [pytest.mark.anyio, pytest.mark.db]


async def cookies_of(settings: Settings, base_url: str) -> tuple[list[str], httpx.Headers]:
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as http,
    ):
        page = await http.get("/connexion", params={"lang": "fr"})
        assert page.status_code == 200
        return page.headers.get_list("set-cookie"), page.headers


async def test_over_plain_http_on_defaults_cookies_are_not_secure(db_settings: Settings) -> None:
    cookies, headers = await cookies_of(hub_settings(db_settings), "http://localhost")
    assert cookies
    assert not any("Secure" in cookie for cookie in cookies)
    assert "strict-transport-security" not in headers


async def test_a_hub_published_over_https_sets_secure_cookies_even_behind_its_proxy(
    db_settings: Settings,
) -> None:
    settings = hub_settings(db_settings, public_base_url="https://badges.example.fr")
    cookies, _headers = await cookies_of(settings, "http://internal:8000")
    assert {cookie.split("=", 1)[0] for cookie in cookies} == {"obhub_csrf", "obhub_lang"}
    assert all("Secure" in cookie for cookie in cookies)


async def test_pages_over_https_ask_browsers_to_keep_to_https(db_settings: Settings) -> None:
    cookies, headers = await cookies_of(hub_settings(db_settings), "https://localhost")
    assert all("Secure" in cookie for cookie in cookies)
    assert headers["strict-transport-security"] == "max-age=31536000"
