"""The home page ``/`` and the API documentation ``/docs``: everything from this origin."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx
import pytest

from issuer_api.web.home import INTRO
from obhub_i18n import gettext

from .test_page import Page

pytestmark = pytest.mark.anyio

SWAGGER_UI = Path(__file__).resolve().parents[2] / "src" / "issuer_api" / "web" / "static"
SWAGGER_UI = SWAGGER_UI / "swagger-ui"


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


def same_origin_references(page: Page) -> list[str]:
    """Every ``src`` and ``href`` of the page but in-page anchors and the links marked
    ``rel="external"`` (the Region's website and contact address); each must be a path
    on this origin."""
    references = [
        value
        for tag, attrs in page.tags
        for name, value in attrs.items()
        if name in ("src", "href") and value is not None and not value.startswith("#")
        if not (tag == "a" and "external" in (attrs.get("rel") or "").split())
    ]
    for reference in references:
        assert reference.startswith("/"), reference
        assert not reference.startswith("//"), reference
    return references


# --------------------------------------------------------------------------- /docs


async def test_the_docs_page_loads_swagger_ui_from_this_origin_only(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = Page(response.text)
    references = same_origin_references(page)
    assert "/docs/static/swagger-ui-bundle.js" in references
    assert "/docs/static/swagger-ui.css" in references
    assert "/docs/static/docs.css?v=1" in references  # our WCAG corrections, after it
    assert "cdn" not in response.text.lower()
    assert "'/openapi.json'" in response.text
    expected_types = {
        "/docs/static/swagger-ui-bundle.js": "text/javascript; charset=utf-8",
        "/docs/static/swagger-ui.css": "text/css; charset=utf-8",
        "/docs/static/docs.css?v=1": "text/css; charset=utf-8",
        "/static/favicon.svg": "image/svg+xml",
    }
    assert set(references) == set(expected_types)
    for reference, media_type in expected_types.items():
        asset = await client.get(reference)
        assert asset.status_code == 200, reference
        assert asset.headers["content-type"] == media_type
        assert asset.headers["x-content-type-options"] == "nosniff"
    bundle = await client.get("/docs/static/swagger-ui-bundle.js")
    assert bundle.content == (SWAGGER_UI / "swagger-ui-bundle.js").read_bytes()
    assert "SwaggerUIBundle" in bundle.text


async def test_the_docs_policy_allows_its_own_inline_script_by_hash_and_nothing_else(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/docs")
    policy = directives(response.headers["content-security-policy"])
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert policy["script-src"] == ["'self'", f"'sha256-{digest}'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["default-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    # Only /docs is relaxed: the verifier keeps its strict policy.
    verifier = directives((await client.get("/verifier")).headers["content-security-policy"])
    assert verifier["script-src"] == ["'self'"]
    assert verifier["style-src"] == ["'self'"]


async def test_unknown_docs_assets_and_redoc_are_not_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs/static/../pages.py")).status_code == 404
    assert (await client.get("/docs/static/swagger-ui.js.map")).status_code == 404
    assert (await client.get("/docs/static/LICENSE")).status_code == 404
    assert (await client.get("/redoc")).status_code == 404


def test_the_vendored_swagger_ui_keeps_its_licence_and_version() -> None:
    assert "Apache License" in (SWAGGER_UI / "LICENSE").read_text(encoding="utf-8")
    note = (SWAGGER_UI / "VERSION").read_text(encoding="utf-8")
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        digest = hashlib.sha256((SWAGGER_UI / name).read_bytes()).hexdigest()
        assert f"sha256 {digest}  {name}" in note, f"{name} differs from the noted version"


# --------------------------------------------------------------------------- /


async def test_the_home_page_is_french_by_default_and_links_where_to_go(
    db_client: httpx.AsyncClient,
) -> None:
    # The pages it links to read the database (the catalogue of regional badges).
    client = db_client
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert "Accept-Language" in response.headers["vary"]
    assert "Accept" in response.headers["vary"].split(", ")
    page = Page(response.text)
    assert page.all("html")[0]["lang"] == "fr"
    assert "obhub, le service des badges numériques" in page.text
    links = {attrs["href"] for attrs in page.all("a")}
    assert {
        "/verifier",
        "/badges-regionaux",
        "/espace",
        "/docs",
        "/developpeurs/lms",
        "/openapi.json",
        "/healthz",
    } <= links
    for reference in same_origin_references(page):
        answer = await client.get(reference, follow_redirects=True)
        assert answer.status_code == 200, reference


@pytest.mark.parametrize(
    ("params", "headers"),
    [({"lang": "en"}, {}), ({}, {"Accept-Language": "en-GB,en;q=0.9"})],
)
async def test_the_home_page_speaks_english_when_asked(
    client: httpx.AsyncClient, params: dict[str, str], headers: dict[str, str]
) -> None:
    response = await client.get("/", params=params, headers=headers)
    page = Page(response.text)
    assert page.all("html")[0]["lang"] == "en"
    assert "obhub, the digital badge service" in page.text
    assert "obhub, le service des badges numériques" not in page.text


async def test_a_json_client_gets_an_index_of_the_same_links(
    db_client: httpx.AsyncClient,
) -> None:
    client = db_client
    response = await client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    index = response.json()
    assert index["name"] == "obhub"
    assert index["links"] == {
        "verifier": "/verifier",
        "catalogue": "/badges-regionaux",
        "space": "/espace",
        "docs": "/docs",
        "lms": "/developpeurs/lms",
        "openapi": "/openapi.json",
        "health": "/healthz",
        "readiness": "/readyz",
    }
    assert index["description"]["fr"] == gettext("fr", INTRO)
    assert index["description"]["en"] == INTRO
    for name, path in index["links"].items():
        # Readiness is the health tests' business (200 or 503 here).
        expected = {200, 503} if name == "readiness" else {200}
        response = await client.get(path, follow_redirects=True)
        assert response.status_code in expected, path
    openapi = await client.get(index["links"]["openapi"])
    assert openapi.json()["info"]["title"] == "obhub"


@pytest.mark.parametrize(
    ("accept", "json_expected"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("*/*", False),
        ("application/json, text/html", True),
        ("text/html, application/json", False),
        ("application/json;q=1.0", True),
    ],
)
async def test_the_home_page_answers_html_unless_json_comes_first(
    client: httpx.AsyncClient, accept: str, json_expected: bool
) -> None:
    response = await client.get("/", headers={"Accept": accept})
    assert response.headers["content-type"].startswith(
        "application/json" if json_expected else "text/html"
    )
