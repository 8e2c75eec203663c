"""What the console's forms share: reading a posted form, refusing a forged one, the
plain message of a refused act, a page that names what does not exist."""

from __future__ import annotations

from typing import Final

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from issuer_api.accounts import csrf
from issuer_api.console.pages import console_page
from issuer_api.errors import ApiError
from issuer_api.i18n import Language, messages
from issuer_api.staff.sessions import StaffPrincipal
from obhub_i18n import N_, gettext

MAX_FIELD_CHARS: Final = 2000
MAX_FIELDS: Final = 16


async def posted_form(request: Request) -> FormData | None:
    """The form, or None when its CSRF token is missing or wrong."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    return form if csrf.is_valid(request, form) else None


def field(form: FormData, name: str, *, limit: int = MAX_FIELD_CHARS) -> str:
    """A text field, trimmed; an absent or oversized-beyond-``limit`` one is cut."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def refused_form(
    request: Request, language: Language, staff: StaffPrincipal | None = None
) -> HTMLResponse:
    """403: the form has no valid token (expired, or sent from elsewhere); ``staff`` is
    None on the pages of a signed-out reader."""
    response = console_page(
        request,
        "console/refused.html",
        language,
        staff,
        {
            "message": gettext(
                language,
                N_(
                    "This form has expired or did not come from this site. Go back, reload "
                    "the page and try again."
                ),
            )
        },
        status_code=403,
    )
    response.headers["X-Error-Code"] = "csrf_failed"
    return response


def not_found(
    request: Request, language: Language, staff: StaffPrincipal, error: ApiError
) -> HTMLResponse:
    """404 (or the error's status): what was asked for does not exist."""
    response = console_page(
        request,
        "console/not_found.html",
        language,
        staff,
        {"message": error_message(error, language)},
        status_code=error.status_code,
    )
    response.headers["X-Error-Code"] = error.code
    return response


def error_message(error: ApiError, language: Language) -> str:
    """The refused act in plain words, from the same catalogue as the API's errors."""
    return messages(error.message_key, error.params)[language]


def see_other(location: str) -> RedirectResponse:
    """After a change: back to a page (303), never cached."""
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})
