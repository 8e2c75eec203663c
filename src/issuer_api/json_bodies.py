"""JSON request bodies are Unicode text: ``400 invalid_unicode`` for a lone surrogate.

A JSON string may spell ``"\\ud800"`` — half a UTF-16 surrogate pair. Python parses
it into a ``str`` that cannot be encoded to UTF-8, and the request would then fail far
from its input (validating a field, storing a row, writing the answer) with a 500.
:func:`refuse_unpaired_surrogates` is an application-wide dependency
(``FastAPI(dependencies=…)``): it runs before the route's own parameters and body are
validated, so one place answers ``400 invalid_unicode`` for every JSON body.

Routes that read their body raw and judge it themselves opt out with
:func:`judges_unicode_itself`: ``POST /verify`` reports the input as malformed, and
partner deliveries refuse the one badge that holds such a string (its receipt item
says why) while the other badges of the delivery go on.

The check costs one scan of the body for ``\\u`` on ordinary requests; only a body that
spells a surrogate escape is parsed again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Final, TypeVar

from fastapi import Request

from issuer_api.errors import ApiError
from obcore import jsontext

F = TypeVar("F", bound=Callable[..., object])

_OPT_OUT: Final = "__obhub_judges_unicode_itself__"
_BODYLESS: Final = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class InvalidUnicodeError(ApiError):
    """A JSON body holds a string that is not Unicode text (a lone surrogate)."""

    status_code = 400
    code = "invalid_unicode"


def judges_unicode_itself(endpoint: F) -> F:
    """Mark a route that reads its raw body and handles lone surrogates on its own."""
    setattr(endpoint, _OPT_OUT, True)
    return endpoint


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True  # FastAPI parses an untyped body as JSON
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def refuse_unpaired_surrogates(request: Request) -> None:
    """``400 invalid_unicode`` when a JSON body holds a lone surrogate (module docstring)."""
    if request.method in _BODYLESS or not _is_json(request.headers.get("content-type")):
        return
    route = request.scope.get("route")
    if getattr(getattr(route, "endpoint", None), _OPT_OUT, False):
        return
    body = await request.body()
    if not jsontext.may_hold_surrogates(body):
        return
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: the route's own validation says so
    if jsontext.has_unpaired_surrogate(value):
        raise InvalidUnicodeError(details={"reason": "unpaired_surrogate"})
