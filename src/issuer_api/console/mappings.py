"""The queue of proposed mappings: read the partner badge, approve or reject it.

``GET  /console/correspondances``                  the queue and the history (VIEW)
``POST /console/correspondances/{id}/approuver``   approve, reason optional (DECIDE_MAPPINGS)
``POST /console/correspondances/{id}/rejeter``     reject, reason required (DECIDE_MAPPINGS)

Deciding goes through :func:`issuer_api.regional.service.decide_mapping`, as the admin
API does: an approval queues the re-evaluation of the learners holding that partner
achievement; the decision is audited with the staff member as actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation.referential import Referential
from issuer_api.accounts import csrf
from issuer_api.console.forms import refused_form
from issuer_api.console.pages import console_page
from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.i18n import Language
from issuer_api.models import AchievementMapping
from issuer_api.regional import mapping_content, repository, service
from issuer_api.settings import Settings
from issuer_api.staff.names import display_names
from issuer_api.staff.roles import Permission
from issuer_api.staff.sessions import StaffPrincipal, staff_with
from issuer_api.web.templating import page_language
from obhub_i18n import N_, gettext

router = APIRouter(include_in_schema=False)

PATH: Final = "/console/correspondances"
MAX_REASON_CHARS: Final = 1000
QUEUE_SIZE: Final = 100
HISTORY_SIZE: Final = 50
Viewer = Annotated[StaffPrincipal, Depends(staff_with(Permission.VIEW))]
Decider = Annotated[StaffPrincipal, Depends(staff_with(Permission.DECIDE_MAPPINGS))]
DONE_MESSAGES: Final = {
    "approuvee": N_(
        "Mapping approved. The learners holding this partner badge are being re-evaluated."
    ),
    "rejetee": N_("Mapping rejected."),
}


def _target(referential: Referential, mapping: AchievementMapping, lang: str) -> dict[str, str]:
    competency = referential.find_competency(mapping.competency)
    level = referential.find_level(mapping.level)
    return {
        "competency": competency.name.get(lang) if competency else mapping.competency,
        "competency_code": mapping.competency,
        "level": level.name.get(lang) if level else mapping.level,
        "level_code": mapping.level,
    }


@dataclass(frozen=True)
class _Ctx:
    """What every page of this area needs."""

    request: Request
    db: AsyncSession
    settings: Settings
    kek: bytes
    staff: StaffPrincipal
    language: Language


async def _page(
    ctx: _Ctx,
    *,
    done: str | None = None,
    errors: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    request, db, language = ctx.request, ctx.db, ctx.language
    referential = (await service.active_referential(db, ctx.settings, ctx.kek)).referential
    queue, waiting = await repository.mapping_page(
        db, state="proposed", partner_id=None, limit=QUEUE_SIZE, offset=0
    )
    approved, _ = await repository.mapping_page(
        db, state="approved", partner_id=None, limit=HISTORY_SIZE, offset=0
    )
    rejected, _ = await repository.mapping_page(
        db, state="rejected", partner_id=None, limit=HISTORY_SIZE, offset=0
    )
    history = sorted(
        [*approved, *rejected],
        key=lambda m: m.decided_at or m.created_at,
        reverse=True,
    )[:HISTORY_SIZE]
    contents = await mapping_content.contents(db, [*queue, *history])
    names = await display_names(
        db, [m.decided_by for m in history] + [m.proposed_by for m in [*queue, *history]]
    )
    lang = str(language)
    return console_page(
        request,
        "console/mappings.html",
        language,
        ctx.staff,
        {
            "queue": [
                {"row": m, "badge": contents[m.id], "target": _target(referential, m, lang)}
                for m in queue
            ],
            "waiting": waiting,
            "history": [
                {"row": m, "badge": contents[m.id], "target": _target(referential, m, lang)}
                for m in history
            ],
            "done": gettext(language, DONE_MESSAGES[done]) if done in DONE_MESSAGES else None,
            "errors": errors or {},
            "max_reason": MAX_REASON_CHARS,
            "names": names,
        },
        status_code=status_code,
    )


@router.get(PATH, response_class=HTMLResponse)
async def mappings_page(
    *,
    request: Request,
    staff: Viewer,
    db: Session,
    settings: AppSettings,
    kek: Kek,
    done: Annotated[str | None, Query(alias="fait", max_length=32)] = None,
) -> HTMLResponse:
    ctx = _Ctx(request, db, settings, kek, staff, page_language(request))
    return await _page(ctx, done=done)


async def _decide(ctx: _Ctx, mapping_id: str, *, approve: bool) -> Response:
    request, language = ctx.request, ctx.language
    form = await request.form(max_files=0, max_fields=4)
    if not csrf.is_valid(request, form):
        return refused_form(request, language)
    raw = form.get("reason")
    reason = raw.strip() if isinstance(raw, str) else ""
    problem: str | None = None
    if len(reason) > MAX_REASON_CHARS:
        problem = N_("Write a reason of at most 1,000 characters.")
    elif not approve and not reason:
        problem = N_("Say why this mapping is rejected: the partner will read it.")
    if problem is not None:
        response = await _page(
            ctx,
            errors={"mapping": mapping_id, "message": gettext(language, problem)},
            status_code=400,
        )
        response.headers["X-Error-Code"] = "reason_required" if reason == "" else "reason_too_long"
        return response
    try:
        await service.decide_mapping(
            ctx.db, mapping_id, approve=approve, actor=ctx.staff.actor, note=reason or None
        )
    except service.MappingNotFoundError:
        return await _refusal(ctx, 404, "mapping_not_found")
    except service.MappingAlreadyDecidedError:
        return await _refusal(ctx, 409, "mapping_already_decided")
    done = "approuvee" if approve else "rejetee"
    return RedirectResponse(
        f"{PATH}?fait={done}", status_code=303, headers={"Cache-Control": "no-store"}
    )


async def _refusal(ctx: _Ctx, status_code: int, code: str) -> Response:
    message = (
        N_("This mapping does not exist (any more).")
        if status_code == 404
        else N_("This mapping was already decided, perhaps by a colleague: see the history.")
    )
    response = await _page(
        ctx,
        errors={"mapping": None, "message": gettext(ctx.language, message)},
        status_code=status_code,
    )
    response.headers["X-Error-Code"] = code
    return response


@router.post(PATH + "/{mapping_id}/approuver")
async def approve_mapping(
    *,
    request: Request,
    mapping_id: str,
    staff: Decider,
    db: Session,
    settings: AppSettings,
    kek: Kek,
) -> Response:
    ctx = _Ctx(request, db, settings, kek, staff, page_language(request))
    return await _decide(ctx, mapping_id[:36], approve=True)


@router.post(PATH + "/{mapping_id}/rejeter")
async def reject_mapping(
    *,
    request: Request,
    mapping_id: str,
    staff: Decider,
    db: Session,
    settings: AppSettings,
    kek: Kek,
) -> Response:
    ctx = _Ctx(request, db, settings, kek, staff, page_language(request))
    return await _decide(ctx, mapping_id[:36], approve=False)
