"""Routes of the ``/verifier`` page.

``GET /verifier``            the page (French by default; ``?lang=en``, else Accept-Language)
``POST /verifier``           the same page with the result, for browsers without JavaScript:
                             the form is verified server-side by the code behind ``POST /verify``
``GET /verifier/static/…``   the page's stylesheet, script and icon (package data)

With JavaScript, the page's script posts the badge to ``POST /verify`` itself and draws
the JSON report. Every response here carries a strict Content-Security-Policy (no inline
script or style), ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from issuer_api.i18n import Language, negotiate_language
from issuer_api.routers.verify import run_verification
from issuer_api.web import render
from issuer_api.web.texts import text

router = APIRouter(include_in_schema=False)

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
STATIC_FILES: Final = {
    "verifier.js": "text/javascript; charset=utf-8",
}
# The assets every page shares (the layout's stylesheet and icon), at /static/.
SITE_STATIC_FILES: Final = {
    "site.css": "text/css; charset=utf-8",
    "accounts.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
MAX_TEXT_CHARS: Final = 2 * 1024 * 1024
MAX_URL_CHARS: Final = 2048
MAX_RECIPIENT_CHARS: Final = 320


def page_language(request: Request, *candidates: str | None) -> Language:
    """The first of ``candidates`` that is "fr" or "en", else from Accept-Language."""
    for candidate in candidates:
        if candidate in ("fr", "en"):
            return "fr" if candidate == "fr" else "en"
    return negotiate_language(
        request.headers.get("accept-language"), request.app.state.settings.default_language
    )


def html_response(content: str, *, status_code: int = 200, no_store: bool = False) -> HTMLResponse:
    """An HTML page with the security headers, varying on Accept-Language."""
    headers = dict(SECURITY_HEADERS)
    headers["Vary"] = "Accept-Language"
    headers["Cache-Control"] = "no-store" if no_store else "no-cache"
    return HTMLResponse(content, status_code=status_code, headers=headers)


@router.get("/verifier", response_class=HTMLResponse)
async def verifier_page(
    request: Request, lang: Annotated[str | None, Query(max_length=8)] = None
) -> HTMLResponse:
    return html_response(render.page(page_language(request, lang)))


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

    def refused(message_key: str, field: str) -> HTMLResponse:
        content = render.page(
            language, form_values=values, error=text(language, message_key), error_field=field
        )
        return html_response(content, status_code=400, no_store=True)

    source: str
    if uploaded.strip():
        data, source = uploaded, "file"
    elif pasted.strip():
        data, source = pasted.strip().encode("utf-8"), "badge"
    elif url:
        if not url.lower().startswith(("https://", "http://")):
            return refused("error_url", "url")
        data, source = url.encode("utf-8"), "url"
    else:
        return refused("error_empty", "badge")
    report = await run_verification(request, data, recipient)
    result: dict[str, Any] = report.to_dict(language, include_credential=False)
    notice = None
    if source == "url" and _url_not_read(result):
        notice = text(language, "url_unavailable")
    content = render.page(language, form_values=values, report=result, notice=notice)
    return html_response(content, no_store=True)


@router.get("/verifier/static/{name}")
async def verifier_static(name: str) -> Response:
    return static_file(name, STATIC_FILES)


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


def _url_not_read(result: dict[str, Any]) -> bool:
    """True when the verifier read the address as a document (no URL support)."""
    checks = result.get("checks") or []
    first = checks[0] if checks else {}
    return (
        first.get("id") == "parse"
        and first.get("status") == "invalid"
        and first.get("code") in render.URL_NOT_READ_CODES
    )
