"""The regional hub behind the console: partners, learners and their badges, jobs run
when a test says so, on the same app the staff member's browser reaches."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from console.helpers import ConsoleBrowser, Staff
from ingestion.fixtures import (  # noqa: F401 - fixtures of the modules importing this one
    campus_fixture,
    greta_fixture,
    web_fixture,
)
from regional.helpers import RegionalHub
from verification.localhttp import LocalServer


@pytest.fixture(name="hub")
def hub_fixture(
    hub_app: FastAPI,
    console: ConsoleBrowser,
    sessions: async_sessionmaker[AsyncSession],
    web: LocalServer,
) -> RegionalHub:
    return RegionalHub(hub_app, console.http, sessions, web)


async def signed_in(
    console: ConsoleBrowser, staff: Staff, role: str, email: str, name: str | None = None
) -> str:
    """A member of ``role`` signed in on the console; the actor the audit log names."""
    member_id, password = await staff.create(email, role, name)
    await console.ready(email, password)
    return f"staff:{member_id}"
