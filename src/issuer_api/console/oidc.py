"""Staff sign-in through the Region's identity provider (OpenID Connect).

``POST /console/oidc/start``     (CSRF) sends the browser to the provider
``GET  /console/oidc/callback``  the provider sends it back: code exchanged, ID token
                                 checked, the staff account found, a console session

The attempt's ``state``, ``nonce``, PKCE verifier and destination travel in a sealed
cookie (``obhub_oidc``: Fernet — encrypted and authenticated — under a key derived from
the KEK, ``HttpOnly``, path ``/console/oidc``, ten minutes, ``SameSite=Lax`` since the
provider's redirection is a cross-site navigation). The callback answers with a short
page that moves on to the console: the console's cookie is ``SameSite=Strict`` and a
browser would not send it on a redirection that started on the provider's site.

Failures are pages with a code (``X-Error-Code``): the provider refused or the reader
declined (``oidc_access_denied``), the attempt expired or is not this browser's
(``oidc_expired``, ``oidc_state_mismatch``), the token is not acceptable
(``oidc_token_invalid``), the provider cannot be reached (``oidc_provider_unreachable``),
or nobody on the staff has this account (``oidc_no_account``: accounts are created by
an administrator, never on the fly).
"""

from __future__ import annotations

import base64
import hmac
import json
from typing import Annotated, Final

from cryptography.fernet import Fernet, InvalidToken
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from issuer_api import cookies
from issuer_api.accounts import csrf
from issuer_api.console.auth import begin_session, console_next
from issuer_api.console.forms import refused_form
from issuer_api.console.pages import console_page
from issuer_api.deps import Kek, Session
from issuer_api.i18n import Language
from issuer_api.settings import Settings
from issuer_api.staff import service
from issuer_api.staff import sessions as staff_sessions
from issuer_api.staff.oidc import OidcClient, OidcError, Pending
from issuer_api.web.templating import page_language
from obcore import keywrap
from obhub_i18n import N_, gettext

router = APIRouter(include_in_schema=False)

START: Final = "/console/oidc/start"
CALLBACK: Final = "/console/oidc/callback"
COOKIE: Final = "obhub_oidc"
COOKIE_PATH: Final = "/console/oidc"
ATTEMPT_SECONDS: Final = 600

_MESSAGES: Final[dict[str, tuple[int, str]]] = {
    "oidc_access_denied": (
        403,
        N_("The Region's sign-in service did not let you in, or you declined. Try again."),
    ),
    "oidc_provider_error": (
        400,
        N_("The Region's sign-in service reported a problem. Try again in a moment."),
    ),
    "oidc_expired": (
        400,
        N_("This sign-in attempt has expired or was started in another browser. Start again."),
    ),
    "oidc_state_mismatch": (
        400,
        N_("This answer does not belong to your sign-in attempt. Start again from this site."),
    ),
    "oidc_token_invalid": (
        401,
        N_("The answer of the Region's sign-in service could not be trusted. Start again."),
    ),
    "oidc_provider_unreachable": (
        502,
        N_("The Region's sign-in service cannot be reached right now. Try again later."),
    ),
    "oidc_no_account": (
        403,
        N_(
            "Your Region account is not a console account. Ask an administrator to create "
            "your account (with the email address of your Region account)."
        ),
    ),
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _client(request: Request) -> OidcClient | None:
    """The app's client of the configured provider (made once: it caches metadata)."""
    settings = _settings(request)
    if settings.oidc_issuer is None or settings.oidc_client_secret is None:
        return None
    client: OidcClient | None = getattr(request.app.state, "oidc_client", None)
    if client is None:
        client = OidcClient(
            issuer=str(settings.oidc_issuer),
            client_id=settings.oidc_client_id or "",
            client_secret=settings.oidc_client_secret.get_secret_value(),
            scopes=settings.oidc_scopes,
            transport=getattr(request.app.state, "oidc_transport", None),
        )
        request.app.state.oidc_client = client
    return client


def _redirect_uri(request: Request) -> str:
    base = _settings(request).public_base_url
    origin = str(base).rstrip("/") if base is not None else str(request.base_url).rstrip("/")
    return origin + CALLBACK


def _fernet(kek: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(keywrap.derive_key(kek, "console-oidc-attempt")))


def _seal(kek: bytes, pending: Pending) -> str:
    data = {
        "state": pending.state,
        "nonce": pending.nonce,
        "verifier": pending.code_verifier,
        "next": pending.next_path,
    }
    return _fernet(kek).encrypt(json.dumps(data).encode()).decode("ascii")


def _unseal(kek: bytes, sealed: str | None) -> Pending | None:
    if not sealed or len(sealed) > 2048:
        return None
    try:
        data = json.loads(_fernet(kek).decrypt(sealed.encode("ascii"), ttl=ATTEMPT_SECONDS))
        return Pending(data["state"], data["nonce"], data["verifier"], data["next"])
    except (InvalidToken, ValueError, KeyError, TypeError, UnicodeError):
        return None


def _clear_attempt(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=cookies.secure(request),
    )


def _failure(request: Request, language: Language, code: str) -> HTMLResponse:
    status, message = _MESSAGES[code]
    response = console_page(
        request,
        "console/oidc_error.html",
        language,
        None,
        {"message": gettext(language, message), "code": code},
        status_code=status,
    )
    response.headers["X-Error-Code"] = code
    _clear_attempt(request, response)
    return response


def _not_configured(request: Request, language: Language) -> HTMLResponse:
    response = console_page(
        request, "console/oidc_error.html", language, None, {"message": None, "code": None}
    )
    response.status_code = 404
    response.headers["X-Error-Code"] = "oidc_not_configured"
    return response


@router.post(START)
async def start(request: Request, kek: Kek) -> Response:
    language = page_language(request)
    form = await request.form(max_files=0, max_fields=4)
    if not csrf.is_valid(request, form):
        return refused_form(request, language)
    client = _client(request)
    if client is None:
        return _not_configured(request, language)
    next_value = form.get("next")
    next_path = console_next(next_value if isinstance(next_value, str) else None)
    try:
        url, pending = await client.begin(_redirect_uri(request), next_path)
    except OidcError:
        return _failure(request, language, "oidc_provider_unreachable")
    response = RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        COOKIE,
        _seal(kek, pending),
        max_age=ATTEMPT_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=cookies.secure(request),
    )
    return response


@router.get(CALLBACK, response_class=HTMLResponse)
async def callback(
    request: Request,
    db: Session,
    kek: Kek,
    *,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    language = page_language(request)
    client = _client(request)
    if client is None:
        return _not_configured(request, language)
    pending = _unseal(kek, request.cookies.get(COOKIE))
    if pending is None:
        return _failure(request, language, "oidc_expired")
    if not state or not hmac.compare_digest(state, pending.state):
        return _failure(request, language, "oidc_state_mismatch")
    if error is not None:
        denied = error in {"access_denied", "login_required", "consent_required"}
        return _failure(
            request, language, "oidc_access_denied" if denied else "oidc_provider_error"
        )
    if not code:
        return _failure(request, language, "oidc_provider_error")
    try:
        identity = await client.finish(code, _redirect_uri(request), pending)
    except OidcError as exc:
        unreachable = exc.code in {"provider_unreachable", "provider_misconfigured"}
        return _failure(
            request, language, "oidc_provider_unreachable" if unreachable else "oidc_token_invalid"
        )
    member = await service.member_for_identity(
        db,
        kek,
        issuer=identity.issuer,
        subject=identity.subject,
        email=identity.email,
        email_verified=identity.email_verified,
    )
    if member is None:
        return _failure(request, language, "oidc_no_account")
    if member.display_name is None and identity.name is not None:
        member.display_name = identity.name
    token = await begin_session(request, db, member, method="oidc")
    response = console_page(
        request, "console/oidc_signed_in.html", language, None, {"next": pending.next_path}
    )
    staff_sessions.set_cookie(request, response, token)
    _clear_attempt(request, response)
    return response
