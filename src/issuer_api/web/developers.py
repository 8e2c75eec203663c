"""The page ``GET /developpeurs/lms``: connect a learning platform (LMS) to the hub
through the 1EdTech Open Badges 3.0 API (template ``developers_lms.html``).

It walks a partner's developer through discovery, dynamic client registration, the
Region linking the client to their structure, the authorization code with PKCE (what
the learner sees), the token, a first upsert, reading back, refresh and revocation.
Its ``curl`` examples carry the hub's own public base URL (``OBHUB_PUBLIC_BASE_URL``,
else the address the page was asked at) and the shell variables the page tells the
reader to set; ``tests/acceptance/test_lms_page_examples.py`` runs them, in order,
against a live hub, so the page cannot drift from the API.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from issuer_api.links import PublicBase
from issuer_api.oauth import scopes
from issuer_api.web.templating import page_language, render_page
from obhub_i18n import N_, gettext

router = APIRouter(include_in_schema=False)

PAGE_PATH: Final = "/developpeurs/lms"
OB_API_PATH: Final = "/ims/ob/v3p0"
# Where the examples send the learner back (the reader puts their own).
EXAMPLE_REDIRECT_URI: Final = "https://lms.example.fr/obhub/retour"
EXAMPLE_CLIENT_URI: Final = "https://lms.example.fr"
SCOPES: Final = (
    (
        scopes.CREDENTIAL_UPSERT,
        N_("Send badges to the learner's space, or replace one already sent (upsert)."),
    ),
    (
        scopes.CREDENTIAL_READONLY,
        N_("Read the badges the learner has in the hub, a page at a time."),
    ),
    (scopes.PROFILE_READONLY, N_("Read the learner's profile (their name and identifiers).")),
    (scopes.PROFILE_UPDATE, N_("Update the learner's profile.")),
)


@router.get(PAGE_PATH, response_class=HTMLResponse)
async def lms_page(
    request: Request, base: PublicBase, lang: Annotated[str | None, Query(max_length=8)] = None
) -> HTMLResponse:
    language = page_language(request, lang)
    context = {
        "base": base,
        "api": f"{base}{OB_API_PATH}",
        "redirect_uri": EXAMPLE_REDIRECT_URI,
        "client_uri": EXAMPLE_CLIENT_URI,
        "scopes": [{"uri": uri, "what": gettext(language, what)} for uri, what in SCOPES],
        "scope_list": " ".join(uri for uri, _what in SCOPES),
    }
    return render_page(request, "developers_lms.html", language, context)
