"""The service answers as the committed ``openapi.yaml`` says, for any request it allows.

Property-based (schemathesis): for every operation of the document, requests are
generated from its schemas, valid ones and invalid ones, and sent to the application
in process (ASGI), once with the Region's ``admin`` token and once with a partner's
``deliver`` token. Each answer must be no server error (no 5xx), a status the
operation documents, with a documented content type, the documented response headers
and a body that matches the documented schema (the error body included).

Bounded in time: a fixed number of examples per operation, derandomized (the same
requests at every run), on SQLite, with jobs not run in process.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import schemathesis
import yaml
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.openapi.checks import UndefinedStatusCode
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from issuer_api.app import create_app
from issuer_api.auth.service import create_client
from issuer_api.db import create_engine, session_factory
from issuer_api.issuers.service import bootstrap_region
from issuer_api.migrate import upgrade
from issuer_api.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = 5
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


async def _prepare(app: FastAPI) -> dict[str, dict[str, str]]:
    """The Region, an admin client and a partner with its OAuth client: their tokens."""
    settings: Settings = app.state.settings
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http,
    ):
        engine = create_engine(settings.effective_database_url)
        sessions = session_factory(engine)
        async with sessions() as session:
            await bootstrap_region(session, settings, app.state.kek.get_secret_value())
            admin_client = await create_client(session, "Conformance admin", ["admin"], None)
            await session.commit()
        await engine.dispose()

        async def token(client_id: str, secret: str) -> dict[str, str]:
            basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
            response = await http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                headers={"Authorization": f"Basic {basic}"},
            )
            assert response.status_code == 200, response.text
            return {"Authorization": f"Bearer {response.json()['access_token']}"}

        admin = await token(admin_client.client_id, admin_client.client_secret)
        partner = await http.post(
            "/partners",
            json={"slug": "campus-caen", "name": "Campus des métiers de Caen"},
            headers=admin,
        )
        assert partner.status_code == 201, partner.text
        client = await http.post(f"/partners/{partner.json()['id']}/client", headers=admin)
        assert client.status_code == 201, client.text
        deliver = await token(client.json()["client_id"], client.json()["client_secret"])
    return {"admin": admin, "partner": deliver}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, Any]]]:
    """The committed document bound to a fresh application, and the tokens to call it with."""
    data_dir = tmp_path_factory.mktemp("conformance")
    url = f"sqlite:///{data_dir / 'obhub.sqlite3'}"
    upgrade(url)
    app = create_app(
        Settings(data_dir=data_dir / "data", database_url=url, run_jobs_in_process=False)
    )
    tokens = anyio.run(_prepare, app)
    schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
    schema.app = app
    yield schema, tokens
    shutdown_lifespans()


DOCUMENT = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
# (method, path, generation mode): invalid requests only where there is something to get
# wrong (parameters or a body).
CASES = [
    (method, path, mode)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
    if method in ("get", "put", "post", "delete", "patch")
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE
    or operation.get("parameters")
    or operation.get("requestBody")
]
SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is reported
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize(
    ("method", "path", "mode"), CASES, ids=[f"{m.upper()} {p} {g}" for m, p, g in CASES]
)
@pytest.mark.parametrize("role", ["admin", "partner"])
def test_every_answer_is_one_the_document_describes(
    service: tuple[Any, dict[str, dict[str, str]]],
    method: str,
    path: str,
    mode: GenerationMode,
    role: str,
) -> None:
    schema, tokens = service
    operation = schema[path][method.upper()]

    @given(case=operation.as_strategy(generation_mode=mode))
    @SETTINGS
    def answers_as_documented(case: Any) -> None:
        case.call_and_validate(headers=tokens[role], checks=CHECKS)

    answers_as_documented()


def test_an_answer_the_document_leaves_out_is_caught(
    service: tuple[Any, dict[str, dict[str, str]]],
) -> None:
    """The harness bites: with 422 left out of one operation, invalid bodies fail it."""
    schema, tokens = service
    document = copy.deepcopy(DOCUMENT)
    del document["paths"]["/admin/issuers"]["post"]["responses"]["422"]
    mutilated = schemathesis.openapi.from_dict(document)
    mutilated.app = schema.app
    operation = mutilated["/admin/issuers"]["POST"]

    @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    @SETTINGS
    def answers_as_documented(case: Any) -> None:
        case.call_and_validate(headers=tokens["admin"], checks=CHECKS)

    with pytest.raises(FailureGroup) as caught:
        answers_as_documented()
    [failure] = caught.value.exceptions
    assert isinstance(failure, UndefinedStatusCode)
    assert failure.status_code == 422
