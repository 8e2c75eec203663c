"""The public catalogue of regional badges: what each one means, for anyone.

``GET /badges-regionaux``         every regional badge of the active référentiel,
                                  grouped by competency, then the general badges:
                                  image, name, what it recognises, the criteria in
                                  plain words, the partner structures whose badges
                                  count toward it, how many people hold it (from 10)
``GET /badges-regionaux/{code}``  one badge's entry, in more detail (what an employer
                                  reads to understand a candidate's badge); a 404 page
                                  for an unknown code

French by default, ``?lang=en``, the reader's chosen language, else Accept-Language
(:func:`~issuer_api.web.templating.page_language`). The pages are the same for every
signed-out reader and cacheable for :data:`CACHE_SECONDS`; they set no cookie but the
language the reader chose in the query.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from issuer_api.accounts import csrf, sessions
from issuer_api.deps import Session
from issuer_api.web.catalogue_data import CATALOGUE_PATH, load_catalogue
from issuer_api.web.templating import page_language, render_page

router = APIRouter(include_in_schema=False)

CACHE_SECONDS: Final = 300
Lang = Annotated[str | None, Query(max_length=8)]


def _public(request: Request, response: HTMLResponse) -> HTMLResponse:
    """Cacheable by anyone when the reader is signed out (a signed-in reader's page
    carries the sign-out form's token: it stays ``no-store``). A public page sets no
    per-reader cookie: the pre-session CSRF cookie is left to the pages with forms."""
    if sessions.is_signed_in(request):
        return response
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    prefix = f"{csrf.COOKIE}=".encode()
    response.raw_headers[:] = [
        (key, value)
        for key, value in response.raw_headers
        if not (key == b"set-cookie" and value.startswith(prefix))
    ]
    return response


@router.get(CATALOGUE_PATH, response_class=HTMLResponse)
async def catalogue_page(request: Request, session: Session, lang: Lang = None) -> HTMLResponse:
    language = page_language(request, lang)
    catalogue = await load_catalogue(session, language)
    response = render_page(
        request,
        "catalogue.html",
        language,
        {"catalogue": catalogue},
    )
    return _public(request, response)


@router.get(CATALOGUE_PATH + "/{code}", response_class=HTMLResponse)
async def catalogue_entry_page(
    request: Request,
    session: Session,
    code: str,
    lang: Lang = None,
) -> HTMLResponse:
    language = page_language(request, lang)
    catalogue = await load_catalogue(session, language)
    entry = catalogue.entry(code)
    if entry is None:
        response = render_page(
            request, "catalogue_not_found.html", language, {"code": code[:64]}, status_code=404
        )
        return _public(request, response)
    response = render_page(
        request,
        "catalogue_entry.html",
        language,
        {"catalogue": catalogue, "entry": entry},
    )
    return _public(request, response)
