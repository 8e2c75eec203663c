"""Every error under ``/ims/ob/v3p0`` is an ``Imsx_StatusInfo`` with the right status — the
token check's, the framework's, the middleware's and the routes' own — never obhub's own
error body."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from issuer_api.oauth import scopes
from obapi.conftest import Authorize
from obapi.openapi_check import check_response, schema_errors
from regional.helpers import RegionalHub

CREDENTIALS = "/ims/ob/v3p0/credentials"
PROFILE = "/ims/ob/v3p0/profile"


def imsx(response: httpx.Response, status: int, minor: str) -> dict[str, Any]:
    """The response's Imsx_StatusInfo, checked: status, schema, code minor."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert schema_errors("Imsx_StatusInfo", body) == []
    assert "error" not in body
    assert body["imsx_codeMajor"] in ("failure", "unsupported")
    assert body["imsx_severity"] == "error"
    assert body["imsx_description"]
    (field,) = body["imsx_codeMinor"]["imsx_codeMinorField"]
    assert field["imsx_codeMinorFieldValue"] == minor
    assert response.headers["x-request-id"]
    return body


async def test_no_token_is_401_with_the_bearer_challenge(hub: RegionalHub) -> None:
    response = await hub.http.get(CREDENTIALS)

    imsx(response, 401, "unauthorizedrequest")
    check_response(response)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_token_without_the_scope_is_403_naming_the_scope(
    hub: RegionalHub, authorize: Authorize
) -> None:
    authorize(learner_id="someone", granted=frozenset({scopes.PROFILE_READONLY}))

    response = await hub.http.get(CREDENTIALS)

    imsx(response, 403, "forbidden")
    check_response(response)
    challenge = response.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert scopes.CREDENTIAL_READONLY in challenge


async def test_a_token_for_nobody_is_403(hub: RegionalHub, authorize: Authorize) -> None:
    authorize()

    for response in (
        await hub.http.get(CREDENTIALS),
        await hub.http.post(CREDENTIALS, content=b"{}", headers={"content-type": "text/plain"}),
        await hub.http.get(PROFILE),
    ):
        body = imsx(response, 403, "forbidden")
        check_response(response)
        name = body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldName"]
        assert name == "obhub:obapi_no_subject"


async def test_an_unknown_path_is_404(hub: RegionalHub) -> None:
    imsx(await hub.http.get("/ims/ob/v3p0/nothing-here"), 404, "not_found")


async def test_a_method_the_path_does_not_take_is_405_with_allow(hub: RegionalHub) -> None:
    response = await hub.http.delete(CREDENTIALS)

    imsx(response, 405, "not_allowed")
    assert response.json()["imsx_codeMajor"] == "unsupported"
    assert set(response.headers["allow"].split(", ")) >= {"GET", "POST"}


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=ten", "offset=-1", "since=yesterday"],
)
async def test_a_bad_query_parameter_is_400(
    hub: RegionalHub, authorize: Authorize, query: str
) -> None:
    authorize(learner_id="someone")

    response = await hub.http.get(f"{CREDENTIALS}?{query}")

    imsx(response, 400, "invalid_query_parameter")
    check_response(response)


async def test_a_body_too_large_is_413(hub: RegionalHub, authorize: Authorize) -> None:
    authorize(partner_id="p")
    too_big = b"x" * (hub.settings.max_body_bytes + 1)

    response = await hub.http.post(
        CREDENTIALS, content=too_big, headers={"content-type": "text/plain"}
    )

    imsx(response, 413, "invalid_data")


async def test_a_body_of_another_media_type_is_415(hub: RegionalHub, authorize: Authorize) -> None:
    authorize(partner_id="p")

    response = await hub.http.post(
        CREDENTIALS, content=b"\x89PNG", headers={"content-type": "image/png"}
    )

    imsx(response, 415, "invalid_data")
    assert response.json()["imsx_codeMajor"] == "unsupported"


async def test_a_json_body_with_a_lone_surrogate_is_400(
    hub: RegionalHub, authorize: Authorize
) -> None:
    authorize(learner_id="someone")

    response = await hub.http.put(
        PROFILE, content=b'{"name": "\\ud800"}', headers={"content-type": "application/json"}
    )

    imsx(response, 400, "invalid_data")
    check_response(response)


async def test_an_internal_error_is_500_without_details(
    hub: RegionalHub, authorize: Authorize, monkeypatch: pytest.MonkeyPatch
) -> None:
    from issuer_api.obapi import listing  # noqa: PLC0415

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(listing, "page", broken)
    authorize(learner_id="someone")
    transport = httpx.ASGITransport(app=hub.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        response = await http.get(CREDENTIALS)

    body = imsx(response, 500, "internal_server_error")
    assert "secret" not in response.text
    assert body["imsx_codeMajor"] == "failure"


async def test_errors_elsewhere_keep_obhubs_own_body(hub: RegionalHub) -> None:
    response = await hub.http.get("/v1/receipts")

    assert response.status_code == 401
    assert response.json()["error"]["code"]
