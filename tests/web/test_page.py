"""The ``/verifier`` page through the ASGI app: languages, headers, the no-JavaScript
form, escaping of hostile badges, accessibility structure and the palette's contrast."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from issuer_api.web import report_view, words
from issuer_api.web.report_view import safe_image_url, safe_link_url
from issuer_api.web.templating import ASSET_VERSION, CONTENT_SECURITY_POLICY, template
from issuer_api.web.words import format_datetime, format_name
from obhub_i18n import gettext
from verify.report import CHECK_IDS

from .conftest import TAMPERED, VALID, XSS, hostile_badge, tiny_png

pytestmark = pytest.mark.anyio

STATIC = Path(__file__).resolve().parents[2] / "src" / "issuer_api" / "web" / "static"


class Page(HTMLParser):
    """Every start tag with its attributes, and the text of each element by id."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_parts: list[str] = []
        self._stack: list[str] = []
        self.feed(source)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text_parts))

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def by_id(self, element_id: str) -> dict[str, str | None]:
        found = [attrs for _, attrs in self.tags if attrs.get("id") == element_id]
        assert len(found) == 1, element_id
        return found[0]


def multipart(fields: dict[str, str], file: tuple[str, bytes, str] | None = None) -> Any:
    files: dict[str, Any] = {"file": file if file else ("", b"", "application/octet-stream")}
    return {"data": fields, "files": files}


# --------------------------------------------------------------------------- GET


async def test_the_page_is_french_by_default_with_one_h1_and_landmarks(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/verifier")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = Page(response.text)
    assert page.all("html") == [{"lang": "fr", "dir": "ltr"}]
    assert len(page.all("h1")) == 1
    assert "Vérifier un badge numérique" in page.text
    for landmark in ("header", "main", "footer", "nav"):
        assert len(page.all(landmark)) == 1, landmark
    (switch,) = [a for a in page.all("a") if a.get("class") == "lang-switch"]
    assert switch["href"] == "/verifier?lang=en"
    assert switch["lang"] == "en"
    status = page.by_id("status")
    assert (status["role"], status["aria-live"]) == ("status", "polite")
    assert page.by_id("form-error")["role"] == "alert"
    assert "hidden" in page.by_id("result")


async def test_english_by_query_or_accept_language(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/verifier?lang=en"),
        await client.get("/verifier", headers={"Accept-Language": "en-GB,en;q=0.8,fr;q=0.5"}),
    ):
        page = Page(response.text)
        assert page.all("html")[0]["lang"] == "en"
        assert "Verify a digital badge" in page.text
        assert any(a.get("href") == "/verifier?lang=fr" for a in page.all("a"))
    forced = await client.get("/verifier?lang=fr", headers={"Accept-Language": "en"})
    assert Page(forced.text).all("html")[0]["lang"] == "fr"
    # The language chosen is remembered (cookie) over Accept-Language.
    remembered = await client.get("/verifier", headers={"Accept-Language": "en"})
    assert Page(remembered.text).all("html")[0]["lang"] == "fr"
    client.cookies.clear()
    unknown = await client.get("/verifier?lang=de", headers={"Accept-Language": "de, en;q=0.5"})
    assert unknown.status_code == 200
    assert Page(unknown.text).all("html")[0]["lang"] == "en"
    assert unknown.headers["vary"] == "Accept-Language, Cookie"


async def test_security_headers_and_no_inline_script_or_style(client: httpx.AsyncClient) -> None:
    response = await client.get("/verifier")
    csp = response.headers["content-security-policy"]
    assert csp == CONTENT_SECURITY_POLICY
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["img-src"] == "'self' data: https:"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    page = Page(response.text)
    scripts = page.all("script")
    assert [s.get("type") for s in scripts if "src" not in s] == ["application/json"]
    assert [s["src"] for s in scripts if "src" in s] == [
        f"/verifier/static/verifier.js?v={ASSET_VERSION}"
    ]
    assert page.all("style") == []
    assert not any("style" in attrs for _, attrs in page.tags)
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    # Everything the page loads is its own: no CDN, no external font (links to other
    # sites, such as the Region's website, are not loaded).
    for name, attrs in page.tags:
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            if key == "href" and name == "a":
                continue
            assert not value.startswith(("http:", "https:", "//")), value


async def test_every_control_has_a_label_and_a_hint(client: httpx.AsyncClient) -> None:
    page = Page((await client.get("/verifier")).text)
    labelled = {attrs["for"] for attrs in page.all("label")}
    controls = [
        attrs
        for tag, attrs in page.tags
        if tag in ("input", "textarea", "select") and attrs.get("type") != "hidden"
    ]
    assert {c["id"] for c in controls} == {"badge-text", "badge-file", "badge-url", "recipient"}
    for control in controls:
        assert control["id"] in labelled
        for hint in (control.get("aria-describedby") or "").split():
            page.by_id(hint)
    assert page.by_id("badge-file")["accept"].startswith(".png,.svg,.json,.jwt")
    form = page.all("form")[0]
    assert (form["method"], form["enctype"], form["action"]) == (
        "post",
        "multipart/form-data",
        "/verifier?lang=fr",
    )
    assert page.by_id("verify-button")["type"] == "submit"


async def test_static_assets_are_served_with_their_types(client: httpx.AsyncClient) -> None:
    for path, media in (
        ("/static/site.css", "text/css"),
        ("/verifier/static/verifier.js", "text/javascript"),
        ("/static/favicon.svg", "image/svg+xml"),
    ):
        name = path.rsplit("/", 1)[1]
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.content == (STATIC / name).read_bytes()
    assert (await client.get("/verifier/static/..%2Fpages.py")).status_code == 404
    assert (await client.get("/verifier/static/pages.py")).status_code == 404
    assert (await client.get("/static/pages.py")).status_code == 404


def test_the_page_is_not_in_the_api_document(client: httpx.AsyncClient, app: Any) -> None:
    assert not any(path.startswith("/verifier") for path in app.openapi()["paths"])


# --------------------------------------------------------------------------- POST (no JavaScript)


async def test_the_form_verifies_a_valid_badge_without_javascript(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/verifier?lang=fr", **multipart({"lang": "fr", "badge": VALID.read_text()})
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    page = Page(response.text)
    assert "Le badge est authentique et valide." in page.text
    assert page.by_id("status")["role"] == "status"
    assert "hidden" not in page.by_id("result")
    checks = [a for a in page.all("li") if "data-check" in a]
    assert [c["data-check"] for c in checks] == list(CHECK_IDS)
    assert {c["data-check"]: c["data-status"] for c in checks}["proof"] == "valid"
    assert "✔ valide" in page.text
    assert "· sans objet" in page.text
    assert "Signature : La signature est valide." in page.text
    assert "Teamwork Badge" in page.text
    assert "9 janvier 2025 à 15:06 UTC" in page.text
    assert "Example Corp" in page.text
    # The pasted badge is given back in the form.
    assert '"Teamwork Badge"' in page.text


async def test_the_form_says_a_tampered_badge_is_not_valid(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/verifier",
        **multipart({"lang": "fr"}, ("badge.json", TAMPERED.read_bytes(), "application/json")),
    )
    assert response.status_code == 200
    page = Page(response.text)
    assert "Le badge n'est pas valide." in page.text
    proof = next(a for a in page.all("li") if a.get("data-check") == "proof")
    assert proof["data-status"] == "invalid"
    assert "✘ invalide" in page.text
    assert "La signature ne correspond pas au contenu du badge." in page.text
    verdict = next(a for a in page.all("div") if "data-verdict" in a)
    assert verdict["data-verdict"] == "invalid"


async def test_the_form_accepts_a_baked_png_and_speaks_english(client: httpx.AsyncClient) -> None:
    from obcore import baking  # noqa: PLC0415 - only this test bakes

    baked = baking.bake(tiny_png(8), VALID.read_text())
    response = await client.post(
        "/verifier?lang=en", **multipart({}, ("badge.png", baked, "image/png"))
    )
    page = Page(response.text)
    assert page.all("html")[0]["lang"] == "en"
    assert "The badge is authentic and valid." in page.text
    assert "9 January 2025, 15:06 UTC" in page.text
    assert "PNG image (JSON badge)" in page.text
    assert "✔ valid" in page.text
    assert "Signature: The signature is valid." in page.text


async def test_an_empty_form_is_refused_with_an_announced_error(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/verifier", **multipart({"lang": "fr", "badge": "  "}))
    assert response.status_code == 400
    page = Page(response.text)
    assert "Erreur : Aucun badge à vérifier" in page.text
    textarea = page.by_id("badge-text")
    assert textarea["aria-invalid"] == "true"
    assert textarea["aria-describedby"] == "badge-text-hint form-error"
    assert "hidden" in page.by_id("result")


async def test_garbage_gives_a_clear_invalid_verdict(client: httpx.AsyncClient) -> None:
    response = await client.post("/verifier", **multipart({"badge": "pas un badge {"}))
    page = Page(response.text)
    assert "Le badge n'est pas valide." in page.text
    assert "Le document n'est pas un JSON valide." in page.text or "JWT" in page.text


async def test_a_url_is_checked_and_an_unsupported_url_said_politely(
    client: httpx.AsyncClient,
) -> None:
    bad = await client.post("/verifier", **multipart({"url": "ftp://example.org/badge.json"}))
    assert bad.status_code == 400
    assert "L'adresse doit commencer par https://" in Page(bad.text).text
    assert Page(bad.text).by_id("badge-url")["aria-invalid"] == "true"
    response = await client.post(
        "/verifier", **multipart({"url": "https://example.org/badges/1.json"})
    )
    assert response.status_code == 200
    page = Page(response.text)
    assert page.by_id("badge-url")["value"] == "https://example.org/badges/1.json"
    parse = next(a for a in page.all("li") if a.get("data-check") == "parse")
    if parse["data-status"] == "invalid":  # the verifier does not fetch URLs (yet)
        assert gettext("fr", words.URL_UNAVAILABLE) in page.text


async def test_the_expected_recipient_is_passed_to_the_verifier(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/verifier",
        **multipart({"badge": VALID.read_text(), "recipient": "did:example:someone-else"}),
    )
    page = Page(response.text)
    recipient = next(a for a in page.all("li") if a.get("data-check") == "recipient")
    assert recipient["data-status"] == "invalid"
    assert "Le badge n'est pas valide." in page.text


# --------------------------------------------------------------------------- hostile badges


async def test_hostile_badge_content_is_escaped_everywhere(client: httpx.AsyncClient) -> None:
    hostile = json.dumps(hostile_badge(), ensure_ascii=False)
    for response in (
        await client.post("/verifier", **multipart({"badge": hostile})),
        await client.post(
            "/verifier", **multipart({}, ("b.json", hostile.encode(), "application/json"))
        ),
    ):
        assert response.status_code == 200
        source = response.text
        page = Page(source)
        # Exactly the page's own two scripts, no injected element or handler.
        assert len(page.all("script")) == 2
        assert page.all("svg") == []
        assert page.all("b") == []
        assert page.all("img") == []  # javascript: / data:text/html refused
        assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
        assert "javascript:" not in " ".join(
            str(attrs.get(k)) for _, attrs in page.tags for k in ("src", "href", "action")
        )
        # Shown as text, exactly as written.
        for value in XSS.values():
            assert value in page.text
        assert "&lt;script&gt;window.__pwned" in source
        assert "identifiant masqué (e-mail)" in page.text


def test_images_only_from_data_image_or_https() -> None:
    assert safe_image_url("https://example.org/b.png") == "https://example.org/b.png"
    assert safe_image_url("data:image/png;base64,iVBORw0=") is not None
    assert safe_image_url("data:image/svg+xml,%3Csvg%3E") is not None  # inert in <img>
    for refused in (
        "javascript:alert(1)",
        " javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "data:image/png",
        "data:image/svg+xml,<svg onload=x>",  # unencoded spaces: not an address
        "http://example.org/b.png",
        "https:///nohost",
        "https://exa mple.org/b.png",
        "https://example.org/\nb.png",
        "//example.org/b.png",
        "vbscript:x",
        "",
        None,
        {"id": "https://example.org/b.png"},
    ):
        assert safe_image_url(refused) is None, refused
    assert safe_link_url("http://example.org") == "http://example.org"
    assert safe_link_url("javascript:alert(1)") is None


def test_a_rendered_report_shows_an_image_with_alt_text_and_escapes_attributes() -> None:
    report = {
        "verdict": "valid",
        "message": "ok",
        "format": "json",
        "checks": [{"id": "proof", "status": "valid", "message": "m"}],
        "summary": {
            "name": 'Badge "quoted" <b>',
            "image": 'https://example.org/i.png?a="><script>x</script>',
            "recipient": {"identifiers": [{"identityType": "emailAddress", "hashed": True}]},
            "awardedDate": "2025-03-01T08:05:00+02:00",
            "validUntil": "not a date <i>",
        },
        "notices": ["status_list_id_differs", "<unknown notice>"],
    }
    macros = template("fr", "macros/report.html").module
    source = str(macros.report(report_view.report_view("fr", report)))  # type: ignore[attr-defined]
    page = Page(source)
    (image,) = page.all("img")
    assert image["src"] == 'https://example.org/i.png?a="><script>x</script>'
    assert image["alt"] == 'Image du badge « Badge "quoted" <b> »'
    assert page.all("script") == []
    assert page.all("b") == []
    assert page.all("i") == []
    assert "identifiant masqué (e-mail)" in page.text
    assert "1er mars 2025 à 06:05 UTC" in page.text
    assert "not a date <i>" in page.text
    assert "<unknown notice>" in page.text
    assert "Remarques" in page.text


async def test_the_script_gets_the_words_of_the_page_in_a_closed_data_block(
    client: httpx.AsyncClient,
) -> None:
    for lang in ("fr", "en"):
        source = (await client.get(f"/verifier?lang={lang}")).text
        block = source.split('<script type="application/json" id="verifier-data">', 1)[1]
        inner = block.split("</script>", 1)[0]
        for character in "<>&":
            assert character not in inner
        data = json.loads(inner)
        assert data["lang"] == lang
        assert data["texts"] == words.verifier_script_texts(lang)
        assert data["messages"]["verified"] == (
            "Le badge est authentique et valide."
            if lang == "fr"
            else "The badge is authentic and valid."
        )


# --------------------------------------------------------------------------- words


def test_every_check_and_script_word_reads_in_french_and_english() -> None:
    french, english = words.verifier_script_texts("fr"), words.verifier_script_texts("en")
    assert french.keys() == english.keys()
    for check_id in CHECK_IDS:
        assert f"check_{check_id}" in french
    assert all(value.strip() for value in (*french.values(), *english.values()))
    assert french["check_proof"] == "Signature"
    assert french["status_indeterminate"] == "non vérifiable"
    assert english["error_empty"].startswith("Nothing to verify")
    assert len(french["months"].split()) == 12


def test_dates_read_naturally() -> None:
    assert format_datetime("2025-01-09T15:06:31Z", "fr") == "9 janvier 2025 à 15:06 UTC"
    assert format_datetime("2025-01-09T15:06:31Z", "en") == "9 January 2025, 15:06 UTC"
    assert format_datetime("2025-08-01T00:00:00.123+02:00", "fr") == "31 juillet 2025 à 22:00 UTC"
    assert format_datetime("2025-08-01", "fr") == "1er août 2025 à 00:00 UTC"
    assert format_datetime("yesterday", "fr") is None
    assert format_datetime(12, "fr") is None
    assert format_name("fr", "baked-svg+vc-jwt") == "image SVG (badge VC-JWT)"
    assert format_name("en", "json") == "JSON"


# --------------------------------------------------------------------------- contrast

# (text, background) pairs of the palette in site.css, as they are used.
CONTRAST_PAIRS = [
    ("c-text", "c-bg"),
    ("c-text", "c-page"),
    ("c-muted", "c-bg"),
    ("c-muted", "c-page"),
    ("c-primary", "c-bg"),
    ("c-primary", "c-page"),
    ("c-on-primary", "c-primary"),
    ("c-on-primary", "c-primary-hover"),
    ("c-header-text", "c-header-bg"),
    ("c-valid", "c-valid-bg"),
    ("c-invalid", "c-invalid-bg"),
    ("c-indeterminate", "c-indeterminate-bg"),
    ("c-skipped", "c-skipped-bg"),
    ("c-error", "c-error-bg"),
    ("c-valid", "c-bg"),
    ("c-invalid", "c-bg"),
    ("c-indeterminate", "c-bg"),
]
# Non-text contrast (WCAG 1.4.11): focus ring and field borders need 3:1.
UI_PAIRS = [("c-focus", "c-bg"), ("c-focus", "c-page"), ("c-border", "c-bg")]


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_palette_meets_wcag_aa_contrast() -> None:
    css = (STATIC / "site.css").read_text()
    palette = dict(re.findall(r"--(c-[\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", css))
    used = set(re.findall(r"var\(--(c-[\w-]+)\)", css))
    assert used <= palette.keys()
    # No colour outside the palette (keeps this test meaningful).
    assert re.findall(r"#[0-9a-fA-F]{3,8}\b", css.split("}", 1)[1]) == []
    for fg, bg in CONTRAST_PAIRS:
        assert _contrast(palette[fg], palette[bg]) >= 4.5, (fg, bg)
    for fg, bg in UI_PAIRS:
        assert _contrast(palette[fg], palette[bg]) >= 3.0, (fg, bg)


def test_motion_is_reduced_on_request_and_focus_is_visible() -> None:
    css = (STATIC / "site.css").read_text()
    assert "@media (prefers-reduced-motion: reduce)" in css
    assert re.search(r":focus-visible\s*{\s*outline: 3px solid", css)
    js = (STATIC / "verifier.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js, sink
