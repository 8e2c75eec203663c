"""Pages and emails from Jinja2 templates (package data), in the reader's language.

One environment per language, each with the gettext catalogue of :mod:`obhub_i18n`
installed (new-style gettext: ``{{ _("Hello %(name)s", name=n) }}`` escapes ``n``);
autoescaping is on for every ``.html`` template and off for the plain-text ``.txt``
ones of emails. Templates live in ``issuer_api/web/templates`` and extend
``base.html`` (one layout: skip link, header with the language switch, navigation,
``main``, footer).

:func:`render_page` answers a page with the security headers of every page (a strict
Content-Security-Policy: no inline script or style) and the context every layout
needs: ``lang``, ``other_lang``, the path for the language switch, the CSRF token of
the reader's forms, whether a learner is signed in and the Region's identity
(``region``, ``site_name``: :mod:`issuer_api.region`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape

from issuer_api import cookies
from issuer_api.accounts import csrf, sessions
from issuer_api.i18n import Language, negotiate_language
from issuer_api.region.store import identity_of
from obhub_i18n import translations

LANGUAGE_COOKIE: Final = "obhub_lang"
ASSET_VERSION: Final = "4"  # bump when a stylesheet or script changes
LANGUAGE_COOKIE_MAX_AGE: Final = 365 * 24 * 3600

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Pages served over https tell browsers to keep to https (a year; the subdomains are
# the operator's to decide: not included).
HSTS: Final = "max-age=31536000"
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@cache
def environment(language: Language) -> Environment:
    """The template environment of ``language`` (built once per process)."""
    env = Environment(
        loader=PackageLoader("issuer_api.web", "templates"),
        autoescape=select_autoescape(
            enabled_extensions=("html", "xml", "svg"),
            disabled_extensions=("txt",),
            default_for_string=True,
            default=True,
        ),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["asset_version"] = ASSET_VERSION
    env.globals["lang"] = language
    env.globals["other_lang"] = "en" if language == "fr" else "fr"
    return env


def template(language: Language, name: str) -> Template:
    return environment(language).get_template(name)


def render_text(language: Language, name: str, context: Mapping[str, Any] | None = None) -> str:
    """``name`` rendered in ``language`` (pages, email bodies and subjects alike)."""
    return template(language, name).render(dict(context or {}))


def page_language(request: Request, *candidates: str | None) -> Language:
    """The first of ``candidates`` that is "fr" or "en"; else the ``lang`` query
    parameter, the language the reader chose (cookie), then Accept-Language."""
    for candidate in (*candidates, request.query_params.get("lang"), _cookie_language(request)):
        if candidate == "fr":
            return "fr"
        if candidate == "en":
            return "en"
    return negotiate_language(
        request.headers.get("accept-language"), request.app.state.settings.default_language
    )


def _cookie_language(request: Request) -> str | None:
    return request.cookies.get(LANGUAGE_COOKIE)


def switch_href(request: Request, language: Language) -> str:
    """This page's address in ``language`` (the other query parameters kept)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", language))
    return f"{request.url.path}?{urlencode(params)}"


def render_page(
    request: Request,
    name: str,
    language: Language,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    no_store: bool = False,
) -> HTMLResponse:
    """The page ``name`` in ``language`` with the layout's context and security headers.

    A ``lang`` chosen in the query is remembered (cookie ``obhub_lang``) so the next
    pages keep it.
    """
    other: Language = "en" if language == "fr" else "fr"
    identity = identity_of(request)
    values: dict[str, Any] = {
        "switch_href": switch_href(request, other),
        "current_path": request.url.path,
        "csrf_token": csrf.token_for(request),
        "signed_in": sessions.is_signed_in(request),
        "site_name": identity.scheme_name,
        "region": identity,
    }
    values.update(context or {})
    headers = dict(SECURITY_HEADERS)
    headers["Vary"] = "Accept-Language, Cookie"
    headers["Cache-Control"] = "no-store" if no_store or values["signed_in"] else "no-cache"
    if request.url.scheme == "https":
        headers["Strict-Transport-Security"] = HSTS
    response = HTMLResponse(
        render_text(language, name, values), status_code=status_code, headers=headers
    )
    csrf.ensure_cookie(request, response)
    chosen = request.query_params.get("lang")
    if chosen in ("fr", "en") and request.cookies.get(LANGUAGE_COOKIE) != chosen:
        remember_language(request, response, chosen)
    return response


def remember_language(request: Request, response: Response, language: str) -> None:
    """Keep ``language`` for the next pages (cookie ``obhub_lang``, a year)."""
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=cookies.secure(request),
    )
