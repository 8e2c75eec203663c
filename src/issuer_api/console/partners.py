"""The partners of the console: the list, a partner's page, creating, editing,
suspending and reactivating one. Every role reads; changing needs ``MANAGE_PARTNERS``.

``GET  /console/partenaires``                     the list (search by name, filter by state)
``GET  /console/partenaires/nouveau``             the form of a new partner
``POST /console/partenaires``                     create it
``GET  /console/partenaires/{ref}``               a partner's page
``GET/POST /console/partenaires/{ref}/modifier``  edit its name and contact details
``GET/POST /console/partenaires/{ref}/suspendre`` suspend it, with a reason (confirmed)
``GET/POST /console/partenaires/{ref}/reactiver`` reactivate it, with a reason (confirmed)

Each act goes through :mod:`issuer_api.partners.service`, as the admin REST API does,
and is audited with the staff member as actor. Trusted issuers, secrets and the OAuth
client: :mod:`issuer_api.console.partner_access`; deliveries:
:mod:`issuer_api.console.deliveries`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from issuer_api.console.formatting import helpers
from issuer_api.console.forms import (
    field,
    not_found,
    posted_form,
    refused_form,
    see_other,
)
from issuer_api.console.pages import console_page
from issuer_api.console.partner_forms import (
    CONTACT_FIELDS,
    FormErrors,
    read_new_partner,
    read_partner_update,
    values_of,
)
from issuer_api.deps import Session
from issuer_api.i18n import Language
from issuer_api.models import Partner
from issuer_api.models.base import utcnow
from issuer_api.partners import activity, service
from issuer_api.partners.schemas import PartnerState
from issuer_api.partners.service import PartnerNotFoundError
from issuer_api.staff.roles import Permission
from issuer_api.staff.sessions import StaffPrincipal, staff_with
from issuer_api.web.templating import page_language
from obhub_i18n import N_

router = APIRouter(include_in_schema=False)

BASE: Final = "/console/partenaires"
PAGE_SIZE: Final = 25
MAX_REASON_CHARS: Final = 500
NEW_FIELDS: Final = ("slug", *CONTACT_FIELDS, "identifier")
RESERVED_SLUGS: Final = frozenset({"nouveau"})  # a page of the console, not a partner

Viewer = Annotated[StaffPrincipal, Depends(staff_with(Permission.VIEW))]
Manager = Annotated[StaffPrincipal, Depends(staff_with(Permission.MANAGE_PARTNERS))]
PartnerRef = Annotated[str, Path(max_length=64)]
STATES: Final[dict[str, PartnerState]] = {"actif": "active", "suspendu": "suspended"}


def partner_path(partner: Partner) -> str:
    return f"{BASE}/{partner.slug}"


async def find(db: Session, ref: str) -> Partner | None:
    return await service.find_partner(db, ref)


def missing(request: Request, language: Language, staff: StaffPrincipal, ref: str) -> Response:
    return not_found(request, language, staff, PartnerNotFoundError(details={"partner": ref}))


@dataclass(frozen=True, slots=True)
class PostedForm:
    """A valid form posted to a partner's page, the partner and the page's language."""

    language: Language
    form: FormData
    partner: Partner


async def posted_to_partner(
    request: Request, ref: str, staff: StaffPrincipal, db: Session
) -> PostedForm | Response:
    """The posted form and its partner, or the page that refuses it: 403 without a valid
    token, 404 for an unknown partner."""
    language = page_language(request)
    form = await posted_form(request)
    if form is None:
        return refused_form(request, language, staff)
    partner = await find(db, ref)
    if partner is None:
        return missing(request, language, staff, ref)
    return PostedForm(language, form, partner)


def form_page(
    request: Request,
    template: str,
    language: Language,
    staff: StaffPrincipal,
    context: dict[str, Any],
    *,
    errors: FormErrors | None = None,
) -> HTMLResponse:
    """A form's page: 200, or 400 with its errors by field and their summary."""
    response = console_page(
        request,
        template,
        language,
        staff,
        {
            **context,
            "errors": errors.by_field if errors else {},
            "error_summary": errors.summary() if errors else [],
        },
        status_code=400 if errors else 200,
    )
    if errors:
        response.headers["X-Error-Code"] = "invalid_form"
    return response


# --------------------------------------------------------------------------- list


@router.get(BASE, response_class=HTMLResponse)
async def partner_list(
    request: Request,
    *,
    staff: Viewer,
    db: Session,
    q: Annotated[str, Query(max_length=100)] = "",
    etat: Annotated[str, Query(max_length=16)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    language = page_language(request)
    text = q.strip()
    etat = etat if etat in STATES else ""  # an unknown state: every partner
    records, total = await service.list_partners(
        db,
        state=STATES.get(etat),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        text=text or None,
    )
    recent = await activity.activity_of(db, [r.id for r in records], now=utcnow())
    rows = [
        {"record": record, "activity": recent[record.id], "path": f"{BASE}/{record.slug}"}
        for record in records
    ]
    pages = max(1, -(-total // PAGE_SIZE))
    return console_page(
        request,
        "console/partners.html",
        language,
        staff,
        {
            "rows": rows,
            "total": total,
            "q": text,
            "etat": etat,
            "page": page,
            "pages": pages,
            "window_days": activity.WINDOW_DAYS,
            **helpers(language),
        },
    )


# --------------------------------------------------------------------------- create


def _form_page(
    request: Request,
    language: Language,
    staff: StaffPrincipal,
    *,
    partner: Partner | None,
    values: dict[str, str],
    errors: FormErrors | None = None,
    allow_http: bool = False,
) -> HTMLResponse:
    return form_page(
        request,
        "console/partner_form.html",
        language,
        staff,
        {
            "partner": partner,
            "values": values,
            "allow_http": allow_http,
            "action": f"{partner_path(partner)}/modifier" if partner else BASE,
        },
        errors=errors,
    )


@router.get(f"{BASE}/nouveau", response_class=HTMLResponse)
async def new_partner(request: Request, staff: Manager) -> HTMLResponse:
    language = page_language(request)
    return _form_page(request, language, staff, partner=None, values={})


@router.post(BASE, response_class=HTMLResponse)
async def create_partner(request: Request, staff: Manager, db: Session) -> Response:
    language = page_language(request)
    form = await posted_form(request)
    if form is None:
        return refused_form(request, language, staff)
    values = values_of(form, NEW_FIELDS)
    allow_http = field(form, "allow_http") == "1"
    data = read_new_partner(values, allow_http=allow_http, language=language)
    if isinstance(data, FormErrors):
        return _form_page(
            request,
            language,
            staff,
            partner=None,
            values=values,
            errors=data,
            allow_http=allow_http,
        )
    if data.slug in RESERVED_SLUGS or await service.find_partner(db, data.slug) is not None:
        errors = FormErrors()
        errors.add("slug", language, N_("This slug is already used by another partner."))
        return _form_page(
            request,
            language,
            staff,
            partner=None,
            values=values,
            errors=errors,
            allow_http=allow_http,
        )
    partner = await service.create_partner(db, data, actor=staff.actor)
    return see_other(f"{partner_path(partner)}?fait=cree")


# --------------------------------------------------------------------------- detail


@router.get(f"{BASE}/{{ref}}", response_class=HTMLResponse)
async def partner_page(
    request: Request,
    ref: PartnerRef,
    staff: Viewer,
    db: Session,
    fait: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    language = page_language(request)
    partner = await find(db, ref)
    if partner is None:
        return missing(request, language, staff, ref)
    return console_page(
        request,
        "console/partner.html",
        language,
        staff,
        await partner_context(db, partner, language, done=fait),
    )


async def partner_context(
    db: Session, partner: Partner, language: Language, *, done: str = ""
) -> dict[str, Any]:
    """What the partner's page shows (its access: trusted issuers, secrets, client)."""
    record = await service.record_of(db, partner)
    recent = (await activity.activity_of(db, [partner.id], now=utcnow()))[partner.id]
    active_secrets = [s for s in record.webhook_secrets if s.active]
    return {
        "partner": record,
        "path": partner_path(partner),
        "activity": recent,
        "window_days": activity.WINDOW_DAYS,
        "active_secrets": len(active_secrets),
        "max_secrets": service.MAX_ACTIVE_SECRETS,
        "done": done,
        "errors": {},
        "error_summary": [],
        "values": {},
        "secret_error": None,
        **helpers(language),
    }


# --------------------------------------------------------------------------- edit


@router.get(f"{BASE}/{{ref}}/modifier", response_class=HTMLResponse)
async def edit_partner(request: Request, ref: PartnerRef, staff: Manager, db: Session) -> Response:
    language = page_language(request)
    partner = await find(db, ref)
    if partner is None:
        return missing(request, language, staff, ref)
    values = {name: getattr(partner, name) or "" for name in CONTACT_FIELDS}
    return _form_page(request, language, staff, partner=partner, values=values)


@router.post(f"{BASE}/{{ref}}/modifier", response_class=HTMLResponse)
async def update_partner(
    request: Request, ref: PartnerRef, staff: Manager, db: Session
) -> Response:
    posted = await posted_to_partner(request, ref, staff, db)
    if not isinstance(posted, PostedForm):
        return posted
    language, form, partner = posted.language, posted.form, posted.partner
    values = values_of(form, CONTACT_FIELDS)
    data = read_partner_update(values, language=language)
    if isinstance(data, FormErrors):
        return _form_page(request, language, staff, partner=partner, values=values, errors=data)
    await service.update_partner(db, partner, data, actor=staff.actor)
    return see_other(f"{partner_path(partner)}?fait=modifie")


# --------------------------------------------------------------------------- state


_TO_STATE: Final[dict[str, PartnerState]] = {"suspendre": "suspended", "reactiver": "active"}


def _state_page(
    request: Request,
    language: Language,
    staff: StaffPrincipal,
    partner: Partner,
    act: str,
    *,
    reason: str = "",
    errors: FormErrors | None = None,
) -> HTMLResponse:
    return form_page(
        request,
        "console/partner_state.html",
        language,
        staff,
        {"partner": partner, "path": partner_path(partner), "act": act, "reason": reason},
        errors=errors,
    )


async def _confirm_state(
    request: Request, ref: str, act: str, staff: StaffPrincipal, db: Session
) -> Response:
    language = page_language(request)
    partner = await find(db, ref)
    if partner is None:
        return missing(request, language, staff, ref)
    if partner.state == _TO_STATE[act]:
        return see_other(partner_path(partner))
    return _state_page(request, language, staff, partner, act)


async def _change_state(
    request: Request, ref: str, act: str, staff: StaffPrincipal, db: Session
) -> Response:
    posted = await posted_to_partner(request, ref, staff, db)
    if not isinstance(posted, PostedForm):
        return posted
    language, form, partner = posted.language, posted.form, posted.partner
    reason = field(form, "reason", limit=MAX_REASON_CHARS + 1)
    if not reason or len(reason) > MAX_REASON_CHARS:
        errors = FormErrors()
        errors.add("reason", language)
        return _state_page(request, language, staff, partner, act, reason=reason, errors=errors)
    state = _TO_STATE[act]
    if partner.state != state:
        await service.change_state(db, partner, state, actor=staff.actor, reason=reason)
    done = "suspendu" if state == "suspended" else "reactive"
    return see_other(f"{partner_path(partner)}?fait={done}")


def _state_routes(act: str) -> None:
    """The confirmation page (GET) and the change (POST) of ``act``."""

    async def confirm(request: Request, ref: PartnerRef, staff: Manager, db: Session) -> Response:
        return await _confirm_state(request, ref, act, staff, db)

    async def change(request: Request, ref: PartnerRef, staff: Manager, db: Session) -> Response:
        return await _change_state(request, ref, act, staff, db)

    path = f"{BASE}/{{ref}}/{act}"
    router.add_api_route(path, confirm, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(path, change, methods=["POST"], response_class=HTMLResponse)


for _act in _TO_STATE:
    _state_routes(_act)
