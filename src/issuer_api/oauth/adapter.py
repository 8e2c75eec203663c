"""Authlib on FastAPI: the request and response conversion (Authlib has no Starlette server).

Like Authlib's Flask and Django integrations, a framework request becomes an
:class:`~authlib.oauth2.rfc6749.OAuth2Request` (parameters, headers) or a
:class:`~authlib.oauth2.rfc6749.JsonRequest`, and the ``(status, body, headers)`` that
Authlib returns becomes a response. The body is read here, asynchronously, before
Authlib runs; Authlib then runs inside ``AsyncSession.run_sync`` with a synchronous view
of the request's session (:func:`run`).

Transport security is the deployment's (TLS at the proxy, HSTS on the pages): Authlib's
own https check is given the public scheme, not the proxied one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from authlib.oauth2.rfc6749 import JsonPayload, JsonRequest, OAuth2Payload, OAuth2Request
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from issuer_api.oauth.server import ObAuthorizationServer

T = TypeVar("T")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class Parameters(OAuth2Payload):  # type: ignore[misc]  # Authlib is untyped
    """Form or query parameters; ``data`` keeps the first of each name."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class ParametersRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, request: Request, parameters: Parameters) -> None:
        super().__init__(request.method, _secure_uri(request), headers=request.headers)
        self.payload = parameters
        self._args = dict(request.query_params)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data


class JsonBody(JsonPayload):  # type: ignore[misc]
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @property
    def data(self) -> dict[str, Any]:
        return self._data


def _secure_uri(request: Request) -> str:
    return str(request.url.replace(scheme="https"))


def form_request(request: Request, items: Iterable[tuple[str, str]]) -> ParametersRequest:
    return ParametersRequest(request, Parameters(items))


def query_request(request: Request) -> ParametersRequest:
    return form_request(request, request.query_params.multi_items())


def json_request(request: Request, data: dict[str, Any]) -> JsonRequest:
    converted = JsonRequest(request.method, _secure_uri(request), request.headers)
    converted.payload = JsonBody(data)
    return converted


async def run(
    db: AsyncSession,
    request: Request,
    call: Callable[[ObAuthorizationServer], T],
) -> T:
    """``call`` with an authorization server on a synchronous view of ``db``."""
    settings = request.app.state.settings
    key: bytes = request.app.state.token_key

    def in_sync(sync_db: Session) -> T:
        return call(ObAuthorizationServer(sync_db, settings, key))

    return await db.run_sync(in_sync)


def to_response(
    result: tuple[int, Any, list[tuple[str, str]]],
    *,
    extra_headers: Mapping[str, str] | None = None,
) -> Response:
    status, body, header_list = result
    headers = {k: v for k, v in header_list if k.lower() != "content-type"}
    headers.update(extra_headers or {})
    if isinstance(body, dict):
        return JSONResponse(body, status_code=status, headers=headers)
    return Response(body or b"", status_code=status, headers=headers)
