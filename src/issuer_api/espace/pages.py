"""``/espace`` and ``/espace/donnees``: the learner's badges, and their data.

``GET  /espace``                     partner badges, regional badges, progress, history
``GET  /espace/donnees``             what is held, the download, the way to erasure
``GET  /espace/donnees/export``      everything held about the learner, as a JSON file
                                     (the administrators' export, audited, actor ``learner``)
``GET  /espace/donnees/effacer``     the erasure confirmation form
``POST /espace/donnees/effacer``     erase (CSRF token and the ticked box required), close
                                     every session of the learner, clear the cookie
``GET  /espace/static/{name}``       the pages' stylesheet and script
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from issuer_api.accounts import csrf, sessions
from issuer_api.accounts.sessions import SignedInLearner
from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.espace.overview import context, overview
from issuer_api.learners import service as learners
from issuer_api.links import public_base_url
from issuer_api.web.pages import static_file
from issuer_api.web.templating import page_language, render_page
from obhub_i18n import N_, gettext

router = APIRouter(include_in_schema=False)

SPACE_PATH: Final = "/espace"
DATA_PATH: Final = "/espace/donnees"
EXPORT_PATH: Final = "/espace/donnees/export"
ERASE_PATH: Final = "/espace/donnees/effacer"
LEARNER_ACTOR: Final = "learner"
CONFIRM_FIELD: Final = "confirm"
STATIC_FILES: Final = {
    "espace.css": "text/css; charset=utf-8",
    "claim.js": "text/javascript; charset=utf-8",
    "espace-form.js": "text/javascript; charset=utf-8",
}
CONFIRM_MISSING: Final = N_("Tick the box to confirm that you want everything erased.")

Lang = Annotated[str | None, Query(max_length=8)]


@router.get(SPACE_PATH, response_class=HTMLResponse)
async def space(
    *,
    request: Request,
    learner_id: SignedInLearner,
    session: Session,
    settings: AppSettings,
    kek: Kek,
    lang: Lang = None,
) -> Response:
    language = page_language(request, lang)
    view = await overview(
        session,
        settings,
        kek,
        learner_id,
        base_url=public_base_url(settings, request),
        language=language,
    )
    return render_page(request, "espace.html", language, context(view))


@router.get(DATA_PATH, response_class=HTMLResponse)
async def data(request: Request, _learner_id: SignedInLearner, lang: Lang = None) -> Response:
    return render_page(request, "espace_data.html", page_language(request, lang))


@router.get(EXPORT_PATH)
async def export(learner_id: SignedInLearner, session: Session, kek: Kek) -> Response:
    document = await learners.export(session, kek, learner_id, actor=LEARNER_ACTOR)
    return JSONResponse(
        document.model_dump(mode="json"),
        headers={
            "Content-Disposition": 'attachment; filename="mes-donnees-obhub.json"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(ERASE_PATH, response_class=HTMLResponse)
async def erase_form(request: Request, _learner_id: SignedInLearner, lang: Lang = None) -> Response:
    return render_page(request, "espace_erase.html", page_language(request, lang), {"error": None})


@router.post(ERASE_PATH, response_class=HTMLResponse)
async def erase(
    request: Request, learner_id: SignedInLearner, session: Session, lang: Lang = None
) -> Response:
    language = page_language(request, lang)
    form = await request.form(max_files=0, max_fields=8)
    if not csrf.is_valid(request, form):
        return forbidden(request, language)
    if form.get(CONFIRM_FIELD) != "yes":
        return render_page(
            request,
            "espace_erase.html",
            language,
            {"error": gettext(language, CONFIRM_MISSING)},
            status_code=422,
        )
    await sessions.close_all(session, learner_id)
    await learners.erase(session, learner_id, actor=LEARNER_ACTOR)
    request.state.learner_id = None
    response = render_page(request, "espace_erased.html", language, no_store=True)
    sessions.clear_cookie(request, response)
    return response


def forbidden(request: Request, language: str) -> Response:
    """A form without this reader's CSRF token: refused, nothing done (403)."""
    return render_page(
        request,
        "espace_forbidden.html",
        "en" if language == "en" else "fr",
        {"back": request.url.path},
        status_code=403,
        no_store=True,
    )


@router.get("/espace/static/{name}")
async def space_static(name: str) -> Response:
    return static_file(name, STATIC_FILES)
