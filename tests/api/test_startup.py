"""Start-up does the work a process would otherwise do at its first requests."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, routing

from issuer_api.app import WARM_CONNECTIONS


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


async def test_connections_are_open_before_the_first_request(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """The first burst of requests does not open every connection at once."""
    pool: Any = app.state.engine.sync_engine.pool
    assert pool.checkedin() >= WARM_CONNECTIONS
