"""CSRF protection of every form: a signed token bound to the browser.

The token is ``HMAC-SHA256(key, binding)`` where the binding is the session cookie when
the reader is signed in (the staff session's under ``/console``, the learner's
elsewhere), else a random pre-session cookie (``obhub_csrf``, set with the
first page). A forged form from another site cannot know it; a token copied from one
browser does not work in another. The key is derived from the key-encryption key, so
every replica agrees. In addition, a request that the browser marks as coming from
another site (``Sec-Fetch-Site``) or whose ``Origin`` is another site's is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final

from fastapi import Request, Response
from starlette.datastructures import FormData

from issuer_api import cookies
from issuer_api.accounts import sessions

COOKIE: Final = "obhub_csrf"
# The console's forms are bound to the staff session (cookie sent under /console only).
STAFF_AREA: Final = "/console"
STAFF_COOKIE: Final = "obhub_staff"
FIELD: Final = "csrf_token"
_KEY_LABEL: Final = b"obhub/csrf/v1"


def _key(request: Request) -> bytes:
    kek: bytes = request.app.state.kek.get_secret_value()
    return hmac.new(kek, _KEY_LABEL, hashlib.sha256).digest()


def _binding(request: Request) -> str:
    if request.url.path.startswith(STAFF_AREA):
        staff_token = request.cookies.get(STAFF_COOKIE)
        if staff_token:
            return "t:" + staff_token
    else:
        session_token = sessions.cookie_token(request)
        if session_token:
            return "s:" + session_token
    pre = request.cookies.get(COOKIE) or getattr(request.state, "new_csrf_cookie", None)
    if pre is None:
        pre = secrets.token_urlsafe(24)
        request.state.new_csrf_cookie = pre
    return "p:" + pre


def token_for(request: Request, *, binding: str | None = None) -> str:
    """The token the reader's forms carry (field ``csrf_token``)."""
    mac = hmac.new(_key(request), (binding or _binding(request)).encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")


def token_after_sign_in(request: Request, session_token: str) -> str:
    """The token of forms rendered in the response that sets ``session_token``."""
    prefix = "t:" if request.url.path.startswith(STAFF_AREA) else "s:"
    return token_for(request, binding=prefix + session_token)


def ensure_cookie(request: Request, response: Response) -> None:
    """Sets the pre-session cookie if this response's forms were bound to a new one."""
    new = getattr(request.state, "new_csrf_cookie", None)
    if new is not None:
        response.set_cookie(
            COOKIE,
            new,
            httponly=True,
            samesite="lax",
            secure=cookies.secure(request),
            path="/",
        )


def _same_origin(request: Request) -> bool:
    """Whether the browser says the form comes from this site.

    ``Sec-Fetch-Site`` decides when sent (every current browser): ``same-origin`` (or
    ``none``: typed by the reader) passes, ``same-site`` and ``cross-site`` do not. Under
    the pages' ``Referrer-Policy: no-referrer`` a browser sends ``Origin: null`` with its
    forms, so an ``Origin`` is compared only when it names one; without either header
    (an old browser, a script) the signed token alone decides.
    """
    fetch_site = request.headers.get("sec-fetch-site", "").lower()
    if fetch_site:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    allowed = {f"{request.url.scheme}://{request.url.netloc}".lower()}
    public = request.app.state.settings.public_base_url
    if public is not None:
        allowed.add(f"{public.scheme}://{public.host}{_port(public.scheme, public.port)}".lower())
    return origin.lower() in allowed


def _port(scheme: str, port: int | None) -> str:
    default = 443 if scheme == "https" else 80
    return "" if port in (None, default) else f":{port}"


def is_valid(request: Request, form: FormData) -> bool:
    """Whether a submitted form is this reader's own (token and origin)."""
    sent = form.get(FIELD)
    if not isinstance(sent, str) or not sent or len(sent) > 128:
        return False
    if not _same_origin(request):
        return False
    if _binding(request).startswith("p:") and not request.cookies.get(COOKIE):
        return False
    return hmac.compare_digest(sent, token_for(request))
