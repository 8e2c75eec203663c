"""What lets a partner deliver, from the console: its trusted issuers, its webhook
secrets and its OAuth client. Changing any of them needs ``MANAGE_PARTNERS``.

``POST     /console/partenaires/{ref}/emetteurs``                 trust an issuer
``GET/POST /console/partenaires/{ref}/emetteurs/{id}/retirer``    stop trusting it (confirmed)
``POST     /console/partenaires/{ref}/secrets``                   a new webhook secret
``GET/POST /console/partenaires/{ref}/secrets/{id}/revoquer``     revoke one (confirmed)
``GET      /console/partenaires/{ref}/client/remplacer``          confirm replacing the client
``POST     /console/partenaires/{ref}/client``                    a new OAuth client
``GET/POST /console/partenaires/{ref}/client/revoquer``           revoke it (confirmed)

A new secret (webhook or client) is shown on the page that answers its creation, once:
that page is never cached, the secret is never logged, and it is stored as the registry
stores it (sealed, or hashed for a client). Two webhook secrets may be active at once,
for rotation; a third is refused with the reason in plain words.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from issuer_api.console.forms import (
    error_message,
    field,
    not_found,
    see_other,
)
from issuer_api.console.pages import console_page
from issuer_api.console.partner_forms import FormErrors, read_trusted_issuer
from issuer_api.console.partners import (
    BASE,
    MAX_REASON_CHARS,
    Manager,
    PartnerRef,
    PostedForm,
    find,
    form_page,
    missing,
    partner_context,
    partner_path,
    posted_to_partner,
)
from issuer_api.deps import Kek, Session
from issuer_api.errors import ApiError
from issuer_api.i18n import Language
from issuer_api.models import Partner, PartnerTrustedIssuer
from issuer_api.partners import repository, service
from issuer_api.staff.sessions import StaffPrincipal
from issuer_api.web.templating import page_language

router = APIRouter(include_in_schema=False)

MAX_NOTE_CHARS: Final = 500
SecretRef = Annotated[str, Path(max_length=36)]
TrustedRef = Annotated[int, Path(ge=1, le=2**62)]


def _partner_page_with(
    request: Request,
    language: Language,
    staff: StaffPrincipal,
    context: dict[str, Any],
    *,
    status_code: int,
    code: str,
) -> HTMLResponse:
    response = console_page(
        request, "console/partner.html", language, staff, context, status_code=status_code
    )
    response.headers["X-Error-Code"] = code
    return response


def _confirm_page(
    request: Request,
    language: Language,
    staff: StaffPrincipal,
    partner: Partner,
    *,
    kind: str,
    action: str,
    subject: str = "",
    reason: str = "",
    errors: FormErrors | None = None,
) -> HTMLResponse:
    return form_page(
        request,
        "console/partner_confirm.html",
        language,
        staff,
        {
            "partner": partner,
            "path": partner_path(partner),
            "kind": kind,
            "action": action,
            "subject": subject,
            "reason": reason,
        },
        errors=errors,
    )


def _reason(form_reason: str, language: Language) -> FormErrors | None:
    if len(form_reason) > MAX_REASON_CHARS:
        errors = FormErrors()
        errors.add("reason", language)
        return errors
    return None


# --------------------------------------------------------------------------- trusted issuers


@router.post(f"{BASE}/{{ref}}/emetteurs", response_class=HTMLResponse)
async def add_trusted_issuer(
    request: Request, ref: PartnerRef, staff: Manager, db: Session
) -> Response:
    posted = await posted_to_partner(request, ref, staff, db)
    if not isinstance(posted, PostedForm):
        return posted
    language, form, partner = posted.language, posted.form, posted.partner
    identifier = field(form, "identifier")
    data = read_trusted_issuer(
        identifier, allow_http=field(form, "allow_http") == "1", language=language
    )
    if isinstance(data, FormErrors):
        context = await partner_context(db, partner, language)
        context.update(
            errors=data.by_field, error_summary=data.summary(), values={"identifier": identifier}
        )
        return _partner_page_with(
            request, language, staff, context, status_code=400, code="invalid_form"
        )
    try:
        await service.add_trusted_issuer(db, partner, data, actor=staff.actor)
    except service.TrustedIssuerExistsError as exc:
        errors = FormErrors()
        errors.add("identifier", language, error_message(exc, language))
        context = await partner_context(db, partner, language)
        context.update(
            errors=errors.by_field,
            error_summary=errors.summary(),
            values={"identifier": identifier},
        )
        return _partner_page_with(request, language, staff, context, status_code=409, code=exc.code)
    return see_other(f"{partner_path(partner)}?fait=emetteur-ajoute#emetteurs")


async def _trusted(db: Session, partner: Partner, trusted_id: int) -> PartnerTrustedIssuer | None:
    return await repository.trusted_issuer(db, partner.id, trusted_id)


@router.get(f"{BASE}/{{ref}}/emetteurs/{{trusted_id}}/retirer", response_class=HTMLResponse)
async def confirm_trusted_issuer_removal(
    request: Request, ref: PartnerRef, trusted_id: TrustedRef, staff: Manager, db: Session
) -> Response:
    language = page_language(request)
    partner = await find(db, ref)
    row = await _trusted(db, partner, trusted_id) if partner is not None else None
    if partner is None or row is None:
        return not_found(request, language, staff, service.TrustedIssuerNotFoundError())
    return _confirm_page(
        request,
        language,
        staff,
        partner,
        kind="issuer",
        action=f"{partner_path(partner)}/emetteurs/{trusted_id}/retirer",
        subject=row.identifier,
    )


@router.post(f"{BASE}/{{ref}}/emetteurs/{{trusted_id}}/retirer", response_class=HTMLResponse)
async def remove_trusted_issuer(
    request: Request, ref: PartnerRef, trusted_id: TrustedRef, staff: Manager, db: Session
) -> Response:
    posted = await posted_to_partner(request, ref, staff, db)
    if not isinstance(posted, PostedForm):
        return posted
    language, partner = posted.language, posted.partner
    try:
        await service.remove_trusted_issuer(db, partner, trusted_id, actor=staff.actor)
    except service.TrustedIssuerNotFoundError as exc:
        return not_found(request, language, staff, exc)
    return see_other(f"{partner_path(partner)}?fait=emetteur-retire#emetteurs")


# --------------------------------------------------------------------------- webhook secrets


@router.post(f"{BASE}/{{ref}}/secrets", response_class=HTMLResponse)
async def create_webhook_secret(
    request: Request, ref: PartnerRef, staff: Manager, db: Session, kek: Kek
) -> Response:
    posted = await posted_to_partner(request, ref, staff, db)
    if not isinstance(posted, PostedForm):
        return posted
    language, form, partner = posted.language, posted.form, posted.partner
    note = field(form, "note", limit=MAX_NOTE_CHARS)
    try:
        row, secret = await service.create_webhook_secret(
            db, kek, partner, note=note or None, actor=staff.actor
        )
    except service.WebhookSecretLimitError as exc:
        context = await partner_context(db, partner, language)
        context["secret_error"] = error_message(exc, language)
        return _partner_page_with(request, language, staff, context, status_code=409, code=exc.code)
    return console_page(
        request,
        "console/partner_secret.html",
        language,
        staff,
        {
            "partner": partner,
            "path": partner_path(partner),
            "kind": "webhook",
            "secret": secret,
            "hint": row.hint,
            "webhook_url": str(request.base_url).rstrip("/") + service.webhook_path(partner),
        },
        status_code=201,
    )


@router.get(f"{BASE}/{{ref}}/secrets/{{secret_id}}/revoquer", response_class=HTMLResponse)
async def confirm_secret_revocation(
    request: Request, ref: PartnerRef, secret_id: SecretRef, staff: Manager, db: Session
) -> Response:
    language = page_language(request)
    partner = await find(db, ref)
    secrets = await repository.secrets_of(db, partner.id) if partner is not None else []
    row = next((s for s in secrets if s.id == secret_id and s.revoked_at is None), None)
    if partner is None or row is None:
        return not_found(request, language, staff, service.WebhookSecretNotFoundError())
    return _confirm_page(
        request,
        language,
        staff,
        partner,
        kind="secret",
        action=f"{partner_path(partner)}/secrets/{secret_id}/revoquer",
        subject=f"{row.hint}…",
    )


@router.post(f"{BASE}/{{ref}}/secrets/{{secret_id}}/revoquer", response_class=HTMLResponse)
async def revoke_webhook_secret(
    request: Request, ref: PartnerRef, secret_id: SecretRef, staff: Manager, db: Session
) -> Response:
    posted = await posted_to_partner(request, ref, staff, db)
    if not isinstance(posted, PostedForm):
        return posted
    language, form, partner = posted.language, posted.form, posted.partner
    reason = field(form, "reason", limit=MAX_REASON_CHARS + 1)
    errors = _reason(reason, language)
    if errors is not None:
        return _confirm_page(
            request,
            language,
            staff,
            partner,
            kind="secret",
            action=f"{partner_path(partner)}/secrets/{secret_id}/revoquer",
            reason=reason,
            errors=errors,
        )
    try:
        await service.revoke_webhook_secret(
            db, partner, secret_id, actor=staff.actor, reason=reason or None
        )
    except (service.WebhookSecretNotFoundError, service.WebhookSecretAlreadyRevokedError) as exc:
        return not_found(request, language, staff, exc)
    return see_other(f"{partner_path(partner)}?fait=secret-revoque#secrets")


# --------------------------------------------------------------------------- OAuth client


@router.get(f"{BASE}/{{ref}}/client/remplacer", response_class=HTMLResponse)
async def confirm_client_replacement(
    request: Request, ref: PartnerRef, staff: Manager, db: Session
) -> Response:
    language = page_language(request)
    partner = await find(db, ref)
    if partner is None:
        return missing(request, language, staff, ref)
    if partner.client_id is None:
        return see_other(f"{partner_path(partner)}#client")
    return _confirm_page(
        request,
        language,
        staff,
        partner,
        kind="replace_client",
        action=f"{partner_path(partner)}/client",
        subject=partner.client_id,
    )


@router.post(f"{BASE}/{{ref}}/client", response_class=HTMLResponse)
async def create_client(request: Request, ref: PartnerRef, staff: Manager, db: Session) -> Response:
    posted = await posted_to_partner(request, ref, staff, db)
    if not isinstance(posted, PostedForm):
        return posted
    language, partner = posted.language, posted.partner
    credentials = await service.create_partner_client(db, partner, actor=staff.actor)
    return console_page(
        request,
        "console/partner_secret.html",
        language,
        staff,
        {
            "partner": partner,
            "path": partner_path(partner),
            "kind": "client",
            "secret": credentials.client_secret,
            "client_id": credentials.client_id,
            "replaced": credentials.replaced_client_id,
        },
        status_code=201,
    )


@router.get(f"{BASE}/{{ref}}/client/revoquer", response_class=HTMLResponse)
async def confirm_client_revocation(
    request: Request, ref: PartnerRef, staff: Manager, db: Session
) -> Response:
    language = page_language(request)
    partner = await find(db, ref)
    if partner is None:
        return missing(request, language, staff, ref)
    if partner.client_id is None:
        return not_found(request, language, staff, service.PartnerClientNotFoundError())
    return _confirm_page(
        request,
        language,
        staff,
        partner,
        kind="client",
        action=f"{partner_path(partner)}/client/revoquer",
        subject=partner.client_id,
    )


@router.post(f"{BASE}/{{ref}}/client/revoquer", response_class=HTMLResponse)
async def revoke_client(request: Request, ref: PartnerRef, staff: Manager, db: Session) -> Response:
    posted = await posted_to_partner(request, ref, staff, db)
    if not isinstance(posted, PostedForm):
        return posted
    language, form, partner = posted.language, posted.form, posted.partner
    reason = field(form, "reason", limit=MAX_REASON_CHARS + 1)
    errors = _reason(reason, language)
    if errors is not None:
        return _confirm_page(
            request,
            language,
            staff,
            partner,
            kind="client",
            action=f"{partner_path(partner)}/client/revoquer",
            reason=reason,
            errors=errors,
        )
    try:
        await service.revoke_partner_client(db, partner, actor=staff.actor, reason=reason or None)
    except ApiError as exc:
        return not_found(request, language, staff, exc)
    return see_other(f"{partner_path(partner)}?fait=client-revoque#client")
