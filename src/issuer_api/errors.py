"""One error model for the whole API.

Every error response, whatever raised it, has this body (``application/json``)::

    {
      "error": {
        "code": "not_found",                       # stable, machine-readable, never translated
        "message": "La ressource demandée n'existe pas.",   # in the negotiated language
        "messages": {"fr": "La ressource …", "en": "The requested resource …"},
        "status": 404,                             # repeats the HTTP status
        "request_id": "3f6c…",                     # also in the X-Request-ID header
        "details": {…}                             # optional, shape depends on the code
      }
    }

It plays the role of ``application/problem+json`` (RFC 9457) — one stable, documented
error document — but is not that format: clients switch on ``error.code``, show
``error.message``, and quote ``error.request_id`` when they ask for help. The language
of ``message`` follows ``Accept-Language`` (French or English), defaulting to
``OBHUB_DEFAULT_LANGUAGE``; ``messages`` always carries both.

The exceptions routes raise::

    ApiError                    400 bad_request (or any status and code passed in)
    ├── InvalidRequestError     422 invalid_request
    ├── NotFoundError           404 not_found
    ├── MethodNotAllowedError   405 method_not_allowed
    ├── PayloadTooLargeError    413 payload_too_large
    └── InternalError           500 internal_error

What produces which code::

    ApiError (and subclasses)       its own status and code
    obcore.errors.ObcoreError       its own code; 400 for MalformedInputError (and its
                                    LimitExceededError), 422 for the others
    RequestValidationError          422 invalid_request, details.errors = [{field, type, message}]
    HTTPException                   404 not_found, 405 method_not_allowed, 400 bad_request,
                                    413 payload_too_large, any other status http_error
    body over OBHUB_MAX_BODY_BYTES  413 payload_too_large, details.max_body_bytes
                                    (BodySizeLimitMiddleware, below) — or, for a
                                    browser's form sent from a page, an HTML page
                                    (issuer_api.web.too_large)
    anything else                   500 internal_error: logged with its traceback, never shown

Routes declare the errors they can return with :func:`error_responses`, so the OpenAPI
document shows this body.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, JsonValue
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from issuer_api.i18n import Language, messages, negotiate_language
from obcore.errors import LimitExceededError, MalformedInputError, ObcoreError

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_STATE_KEY = "request_id"


# --------------------------------------------------------------------------- exceptions


class ApiError(Exception):
    """An error the API reports to its client: an HTTP status, a stable ``code`` and a message.

    The message comes from :data:`issuer_api.i18n.MESSAGE_IDS` under ``message_key``
    (by default the code), with ``params`` filled in. ``details`` is extra JSON for the
    client and must not contain secrets or personal data. Subclass it per error, or
    pass ``code``/``status_code`` for one-off mappings.
    """

    status_code: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        *,
        code: str | None = None,
        status_code: int | None = None,
        message_key: str | None = None,
        params: Mapping[str, object] | None = None,
        details: JsonValue = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.message_key = message_key or self.code
        self.params: Mapping[str, object] = dict(params or {})
        self.details = details
        self.headers: Mapping[str, str] = dict(headers or {})
        super().__init__(f"{self.status_code} {self.code}")


class InvalidRequestError(ApiError):
    status_code = 422
    code = "invalid_request"


class NotFoundError(ApiError):
    status_code = 404
    code = "not_found"


class MethodNotAllowedError(ApiError):
    status_code = 405
    code = "method_not_allowed"


class PayloadTooLargeError(ApiError):
    status_code = 413
    code = "payload_too_large"

    def __init__(
        self, limit: int | None = None, *, headers: Mapping[str, str] | None = None
    ) -> None:
        details: JsonValue = None if limit is None else {"max_body_bytes": limit}
        super().__init__(details=details, headers=headers)


class InternalError(ApiError):
    status_code = 500
    code = "internal_error"


_HTTP_EXCEPTION_ERRORS: Mapping[int, type[ApiError]] = {
    400: ApiError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    413: PayloadTooLargeError,
    422: InvalidRequestError,
}


# --------------------------------------------------------------------------- wire format


class ErrorDetail(BaseModel):
    """The ``error`` member of every error response."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="Stable machine-readable code; never translated.")
    message: str = Field(description="Human message in the negotiated language.")
    messages: dict[Language, str] = Field(description="The message in French and English.")
    status: int = Field(description="The HTTP status, repeated.")
    request_id: str = Field(description="Identifier of this request, as in X-Request-ID.")
    details: JsonValue = Field(default=None, description="Extra data; shape depends on code.")


class ErrorResponse(BaseModel):
    """Body of every error response."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "example": {
                "error": {
                    "code": "not_found",
                    "message": "La ressource demandée n'existe pas.",
                    "messages": {
                        "fr": "La ressource demandée n'existe pas.",
                        "en": "The requested resource does not exist.",
                    },
                    "status": 404,
                    "request_id": "0b8e3c1e6a4f4a53a1f0f6f2d1c9e7a2",
                }
            }
        },
    )

    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for a route that can answer with these statuses."""
    return {status: {"model": ErrorResponse} for status in statuses}


# --------------------------------------------------------------------------- OpenAPI

ERROR_RESPONSE_REF: Final = "#/components/schemas/ErrorResponse"
_HTTP_METHODS: Final = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})
_FRAMEWORK_ERROR_SCHEMAS: Final = ("HTTPValidationError", "ValidationError")
COMMON_ERROR_DESCRIPTIONS: Final[Mapping[int, str]] = {
    400: "Corps illisible (pas du JSON, pas de l'UTF-8…) / Unreadable body (not JSON, not UTF-8…)",
    401: "Jeton absent, invalide ou expiré / Missing, invalid or expired token",
    403: "Jeton sans la portée ou l'émetteur requis / Token lacks the required scope or issuer",
    404: "Ressource inconnue / Unknown resource",
    413: "Corps trop volumineux (OBHUB_MAX_BODY_BYTES) / Body too large (OBHUB_MAX_BODY_BYTES)",
    422: "Paramètre ou corps non conforme (`details.errors`) / Invalid parameter or body "
    "(`details.errors`)",
}
METHOD_NOT_ALLOWED_RESPONSE: Final = {
    "description": "Méthode non prise en charge sur ce chemin ; l'en-tête `Allow` donne "
    "celles qui le sont / Method not supported on this path; the `Allow` header lists "
    "those that are",
    "headers": {
        "Allow": {
            "description": "Méthodes acceptées / Allowed methods",
            "schema": {"type": "string", "examples": ["GET, HEAD, POST"]},
        }
    },
    "content": {"application/json": {"schema": {"$ref": ERROR_RESPONSE_REF}}},
}


def document_common_errors(
    document: dict[str, Any], *, skip_prefixes: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Make the OpenAPI ``document`` tell every error the service can answer, in its body.

    Whatever the route, the framework and the middleware answer with the error body
    (:class:`ErrorResponse`): 400 and 413 to a request body that cannot be read or is
    too large, 422 to parameters or a body that do not match their schema, 404 to a path
    parameter that names nothing, 401 and 403 on routes that need a token. Each
    operation gets those that apply to it, and FastAPI's own validation error schema,
    which the service never sends, is replaced by the error body. Where a route documents
    another body for the same status (VC-API results), either may come.
    The 405 answer (with ``Allow``) is ``components.responses.MethodNotAllowed``.
    Paths under ``skip_prefixes`` (a standard API with its own error body,
    :func:`install_scoped_error_body`) document their errors themselves.
    """
    for path, item in document.get("paths", {}).items():
        if any(path == p or path.startswith(p + "/") for p in skip_prefixes):
            _drop_framework_validation_error(item)
            continue
        for method, operation in item.items():
            if method not in _HTTP_METHODS:
                continue
            parameters = operation.get("parameters", [])
            statuses: set[int] = set()
            if "requestBody" in operation:
                statuses |= {400, 413, 422}
            if parameters:
                statuses.add(422)
            if any(parameter.get("in") == "path" for parameter in parameters):
                statuses.add(404)
            if operation.get("security"):
                statuses |= {401, 403}
            responses: dict[str, Any] = operation.setdefault("responses", {})
            for response in responses.values():
                _replace_framework_error_schema(response)
            for status in sorted(statuses):
                _add_error_body(responses, status)
            operation["responses"] = dict(sorted(responses.items()))
    components = document.setdefault("components", {})
    components.setdefault("responses", {})["MethodNotAllowed"] = METHOD_NOT_ALLOWED_RESPONSE
    schemas = components.get("schemas", {})
    rendered = json.dumps(document["paths"])
    for name in _FRAMEWORK_ERROR_SCHEMAS:
        if f'"#/components/schemas/{name}"' not in rendered:
            schemas.pop(name, None)
    return document


def _drop_framework_validation_error(item: dict[str, Any]) -> None:
    """Remove FastAPI's own 422 from the operations of a path with its own error body."""
    for method, operation in item.items():
        if method not in _HTTP_METHODS:
            continue
        response = operation.get("responses", {}).get("422", {})
        media = response.get("content", {}).get("application/json", {})
        reference = media.get("schema", {}).get("$ref", "")
        if reference.rsplit("/", 1)[-1] in _FRAMEWORK_ERROR_SCHEMAS:
            del operation["responses"]["422"]


def _replace_framework_error_schema(response: dict[str, Any]) -> None:
    media = response.get("content", {}).get("application/json", {})
    reference = media.get("schema", {}).get("$ref", "")
    if reference.rsplit("/", 1)[-1] in _FRAMEWORK_ERROR_SCHEMAS:
        media["schema"] = {"$ref": ERROR_RESPONSE_REF}


def _add_error_body(responses: dict[str, Any], status: int) -> None:
    key = str(status)
    error_schema = {"$ref": ERROR_RESPONSE_REF}
    response = responses.get(key)
    if response is None:
        responses[key] = {
            "description": COMMON_ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": error_schema}},
        }
        return
    media = response.setdefault("content", {}).setdefault("application/json", {})
    schema = media.get("schema")
    if schema is None:
        media["schema"] = error_schema
    elif schema != error_schema and error_schema not in schema.get("anyOf", []):
        media["schema"] = {"anyOf": [schema, error_schema]}


# --------------------------------------------------------------------------- request id


def request_id_of(scope: Scope) -> str | None:
    """The id :class:`issuer_api.app.RequestContextMiddleware` gave this request, if any."""
    value = scope.get("state", {}).get(_REQUEST_ID_STATE_KEY)
    return value if isinstance(value, str) else None


def set_request_id(scope: Scope, request_id: str) -> None:
    scope.setdefault("state", {})[_REQUEST_ID_STATE_KEY] = request_id


# --------------------------------------------------------------------------- rendering


def to_api_error(exc: Exception) -> ApiError:
    """Translate anything raised while serving a request into the :class:`ApiError` to report."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ObcoreError):
        bad_syntax = isinstance(exc, MalformedInputError | LimitExceededError)
        return ApiError(
            code=exc.code,
            status_code=400 if bad_syntax else 422,
            details={"reason": exc.message},
        )
    if isinstance(exc, RequestValidationError):
        return InvalidRequestError(details={"errors": _field_errors(exc)})
    if isinstance(exc, StarletteHTTPException):
        status = exc.status_code
        headers = dict(exc.headers or {})
        error_class = _HTTP_EXCEPTION_ERRORS.get(status)
        if error_class is not None:
            return error_class(headers=headers)
        return ApiError(
            code="http_error", status_code=status, params={"status": status}, headers=headers
        )
    return InternalError()


def _field_errors(exc: RequestValidationError) -> list[JsonValue]:
    # Only where and what: never the rejected input, which may be large or personal.
    return [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())),
            "type": str(error.get("type", "")),
            "message": str(error.get("msg", "")),
        }
        for error in exc.errors()
    ]


def render_error(error: ApiError, *, request_id: str, language: Language) -> JSONResponse:
    """The HTTP response for ``error``: the documented body plus ``X-Request-ID``."""
    texts = messages(error.message_key, error.params)
    detail = ErrorDetail(
        code=error.code,
        message=texts[language],
        messages=texts,
        status=error.status_code,
        request_id=request_id,
        details=error.details,
    )
    body = ErrorResponse(error=detail).model_dump(
        mode="json", exclude={"error": {"details"}} if error.details is None else None
    )
    headers = {**error.headers, REQUEST_ID_HEADER: request_id}
    return JSONResponse(body, status_code=error.status_code, headers=headers)


ErrorBody = Callable[[ApiError, str, Language], Response]
"""Renders an error for the paths of a standard API with its own error body:
``(error, request_id, language) -> response``."""

_SCOPED_BODIES_STATE_KEY: Final = "scoped_error_bodies"


def install_scoped_error_body(app: FastAPI, prefix: str, render: ErrorBody) -> None:
    """Answer errors under the path ``prefix`` with ``render`` instead of the error body.

    For the paths of a standard API whose specification fixes its own error document
    (the Open Badges API's ``Imsx_StatusInfo``): every error there — raised by a route,
    by the framework (404, 405, validation) or by the middleware (413, 500) — goes
    through ``render``. ``prefix`` is a path without a trailing slash.
    """
    bodies: list[tuple[str, ErrorBody]] = getattr(app.state, _SCOPED_BODIES_STATE_KEY, [])
    bodies.append((prefix, render))
    setattr(app.state, _SCOPED_BODIES_STATE_KEY, bodies)


def scoped_error_prefixes(app: FastAPI) -> tuple[str, ...]:
    """The path prefixes given their own error body (:func:`install_scoped_error_body`)."""
    bodies: list[tuple[str, ErrorBody]] = getattr(app.state, _SCOPED_BODIES_STATE_KEY, [])
    return tuple(prefix for prefix, _render in bodies)


def _scoped_body(scope: Scope) -> ErrorBody | None:
    app = scope.get("app")
    bodies: list[tuple[str, ErrorBody]] = getattr(
        getattr(app, "state", None), _SCOPED_BODIES_STATE_KEY, []
    )
    path = str(scope.get("path", ""))
    for prefix, render in bodies:
        if path == prefix or path.startswith(prefix + "/"):
            return render
    return None


def respond(scope: Scope, error: ApiError, default_language: Language) -> Response:
    """Render ``error`` for the request described by ``scope``."""
    request_id = request_id_of(scope) or uuid.uuid4().hex
    language = negotiate_language(Headers(scope=scope).get("accept-language"), default_language)
    scoped = _scoped_body(scope)
    if scoped is not None:
        response = scoped(error, request_id, language)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response
    return render_error(error, request_id=request_id, language=language)


async def handle_exception(request: Request, exc: Exception) -> Response:
    """The one exception handler: every registered exception type goes through here."""
    error = to_api_error(exc)
    if isinstance(exc, StarletteHTTPException) and exc.status_code == 405:
        error.headers = {**error.headers, "Allow": ", ".join(allowed_methods(request))}
    if error.status_code >= 500 and not isinstance(exc, ApiError):
        logger.error(
            "unhandled exception",
            exc_info=exc,
            extra={"request_id": request_id_of(request.scope), "error_type": type(exc).__name__},
        )
    return respond(request.scope, error, _default_language(request))


_METHODS: Final = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the application answers on this request's path.

    Starlette's own ``Allow`` names the methods of the first route matching the path
    only, though a path is often served by one route per method: each method is tried
    against every route instead.
    """
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def _default_language(request: Request) -> Language:
    settings = getattr(request.app.state, "settings", None)
    return cast(Language, getattr(settings, "default_language", "fr"))


def install_error_handlers(app: FastAPI) -> None:
    """Register :func:`handle_exception` for every exception family the API maps."""
    for exc_class in (
        ApiError,
        ObcoreError,
        RequestValidationError,
        StarletteHTTPException,
        Exception,  # Starlette routes this one to its outermost ServerErrorMiddleware
    ):
        app.add_exception_handler(exc_class, handle_exception)


# --------------------------------------------------------------------------- body size


TooLargePage = Callable[[Scope, int], Response | None]
"""Given the request and the limit, a response for a body over it (None: the JSON error)."""


class _BodyTooLargeError(Exception):
    """Raised into the application when the streamed body passes the limit."""


class BodySizeLimitMiddleware:
    """Answer 413 ``payload_too_large`` to request bodies larger than ``max_body_bytes``.

    A declared ``Content-Length`` over the limit is refused before the application
    runs and before any of the body is read. Bodies without one (chunked) are counted
    as they are read; past the limit the application's read fails, whatever it was
    about to answer is discarded and the 413 is sent instead (unless it had already
    started answering, in which case the response is cut short).

    ``page``, when given, may answer instead of the JSON error (it returns None to
    leave the answer to it): the app gives one that renders an HTML page for a
    browser's form.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        default_language: Language,
        page: TooLargePage | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.default_language = default_language
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._reject(scope, receive, send)
            return

        received = 0
        exceeded = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    exceeded = True
                    raise _BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if exceeded:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            # The application may wrap our signal (FastAPI turns body errors into a 400,
            # task groups into ExceptionGroup): once over the limit, the answer is 413.
            if not exceeded:
                raise
        if exceeded and not response_started:
            await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.page(scope, self.max_body_bytes) if self.page is not None else None
        if response is None:
            response = respond(
                scope, PayloadTooLargeError(self.max_body_bytes), self.default_language
            )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)
