"""Helpers for tests that involve partners: register one, sign and send its webhooks.

Reuse them from any test package (``from partners.helpers import …``)::

    partner = await make_partner(api, trusted_issuers=["did:key:z6Mk…"])
    response = await deliver(api, partner, {"badges": [badge_item(credential, EMAIL)]})
    assert response.status_code == 202
    receipt_id = response.json()["receipt_id"]
    await api.app.state.jobs.run_pending()            # the processing, when wired

* :func:`sign_webhook` — the three Standard Webhooks headers for a body, as a partner
  computes them (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``).
* :func:`make_partner` — a partner registered through the admin API, with a webhook
  secret and, on request, an OAuth client (``partner.headers``: its bearer token).
* :func:`deliver` — ``POST /webhooks/partners/{id}`` signed with the partner's secret.
* :func:`deliver_api` — ``POST /v1/badges`` with the partner's OAuth token.
* :func:`badge_item` — one envelope entry: a credential and its recipient.
* :func:`with_ingestion_routes` — include the partner and ingestion routers in an app
  that does not serve them yet.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, text

from issuer_api.models import Delivery, DeliveryItem
from issuer_api.partners import signatures
from issuers.helpers import Api

DRAIN_TASK = "ingest.drain_inbox"


def sign_webhook(
    secret: str, body: bytes, webhook_id: str | None = None, timestamp: int | None = None
) -> dict[str, str]:
    """Standard Webhooks headers for ``body`` signed with ``secret`` (``whsec_…``).

    ``webhook_id`` defaults to a new ``msg_…`` id and ``timestamp`` to now (Unix
    seconds); pass an old or future timestamp to test the tolerance window.
    """
    webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures.sign(secret, body, webhook_id, timestamp),
        "content-type": "application/json",
    }


def encode(document: Any) -> bytes:
    """A JSON body exactly as sent (the bytes the signature covers)."""
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def badge_item(
    credential: Mapping[str, Any] | str,
    email: str | None = "camille.martin@example.fr",
    *,
    did: str | None = None,
    reference: str | None = None,
    format: str | None = None,
) -> dict[str, Any]:
    """One entry of a delivery's ``badges`` (recipient: ``did`` if given, else ``email``)."""
    item: dict[str, Any] = {
        "credential": dict(credential) if isinstance(credential, Mapping) else credential,
        "recipient": {"did": did} if did is not None else {"email": email},
    }
    if reference is not None:
        item["reference"] = reference
    if format is not None:
        item["format"] = format
    return item


@dataclass
class Partner:
    """A registered partner as tests use it."""

    id: str
    slug: str
    record: dict[str, Any]
    secret: str | None = None  # its webhook signing secret (whsec_…)
    client_id: str | None = None
    client_secret: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # its bearer token, if a client

    @property
    def webhook_url(self) -> str:
        return f"/webhooks/partners/{self.id}"


async def token_headers(api: Api, client_id: str, client_secret: str) -> dict[str, str]:
    """``Authorization: Bearer …`` for an existing client (client credentials grant)."""
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    response = await api.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def make_partner(
    api: Api,
    admin: Mapping[str, str] | None = None,
    *,
    slug: str = "campus-caen",
    name: str | None = None,
    trusted_issuers: Sequence[str] = (),
    webhook_secret: bool = True,
    oauth_client: bool = False,
    **fields: Any,
) -> Partner:
    """Register a partner through the admin API (``POST /partners``).

    ``trusted_issuers``: DIDs or https URLs whose badges it may deliver.
    ``webhook_secret``: also create a signing secret (``partner.secret``).
    ``oauth_client``: also create its ``deliver`` client (``partner.headers``).
    ``fields``: any other field of ``POST /partners`` (``contact_email`` …).
    """
    admin = dict(admin) if admin is not None else await api.headers("admin")
    body = {
        "slug": slug,
        "name": name or f"Partenaire {slug}",
        "trusted_issuers": [{"identifier": identifier} for identifier in trusted_issuers],
        **fields,
    }
    response = await api.http.post("/partners", json=body, headers=admin)
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    partner = Partner(id=record["id"], slug=record["slug"], record=record)
    if webhook_secret:
        created = await api.http.post(f"/partners/{partner.id}/webhook-secrets", headers=admin)
        assert created.status_code == 201, created.text
        partner.secret = created.json()["secret"]
    if oauth_client:
        client = await api.http.post(f"/partners/{partner.id}/client", headers=admin)
        assert client.status_code == 201, client.text
        partner.client_id = client.json()["client_id"]
        partner.client_secret = client.json()["client_secret"]
        partner.headers = await token_headers(
            api, client.json()["client_id"], partner.client_secret
        )
    return partner


async def deliver(
    api: Api,
    partner: Partner,
    document: Any,
    *,
    webhook_id: str | None = None,
    timestamp: int | None = None,
    secret: str | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """Send ``document`` (JSON-encoded; bytes as given) as the partner's signed webhook."""
    body = document if isinstance(document, bytes) else encode(document)
    signing_secret = secret or partner.secret
    assert signing_secret is not None, "the partner has no webhook secret"
    headers = sign_webhook(signing_secret, body, webhook_id, timestamp)
    headers.update(extra_headers or {})
    return await api.http.post(partner.webhook_url, content=body, headers=headers)


async def deliver_api(
    api: Api,
    headers: Mapping[str, str],
    document: Any,
    *,
    idempotency_key: str | None = None,
    partner: str | None = None,
) -> httpx.Response:
    """``POST /v1/badges`` with a bearer token."""
    sent = dict(headers)
    if idempotency_key is not None:
        sent["Idempotency-Key"] = idempotency_key
    params = {"partner": partner} if partner is not None else None
    body = document if isinstance(document, bytes) else encode(document)
    sent.setdefault("content-type", "application/json")
    return await api.http.post("/v1/badges", content=body, headers=sent, params=params)


# --------------------------------------------------------------------------- database


async def count_deliveries(api: Api) -> tuple[int, int]:
    """(deliveries, delivery items) stored."""
    async with api.sessions() as session:
        deliveries = await session.scalar(select(func.count()).select_from(Delivery))
        items = await session.scalar(select(func.count()).select_from(DeliveryItem))
    return int(deliveries or 0), int(items or 0)


async def count_jobs(api: Api, task: str = DRAIN_TASK) -> int:
    """Jobs of ``task`` waiting (the ``job`` table on SQLite, procrastinate on PostgreSQL)."""
    async with api.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            query = text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = :task")
        else:
            query = text("SELECT count(*) FROM job WHERE task = :task")
        return int((await session.execute(query, {"task": task})).scalar_one())


# --------------------------------------------------------------------------- application


def with_ingestion_routes(app: FastAPI) -> FastAPI:
    """Serve the partner registry, deliveries and receipts (when app.py does not yet)."""
    from issuer_api.ingestion import endpoints as ingestion_endpoints  # noqa: PLC0415
    from issuer_api.partners import endpoints as partner_endpoints  # noqa: PLC0415

    paths = {getattr(route, "path", None) for route in app.routes}
    if "/partners" not in paths:
        app.include_router(partner_endpoints.router)
    if "/v1/badges" not in paths:
        app.include_router(ingestion_endpoints.router)
    return app
