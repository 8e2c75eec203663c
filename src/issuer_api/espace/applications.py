"""``/espace/applications``: the applications a learner authorised (OB 3.0 API).

``GET  /espace/applications``          name, host, what each may do, since when
``POST /espace/applications/retirer``  withdraw one (CSRF token): its authorisations,
                                       refresh tokens and access tokens stop at once
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from issuer_api.accounts import csrf
from issuer_api.accounts.sessions import SignedInLearner
from issuer_api.deps import Session
from issuer_api.espace.overview import day
from issuer_api.espace.pages import forbidden
from issuer_api.oauth import grants, words
from issuer_api.web.templating import page_language, render_page

router = APIRouter(include_in_schema=False)

APPLICATIONS_PATH: Final = "/espace/applications"
WITHDRAW_PATH: Final = "/espace/applications/retirer"
CLIENT_FIELD: Final = "client_id"
Lang = Annotated[str | None, Query(max_length=8)]


@router.get(APPLICATIONS_PATH, response_class=HTMLResponse)
async def applications(
    request: Request,
    learner_id: SignedInLearner,
    session: Session,
    lang: Lang = None,
    retire: Annotated[str | None, Query(max_length=4)] = None,
) -> Response:
    language = page_language(request, lang)
    found = await grants.authorised_applications(session, learner_id)
    views = [
        {
            "client_id": a.client_id,
            "name": a.name,
            "host": words.host_of(a.client_uri),
            "scopes": words.scope_sentences(a.scopes, language),
            "since": day(a.authorised_at, language),
        }
        for a in found
    ]
    return render_page(
        request,
        "espace_applications.html",
        language,
        {"applications": views, "withdrawn": retire == "1"},
        no_store=True,
    )


@router.post(WITHDRAW_PATH)
async def withdraw(request: Request, learner_id: SignedInLearner, session: Session) -> Response:
    form = await request.form(max_files=0, max_fields=4)
    if not csrf.is_valid(request, form):
        return forbidden(request, page_language(request, None))
    client_id = form.get(CLIENT_FIELD)
    if isinstance(client_id, str) and 0 < len(client_id) <= 64:
        await grants.withdraw(session, learner_id, client_id)
    return RedirectResponse(f"{APPLICATIONS_PATH}?retire=1", status_code=303)
