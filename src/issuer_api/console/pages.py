"""What every console page shares: rendering with the staff member, refusals, redirects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from issuer_api.i18n import Language
from issuer_api.staff.roles import ROLE_NAMES, Permission
from issuer_api.staff.sessions import (
    PasswordChangeRequiredError,
    StaffForbiddenError,
    StaffPrincipal,
    StaffSignInRequiredError,
)
from issuer_api.web.templating import page_language, render_page


def console_page(
    request: Request,
    name: str,
    language: Language,
    staff: StaffPrincipal | None,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """A console page: never cached, with the member (name, role, permissions) in context."""
    values: dict[str, Any] = {
        "staff": staff,
        "staff_role": ROLE_NAMES[staff.role] if staff else None,
        "can": (lambda permission: staff is not None and staff.can(Permission(permission))),
        "oidc_enabled": request.app.state.settings.oidc_enabled,
    }
    values.update(context or {})
    return render_page(request, name, language, values, status_code=status_code, no_store=True)


def _redirect(location: str) -> Response:
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


async def sign_in_first(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StaffSignInRequiredError)  # noqa: S101 - registered for it only
    return _redirect(exc.location)


async def change_password_first(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PasswordChangeRequiredError)  # noqa: S101
    return _redirect(exc.location)


async def forbidden(request: Request, exc: Exception) -> Response:
    """The signed-in member's role does not allow this: say so, plainly (403)."""
    assert isinstance(exc, StaffForbiddenError)  # noqa: S101
    staff = getattr(request.state, "staff", None)
    response = console_page(
        request, "console/forbidden.html", page_language(request), staff, status_code=403
    )
    response.headers["X-Error-Code"] = "staff_forbidden"
    return response
