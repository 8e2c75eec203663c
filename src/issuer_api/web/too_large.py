"""The page a browser gets when a form sends more than ``OBHUB_MAX_BODY_BYTES``.

:class:`issuer_api.errors.BodySizeLimitMiddleware` refuses such a body with ``413``
before (or while) the application reads it. For an API client that answer is the JSON
error (``payload_too_large``); for a person who sent a form from one of the site's
pages it is :func:`page`: a short page in their language, in the site's layout, that
says nothing was saved and leads back to the form.

A request is a browser's form when its ``Accept`` header prefers ``text/html`` to
``application/json`` and its path is a page's (first segment in :data:`PAGE_ROOTS`:
``/verifier``, ``/espace/…``, ``/connexion``, ``/badges/…``); every other request —
``POST /claims``, ``POST /verify``, ``/v1/…`` — keeps the JSON error.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from issuer_api.web.templating import page_language, render_page
from obhub_i18n import N_, Language, render

PAGE_ROOTS: Final = frozenset(
    {"verifier", "espace", "connexion", "deconnexion", "badges", "badges-regionaux", "console"}
)
"""First path segments of the site's pages (their forms post to their own address)."""

MEGABYTES: Final = N_("{size} MB")
KILOBYTES: Final = N_("{size} KB")


def is_page(path: str) -> bool:
    """Whether ``path`` is one of the site's pages (not an API route)."""
    return path.startswith("/") and path[1:].split("/", 1)[0] in PAGE_ROOTS


def prefers_html(accept: str | None) -> bool:
    """Whether ``accept`` ranks ``text/html`` above ``application/json`` (a browser's
    ``text/html,…,*/*;q=0.8``); ties go to the one listed first, wildcards count for
    neither."""
    html_rank: tuple[float, int] | None = None
    json_rank: tuple[float, int] | None = None
    for index, part in enumerate((accept or "").split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _sep, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        rank = (quality, -index)
        if media.lower() == "text/html":
            html_rank = rank
        elif media.lower() == "application/json":
            json_rank = rank
    if html_rank is None or html_rank[0] <= 0:
        return False
    return json_rank is None or html_rank > json_rank


def is_browser_form(scope: Scope) -> bool:
    """Whether the request is a form a person sent from one of the site's pages."""
    request = Request(scope)
    return is_page(request.url.path) and prefers_html(request.headers.get("accept"))


def size_text(language: Language, limit: int) -> str:
    """``limit`` bytes for a reader: "2 Mo", "1,5 MB", "64 ko"."""
    megabytes = limit / (1024 * 1024)
    if megabytes >= 1:
        return render(language, MEGABYTES, {"size": _number(language, megabytes)})
    return render(language, KILOBYTES, {"size": _number(language, max(limit / 1024, 0.1))})


def _number(language: Language, value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if language == "fr" else text


def page(scope: Scope, limit: int) -> Response | None:
    """The ``413`` page for a browser's form over ``limit`` bytes; None for anyone else
    (they get the JSON error)."""
    if not is_browser_form(scope):
        return None
    request = Request(scope)
    language = page_language(request)
    return render_page(
        request,
        "too_large.html",
        language,
        {"size": size_text(language, limit), "back": request.url.path},
        status_code=413,
        no_store=True,
    )
