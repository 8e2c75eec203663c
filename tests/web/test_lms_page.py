"""The page "Connecter votre LMS" (``/developpeurs/lms``): in French by default and in
English, its examples carry the hub's public base URL, and every code example is a
keyboard-reachable, named, scrolling region. That the examples work is
``tests/acceptance/test_lms_page_examples.py``'s business (a live hub runs them)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from acceptance.ob_api_client import s256
from acceptance.page_examples import examples
from issuer_api.app import create_app
from issuer_api.oauth import scopes
from issuer_api.settings import Settings

from .test_page import Page

pytestmark = pytest.mark.anyio

PUBLIC_BASE_URL = "https://badges.region.example"
STEPS = (
    "discovery",
    "register",
    "pkce",
    "authorize",
    "token",
    "upsert",
    "list",
    "profile",
    "refresh",
    "revoke",
)


@pytest.fixture
def deployed(settings: Settings, tmp_path: Path) -> FastAPI:
    """The service deployed behind its public address (OBHUB_PUBLIC_BASE_URL)."""
    return create_app(
        Settings(
            data_dir=tmp_path,
            database_url=settings.database_url,
            public_base_url=PUBLIC_BASE_URL,  # type: ignore[arg-type]
        )
    )


async def test_the_page_is_french_by_default_and_walks_through_every_step(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/developpeurs/lms")
    assert response.status_code == 200
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    page = Page(response.text)
    assert page.all("html")[0]["lang"] == "fr"
    assert "Connecter votre LMS" in page.text
    assert "Demander le consentement de l'apprenant" in page.text
    assert tuple(examples(response.text)) == STEPS
    for scope in scopes.ALL:
        assert scope in page.text


async def test_the_page_reads_in_english_through_the_language_switch(
    client: httpx.AsyncClient,
) -> None:
    french = Page((await client.get("/developpeurs/lms")).text)
    (switch,) = [a for a in french.all("a") if "lang-switch" in (a.get("class") or "")]
    assert switch["href"] == "/developpeurs/lms?lang=en"
    english = await client.get("/developpeurs/lms", params={"lang": "en"})
    page = Page(english.text)
    assert page.all("html")[0]["lang"] == "en"
    assert "Connect your LMS" in page.text
    assert "Ask the learner's consent" in page.text
    assert tuple(examples(english.text)) == STEPS


async def test_the_examples_call_the_hubs_public_address(deployed: FastAPI) -> None:
    async with (
        deployed.router.lifespan_context(deployed),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=deployed), base_url="http://10.0.0.7:8000"
        ) as client,
    ):
        response = await client.get("/developpeurs/lms")
    found = examples(response.text)
    assert found["discovery"] == f"curl -s {PUBLIC_BASE_URL}/ims/ob/v3p0/discovery"
    assert f"{PUBLIC_BASE_URL}/oauth/token" in found["token"]
    assert "10.0.0.7" not in response.text


async def test_every_code_example_is_a_named_region_that_scrolls_with_the_keyboard(
    client: httpx.AsyncClient,
) -> None:
    page = Page((await client.get("/developpeurs/lms")).text)
    blocks = page.all("pre")
    assert len(blocks) == len(STEPS)
    for block in blocks:
        assert block["tabindex"] == "0"
        assert block["role"] == "region"
        assert (block.get("aria-label") or "").startswith("Exemple : ")
    stylesheets = [link["href"] for link in page.all("link") if link.get("rel") == "stylesheet"]
    assert any((href or "").startswith("/static/developers.css") for href in stylesheets)
    css = await client.get("/static/developers.css")
    assert css.status_code == 200
    assert "overflow-x: auto" in css.text


@pytest.mark.skipif(
    not (shutil.which("bash") and shutil.which("openssl")), reason="needs bash and openssl"
)
async def test_the_pkce_example_makes_an_s256_challenge_of_its_verifier(
    client: httpx.AsyncClient,
) -> None:
    recipe = examples((await client.get("/developpeurs/lms")).text)["pkce"]
    shown = recipe + '\necho "$CODE_VERIFIER $CODE_CHALLENGE $STATE"'
    made = subprocess.run(  # noqa: S603 - the page's own example, run on purpose
        ["bash", "-euo", "pipefail", "-c", shown],  # noqa: S607 - bash from PATH, as a reader
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    verifier, challenge, state = made.stdout.split()
    assert 43 <= len(verifier) <= 128
    assert challenge == s256(verifier)
    assert len(state) >= 16
