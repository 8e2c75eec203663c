"""Helpers shared by the issuer, identity and achievement tests: real clients, real tokens.

Every request goes through the HTTP API with an access token obtained the way a partner
gets one: an API client is created in the database (``create_client``), then
``POST /oauth/token`` with HTTP Basic authentication.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuer_api.auth.service import create_client
from issuer_api.issuers.service import bootstrap_region
from issuer_api.models import Issuer
from issuer_api.settings import Settings
from obcore import contexts

PUBLIC_BASE_URL = "https://badges.example.fr"


def web_settings(db_settings: Settings) -> Settings:
    """The test database settings with a public base URL: issuers are did:web."""
    return Settings(
        data_dir=Path(db_settings.data_dir),
        database_url=db_settings.database_url,
        public_base_url=PUBLIC_BASE_URL,
        run_jobs_in_process=db_settings.run_jobs_in_process,
    )


@dataclass
class Api:
    """The app under test, its HTTP client and its database."""

    app: FastAPI
    http: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]

    @property
    def settings(self) -> Settings:
        settings: Settings = self.app.state.settings
        return settings

    @property
    def kek(self) -> bytes:
        kek: bytes = self.app.state.kek.get_secret_value()
        return kek

    async def headers(self, *scopes: str, issuer_id: str | None = None) -> dict[str, str]:
        """``Authorization: Bearer …`` for a new client holding ``scopes``."""
        async with self.sessions() as session:
            created = await create_client(session, "Test client", scopes, issuer_id)
            await session.commit()
        basic = base64.b64encode(f"{created.client_id}:{created.client_secret}".encode()).decode()
        response = await self.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def region(self) -> Issuer:
        async with self.sessions() as session:
            region = await bootstrap_region(session, self.settings, self.kek)
            await session.commit()
        return region

    async def create_issuer(self, admin: Mapping[str, str], **fields: Any) -> dict[str, Any]:
        body = {"slug": "campus-caen", "name": "Campus des métiers de Caen", **fields}
        response = await self.http.post("/admin/issuers", json=body, headers=admin)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


def field_errors(response: httpx.Response) -> set[str]:
    """The ``field`` of every 422 error detail."""
    assert response.status_code == 422, response.text
    return {error["field"] for error in response.json()["error"]["details"]["errors"]}


def minimal_credential(issuer: Any, achievement: Mapping[str, Any]) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential embedding ``achievement`` (for schema checks)."""
    return {
        "@context": [contexts.VC_V2, contexts.OB_V3],
        "id": "urn:uuid:2f0c5e4e-6a53-4d5c-9a57-2a3c1f0e9b11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-15T10:00:00Z",
        "name": str(achievement.get("name", "Badge")),
        "credentialSubject": {
            "id": "did:example:apprenant",
            "type": ["AchievementSubject"],
            "achievement": dict(achievement),
        },
    }
