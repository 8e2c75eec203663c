"""Requests and responses checked against the specification's own OpenAPI file.

The Open Badges 3.0 API's OpenAPI document (``ob_v3p0_openapi.json``, the copy shipped
in ``issuer_api.obapi``) is the contract: :func:`check_response` finds the operation of a
request (method and path), requires the response's status to be one the operation
declares and, for a JSON body, validates it against the declared schema with
``jsonschema`` (the ``$ref``s resolve into the document's ``components``).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Final

import httpx
from jsonschema import Draft4Validator, FormatChecker

from issuer_api.obapi.discovery import specification

BASE_PATH: Final = "/ims/ob/v3p0"


@cache
def _document() -> dict[str, Any]:
    return specification()


def validator(schema: dict[str, Any]) -> Draft4Validator:
    """A validator of ``schema``, whose ``#/components/…`` refs resolve in the spec."""
    root = {**schema, "components": _document()["components"]}
    return Draft4Validator(root, format_checker=FormatChecker())


def schema_errors(name: str, instance: Any) -> list[str]:
    """Why ``instance`` is not a valid ``components.schemas[name]`` (empty: it is)."""
    found = validator({"$ref": f"#/components/schemas/{name}"}).iter_errors(instance)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]


def operation(method: str, path: str) -> dict[str, Any]:
    relative = path.removeprefix(BASE_PATH)
    found: dict[str, Any] = _document()["paths"][relative][method.lower()]
    return found


def check_request(method: str, path: str, content_type: str, body: Any) -> None:
    """The request body is one the operation accepts (its media type and schema)."""
    content = operation(method, path)["requestBody"]["content"]
    media = content_type.split(";", 1)[0]
    declared = content.get(media) or content.get("application/json")
    assert declared is not None, f"{method} {path} takes no {media}"
    errors = list(validator(declared["schema"]).iter_errors(body))
    assert not errors, [e.message for e in errors]


def check_response(response: httpx.Response) -> None:
    """The response is one the operation declares, its JSON valid against its schema."""
    request = response.request
    responses = operation(request.method, request.url.path)["responses"]
    status = str(response.status_code)
    assert status in responses, f"{request.method} {request.url.path}: undeclared {status}"
    content = responses[status].get("content")
    if not content or response.status_code == 304:
        return
    media = response.headers.get("content-type", "").split(";", 1)[0]
    declared = content.get(media) or content.get("application/json")
    assert declared is not None, f"undeclared media type {media}"
    body = response.json() if "json" in media else response.text
    if isinstance(body, str) and media != "text/plain":
        body = json.loads(body)
    errors = list(validator(declared["schema"]).iter_errors(body))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors][:5]
