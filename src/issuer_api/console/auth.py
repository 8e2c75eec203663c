"""Staff sign-in to the console with a local account (email and password).

``GET/POST /console/connexion``    sign in (CSRF; lock-out after repeated failures)
``POST /console/deconnexion``      sign out
``GET/POST /console/mot-de-passe`` replace the password (required after ``obhub staff
                                   create`` printed a one-time one)
``GET /console``                   the console's home: what the member's role lets them do
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from issuer_api.accounts import csrf
from issuer_api.accounts.signin import safe_next
from issuer_api.audit import add_audit_event
from issuer_api.console.forms import refused_form
from issuer_api.console.pages import console_page
from issuer_api.deps import Kek, Session
from issuer_api.models import StaffMember
from issuer_api.staff import passwords, service
from issuer_api.staff import sessions as staff_sessions
from issuer_api.staff.roles import Permission
from issuer_api.staff.sessions import StaffPrincipal, staff_with
from issuer_api.web.templating import page_language
from obhub_i18n import N_, gettext

router = APIRouter(include_in_schema=False)

CONSOLE: Final = "/console"
MAX_FIELD_CHARS: Final = 320
Viewer = Annotated[StaffPrincipal, Depends(staff_with(Permission.VIEW))]
ChangingPassword = Annotated[
    StaffPrincipal, Depends(staff_with(Permission.VIEW, allow_password_change=True))
]


def _console_next(value: str | None) -> str:
    target = safe_next(value)
    return target if target is not None and target.startswith(CONSOLE) else CONSOLE


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value[:MAX_FIELD_CHARS] if isinstance(value, str) else ""


# Shared with the console's other sign-in door (OpenID Connect).
console_next = _console_next


async def begin_session(request: Request, db: Session, member: StaffMember, *, method: str) -> str:
    """Opens a session for ``member`` (ending the one this browser had), audited with the
    sign-in ``method``; the new session's token, for the cookie."""
    await staff_sessions.close_session(db, staff_sessions.cookie_token(request))
    token = await staff_sessions.open_session(db, member.id)
    add_audit_event(
        db,
        actor=service.actor(member),
        action="staff.signed_in",
        target_type="staff_member",
        target_id=member.id,
        data={"method": method},
    )
    return token


@router.get(f"{CONSOLE}/connexion", response_class=HTMLResponse)
async def sign_in_page(
    request: Request, next_path: Annotated[str | None, Query(alias="next", max_length=512)] = None
) -> HTMLResponse:
    language = page_language(request)
    return console_page(
        request,
        "console/sign_in.html",
        language,
        None,
        {"next": _console_next(next_path), "email": "", "error": None},
    )


@router.post(f"{CONSOLE}/connexion", response_class=HTMLResponse)
async def sign_in(request: Request, db: Session, kek: Kek) -> Response:
    language = page_language(request)
    form = await request.form(max_files=0, max_fields=8)
    if not csrf.is_valid(request, form):
        return refused_form(request, language)
    email = _field(form, "email").strip()
    password = _field(form, "password")
    next_path = _console_next(_field(form, "next"))
    client = request.client.host if request.client else "unknown"
    outcome = await service.authenticate(db, kek, email=email, password=password, client=client)
    if outcome.member is None:
        message = (
            N_("Too many failed attempts: password sign-in is paused for 15 minutes.")
            if outcome.locked
            else N_("The email address or the password is not correct.")
        )
        response = console_page(
            request,
            "console/sign_in.html",
            language,
            None,
            {"next": next_path, "email": email, "error": gettext(language, message)},
            status_code=429 if outcome.locked else 400,
        )
        response.headers["X-Error-Code"] = "sign_in_locked" if outcome.locked else "sign_in_failed"
        return response
    return await _signed_in(request, db, outcome.member, next_path)


async def _signed_in(
    request: Request, db: Session, member: StaffMember, next_path: str
) -> Response:
    """Opens the session (ending the one this browser had) and goes on."""
    token = await begin_session(request, db, member, method="password")
    location = staff_sessions.PASSWORD_PATH if member.must_change_password else next_path
    response = RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})
    staff_sessions.set_cookie(request, response, token)
    return response


@router.post(f"{CONSOLE}/deconnexion")
async def sign_out(request: Request, db: Session) -> Response:
    language = page_language(request)
    form = await request.form(max_files=0, max_fields=4)
    if not csrf.is_valid(request, form):
        return refused_form(request, language)
    await staff_sessions.close_session(db, staff_sessions.cookie_token(request))
    response = RedirectResponse(
        f"{CONSOLE}/connexion", status_code=303, headers={"Cache-Control": "no-store"}
    )
    staff_sessions.clear_cookie(request, response)
    return response


@router.get(f"{CONSOLE}/mot-de-passe", response_class=HTMLResponse)
async def password_page(request: Request, staff: ChangingPassword) -> HTMLResponse:
    return console_page(
        request, "console/password.html", page_language(request), staff, {"error": None}
    )


@router.post(f"{CONSOLE}/mot-de-passe", response_class=HTMLResponse)
async def change_password(request: Request, staff: ChangingPassword, db: Session) -> Response:
    language = page_language(request)
    form = await request.form(max_files=0, max_fields=8)
    if not csrf.is_valid(request, form):
        return refused_form(request, language)
    member = await db.get(StaffMember, staff.id)
    assert member is not None  # noqa: S101 - the session's member exists (cascade)
    current = _field(form, "current_password")
    new = _field(form, "new_password")
    confirm = _field(form, "confirm_password")
    error: tuple[str, str] | None = None
    if not await passwords.check_password(member.password_hash, current):
        error = ("current_password", N_("The current password is not correct."))
    elif not passwords.acceptable(new):
        error = (
            "new_password",
            N_("Choose a password of at least 12 characters (a sentence is easy to remember)."),
        )
    elif new != confirm:
        error = ("confirm_password", N_("The two new passwords are not the same."))
    elif new == current:
        error = ("new_password", N_("Choose a password different from the current one."))
    if error is not None:
        response = console_page(
            request,
            "console/password.html",
            language,
            staff,
            {"error": {"field": error[0], "message": gettext(language, error[1])}},
            status_code=400,
        )
        response.headers["X-Error-Code"] = "password_refused"
        return response
    await service.change_password(db, member, new)
    # Every other session of this member ends; this browser keeps a fresh one.
    await staff_sessions.close_all(db, member.id)
    token = await staff_sessions.open_session(db, member.id)
    done = RedirectResponse(CONSOLE, status_code=303, headers={"Cache-Control": "no-store"})
    staff_sessions.set_cookie(request, done, token)
    return done


@router.get(CONSOLE, response_class=HTMLResponse)
async def console_home(request: Request, staff: Viewer) -> HTMLResponse:
    return console_page(request, "console/index.html", page_language(request), staff)
