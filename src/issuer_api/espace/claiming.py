"""``/espace/solliciter``: the learner claims badges held elsewhere, and follows the claim.

``GET  /espace/solliciter``               the form: files (baked PNG or SVG, ``.json``, a
                                          VC-JWT in a ``.jwt``/``.txt`` file), a pasted
                                          JSON or JWT, a public badge address
``POST /espace/solliciter``               (multipart, CSRF) stored through the claim engine
                                          (:func:`issuer_api.regional.claims.submit`), then
                                          ``303`` to the claim's page
``GET  /espace/solliciter/{id}``          what counted, what was refused and why, which
                                          regional badges it brought; refreshes itself
                                          (``claim.js``) while the badges are checked
``GET  /espace/solliciter/{id}/etat``     ``{"status", "done"}`` for that script

The claim is the engine's own (:func:`issuer_api.regional.claims.submit_for_learner`):
verification, the acceptance rules and the deduplication are the ones every claim gets.
The recipient is the signed-in learner — a badge made out to any of their emails or
DIDs counts, one made out to someone else is refused (``recipient_mismatch``). The
claim is made in the learner's name (client ``learner:{id}``): another learner's claim
is not found (404).

A bad upload (nothing given, a file too big, of a type that is not a badge, a text that
is not one) is answered with the form again, an error summary linked to the field and
nothing stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Final

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile

from issuer_api.accounts import csrf
from issuer_api.accounts.sessions import SignedInLearner
from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.espace.pages import forbidden
from issuer_api.ingestion.envelope import TooManyBadgesError
from issuer_api.links import public_base_url
from issuer_api.regional import claims
from issuer_api.regional.schemas import ClaimRecord
from issuer_api.settings import Settings
from issuer_api.web.templating import page_language, render_page
from obcore import baking
from obcore.errors import MalformedInputError
from obhub_i18n import N_, Language, gettext, render

router = APIRouter(include_in_schema=False)

CLAIM_PATH: Final = "/espace/solliciter"
MAX_FILES: Final = 10
MAX_FILE_BYTES: Final = 1024 * 1024
MAX_TEXT_CHARS: Final = 512 * 1024
MAX_URL_CHARS: Final = 2048
FILE_SUFFIXES: Final = (".png", ".svg", ".json", ".jwt", ".txt", ".jsonld")
FORM_OVERHEAD_BYTES: Final = 16 * 1024  # the text fields and multipart boundaries

NOTHING_GIVEN: Final = N_("Choose a file, paste a badge or give its address.")
TOO_BIG: Final = N_("“{name}” is too big: a badge file weighs at most 1 MB.")
WRONG_TYPE: Final = N_(
    "“{name}” is not a badge file: choose a PNG or SVG image, a .json, .jwt or .txt file."
)
ALL_TOO_BIG: Final = N_("These files are too big together: send fewer files at a time.")
TOO_MANY_FILES: Final = N_("Send at most 10 files at a time.")
NOT_A_BADGE_FILE: Final = N_("“{name}” does not hold a badge we can read.")
NO_BAKED_BADGE: Final = N_(
    "“{name}” is an image without a badge inside. Download the badge image again from "
    "the site that gave it to you."
)
NOT_A_BADGE_TEXT: Final = N_("The pasted text is not a badge (JSON or JWT) we can read.")
NOT_AN_ADDRESS: Final = N_("Give the full address of the badge, starting with https://")
TOO_LONG: Final = N_("This text is too long for a badge.")
FORM_UNREADABLE: Final = N_("The form could not be read. Try again with fewer or smaller files.")
NO_IDENTIFIER: Final = N_(
    "We hold neither an email address nor a DID for you, so badges cannot be matched to "
    "you. Ask the organisation that gave you a badge to send it to your email address."
)

OUTCOME_TEXT: Final = {
    "pending": N_("Being checked"),
    "accepted": N_("Counted"),
    "duplicate": N_("Already received"),
    "rejected": N_("Refused"),
    "failed": N_("Could not be checked"),
}
# Why a claimed badge was refused, for the learner (other codes: the receipt's message).
REASON_TEXT: Final = {
    "issuer_not_trusted": N_(
        "This badge comes from an organisation that is not a partner of the network: it "
        "cannot count."
    ),
    "recipient_mismatch": N_(
        "This badge was made out to someone else (another email address or identifier)."
    ),
    "recipient_conflict": N_("This badge is already held by another person."),
    "verification_unavailable": N_("We could not check this badge for now. Try again later."),
    "unsupported_payload": N_("This file holds something other than one badge."),
    "fetch_forbidden": N_("We are not allowed to fetch a badge at this address."),
}
ClaimId = Annotated[str, Path(max_length=64)]
Lang = Annotated[str | None, Query(max_length=8)]


# --------------------------------------------------------------------------- the form


@dataclass
class FormErrors:
    """Errors per field (``files``, ``text``, ``url``), each with a code and a message."""

    items: list[tuple[str, str, str]] = field(default_factory=list)  # (field, code, message)

    def add(self, name: str, code: str, message: str) -> None:
        self.items.append((name, code, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def of(self, name: str) -> list[str]:
        return [message for field_name, _code, message in self.items if field_name == name]

    @property
    def status_code(self) -> int:
        codes = {code for _f, code, _m in self.items}
        if "too_big" in codes:
            return 413
        if "wrong_type" in codes:
            return 415
        return 400


@dataclass
class Submitted:
    badges: list[str | bytes]
    labels: list[tuple[str, str]]  # per badge: (field, name shown in messages)
    text: str
    url: str


def _form_page(
    request: Request,
    language: Language,
    *,
    errors: FormErrors | None = None,
    text: str = "",
    url: str = "",
) -> Response:
    errors = errors or FormErrors()
    return render_page(
        request,
        "espace_claim.html",
        language,
        {
            "errors": [
                {"field": name, "code": code, "message": message}
                for name, code, message in errors.items
            ],
            "field_errors": {name: errors.of(name) for name in ("files", "text", "url")},
            "text": text,
            "url": url,
            "max_files": MAX_FILES,
            "max_bytes": request.app.state.settings.max_body_bytes - FORM_OVERHEAD_BYTES,
            "all_too_big": gettext(language, ALL_TOO_BIG),
        },
        status_code=errors.status_code if errors else 200,
    )


@router.get(CLAIM_PATH, response_class=HTMLResponse)
async def claim_form(request: Request, _learner_id: SignedInLearner, lang: Lang = None) -> Response:
    return _form_page(request, page_language(request, lang))


async def _read(form: FormData, language: Language, errors: FormErrors) -> Submitted:
    submitted = Submitted([], [], "", "")
    uploads = [item for item in form.getlist("files") if isinstance(item, UploadFile)]
    uploads = [item for item in uploads if item.filename or (item.size or 0) > 0]
    if len(uploads) > MAX_FILES:
        errors.add("files", "too_many_files", gettext(language, TOO_MANY_FILES))
        uploads = []
    for upload in uploads:
        name = (upload.filename or "?")[:200]
        if not name.lower().endswith(FILE_SUFFIXES):
            errors.add("files", "wrong_type", render(language, WRONG_TYPE, {"name": name}))
            continue
        data = await upload.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            errors.add("files", "too_big", render(language, TOO_BIG, {"name": name}))
            continue
        data = claims.decode_upload(data)
        if _is_image(name, data) and not _carries_a_badge(data):
            errors.add("files", "no_baked_badge", render(language, NO_BAKED_BADGE, {"name": name}))
            continue
        submitted.badges.append(data)
        submitted.labels.append(("files", name))
    text = form.get("text")
    submitted.text = text.strip() if isinstance(text, str) else ""
    if len(submitted.text) > MAX_TEXT_CHARS:
        errors.add("text", "too_big", gettext(language, TOO_LONG))
        submitted.text = ""
    elif submitted.text:
        submitted.badges.append(submitted.text)
        submitted.labels.append(("text", ""))
    url = form.get("url")
    submitted.url = url.strip() if isinstance(url, str) else ""
    if submitted.url:
        if len(submitted.url) > MAX_URL_CHARS or not submitted.url.lower().startswith(
            ("https://", "http://")
        ):
            errors.add("url", "invalid_url", gettext(language, NOT_AN_ADDRESS))
        else:
            submitted.badges.append(submitted.url)
            submitted.labels.append(("url", submitted.url))
    if not submitted.badges and not errors:
        errors.add("files", "no_badge", gettext(language, NOTHING_GIVEN))
    return submitted


def _is_image(name: str, data: bytes) -> bool:
    return name.lower().endswith((".png", ".svg")) or data.startswith(b"\x89PNG")


def _carries_a_badge(image: bytes) -> bool:
    """Whether a PNG or SVG has a badge baked in (checked again, fully, by the verifier)."""
    try:
        baking.unbake(image, max_bytes=MAX_FILE_BYTES)
    except MalformedInputError:
        return False
    return True


def _unreadable(
    exc: claims.InvalidClaimError, submitted: Submitted, language: Language
) -> FormErrors:
    errors = FormErrors()
    found = exc.details.get("errors") if isinstance(exc.details, dict) else None
    for entry in found if isinstance(found, list) else []:
        position = entry.get("badge") if isinstance(entry, dict) else None
        if not isinstance(position, int) or not 0 <= position < len(submitted.labels):
            continue
        name, label = submitted.labels[position]
        if name == "files":
            message = render(language, NOT_A_BADGE_FILE, {"name": label})
        elif name == "text":
            message = gettext(language, NOT_A_BADGE_TEXT)
        else:
            message = gettext(language, NOT_AN_ADDRESS)
        errors.add(name, "not_a_badge", message)
    if not errors:
        errors.add("files", "not_a_badge", gettext(language, NOTHING_GIVEN))
    return errors


@router.post(CLAIM_PATH, response_class=HTMLResponse)
async def claim_submit(
    request: Request, learner_id: SignedInLearner, session: Session, kek: Kek, lang: Lang = None
) -> Response:
    language = page_language(request, lang)
    body = await request.body()
    try:
        form = await request.form(max_files=MAX_FILES + 1, max_fields=8)
    except HTTPException:
        errors = FormErrors()
        errors.add("files", "unreadable_form", gettext(language, FORM_UNREADABLE))
        return _form_page(request, language, errors=errors)
    try:
        if not csrf.is_valid(request, form):
            return forbidden(request, language)
        errors = FormErrors()
        submitted = await _read(form, language, errors)
    finally:
        await form.close()
    if errors:
        return _form_page(request, language, errors=errors, text=submitted.text, url=submitted.url)
    try:
        delivery = await claims.submit_for_learner(
            session, kek, learner_id, badges=submitted.badges, body=body
        )
    except claims.InvalidClaimError as exc:
        return _form_page(
            request,
            language,
            errors=_unreadable(exc, submitted, language),
            text=submitted.text,
            url=submitted.url,
        )
    except claims.ClaimNotFoundError:  # a learner with no email nor DID to bind to
        errors.add("files", "learner_without_identifier", gettext(language, NO_IDENTIFIER))
        return _form_page(request, language, errors=errors, text=submitted.text, url=submitted.url)
    except TooManyBadgesError:
        errors.add("files", "too_many_files", gettext(language, TOO_MANY_FILES))
        return _form_page(request, language, errors=errors, text=submitted.text, url=submitted.url)
    return RedirectResponse(
        f"{CLAIM_PATH}/{delivery.id}", status_code=303, headers={"Cache-Control": "no-store"}
    )


# --------------------------------------------------------------------------- following


async def _record(
    request: Request,
    session: AsyncSession,
    settings: Settings,
    *,
    learner_id: str,
    claim_id: str,
    lang: Language,
) -> ClaimRecord | None:
    try:
        return await claims.follow(
            session,
            claims.learner_client(learner_id),
            claim_id,
            language=lang,
            base_url=public_base_url(settings, request),
        )
    except claims.ClaimNotFoundError:
        return None


def result_context(record: ClaimRecord, language: Language) -> dict[str, Any]:
    """The template context of ``espace_claim_result.html``."""
    badges = []
    for number, item in enumerate(record.badges, start=1):
        outcome = str(item.get("outcome", "pending"))
        facts = item.get("badge") or {}
        reasons = []
        for entry in item.get("reasons") or []:
            if outcome == "duplicate":
                break
            plain = REASON_TEXT.get(str(entry.get("code")))
            text = (
                gettext(language, plain)
                if plain is not None
                else entry.get("check_message") or entry.get("message")
            )
            if isinstance(text, str) and text not in reasons:
                reasons.append(text)
        badges.append(
            {
                "number": number,
                "name": facts.get("achievement_name") if isinstance(facts, dict) else None,
                "outcome": outcome if outcome in OUTCOME_TEXT else "pending",
                "outcome_text": gettext(
                    language, OUTCOME_TEXT.get(outcome, OUTCOME_TEXT["pending"])
                ),
                "reasons": reasons,
            }
        )
    brought = [
        {
            "name": (award.name or {}).get(language) or award.code,
            "page_url": award.page_url,
        }
        for award in record.awards
        if award.code in record.awarded_since
    ]
    return {
        "claim_id": record.claim_id,
        "status": record.status,
        "done": record.status != "queued",
        "badges": badges,
        "brought": brought,
        "counted": sum(1 for b in badges if b["outcome"] == "accepted"),
    }


@router.get(CLAIM_PATH + "/{claim_id}", response_class=HTMLResponse)
async def claim_result(
    *,
    request: Request,
    claim_id: ClaimId,
    learner_id: SignedInLearner,
    session: Session,
    settings: AppSettings,
    lang: Lang = None,
) -> Response:
    language = page_language(request, lang)
    record = await _record(
        request, session, settings, learner_id=learner_id, claim_id=claim_id, lang=language
    )
    if record is None:
        return render_page(request, "espace_claim_missing.html", language, status_code=404)
    return render_page(
        request, "espace_claim_result.html", language, result_context(record, language)
    )


@router.get(CLAIM_PATH + "/{claim_id}/etat")
async def claim_state(
    *,
    request: Request,
    claim_id: ClaimId,
    learner_id: SignedInLearner,
    session: Session,
    settings: AppSettings,
) -> Response:
    record = await _record(
        request, session, settings, learner_id=learner_id, claim_id=claim_id, lang="fr"
    )
    if record is None:
        return JSONResponse(
            {"error": {"code": "claim_not_found"}},
            status_code=404,
            headers={"Cache-Control": "no-store"},
        )
    return JSONResponse(
        {"status": record.status, "done": record.status != "queued"},
        headers={"Cache-Control": "no-store"},
    )
