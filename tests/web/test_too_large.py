"""A form that sends more than ``OBHUB_MAX_BODY_BYTES`` (2 MB): a person who sent it
from one of the site's pages reads a short page in their language that says nothing
was saved and leads back to the form; an API client keeps the JSON error."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import httpx
import pytest

from issuer_api.web.templating import CONTENT_SECURITY_POLICY
from issuer_api.web.too_large import is_page, prefers_html, size_text

pytestmark = pytest.mark.anyio

LIMIT = 2 * 1024 * 1024
BROWSER_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
)


def a_badge_image_too_big() -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("photo.png", b"\x89PNG" + b"x" * LIMIT, "image/png")}


async def test_a_browser_form_too_big_gets_a_page_in_french(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/verifier",
        files=a_badge_image_too_big(),
        data={"badge": ""},
        headers={"Accept": BROWSER_ACCEPT},
    )

    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["cache-control"] == "no-store"
    page = html.unescape(response.text)
    assert '<html lang="fr"' in page
    assert "<h1>Trop lourd pour être envoyé</h1>" in page
    assert "pèse plus de 2 Mo" in page
    assert "Rien n'a été enregistré." in page
    assert '<a href="/verifier">Revenir au formulaire</a>' in page


async def test_the_page_speaks_english_when_the_reader_does(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/espace/solliciter",
        files={"files": ("badge.png", b"\x89PNG" + b"x" * LIMIT, "image/png")},
        headers={"Accept": BROWSER_ACCEPT, "Accept-Language": "en-GB,en;q=0.9"},
    )

    assert response.status_code == 413
    page = html.unescape(response.text)
    assert '<html lang="en"' in page
    assert "<h1>Too big to send</h1>" in page
    assert "weighs more than 2 MB" in page
    assert '<a href="/espace/solliciter">Back to the form</a>' in page


async def a_form_in_chunks(file_size: int, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    """A multipart form with one file of ``file_size`` bytes, sent without its length."""
    yield (
        b"--xyz\r\n"
        b'Content-Disposition: form-data; name="file"; filename="photo.png"\r\n'
        b"Content-Type: image/png\r\n\r\n"
    )
    for start in range(0, file_size, chunk):
        yield b"x" * min(chunk, file_size - start)
    yield b"\r\n--xyz--\r\n"


async def test_a_form_sent_without_a_declared_length_gets_the_page_too(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/verifier",
        content=a_form_in_chunks(LIMIT + 1),
        headers={
            "Accept": BROWSER_ACCEPT,
            "Content-Type": "multipart/form-data; boundary=xyz",
        },
    )

    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert "Trop lourd pour être envoyé" in html.unescape(response.text)


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/verify", "application/json"),
        ("/verify", BROWSER_ACCEPT),  # an API route, whoever asks
        ("/claims", BROWSER_ACCEPT),
        ("/verifier", "application/json"),  # a page, asked by a program
        ("/verifier", "*/*"),
    ],
)
async def test_api_clients_keep_the_json_error(
    client: httpx.AsyncClient, path: str, accept: str
) -> None:
    response = await client.post(path, content=b"x" * (LIMIT + 1), headers={"Accept": accept})

    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert error["details"] == {"max_body_bytes": LIMIT}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (BROWSER_ACCEPT, True),
        ("text/html", True),
        ("application/json, text/html", False),
        ("text/html;q=0.5, application/json", False),
        ("application/json;q=0.5, text/html", True),
        ("text/html;q=0", False),
        ("*/*", False),
        (None, False),
    ],
)
def test_a_reader_prefers_html_when_it_ranks_above_json(accept: str | None, expected: bool) -> None:
    assert prefers_html(accept) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/verifier", True),
        ("/espace/solliciter", True),
        ("/connexion", True),
        ("/badges/urn:uuid:1", True),
        ("/verify", False),
        ("/claims", False),
        ("/v1/badges", False),
        ("/espaces", False),
    ],
)
def test_pages_are_told_from_api_routes(path: str, expected: bool) -> None:
    assert is_page(path) is expected


def test_the_limit_reads_in_the_readers_units() -> None:
    assert size_text("fr", LIMIT) == "2 Mo"
    assert size_text("en", 3 * LIMIT // 4) == "1.5 MB"
    assert size_text("fr", 3 * LIMIT // 4) == "1,5 Mo"
    assert size_text("en", 64 * 1024) == "64 KB"
