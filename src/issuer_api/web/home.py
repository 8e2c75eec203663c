"""The home page ``GET /``: what this service is, and where to go.

A browser gets a short page (template ``home.html``; French by default, ``?lang=en``,
the reader's chosen language, else Accept-Language) linking to the verifier, the
regional badges, the learner's space, the API documentation, the OpenAPI document and
the health probes. A client that
asks for JSON (``Accept: application/json`` preferred to ``text/html``) gets the same
links as a small JSON index.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from issuer_api.i18n import Language
from issuer_api.web.templating import SECURITY_HEADERS, page_language, render_page
from obhub_i18n import LANGUAGES, N_, gettext

router = APIRouter(include_in_schema=False)

INTRO: Final = N_(
    "obhub issues, verifies and aggregates Open Badges 3.0 digital badges for regional "
    "skills recognition."
)
# (key of the link in the JSON index, path, label, hint)
LINKS: Final = (
    (
        "verifier",
        "/verifier",
        N_("Verify a badge"),
        N_("Paste or drop a badge to find out whether it is genuine."),
    ),
    (
        "catalogue",
        "/badges-regionaux",
        N_("Regional badges"),
        N_("What each regional badge recognises and how it is obtained."),
    ),
    (
        "space",
        "/espace",
        N_("My space"),
        N_("Your badges, your progress and your claims (sign in with your email)."),
    ),
    (
        "docs",
        "/docs",
        N_("API documentation"),
        N_("Every endpoint, its parameters and its errors (Swagger UI)."),
    ),
    (
        "lms",
        "/developpeurs/lms",
        N_("Connect your LMS"),
        N_("For partners' developers: send badges through the Open Badges 3.0 API."),
    ),
    (
        "openapi",
        "/openapi.json",
        N_("OpenAPI document"),
        N_("The description of the API, for software (JSON)."),
    ),
    (
        "health",
        "/healthz",
        N_("Service status"),
        N_("The service is up (/healthz) and ready (/readyz)."),
    ),
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
    links = [
        {"href": path, "label": gettext(language, label), "hint": gettext(language, hint)}
        for _key, path, label, hint in LINKS
    ]
    response = render_page(
        request, "home.html", language, {"intro": gettext(language, INTRO), "links": links}
    )
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
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
        "description": {language: gettext(language, INTRO) for language in LANGUAGES},
        "links": {**{key: path for key, path, _l, _h in LINKS}, "readiness": READINESS_PATH},
        "language": lang,
    }
