"""Routes of the ``/verifier`` page (template ``verifier.html``).

``GET /verifier``            the page (French by default; ``?lang=en``, the reader's chosen
                             language, else Accept-Language)
``POST /verifier``           the same page with the result, for browsers without JavaScript:
                             the form is verified server-side by the code behind ``POST /verify``
``GET /verifier/static/…``   the page's script (package data)
``GET /static/…``            the assets every page shares (stylesheet, icon)
``GET /static/region.css``   the Region's colours (generated from its identity)

With JavaScript, the page's script posts the badge to ``POST /verify`` itself and draws
the JSON report with the words of the page's data block. Every page carries the strict
Content-Security-Policy of :mod:`issuer_api.web.templating` (no inline script or style).

The form changes nothing on the server and needs no sign-in: like ``POST /verify``, it
carries no CSRF token.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from issuer_api.i18n import Language
from issuer_api.region.identity import stylesheet
from issuer_api.region.store import identity_of
from issuer_api.routers.verify import run_verification
from issuer_api.web import words
from issuer_api.web.report_view import URL_NOT_READ_CODES, report_view, url_not_read
from issuer_api.web.templating import SECURITY_HEADERS, page_language, render_page
from obhub_i18n import gettext
from verify.messages import CATALOGUE as VERIFY_MESSAGES
from verify.messages import message as verify_message

router = APIRouter(include_in_schema=False)

STATIC_FILES: Final = {
    "verifier.js": "text/javascript; charset=utf-8",
}
# The assets every page shares (the layout's stylesheet and icon), at /static/.
SITE_STATIC_FILES: Final = {
    "site.css": "text/css; charset=utf-8",
    "accounts.css": "text/css; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "console-identity.css": "text/css; charset=utf-8",
    "console-identity.js": "text/javascript; charset=utf-8",
    "insights.css": "text/css; charset=utf-8",
    "console-referentiel.css": "text/css; charset=utf-8",
    "console-referentiel.js": "text/javascript; charset=utf-8",
    "console-team.css": "text/css; charset=utf-8",
    "console-partners.css": "text/css; charset=utf-8",
    "developers.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
REGION_CSS_MAX_AGE: Final = 30  # seconds, like the identity's cache
MAX_TEXT_CHARS: Final = 2 * 1024 * 1024
MAX_URL_CHARS: Final = 2048
MAX_RECIPIENT_CHARS: Final = 320


def script_data(lang: Language) -> dict[str, Any]:
    """What ``static/verifier.js`` reads from the page's JSON data block."""
    return {
        "lang": lang,
        "texts": words.verifier_script_texts(lang),
        "statusIcons": words.STATUS_ICONS,
        "verdictIcons": words.VERDICT_ICONS,
        "formats": words.FORMAT_NAMES,
        "identityTypes": words.identity_types(lang),
        "messages": verification_messages(lang),
        "urlNotReadCodes": sorted(URL_NOT_READ_CODES),
    }


def verification_messages(lang: Language) -> dict[str, str]:
    """Every verification message by code, in ``lang`` (for the notices of a report)."""
    return {code: verify_message(code, lang) for code in VERIFY_MESSAGES}


def verifier_page(
    request: Request,
    language: Language,
    *,
    form: Mapping[str, str] | None = None,
    report: Mapping[str, Any] | None = None,
    error: str | None = None,
    error_field: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page; with ``report`` (a ``Report.to_dict``) the result is shown, with
    ``error`` the form is refused on ``error_field``."""
    result = report_view(language, report, notice) if report is not None and not error else None
    context = {
        "form": {"badge": "", "url": "", "recipient": "", **(form or {})},
        "error": error,
        "error_field": error_field,
        "result": result,
        "status_text": result["message"] if result else "",
        "script_data": script_data(language),
    }
    return render_page(
        request,
        "verifier.html",
        language,
        context,
        status_code=status_code,
        no_store=request.method == "POST",
    )


@router.get("/verifier", response_class=HTMLResponse)
async def verifier(
    request: Request, lang: Annotated[str | None, Query(max_length=8)] = None
) -> HTMLResponse:
    return verifier_page(request, page_language(request, lang))


@router.post("/verifier", response_class=HTMLResponse)
async def verifier_form(
    request: Request, lang: Annotated[str | None, Query(max_length=8)] = None
) -> HTMLResponse:
    """The no-JavaScript path: read the form, verify like ``POST /verify``, render."""
    form = await _read_form(request)
    try:
        field_lang = form.get("lang")
        language = page_language(request, lang, field_lang if isinstance(field_lang, str) else None)
        pasted = _field(form, "badge", MAX_TEXT_CHARS)
        url = _field(form, "url", MAX_URL_CHARS).strip()
        recipient = _field(form, "recipient", MAX_RECIPIENT_CHARS).strip() or None
        upload = form.get("file")
        uploaded = await upload.read() if isinstance(upload, UploadFile) else b""
    finally:
        await form.close()
    values = {"badge": pasted, "url": url, "recipient": recipient or ""}

    def refused(message: str, field: str) -> HTMLResponse:
        return verifier_page(
            request,
            language,
            form=values,
            error=gettext(language, message),
            error_field=field,
            status_code=400,
        )

    source: str
    if uploaded.strip():
        data, source = uploaded, "file"
    elif pasted.strip():
        data, source = pasted.strip().encode("utf-8"), "badge"
    elif url:
        if not url.lower().startswith(("https://", "http://")):
            return refused(words.ERROR_URL, "url")
        data, source = url.encode("utf-8"), "url"
    else:
        return refused(words.ERROR_EMPTY, "badge")
    report = await run_verification(request, data, recipient)
    result: dict[str, Any] = report.to_dict(language, include_credential=False)
    notice = None
    if source == "url" and url_not_read(result):
        notice = gettext(language, words.URL_UNAVAILABLE)
    return verifier_page(request, language, form=values, report=result, notice=notice)


@router.get("/verifier/static/{name}")
async def verifier_static(name: str) -> Response:
    return static_file(name, STATIC_FILES)


@router.get("/static/region.css")
async def region_stylesheet(request: Request) -> Response:
    """The Region's colours as the layout's custom properties (loaded after site.css)."""
    headers = {**SECURITY_HEADERS, "Cache-Control": f"public, max-age={REGION_CSS_MAX_AGE}"}
    css = stylesheet(identity_of(request))
    return Response(css, media_type="text/css; charset=utf-8", headers=headers)


@router.get("/static/{name}")
async def site_static(name: str) -> Response:
    return static_file(name, SITE_STATIC_FILES)


def static_file(name: str, allowed: Mapping[str, str], *, folder: str | None = None) -> Response:
    """A file of ``issuer_api.web/static`` (or of its sub-folder ``folder``) listed in
    ``allowed`` (name to media type), else 404."""
    media_type = allowed.get(name)
    if media_type is None:
        return Response(status_code=404, headers=SECURITY_HEADERS)
    static = files("issuer_api.web").joinpath("static")
    body = (static.joinpath(folder) if folder else static).joinpath(name).read_bytes()
    headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"}
    return Response(body, media_type=media_type, headers=headers)


async def _read_form(request: Request) -> FormData:
    return await request.form(max_files=1, max_fields=8)


def _field(form: FormData, name: str, limit: int) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""
