"""Signing in by email link, and out: ``/connexion``, ``/connexion/lien``, ``/deconnexion``.

::

    GET  /connexion            the form (an email address; ``next`` kept)
    POST /connexion            always the same answer "if this address is known, a
                               link was sent" (the sending is a job); 429 past the
                               per-client limit, 400 for an address that is no address
    GET  /connexion/lien       a page with one button: mail scanners that open links
                               do not use the token
    POST /connexion/lien       uses the token, opens the session, 303 to ``next``
                               (or /espace); 400 unknown token, 410 expired or used
    POST /deconnexion          closes the session, 303 to /

Every form is CSRF-checked (:mod:`issuer_api.accounts.csrf`): 403 otherwise.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from issuer_api.accounts import csrf, preferences, sessions, signin
from issuer_api.accounts.sessions import OptionalLearner
from issuer_api.deps import Kek, Session
from issuer_api.i18n import Language
from issuer_api.web.templating import page_language, remember_language
from issuer_api.web.templating import render_page as render
from obhub_i18n import N_, gettext

router = APIRouter(include_in_schema=False)

MAX_FORM_FIELDS: Final = 8
# Longer tokens and paths than any valid one are answered with the page, not a 422.
MAX_QUERY_CHARS: Final = 4096
RETRY_AFTER_SECONDS: Final = 3600
INVALID_EMAIL: Final = N_("Enter an email address, for example camille@example.fr.")
TOKEN_PROBLEMS: Final = {
    "unknown": (
        400,
        N_("This sign-in link is not valid"),
        N_(
            "The link may be incomplete: copy the whole address from the email, "
            "or ask for a new link."
        ),
    ),
    "expired": (
        410,
        N_("This sign-in link has expired"),
        N_("A sign-in link works for 15 minutes. Ask for a new one: it only takes a moment."),
    ),
    "used": (
        410,
        N_("This sign-in link has already been used"),
        N_("A sign-in link works only once. Ask for a new one to sign in again."),
    ),
}


async def read_form(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)


def field(form: FormData, name: str, limit: int) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def refusal(
    request: Request,
    language: Language,
    *,
    status_code: int,
    code: str,
    title: str,
    text: str,
    template: str = "connexion_refus.html",
) -> HTMLResponse:
    """A page saying why a form was refused, with its machine-readable code."""
    response = render(
        request,
        template,
        language,
        {"title": gettext(language, title), "text": gettext(language, text), "code": code},
        status_code=status_code,
        no_store=True,
    )
    response.headers["X-Error-Code"] = code
    return response


def forged(request: Request, language: Language) -> HTMLResponse:
    return refusal(
        request,
        language,
        status_code=403,
        code="csrf_invalid",
        title=N_("This form has expired"),
        text=N_(
            "For your security, the form could not be accepted. "
            "Go back, reload the page and try again."
        ),
    )


def sign_in_form(
    request: Request,
    language: Language,
    *,
    email: str = "",
    next_path: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "connexion.html",
        language,
        {"email": email, "next": next_path or "", "error": error},
        status_code=status_code,
        no_store=True,
    )


@router.get("/connexion", response_class=HTMLResponse)
async def sign_in_page(
    request: Request,
    _learner: OptionalLearner,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    next: Annotated[str | None, Query(max_length=MAX_QUERY_CHARS)] = None,
) -> HTMLResponse:
    return sign_in_form(request, page_language(request, lang), next_path=signin.safe_next(next))


@router.post("/connexion", response_class=HTMLResponse)
async def ask_for_link(
    request: Request,
    db: Session,
    kek: Kek,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    language = page_language(request, lang)
    form = await read_form(request)
    if not csrf.is_valid(request, form):
        return forged(request, language)
    email = field(form, "email", signin.MAX_EMAIL_CHARS + 1).strip()
    next_path = signin.safe_next(field(form, "next", signin.MAX_NEXT_CHARS))
    if not signin.is_plausible_email(email):
        error = gettext(language, INVALID_EMAIL)
        return sign_in_form(
            request, language, email=email, next_path=next_path, error=error, status_code=400
        )
    client = request.client.host if request.client else "unknown"
    allowance = await signin.count_request(db, kek, email=email, client=client)
    if allowance.client_exceeded:
        response = refusal(
            request,
            language,
            status_code=429,
            code="too_many_requests",
            title=N_("Too many requests"),
            text=N_(
                "Many sign-in links were asked from this connection. Wait an hour, then try again."
            ),
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if not allowance.address_exceeded:
        await signin.request_link(db, kek, email=email, next_path=next_path, language=language)
    return render(request, "connexion_envoyee.html", language, {}, no_store=True)


@router.get("/connexion/lien", response_class=HTMLResponse)
async def confirm_page(
    request: Request,
    db: Session,
    kek: Kek,
    jeton: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    language = page_language(request, lang)
    problem = await signin.peek(db, jeton)
    if problem is not None:
        return token_refused(request, language, problem)
    address = await signin.masked_address(db, kek, jeton)
    return render(
        request,
        "connexion_lien.html",
        language,
        {"token": jeton, "address": address},
        no_store=True,
    )


def token_refused(
    request: Request, language: Language, problem: signin.TokenProblem
) -> HTMLResponse:
    status_code, title, text = TOKEN_PROBLEMS[problem]
    return refusal(
        request,
        language,
        status_code=status_code,
        code=f"token_{problem}",
        title=title,
        text=text,
        template="connexion_lien_invalide.html",
    )


@router.post("/connexion/lien", response_model=None)
async def confirm(
    request: Request,
    db: Session,
    kek: Kek,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    language = page_language(request, lang)
    form = await read_form(request)
    if not csrf.is_valid(request, form):
        return forged(request, language)
    try:
        redeemed = await signin.redeem(db, kek, field(form, "jeton", 129))
    except signin.TokenRefusedError as exc:
        return token_refused(request, language, exc.problem)
    await sessions.close_session(db, sessions.cookie_token(request))
    token = await sessions.open_session(db, redeemed.learner_id)
    response = RedirectResponse(
        redeemed.next_path, status_code=303, headers={"Cache-Control": "no-store"}
    )
    sessions.set_cookie(request, response, token)
    chosen = (await preferences.of(db, redeemed.learner_id)).language
    if chosen is not None:
        remember_language(request, response, chosen)
    return response


@router.post("/deconnexion", response_model=None)
async def sign_out(
    request: Request,
    db: Session,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    form = await read_form(request)
    if not csrf.is_valid(request, form):
        return forged(request, page_language(request, lang))
    await sessions.close_session(db, sessions.cookie_token(request))
    response = RedirectResponse("/", status_code=303, headers={"Cache-Control": "no-store"})
    sessions.clear_cookie(request, response)
    return response
