"""The hub under test for ingestion: partners, deliveries, jobs, and what they left.

:class:`Hub` is the test :class:`~issuance.helpers.Api` (app, HTTP client, sessions)
plus a local HTTP server (:attr:`Hub.web`) that the verifier may fetch from (status
lists, OB 2.0 hosted badges): the app is configured with ``127.0.0.1`` in its fetch
allow-list. Deliveries are stored through the real inbox and processed by the real job
runtime (``await hub.run_jobs()``), or by calling the task with a chosen attempt number
(``hub.context(attempt=8)``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from ingestion.factory import PartnerIssuer, json_item
from issuance.helpers import Api
from issuer_api.ingestion.inbox import InboxItem, store_delivery
from issuer_api.jobs import JobContext
from issuer_api.models import (
    Delivery,
    DeliveryItem,
    Learner,
    LearnerIdentifier,
    Partner,
    PartnerBadge,
    PartnerBadgeEvent,
    PartnerTrustedIssuer,
)
from issuer_api.settings import Settings
from verification.localhttp import LocalServer, Reply

EMAIL = "Camille.Martin@Example.fr"
OTHER_EMAIL = "dominique.petit@example.fr"
LEARNER_DID = "did:example:camille"


def hub_settings(db_settings: Settings, **extra: object) -> Settings:
    """The test database's settings; the verifier may fetch from 127.0.0.1, jobs run
    only when a test says so, retries at once."""
    return Settings(
        data_dir=Path(db_settings.data_dir),
        database_url=db_settings.database_url,
        fetch_allowlist=["127.0.0.1"],
        run_jobs_in_process=False,
        job_retry_backoff_seconds=0,
        **extra,  # type: ignore[arg-type]
    )


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` started (lifespan) and an HTTP client calling it in process."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://localhost"
        ) as http,
    ):
        yield http


@dataclass
class Hub(Api):
    web: LocalServer | None = None

    @property
    def server(self) -> LocalServer:
        assert self.web is not None
        return self.web

    def serve(self, path: str, document: Any, *, status: int = 200) -> str:
        """Serve ``document`` (JSON) at ``path`` on the local server, uncached; its URL."""
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        self.server.routes[path] = Reply(status, body, headers={"Cache-Control": "no-store"})
        return self.server.url(path)

    async def deliver_with_unfetchable_status(self, partner_id: str, issuer: PartnerIssuer) -> str:
        """Deliver a badge of ``issuer`` (to :data:`EMAIL`) whose status list the local
        server does not have (404): its status cannot be checked; the delivery's id."""
        unreachable = self.server.url("/status/missing")
        credential = issuer.credential(email=EMAIL, status=issuer.status_entry(unreachable, 7))
        return await self.deliver(
            partner_id, json_item(issuer.signed_json(credential), email=EMAIL)
        )

    async def add_partner(
        self, slug: str = "campus-caen", *, trusts: Iterable[str] = (), state: str = "active"
    ) -> str:
        """A partner (created directly in the database) trusted for ``trusts``; its id."""
        async with self.sessions() as session:
            partner = Partner(slug=slug, name=f"Partenaire {slug}", state=state)
            partner.trusted_issuers = [
                PartnerTrustedIssuer(identifier=i, kind="did" if i.startswith("did:") else "url")
                for i in trusts
            ]
            session.add(partner)
            await session.commit()
            return partner.id

    async def set_partner_state(self, partner_id: str, state: str) -> None:
        async with self.sessions() as session:
            partner = await session.get(Partner, partner_id)
            assert partner is not None
            partner.state = state
            await session.commit()

    async def deliver(
        self, partner_id: str | None, *items: InboxItem, channel: str | None = None
    ) -> str:
        """Store a delivery through the inbox (its processing job is enqueued); its id."""
        body = json.dumps([item.payload for item in items]).encode()
        async with self.sessions() as session:
            delivery, created = await store_delivery(
                session,
                self.kek,
                partner_id=partner_id,
                channel=channel or ("webhook" if partner_id else "claim"),  # type: ignore[arg-type]
                webhook_id=f"msg_{uuid.uuid4().hex}" if partner_id else None,
                client_id=None,
                body=body,
                items=items,
            )
            await session.commit()
        assert created
        return delivery.id

    async def run_jobs(self) -> int:
        """Run every due job (jobs they enqueue included); how many ran."""
        ran: int = await self.app.state.jobs.run_pending()
        return ran

    def context(self, attempt: int = 1, max_attempts: int = 8) -> JobContext:
        """A job context of the app's runtime, as the given attempt of a task."""
        context: JobContext = self.app.state.jobs.context()
        context.attempt = attempt
        context.max_attempts = max_attempts
        return context

    # ------------------------------------------------------------------ reading back

    async def delivery(self, delivery_id: str) -> Delivery:
        async with self.sessions() as session:
            found = await session.get(Delivery, delivery_id)
            assert found is not None
            return found

    async def items(self, delivery_id: str) -> list[DeliveryItem]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(DeliveryItem)
                .where(DeliveryItem.delivery_id == delivery_id)
                .order_by(DeliveryItem.position)
            )
            return list(rows)

    async def item(self, delivery_id: str) -> DeliveryItem:
        (only,) = await self.items(delivery_id)
        return only

    async def badges(self) -> list[PartnerBadge]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(PartnerBadge).order_by(PartnerBadge.created_at, PartnerBadge.id)
            )
            return list(rows)

    async def badge(self) -> PartnerBadge:
        (only,) = await self.badges()
        return only

    async def learners(self) -> list[Learner]:
        async with self.sessions() as session:
            return list(await session.scalars(select(Learner)))

    async def identifiers(self) -> list[LearnerIdentifier]:
        async with self.sessions() as session:
            rows = await session.scalars(select(LearnerIdentifier).order_by(LearnerIdentifier.id))
            return list(rows)

    async def events(self) -> list[PartnerBadgeEvent]:
        async with self.sessions() as session:
            rows = await session.scalars(select(PartnerBadgeEvent).order_by(PartnerBadgeEvent.id))
            return list(rows)


def codes(item: DeliveryItem) -> list[str]:
    return [r["code"] for r in item.reasons]


def reasons(items: Sequence[DeliveryItem]) -> list[list[dict[str, str]]]:
    return [list(item.reasons) for item in items]
