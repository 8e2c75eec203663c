"""The staff page of the console (administrators: Permission.MANAGE_STAFF).

``GET  /console/equipe``                    the members: name, role, active, last sign-in,
                                            how they sign in (and emails, unsealed)
``GET/POST /console/equipe/nouveau``        add a member (local password printed once, or
                                            the Region's account only when OIDC is set up)
``POST /console/equipe/{id}/role``          change a member's role
``POST /console/equipe/{id}/desactiver``    deactivate (their sessions end)
``POST /console/equipe/{id}/reactiver``     reactivate

The last active administrator can be neither demoted nor deactivated (409).
"""

from __future__ import annotations

from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from issuer_api.accounts import csrf
from issuer_api.accounts.signin import is_plausible_email
from issuer_api.console.forms import refused_form
from issuer_api.console.pages import console_page
from issuer_api.deps import Kek, Session
from issuer_api.i18n import Language
from issuer_api.models import StaffMember
from issuer_api.staff import service, team
from issuer_api.staff.roles import ROLE_NAMES, Permission, Role
from issuer_api.staff.sessions import StaffPrincipal, staff_with
from issuer_api.web.templating import page_language
from obhub_i18n import N_, gettext

router = APIRouter(include_in_schema=False)

TEAM: Final = "/console/equipe"
NEW: Final = f"{TEAM}/nouveau"
MAX_NAME_CHARS: Final = 200
PARIS: Final = ZoneInfo("Europe/Paris")
Administrator = Annotated[StaffPrincipal, Depends(staff_with(Permission.MANAGE_STAFF))]

_DONE: Final[dict[str, str]] = {
    "role": N_("The role was changed."),
    "deactivated": N_("The member was deactivated: their sessions have ended."),
    "reactivated": N_("The member was reactivated."),
}


def _text(form: FormData, name: str, limit: int = 320) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _roles(language: Language) -> list[dict[str, str]]:
    return [{"value": role.value, "name": gettext(language, ROLE_NAMES[role])} for role in Role]


async def _team_page(
    request: Request,
    db: Session,
    kek: bytes,
    staff: StaffPrincipal,
    language: Language,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows = await team.list_members(db, kek, with_emails=staff.role is Role.ADMINISTRATOR)
    members = [
        {
            "row": row,
            "role_name": gettext(language, ROLE_NAMES[row.role]) if row.role else row.role,
            "last_sign_in": format_datetime(
                row.last_sign_in_at, "d MMM y, HH:mm", tzinfo=PARIS, locale=language
            )
            if row.last_sign_in_at
            else None,
            "is_me": row.id == staff.id,
        }
        for row in rows
    ]
    response = console_page(
        request,
        "console/team.html",
        language,
        staff,
        {"members": members, "roles": _roles(language), "notice": notice, "error": error},
        status_code=status_code,
    )
    if error is not None:
        response.headers["X-Error-Code"] = (
            "last_administrator" if status_code == 409 else "invalid_role"
        )
    return response


@router.get(TEAM, response_class=HTMLResponse)
async def team_page(
    request: Request,
    staff: Administrator,
    db: Session,
    kek: Kek,
    done: Annotated[str | None, Query(max_length=32)] = None,
) -> HTMLResponse:
    language = page_language(request)
    notice = gettext(language, _DONE[done]) if done in _DONE else None
    return await _team_page(request, db, kek, staff, language, notice=notice)


def _new_page(
    request: Request,
    staff: StaffPrincipal,
    language: Language,
    values: dict[str, Any],
    errors: list[dict[str, str]] | None = None,
    *,
    status_code: int = 200,
    code: str | None = None,
) -> HTMLResponse:
    response = console_page(
        request,
        "console/team_new.html",
        language,
        staff,
        {
            "values": values,
            "errors": errors or [],
            "error_for": {error["field"]: error["message"] for error in errors or []},
            "roles": _roles(language),
        },
        status_code=status_code,
    )
    if code is not None:
        response.headers["X-Error-Code"] = code
    return response


@router.get(NEW, response_class=HTMLResponse)
async def new_member_page(request: Request, staff: Administrator) -> HTMLResponse:
    values = {"email": "", "name": "", "role": Role.READ_ONLY.value, "oidc_only": False}
    return _new_page(request, staff, page_language(request), values)


@router.post(NEW, response_class=HTMLResponse)
async def create_member(request: Request, staff: Administrator, db: Session, kek: Kek) -> Response:
    language = page_language(request)
    form = await request.form(max_files=0, max_fields=8)
    if not csrf.is_valid(request, form):
        return refused_form(request, language)
    oidc_enabled: bool = request.app.state.settings.oidc_enabled
    email = _text(form, "email")
    name = _text(form, "name", MAX_NAME_CHARS + 1)
    role = _text(form, "role", 32)
    oidc_only = oidc_enabled and form.get("oidc_only") == "yes"
    values: dict[str, Any] = {"email": email, "name": name, "role": role, "oidc_only": oidc_only}
    errors = []
    if not is_plausible_email(email):
        errors.append(
            {"field": "email", "message": N_("Enter an email address, like name@example.fr.")}
        )
    if not name or len(name) > MAX_NAME_CHARS:
        errors.append(
            {"field": "name", "message": N_("Enter the member's name (200 characters at most).")}
        )
    if role not in {choice.value for choice in Role}:
        errors.append({"field": "role-" + Role.READ_ONLY.value, "message": N_("Choose a role.")})
    if errors:
        translated = [{**e, "message": gettext(language, e["message"])} for e in errors]
        return _new_page(
            request, staff, language, values, translated, status_code=400, code="invalid_member"
        )
    try:
        created = await service.create_member(
            db, kek, email=email, role=role, display_name=name, by=staff.actor, local=not oidc_only
        )
    except service.StaffExistsError:
        message = gettext(language, N_("A member already has this email address."))
        return _new_page(
            request,
            staff,
            language,
            values,
            [{"field": "email", "message": message}],
            status_code=409,
            code="staff_exists",
        )
    return console_page(
        request,
        "console/team_created.html",
        language,
        staff,
        {
            "name": name,
            "email": email,
            "role_name": gettext(language, ROLE_NAMES[Role(role)]),
            "password": created.password or None,
        },
        status_code=201,
    )


async def _member(db: Session, member_id: str) -> StaffMember | None:
    return await db.get(StaffMember, member_id[:36])


async def _act(
    request: Request, staff: StaffPrincipal, db: Session, kek: bytes, *, member_id: str, act: str
) -> Response:
    language = page_language(request)
    form = await request.form(max_files=0, max_fields=4)
    if not csrf.is_valid(request, form):
        return refused_form(request, language)
    member = await _member(db, member_id)
    if member is None:
        response = console_page(
            request, "console/team_missing.html", language, staff, status_code=404
        )
        response.headers["X-Error-Code"] = "staff_not_found"
        return response
    try:
        if act == "role":
            role = _text(form, "role", 32)
            if role not in {r.value for r in Role}:
                message = gettext(language, N_("Choose a role."))
                return await _team_page(
                    request, db, kek, staff, language, error=message, status_code=400
                )
            await team.change_role(db, member, role, by=staff.actor)
        else:
            await team.set_active(db, member, act == "reactivated", by=staff.actor)
    except team.LastAdministratorError:
        message = gettext(
            language,
            N_(
                "This is the last active administrator: make another member administrator "
                "first, so that someone can still manage the console."
            ),
        )
        return await _team_page(request, db, kek, staff, language, error=message, status_code=409)
    return RedirectResponse(
        f"{TEAM}?done={act}", status_code=303, headers={"Cache-Control": "no-store"}
    )


@router.post(TEAM + "/{member_id}/role")
async def change_role(
    request: Request, member_id: str, staff: Administrator, db: Session, kek: Kek
) -> Response:
    return await _act(request, staff, db, kek, member_id=member_id, act="role")


@router.post(TEAM + "/{member_id}/desactiver")
async def deactivate(
    request: Request, member_id: str, staff: Administrator, db: Session, kek: Kek
) -> Response:
    return await _act(request, staff, db, kek, member_id=member_id, act="deactivated")


@router.post(TEAM + "/{member_id}/reactiver")
async def reactivate(
    request: Request, member_id: str, staff: Administrator, db: Session, kek: Kek
) -> Response:
    return await _act(request, staff, db, kek, member_id=member_id, act="reactivated")
