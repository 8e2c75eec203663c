"""The one error body, in French and English, whatever produced the error."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from catalogue_files import translated
from issuer_api import errors
from issuer_api.app import create_app
from issuer_api.errors import ApiError, NotFoundError
from issuer_api.i18n import LANGUAGES, MESSAGE_IDS, Language, messages, negotiate_language
from issuer_api.settings import Settings
from obcore import errors as obcore_errors

LIMIT = 64


class Greeting(BaseModel):
    name: str
    times: int


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", max_body_bytes=LIMIT)


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    """The application plus routes that fail on purpose (they exist only in tests)."""
    app.state.reached = []

    @app.post("/test/raw")
    async def raw(request: Request) -> dict[str, int]:
        app.state.reached.append("raw")
        return {"size": len(await request.body())}

    @app.post("/test/model")
    async def model(greeting: Greeting) -> Greeting:
        return greeting

    @app.get("/test/crash")
    async def crash() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    @app.get("/test/api-error")
    async def api_error() -> None:
        raise NotFoundError(details={"badge": "b-1"})

    @app.get("/test/obcore/{kind}")
    async def obcore_error(kind: str) -> None:
        raise {
            "malformed": obcore_errors.MalformedInputError("not JSON"),
            "limit": obcore_errors.LimitExceededError("too deep"),
            "signature": obcore_errors.SignatureError("signature does not verify"),
            "custom": obcore_errors.ProofError("odd", code="unsupported_cryptosuite"),
        }[kind]

    return app


@pytest.fixture
async def lenient_client(app: FastAPI, anyio_backend: str) -> AsyncIterator[httpx.AsyncClient]:
    """Returns the 500 response instead of re-raising the application's exception."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def assert_error_body(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert error["status"] == status
    assert error["request_id"] == response.headers["x-request-id"]
    assert set(error["messages"]) == {"fr", "en"}
    assert error["message"] in error["messages"].values()
    return dict(error)


# --------------------------------------------------------------------------- 404 / 405


@pytest.mark.anyio
async def test_not_found_is_in_french_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")

    error = assert_error_body(response, 404, "not_found")
    assert error == {
        "code": "not_found",
        "message": "La ressource demandée n'existe pas.",
        "messages": {
            "fr": "La ressource demandée n'existe pas.",
            "en": "The requested resource does not exist.",
        },
        "status": 404,
        "request_id": response.headers["x-request-id"],
    }


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("en", "The requested resource does not exist."),
        ("en-GB,fr;q=0.5", "The requested resource does not exist."),
        ("fr-CA, en;q=0.9", "La ressource demandée n'existe pas."),
        ("de, es", "La ressource demandée n'existe pas."),
    ],
)
async def test_not_found_follows_accept_language(
    client: httpx.AsyncClient, accept_language: str, expected: str
) -> None:
    response = await client.get("/nowhere", headers={"Accept-Language": accept_language})

    assert assert_error_body(response, 404, "not_found")["message"] == expected


@pytest.mark.anyio
async def test_default_language_comes_from_settings(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, default_language="en"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        response = await client.get("/nowhere", headers={"Accept-Language": "de"})

    assert response.json()["error"]["message"] == "The requested resource does not exist."


@pytest.mark.anyio
async def test_wrong_method_is_method_not_allowed(client: httpx.AsyncClient) -> None:
    response = await client.delete("/healthz")

    assert_error_body(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/verifier", "GET, POST"),
        ("/admin/issuers", "GET, POST"),
        ("/partners/any-partner", "GET, PATCH"),
    ],
)
async def test_allow_names_every_method_of_the_path_not_just_the_first_route(
    client: httpx.AsyncClient, path: str, allowed: str
) -> None:
    response = await client.put(path)

    assert_error_body(response, 405, "method_not_allowed")
    assert response.headers["allow"] == allowed


def test_the_document_describes_the_405_answer_and_its_allow_header(app: FastAPI) -> None:
    response = app.openapi()["components"]["responses"]["MethodNotAllowed"]
    assert "Allow" in response["headers"]
    assert response["content"]["application/json"]["schema"] == {"$ref": errors.ERROR_RESPONSE_REF}


def test_every_operation_documents_the_error_body_for_the_errors_it_can_answer(
    app: FastAPI,
) -> None:
    document = app.openapi()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    error = {"$ref": errors.ERROR_RESPONSE_REF}
    own_bodies = errors.scoped_error_prefixes(app)  # the Open Badges API: Imsx_StatusInfo
    assert own_bodies
    for path, item in document["paths"].items():
        if path.startswith(own_bodies):
            continue
        for method, operation in item.items():
            expected = set()
            parameters = operation.get("parameters", [])
            if "requestBody" in operation:
                expected |= {"400", "413", "422"}
            if parameters:
                expected.add("422")
            if any(parameter["in"] == "path" for parameter in parameters):
                expected.add("404")
            if operation.get("security"):
                expected |= {"401", "403"}
            responses = operation["responses"]
            assert expected <= responses.keys(), f"{method.upper()} {path}"
            for status in expected:
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == error or error in schema.get("anyOf", []), (
                    f"{method.upper()} {path} {status}"
                )


# --------------------------------------------------------------------------- 422


@pytest.mark.anyio
async def test_invalid_body_lists_fields_without_echoing_input(client: httpx.AsyncClient) -> None:
    response = await client.post("/test/model", json={"times": "many", "extra": "private"})

    error = assert_error_body(response, 422, "invalid_request")
    assert error["details"] == {
        "errors": [
            {"field": "body.name", "type": "missing", "message": "Field required"},
            {
                "field": "body.times",
                "type": "int_parsing",
                "message": "Input should be a valid integer, unable to parse string as an integer",
            },
        ]
    }
    assert "many" not in response.text


@pytest.mark.anyio
async def test_unparseable_json_is_invalid_request(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/test/model", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    error = assert_error_body(response, 422, "invalid_request")
    assert error["details"] == {
        "errors": [{"field": "body.1", "type": "json_invalid", "message": "JSON decode error"}]
    }


# --------------------------------------------------------------------------- 413


@pytest.mark.anyio
async def test_body_at_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/test/raw", content=b"x" * LIMIT)

    assert response.status_code == 200
    assert response.json() == {"size": LIMIT}


@pytest.mark.anyio
async def test_declared_length_over_the_limit_is_refused_before_the_app_runs(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.post("/test/raw", content=b"x" * (LIMIT + 1))

    error = assert_error_body(response, 413, "payload_too_large")
    assert error["details"] == {"max_body_bytes": LIMIT}
    assert app.state.reached == []


async def _chunks(total: int, size: int = 16) -> AsyncIterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/test/raw", "/test/model"])
async def test_chunked_body_is_cut_off_past_the_limit(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(path, content=_chunks(10 * LIMIT))

    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_error_body(response, 413, "payload_too_large")


@pytest.mark.anyio
async def test_chunked_body_under_the_limit_is_read_whole(client: httpx.AsyncClient) -> None:
    response = await client.post("/test/raw", content=_chunks(LIMIT))

    assert response.status_code == 200
    assert response.json() == {"size": LIMIT}


# --------------------------------------------------------------------------- raised errors


@pytest.mark.anyio
async def test_api_error_from_a_route_keeps_its_status_code_and_details(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/test/api-error", headers={"Accept-Language": "en"})

    error = assert_error_body(response, 404, "not_found")
    assert error["details"] == {"badge": "b-1"}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("malformed", 400, "malformed_input"),
        ("limit", 400, "limit_exceeded"),
        ("signature", 422, "invalid_signature"),
        ("custom", 422, "unsupported_cryptosuite"),
    ],
)
async def test_obcore_errors_keep_their_code(
    client: httpx.AsyncClient, kind: str, status: int, code: str
) -> None:
    response = await client.get(f"/test/obcore/{kind}")

    assert_error_body(response, status, code)


@pytest.mark.anyio
async def test_unexpected_exception_is_a_500_without_internals(
    lenient_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="issuer_api.errors"):
        response = await lenient_client.get("/test/crash", headers={"X-Request-ID": "req-500"})

    error = assert_error_body(response, 500, "internal_error")
    assert error["request_id"] == "req-500"
    for leak in ("hunter2", "secret", "Traceback", "RuntimeError", "test_errors.py"):
        assert leak not in response.text
    [record] = [r for r in caplog.records if r.name == "issuer_api.errors"]
    assert record.exc_info is not None
    assert record.__dict__["request_id"] == "req-500"


# --------------------------------------------------------------------------- catalogue, language


def _api_error_classes(cls: type[ApiError] = ApiError) -> list[type[ApiError]]:
    found = [cls]
    for subclass in cls.__subclasses__():
        found.extend(_api_error_classes(subclass))
    return found


def _obcore_error_classes(
    cls: type[obcore_errors.ObcoreError] = obcore_errors.ObcoreError,
) -> list[type[obcore_errors.ObcoreError]]:
    found = [cls]
    for subclass in cls.__subclasses__():
        found.extend(_obcore_error_classes(subclass))
    return found


def test_every_error_code_has_a_message() -> None:
    codes = {cls.code for cls in _api_error_classes()}
    codes |= {cls.code for cls in _obcore_error_classes() if cls is not obcore_errors.ObcoreError}
    codes |= {"http_error"}

    missing = sorted(code for code in codes if code not in MESSAGE_IDS)
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_error_message_is_translated_in_both_languages(language: Language) -> None:
    untranslated = sorted(
        code for code, message_id in MESSAGE_IDS.items() if message_id not in translated(language)
    )
    assert untranslated == []


def test_every_error_message_reads_differently_in_french_and_in_english() -> None:
    for code in MESSAGE_IDS:
        texts = messages(code)
        assert texts["fr"].strip(), code
        assert texts["en"].strip(), code
        assert texts["fr"] != texts["en"], code


def test_an_error_message_has_its_fields_filled_in_both_languages() -> None:
    assert messages("too_many_badges", {"max_badges": 100}) == {
        "fr": "Trop de badges dans une livraison (au plus 100) : envoyez-les en plusieurs fois.",
        "en": "Too many badges in one delivery (at most 100): send them in several calls.",
    }


def test_a_field_the_error_does_not_give_is_left_as_written() -> None:
    assert messages("http_error", {"method": "GET"}) == {
        "fr": "La requête n'a pas pu être traitée (HTTP {status}).",
        "en": "The request could not be processed (HTTP {status}).",
    }


def test_unknown_message_key_falls_back_to_the_generic_message() -> None:
    error = ApiError(code="brand_new_code", status_code=409)

    response = errors.render_error(error, request_id="r", language="en")

    assert response.status_code == 409
    assert b'"code":"brand_new_code"' in response.body
    assert b"The request could not be processed." in response.body


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "fr"),
        ("", "fr"),
        ("en", "en"),
        ("EN-us", "en"),
        ("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", "fr"),
        ("en;q=0.8, fr;q=0.9", "fr"),
        ("en;q=0.9, fr;q=0.9", "en"),
        ("de-DE, en;q=0.5", "en"),
        ("*", "fr"),
        ("de, *;q=0.1", "fr"),
        ("fr;q=0", "en"),
        ("fr;q=0, en;q=0", "fr"),
        ("en;q=bogus, fr;q=0.2", "fr"),
        ("en;q=2", "fr"),
        (",;,", "fr"),
    ],
)
def test_negotiate_language(header: str | None, expected: Language) -> None:
    assert negotiate_language(header, "fr") == expected


def test_negotiate_language_default_applies_to_wildcard() -> None:
    assert negotiate_language("*", "en") == "en"
    assert negotiate_language("de", "en") == "en"
    assert LANGUAGES == ("fr", "en")
