"""The Region's identity in the console (:mod:`issuer_api.region`).

``GET /console/identite``                 what pages and emails show now, and where it
                                          comes from (every member); the form for those
                                          who may change it (administrator)
``POST /console/identite``                change it (CSRF; every field checked, every
                                          refusal shown beside its field; audited)
``POST /console/identite/reinitialiser``  forget the console's choice: the
                                          configuration applies again (audited)

The change shows at once on this replica and within :data:`store.TTL_SECONDS` on the
others. The page's script previews the header, a link and the footer as one types.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from issuer_api.accounts import csrf
from issuer_api.console.pages import console_page
from issuer_api.deps import AppSettings, Session
from issuer_api.i18n import Language
from issuer_api.issuers import repository as issuer_repository
from issuer_api.region import store
from issuer_api.region.identity import FIELDS, RegionIdentity, all_errors
from issuer_api.staff.roles import Permission
from issuer_api.staff.sessions import StaffPrincipal, staff_with
from issuer_api.web.templating import page_language
from obhub_i18n import N_, gettext, render

router = APIRouter(include_in_schema=False)

PATH: Final = "/console/identite"
MAX_FIELD_CHARS: Final = 200_000  # a data: URI logo of 100 KB, base64
Viewer = Annotated[StaffPrincipal, Depends(staff_with(Permission.VIEW))]
Manager = Annotated[StaffPrincipal, Depends(staff_with(Permission.MANAGE_IDENTITY))]

SAVED: Final = N_("The Region's identity is saved: pages and emails use it now.")
RESET: Final = N_("The console's choice is forgotten: the configuration applies again.")
REFUSED_FORM: Final = N_(
    "This form has expired or did not come from this site. Go back, reload the page and try again."
)


def _form_values(identity: RegionIdentity) -> dict[str, str]:
    return {name: value or "" for name, value in identity.as_dict().items()}


async def _page(
    request: Request,
    db: Session,
    settings: AppSettings,
    staff: StaffPrincipal,
    language: Language,
    *,
    values: dict[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    identity = await store.load(db, settings)
    issuer = await issuer_repository.get_region(db)
    context: dict[str, Any] = {
        # Badges are signed with the issuer's name: it is never renamed behind one's back.
        "issuer_name": issuer.name if issuer is not None and issuer.name != identity.name else None,
        "identity": identity,
        "values": values or _form_values(identity),
        "errors": errors or [],
        "error_for": {error["field"]: error["message"] for error in errors or []},
        "from_console": await store.is_from_console(db),
        "notice": notice,
        "ttl": int(store.TTL_SECONDS),
    }
    return console_page(
        request, "console/identity.html", language, staff, context, status_code=status_code
    )


@router.get(PATH, response_class=HTMLResponse)
async def identity_page(
    request: Request, staff: Viewer, db: Session, settings: AppSettings
) -> HTMLResponse:
    language = page_language(request)
    shown = request.query_params.get("fait")
    notice = {"enregistre": SAVED, "reinitialise": RESET}.get(shown or "")
    return await _page(
        request, db, settings, staff, language, notice=gettext(language, notice) if notice else None
    )


@router.post(PATH, response_class=HTMLResponse)
async def change_identity(
    request: Request, staff: Manager, db: Session, settings: AppSettings
) -> Response:
    language = page_language(request)
    form = await request.form(max_files=0, max_fields=16, max_part_size=MAX_FIELD_CHARS)
    if not csrf.is_valid(request, form):
        return _refused(request, language, staff)
    values = {name: _text(form.get(name)) for name in FIELDS}
    refused = all_errors(values)
    if refused:
        errors = [
            {
                "field": error.field,
                "code": error.code,
                "message": render(language, error.message, _localised(error.params, language)),
            }
            for error in refused
        ]
        response = await _page(
            request, db, settings, staff, language, values=values, errors=errors, status_code=400
        )
        response.headers["X-Error-Code"] = refused[0].code
        return response
    identity = await store.save(db, settings, values, actor=staff.actor)
    _update_cache(request, identity)
    return _redirect(f"{PATH}?fait=enregistre")


@router.post(f"{PATH}/reinitialiser", response_class=HTMLResponse)
async def reset_identity(
    request: Request, staff: Manager, db: Session, settings: AppSettings
) -> Response:
    language = page_language(request)
    form = await request.form(max_files=0, max_fields=4)
    if not csrf.is_valid(request, form):
        return _refused(request, language, staff)
    identity = await store.reset(db, settings, actor=staff.actor)
    _update_cache(request, identity)
    return _redirect(f"{PATH}?fait=reinitialise")


def _update_cache(request: Request, identity: RegionIdentity) -> None:
    cache = store.cache_of(request)
    if cache is not None:
        cache.set(identity)


def _localised(params: dict[str, Any], language: Language) -> dict[str, Any]:
    """Decimal numbers with a comma in French (``1,51:1``)."""
    if language != "fr":
        return params
    return {key: str(value).replace(".", ",") for key, value in params.items()}


def _text(value: object) -> str:
    return value[:MAX_FIELD_CHARS] if isinstance(value, str) else ""


def _redirect(location: str) -> Response:
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


def _refused(request: Request, language: Language, staff: StaffPrincipal) -> HTMLResponse:
    response = console_page(
        request,
        "console/refused.html",
        language,
        staff,
        {"message": gettext(language, REFUSED_FORM)},
        status_code=403,
    )
    response.headers["X-Error-Code"] = "csrf_failed"
    return response
