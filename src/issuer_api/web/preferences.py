"""``/espace/preferences``: the signed-in learner chooses the language of their pages
and emails, and whether they are emailed when a regional badge of theirs is awarded,
suspended or restored.

``GET`` shows the form (``?enregistre=1``: with a "saved" notice); ``POST`` (CSRF)
saves and answers 303 to the form, in the chosen language; a language that is neither
``fr`` nor ``en`` is a 400 with the error linked to the field.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from issuer_api.accounts import csrf, preferences
from issuer_api.accounts.sessions import SignedInLearner
from issuer_api.deps import Session
from issuer_api.i18n import Language
from issuer_api.web.signin import forged, read_form
from issuer_api.web.templating import page_language, remember_language
from issuer_api.web.templating import render_page as render
from obhub_i18n import N_, gettext

router = APIRouter(include_in_schema=False)

PATH: Final = "/espace/preferences"
INVALID_LANGUAGE: Final = N_("Choose French or English.")


def form_page(
    request: Request,
    language: Language,
    chosen: preferences.Preferences,
    *,
    saved: bool = False,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "espace_preferences.html",
        language,
        {
            "chosen_language": chosen.language or language,
            "notify_email": chosen.notify_email,
            "saved": saved,
            "error": error,
        },
        status_code=status_code,
        no_store=True,
    )


@router.get(PATH, response_class=HTMLResponse)
async def preferences_page(
    request: Request,
    learner_id: SignedInLearner,
    db: Session,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    enregistre: Annotated[str | None, Query(max_length=1)] = None,
) -> HTMLResponse:
    chosen = await preferences.of(db, learner_id)
    language = page_language(request, lang, chosen.language)
    return form_page(request, language, chosen, saved=enregistre == "1")


@router.post(PATH, response_model=None)
async def save_preferences(
    request: Request,
    learner_id: SignedInLearner,
    db: Session,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    current = await preferences.of(db, learner_id)
    language = page_language(request, lang, current.language)
    form = await read_form(request)
    if not csrf.is_valid(request, form):
        return forged(request, language)
    wanted = form.get("language")
    notify = form.get("notify_email") == "on"
    if wanted not in ("fr", "en"):
        return form_page(
            request,
            language,
            preferences.Preferences(current.language, notify),
            error=gettext(language, INVALID_LANGUAGE),
            status_code=400,
        )
    chosen: Language = "fr" if wanted == "fr" else "en"
    await preferences.save(db, learner_id, preferences.Preferences(chosen, notify))
    response = RedirectResponse(
        f"{PATH}?enregistre=1&lang={chosen}", status_code=303, headers={"Cache-Control": "no-store"}
    )
    remember_language(request, response, chosen)
    return response
