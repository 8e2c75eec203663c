"""The API documentation page ``/docs`` (Swagger UI), served entirely by this package.

``GET /docs``                    Swagger UI reading ``/openapi.json``
``GET /docs/static/{name}``      its script and stylesheet (package data), and
                                 ``docs.css``, our corrections to Swagger UI's
                                 stylesheet for WCAG 2.1 AA (contrast, visible focus)

The script and stylesheet are those of the npm package ``swagger-ui-dist`` (version in
``static/swagger-ui/VERSION``, licence beside it), shipped in ``static/swagger-ui/``:
the page loads nothing from another origin and works offline.

Its Content-Security-Policy is the ``/verifier`` page's, relaxed for Swagger UI only
where it must be: the one inline script that starts Swagger UI is allowed by its
SHA-256 hash (no ``'unsafe-inline'`` for scripts), and inline styles, which Swagger UI
sets on the elements it draws, are allowed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from typing import Final

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from issuer_api.web.pages import static_file
from issuer_api.web.templating import SECURITY_HEADERS
from obhub_i18n import N_, gettext

router = APIRouter(include_in_schema=False)

DOCS_PATH: Final = "/docs"
OPENAPI_PATH: Final = "/openapi.json"
STATIC_PREFIX: Final = "/docs/static"
FAVICON: Final = "/static/favicon.svg"
STATIC_FILES: Final = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}
OWN_STATIC_FILES: Final = {"docs.css": "text/css; charset=utf-8"}
OWN_STYLESHEET: Final = f"{STATIC_PREFIX}/docs.css?v=1"
# Swagger UI speaks English only: the page says so (WCAG 3.1.1).
PAGE_LANGUAGE: Final = "en"
# Past the page's links, straight to the operations (WCAG 2.4.1), as on every page.
SKIP_LINK_TEXT: Final = N_("Skip to the API operations")
SWAGGER_UI_PARAMETERS: Final = {
    # Swagger UI would otherwise show a badge fetched from the online validator.
    "validatorUrl": None,
    "tryItOutEnabled": False,
    "persistAuthorization": False,
    # A deep link draws a link inside each operation's button (nested controls).
    "deepLinking": False,
}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


@cache
def docs_page() -> tuple[str, str]:
    """The ``/docs`` HTML and its Content-Security-Policy (built once: both are fixed)."""
    page = get_swagger_ui_html(
        openapi_url=OPENAPI_PATH,
        title="obhub — API",
        swagger_js_url=f"{STATIC_PREFIX}/swagger-ui-bundle.js",
        swagger_css_url=f"{STATIC_PREFIX}/swagger-ui.css",
        swagger_favicon_url=FAVICON,
        oauth2_redirect_url=None,
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )
    content = bytes(page.body).decode("utf-8")
    content = content.replace("<html>", f'<html lang="{PAGE_LANGUAGE}">', 1)
    content = content.replace(
        "</head>", f'<link type="text/css" rel="stylesheet" href="{OWN_STYLESHEET}">\n</head>', 1
    )
    skip_link = (
        f'<a class="skip-link" href="#swagger-ui">{gettext(PAGE_LANGUAGE, SKIP_LINK_TEXT)}</a>'
    )
    content = content.replace("<body>", f"<body>\n{skip_link}", 1)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(content)
    )
    policy = (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    return content, policy


@router.get(DOCS_PATH, response_class=HTMLResponse)
async def swagger_ui() -> HTMLResponse:
    content, policy = docs_page()
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": policy, "Cache-Control": "no-cache"}
    return HTMLResponse(content, headers=headers)


@router.get(f"{STATIC_PREFIX}/{{name}}")
async def swagger_ui_static(name: str) -> Response:
    if name in OWN_STATIC_FILES:
        return static_file(name, OWN_STATIC_FILES)
    return static_file(name, STATIC_FILES, folder="swagger-ui")
