"""Helpers of the outbound webhook tests: the hub's app, partners and their clients,
notifying, running jobs."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuer_api.app import create_app
from issuer_api.auth.service import create_client
from issuer_api.db import session_scope
from issuer_api.models import OutboundMessage, Partner
from issuer_api.outbound import endpoints
from issuer_api.outbound.schemas import REGIONAL_BADGE_AWARDED, RegionalBadgeEventData
from issuer_api.outbound.service import notify
from issuer_api.settings import Settings
from issuers.helpers import Api

JOB_ROUNDS = 12
"""``run_pending`` rounds: enough for every retry of a message (backoff 0 in tests)."""


@asynccontextmanager
async def running_hub(
    db_settings: Settings, sessions: async_sessionmaker[AsyncSession], **settings: Any
) -> AsyncIterator[Api]:
    """The app on the test database, with these settings, retrying failed jobs at once."""
    app = create_app(db_settings.model_copy(update={"job_retry_backoff_seconds": 0, **settings}))
    if not any(getattr(route, "path", None) == "/webhook-endpoints" for route in app.routes):
        app.include_router(endpoints.router)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://localhost"
        ) as http,
    ):
        yield Api(app, http, sessions)


async def run_jobs(api: Api) -> None:
    """Run every due job, the retries they schedule included."""
    for _ in range(JOB_ROUNDS):
        await api.app.state.jobs.run_pending()


async def add_partner(api: Api, slug: str) -> str:
    async with session_scope(api.sessions) as session:
        partner = Partner(slug=slug, name=f"Partenaire {slug}")
        session.add(partner)
        await session.flush()
        return partner.id


async def partner_headers(api: Api, partner_id: str) -> dict[str, str]:
    """``Authorization`` for the partner's own client (scope ``deliver``)."""
    async with session_scope(api.sessions) as session:
        created = await create_client(session, "LMS du partenaire", ["deliver"])
        partner = await session.get(Partner, partner_id)
        assert partner is not None
        partner.client_id = created.client_id
    basic = base64.b64encode(f"{created.client_id}:{created.client_secret}".encode()).decode()
    response = await api.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def create_endpoint(
    api: Api, headers: Mapping[str, str], url: str, **fields: Any
) -> dict[str, Any]:
    response = await api.http.post(
        "/webhook-endpoints", json={"url": url, **fields}, headers=headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def award_data(learner_id: str = "2f9a7c1e-4b3d-4e6f-8a0b-1c2d3e4f5a6b") -> dict[str, Any]:
    """The ``data`` of a ``regional_badge.awarded`` event."""
    return RegionalBadgeEventData.model_validate(
        {
            "award_id": "6e0d2c4a-9f1b-4a3e-8c7d-5b2a1f0e9d8c",
            "learner_id": learner_id,
            "state": "active",
            "achievement": {"code": "REG-NUM-2", "name": "Compétences numériques — niveau 2"},
            "credential": {"id": "urn:uuid:4a6f0c8e-2b1d-4e5f-9a7c-3d2e1f0b8c6a"},
            "referential": {"code": "normandie-competences", "version": "2026.1"},
            "partner_badges": [
                {
                    "id": "8d7c6b5a-4f3e-4d2c-9b1a-0e9f8d7c6b5a",
                    "partner_id": None,
                    "credential_id": "urn:uuid:1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b",
                    "issuer": "did:web:campus-caen.example.fr",
                }
            ],
        }
    ).model_dump(mode="json")


async def notify_event(
    api: Api,
    *,
    event_type: str = REGIONAL_BADGE_AWARDED,
    partner_ids: Collection[str] = (),
    event_id: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> list[OutboundMessage]:
    """What the regional module does: notify in its own (committed) transaction."""
    async with session_scope(api.sessions) as session:
        return await notify(
            session,
            event_type=event_type,
            data=dict(data) if data is not None else award_data(),
            partner_ids=partner_ids,
            event_id=event_id,
        )


async def delivery_log(
    api: Api, headers: Mapping[str, str], endpoint_id: str, **params: Any
) -> dict[str, Any]:
    response = await api.http.get(
        f"/webhook-endpoints/{endpoint_id}/messages", params=params, headers=headers
    )
    assert response.status_code == 200, response.text
    log: dict[str, Any] = response.json()
    return log
