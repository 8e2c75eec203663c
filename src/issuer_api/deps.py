"""Request-scoped dependencies, as ``Annotated`` aliases so signatures document themselves.

``Session`` is one unit of work per request: it commits when the route
returns and rolls back on error. It uses FastAPI's ``scope="function"`` so the
commit happens *before* the response is sent: a failed commit is a 500, never
a 200 for data that was not stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.db import session_scope
from issuer_api.settings import Settings


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with session_scope(request.app.state.sessions) as session:
        yield session


# Plain attribute reads, declared ``async`` so FastAPI runs them on the event loop
# instead of handing each to its thread pool.
async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _kek(request: Request) -> bytes:
    kek: bytes = request.app.state.kek.get_secret_value()
    return kek


Session = Annotated[AsyncSession, Depends(_session, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]
Kek = Annotated[bytes, Depends(_kek)]
