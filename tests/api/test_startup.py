"""Start-up does the work a process would otherwise do at its first requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import routing

from issuer_api.app import WARM_CONNECTIONS, create_app
from issuer_api.settings import Settings


async def test_no_route_is_built_while_serving_the_first_request(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Any] = []
    original = routing._EffectiveRouteContext.from_api_route

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(kwargs.get("original_route"))
        return original(*args, **kwargs)

    monkeypatch.setattr(routing._EffectiveRouteContext, "from_api_route", counting)

    answer = await client.get("/healthz")

    assert answer.status_code == 200
    assert built == []  # every route was built by the lifespan, before any request


@pytest.mark.postgres
@pytest.mark.anyio
async def test_connections_are_opened_at_start_up_on_postgresql(
    database_url: str, tmp_path: Path
) -> None:
    """On PostgreSQL, the first burst of requests does not open every connection at once."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs OBHUB_TEST_DATABASE_URL (a PostgreSQL server)")
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=database_url))
    async with app.router.lifespan_context(app):
        pool: Any = app.state.engine.sync_engine.pool
        assert pool.checkedin() >= WARM_CONNECTIONS
