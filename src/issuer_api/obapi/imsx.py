"""Errors of the Open Badges API as ``Imsx_StatusInfo`` (OB 3.0 § "Open Badges API").

Every error under ``/ims/ob/v3p0`` — raised by a route, by the framework (unknown path,
method not allowed, parameter validation), by the middleware (body too large, internal
error) or by the token check (:class:`~issuer_api.oauth.principal.ObApiAuthError`) —
has the specification's body instead of obhub's own::

    {"imsx_codeMajor": "failure", "imsx_severity": "error",
     "imsx_description": "<the message, in the negotiated language>",
     "imsx_codeMinor": {"imsx_codeMinorField": [
         {"imsx_codeMinorFieldName": "obhub:profile_not_found",
          "imsx_codeMinorFieldValue": "not_found"}]}}

``imsx_codeMinorFieldValue`` is from the specification's closed vocabulary
(``invalid_data``, ``unauthorizedrequest``, ``forbidden``…); the field's name, which
names the system that reports it, carries obhub's own stable code too
(``"obhub:credential_id_missing"``) so that a client may still switch on it. The
specification lists no 422: a body or parameter that does not validate is a 400.
``WWW-Authenticate`` (RFC 6750 §3) and ``Allow`` headers are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from issuer_api.errors import ApiError, install_scoped_error_body, respond
from issuer_api.i18n import Language, messages
from issuer_api.oauth.principal import ObApiAuthError

BASE_PATH: Final = "/ims/ob/v3p0"
SYSTEM: Final = "obhub"

CodeMajor = Literal["failure", "processing", "success", "unsupported"]

_MINOR_BY_STATUS: Final[Mapping[int, str]] = {
    400: "invalid_data",
    401: "unauthorizedrequest",
    403: "forbidden",
    404: "not_found",
    405: "not_allowed",
    406: "not_acceptable",
    409: "invalid_data",
    413: "invalid_data",
    415: "invalid_data",
    421: "misdirected_request",
    429: "server_busy",
    500: "internal_server_error",
    503: "server_busy",
}
_UNSUPPORTED: Final = frozenset({405, 415})
_AUTH_MESSAGES: Final[Mapping[str, str]] = {
    "unauthorizedrequest": "invalid_token",
    "forbidden": "insufficient_scope",
}


class ObApiError(ApiError):
    """An error of the Open Badges API (rendered as ``Imsx_StatusInfo``)."""


def status_info(
    *,
    code_major: CodeMajor,
    description: str,
    code_minor: str,
    obhub_code: str | None = None,
    severity: Literal["error", "status", "warning"] = "error",
) -> dict[str, object]:
    """An ``Imsx_StatusInfo`` document."""
    name = SYSTEM if obhub_code in (None, code_minor) else f"{SYSTEM}:{obhub_code}"
    fields = [{"imsx_codeMinorFieldName": name, "imsx_codeMinorFieldValue": code_minor}]
    return {
        "imsx_codeMajor": code_major,
        "imsx_severity": severity,
        "imsx_description": description,
        "imsx_codeMinor": {"imsx_codeMinorField": fields},
    }


def _is_query_error(error: ApiError) -> bool:
    details = error.details
    if not isinstance(details, dict):
        return False
    errors = details.get("errors")
    return isinstance(errors, list) and any(
        isinstance(item, dict) and str(item.get("field", "")).startswith("query") for item in errors
    )


def render(error: ApiError, request_id: str, language: Language) -> Response:
    """The ``Imsx_StatusInfo`` response for ``error`` (see the module docstring)."""
    status = 400 if error.status_code == 422 else error.status_code
    minor = _MINOR_BY_STATUS.get(status, "unknown")
    if status == 400 and _is_query_error(error):
        minor = "invalid_query_parameter"
    body = status_info(
        code_major="unsupported" if status in _UNSUPPORTED else "failure",
        description=messages(error.message_key, error.params)[language],
        code_minor=minor,
        obhub_code=error.code,
    )
    return JSONResponse(body, status_code=status, headers=dict(error.headers))


async def _auth_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, ObApiAuthError):  # pragma: no cover - registered for this class
        raise exc
    error = ApiError(
        code=exc.code_minor,
        status_code=exc.status_code,
        message_key=_AUTH_MESSAGES.get(exc.code_minor, exc.code_minor),
        headers={"WWW-Authenticate": exc.www_authenticate, "Cache-Control": "no-store"},
    )
    settings = getattr(request.app.state, "settings", None)
    language: Language = getattr(settings, "default_language", "fr")
    return respond(request.scope, error, language)


def install(app: FastAPI) -> None:
    """Answer every error under :data:`BASE_PATH` with ``Imsx_StatusInfo``."""
    install_scoped_error_body(app, BASE_PATH, render)
    app.add_exception_handler(ObApiAuthError, _auth_error)
