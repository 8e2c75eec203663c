"""``/oauth/authorize``: the learner authorises an application (RFC 6749 §4.1.1).

``GET``  validates the request with Authlib (client, redirect URI, response type,
         scope, PKCE S256, state) and shows the consent page to a signed-in learner (a
         signed-out one goes to ``/connexion?next=…`` first and comes back);
``POST`` (CSRF token) records the decision: Autoriser → a code, Refuser →
         ``error=access_denied``, both sent back to the client's redirect URI with
         ``state``.

A request that cannot be trusted to redirect (unknown client, redirect URI not
registered) gets an error page here, never a redirection (RFC 6749 §4.1.2.1).

The page says whether the Region linked the application to one of its partners (and
which): an application's name is whatever it registered, the link is the Region's word.

The page is shown at every authorisation, even to a learner who already authorised the
same application: one click more, and a learner always sees who asks for what.

The client's logo (``logo_uri``) is not loaded: the page shows the client's name and the
host of its ``client_uri`` instead. A remote image would tell the application (or whoever
serves the image) that this learner is looking at the page before they decide, and it
is the application's own content on a page that must be the hub's.

The consent page's CSP also allows the form to lead to the client's redirect URI
(``form-action``), which browsers enforce on the redirection that follows the form.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from authlib.oauth2.rfc6749 import OAuth2Error
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.accounts import csrf
from issuer_api.accounts.sessions import OptionalLearner, SignInRequiredError
from issuer_api.deps import Session
from issuer_api.i18n import Language
from issuer_api.models import OAuthClientPartner, Partner
from issuer_api.oauth import adapter, words
from issuer_api.oauth.clients import csp_source
from issuer_api.oauth.paths import AUTHORIZE_PATH
from issuer_api.oauth.server import ObAuthorizationServer
from issuer_api.web.templating import CONTENT_SECURITY_POLICY, page_language, render_page

router = APIRouter(include_in_schema=False)

DECISION_FIELD: Final = "decision"
ALLOW: Final = "allow"
Lang = Annotated[str | None, Query(max_length=8)]


def _this_request(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _error_page(request: Request, language: Language, error: OAuth2Error) -> Response:
    return render_page(
        request,
        "oauth_error.html",
        language,
        {"code": error.error, "detail": error.get_error_description()},
        status_code=400,
        no_store=True,
    )


def _oauth_failure(
    request: Request, language: Language, error: OAuth2Error, *, status: int
) -> Response:
    """Back to the client when its redirect URI is trusted, else an error page."""
    if error.redirect_uri:
        location = dict(error()[2])["Location"]
        return RedirectResponse(location, status_code=status, headers=adapter.NO_STORE)
    return _error_page(request, language, error)


def _validate(server: ObAuthorizationServer, request: Any, learner_id: str | None) -> Any:
    return server.get_consent_grant(request, end_user=learner_id)


async def _linked_partner(session: AsyncSession, client_id: str) -> str | None:
    """The name of the partner the Region linked this application to, if any: the page
    says who vouches for the application (or that no one does), whatever it calls itself."""
    name: str | None = await session.scalar(
        select(Partner.name)
        .join(OAuthClientPartner, OAuthClientPartner.partner_id == Partner.id)
        .where(OAuthClientPartner.client_id == client_id)
    )
    return name


@router.get(AUTHORIZE_PATH, response_class=HTMLResponse)
async def authorize(
    request: Request, learner_id: OptionalLearner, session: Session, lang: Lang = None
) -> Response:
    language = page_language(request, lang)
    oauth_request = adapter.query_request(request)
    try:
        grant = await adapter.run(
            session, request, lambda s: _validate(s, oauth_request, learner_id)
        )
    except OAuth2Error as error:
        return _oauth_failure(request, language, error, status=302)
    if learner_id is None:
        return RedirectResponse(SignInRequiredError(_this_request(request)).location, 303)
    client = grant.client
    registration = client.row.registration or {}
    partner = await _linked_partner(session, client.row.id)
    response = render_page(
        request,
        "oauth_consent.html",
        language,
        {
            "client_name": client.row.name,
            "client_host": words.host_of(registration.get("client_uri")),
            "partner_name": partner,
            "scopes": words.scope_sentences(grant.request.scope.split(), language),
            "action": _this_request(request),
            "tos_uri": registration.get("tos_uri"),
            "policy_uri": registration.get("policy_uri"),
        },
        no_store=True,
    )
    target = csp_source(grant.redirect_uri)
    if target is not None:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", f"form-action 'self' {target}"
        )
    return response


@router.post(AUTHORIZE_PATH, response_class=HTMLResponse)
async def decide(
    request: Request, learner_id: OptionalLearner, session: Session, lang: Lang = None
) -> Response:
    language = page_language(request, lang)
    if learner_id is None:
        return RedirectResponse(SignInRequiredError(_this_request(request)).location, 303)
    form = await request.form(max_files=0, max_fields=8)
    if not csrf.is_valid(request, form):
        return render_page(
            request,
            "espace_forbidden.html",
            language,
            {"back": _this_request(request)},
            status_code=403,
            no_store=True,
        )
    allowed = form.get(DECISION_FIELD) == ALLOW
    oauth_request = adapter.query_request(request)

    def decide_in(server: ObAuthorizationServer) -> Any:
        grant = _validate(server, oauth_request, learner_id)
        return server.create_authorization_response(
            oauth_request, grant_user=learner_id if allowed else None, grant=grant
        )

    try:
        status, _, headers = await adapter.run(session, request, decide_in)
    except OAuth2Error as error:
        return _oauth_failure(request, language, error, status=303)
    location = dict(headers).get("Location")
    if status != 302 or location is None:  # pragma: no cover - Authlib always redirects here
        return _error_page(request, language, OAuth2Error("server_error"))
    # 303: the browser follows with a GET (the decision was a POST).
    return RedirectResponse(location, status_code=303, headers=adapter.NO_STORE)
