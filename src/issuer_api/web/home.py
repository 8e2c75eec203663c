"""The home page ``GET /``: what this service is, and where to go.

A browser gets a short HTML page (French by default; ``?lang=en``, else Accept-Language)
linking to the verifier, the API documentation, the OpenAPI document and the health
probes, with the ``/verifier`` page's stylesheet and security headers. A client that
asks for JSON (``Accept: application/json`` preferred to ``text/html``) gets the same
links as a small JSON index.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from issuer_api.i18n import Language
from issuer_api.web import render
from issuer_api.web.pages import SECURITY_HEADERS, html_response, page_language
from issuer_api.web.render import Html, el
from issuer_api.web.texts import HOME_TEXTS, home_text

router = APIRouter(include_in_schema=False)

# (key of the link in the JSON index and of its words in HOME_TEXTS, path)
LINKS: Final = (
    ("verifier", "/verifier"),
    ("docs", "/docs"),
    ("openapi", "/openapi.json"),
    ("health", "/healthz"),
)
READINESS_PATH: Final = "/readyz"


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request, lang: Annotated[str | None, Query(max_length=8)] = None
) -> Response:
    language = page_language(request, lang)
    if wants_json(request.headers.get("accept", "")):
        return JSONResponse(
            json_index(language, request.app.version),
            headers={**SECURITY_HEADERS, "Vary": "Accept, Accept-Language"},
        )
    response = html_response(page(language))
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


def wants_json(accept: str) -> bool:
    """True when ``accept`` names ``application/json`` and not ``text/html`` before it."""
    ranges = [part.split(";", 1)[0].strip().lower() for part in accept.split(",")]
    if "application/json" not in ranges:
        return False
    return "text/html" not in ranges or ranges.index("application/json") < ranges.index("text/html")


def json_index(lang: Language, version: str) -> dict[str, object]:
    return {
        "name": "obhub",
        "version": version,
        "description": {language: HOME_TEXTS[language]["home_intro"] for language in HOME_TEXTS},
        "links": {**dict(LINKS), "readiness": READINESS_PATH},
        "language": lang,
    }


def page(lang: Language) -> str:
    other: Language = "en" if lang == "fr" else "fr"
    head = el(
        "head",
        None,
        render.head_start(f"{home_text(lang, 'home_title')} — {home_text(lang, 'site_name')}"),
        render.verifier_assets(),
        el("link", {"rel": "alternate", "hreflang": other, "href": f"/?lang={other}"}, void=True),
    )
    header = render.site_header(
        lang,
        home_text(lang, "site_name"),
        f"/?lang={other}",
        home_text(lang, "switch_label"),
        home_text(lang, "switch_text"),
    )
    main = el(
        "main",
        {"id": "main", "class": "wrap", "tabindex": "-1"},
        el("h1", None, home_text(lang, "home_h1")),
        el("p", {"class": "intro"}, home_text(lang, "home_intro")),
        el(
            "nav",
            {"aria-labelledby": "links-title"},
            el("h2", {"id": "links-title"}, home_text(lang, "home_links_title")),
            el("ul", {"class": "home-links"}, *(_link(lang, key, path) for key, path in LINKS)),
        ),
    )
    footer = el(
        "footer",
        {"class": "site-footer"},
        el("div", {"class": "wrap"}, el("p", None, home_text(lang, "home_footer"))),
    )
    return render.document(lang, head, header, main, footer, skip=home_text(lang, "skip"))


def _link(lang: Language, key: str, path: str) -> Html:
    href = f"/verifier?lang={lang}" if key == "verifier" else path
    return el(
        "li",
        None,
        el("a", {"href": href}, home_text(lang, f"link_{key}")),
        " — ",
        home_text(lang, f"link_{key}_hint"),
    )
