"""Probes, request ids, request logging and what the service does when it starts."""

from __future__ import annotations

import json
import logging
import re
import stat
from importlib.metadata import version

import httpx
import pytest
from fastapi import FastAPI

from issuer_api.app import create_app
from issuer_api.logs import JsonFormatter
from issuer_api.routers.health import add_readiness_check
from issuer_api.settings import KEK_BYTES, Settings, decode_kek

pytestmark = pytest.mark.anyio


async def test_healthz_says_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_that_the_database_answers_and_is_migrated(
    db_client: httpx.AsyncClient,
) -> None:
    response = await db_client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok"}}


async def test_readyz_is_not_ready_on_a_database_never_migrated(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "not_ready",
        "checks": {"database": "ok", "migrations": "failed"},
        "codes": {"migrations": "database_not_migrated"},
    }


async def test_readyz_reports_each_check_and_fails_if_one_fails(app: FastAPI) -> None:
    async def passing() -> None:
        return None

    async def failing() -> None:
        raise ConnectionError("database unreachable at postgresql://secret@db")

    add_readiness_check(app, "cache", passing)
    add_readiness_check(app, "database", failing)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "not_ready",
        "checks": {"cache": "ok", "database": "failed"},
    }
    assert "secret" not in response.text


async def test_a_request_id_is_generated_and_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_a_sane_incoming_request_id_is_kept(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42:1"})

    assert response.headers["x-request-id"] == "lb-7f3a.42:1"


@pytest.mark.parametrize("incoming", ["a b", "x" * 129, "-leading-dash", "id;drop", "é"])
async def test_an_unsafe_incoming_request_id_is_replaced(
    client: httpx.AsyncClient, incoming: str
) -> None:
    response = await client.get("/healthz", headers={b"X-Request-ID": incoming.encode()})

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_one_log_line_per_request_without_query_string(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="issuer_api.access"):
        response = await client.get("/healthz?email=someone@example.org")

    [record] = [r for r in caplog.records if r.name == "issuer_api.access"]
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "request"
    assert line["method"] == "GET"
    assert line["path"] == "/healthz"
    assert line["status"] == 200
    assert line["request_id"] == response.headers["x-request-id"]
    assert isinstance(line["duration_ms"], float)
    assert "example.org" not in json.dumps(line)


def test_json_formatter_writes_one_parseable_line_with_the_traceback() -> None:
    boom = ValueError("boom")
    record = logging.getLogger("test").makeRecord(
        "test", logging.ERROR, __file__, 1, "failed %s", ("here",), (ValueError, boom, None)
    )
    record.request_id = "r1"

    text = JsonFormatter().format(record)

    assert "\n" not in text
    line = json.loads(text)
    assert line["message"] == "failed here"
    assert line["level"] == "ERROR"
    assert line["request_id"] == "r1"
    assert "ValueError: boom" in line["exc_info"]


async def test_first_start_creates_the_data_dir_and_a_private_kek(
    app: FastAPI, settings: Settings
) -> None:
    kek_path = settings.data_dir / "kek"
    assert not settings.data_dir.exists()

    async with app.router.lifespan_context(app):
        first = app.state.kek.get_secret_value()

    assert len(first) == KEK_BYTES
    assert decode_kek(kek_path.read_text()) == first
    assert stat.S_IMODE(kek_path.stat().st_mode) == 0o600
    assert repr(app.state.kek) == "SecretBytes(b'**********')"

    restarted = create_app(settings)
    async with restarted.router.lifespan_context(restarted):
        assert restarted.state.kek.get_secret_value() == first


async def test_openapi_document_names_the_service_and_its_version(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()

    assert document["info"]["title"] == "obhub"
    assert document["info"]["version"] == version("obhub")
    assert "Français" in document["info"]["description"]
    assert "English" in document["info"]["description"]
    assert {"/healthz", "/readyz"} <= set(document["paths"])


async def test_metrics_count_requests_by_route_template_without_identifiers(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/healthz")
    await client.get("/no/such/path/with-an-id-123")
    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'obhub_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'route="unmatched"' in text
    assert "with-an-id-123" not in text
