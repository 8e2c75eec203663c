"""Helpers of the credential tests: real clients, real tokens, real achievements.

Every request goes through the HTTP API with an access token obtained the way a partner
gets one (``create_client``, then ``POST /oauth/token`` with HTTP Basic).
"""

from __future__ import annotations

import base64
import json
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
from issuer_api.statuslists.service import StatusListCache
from issuer_api.vcapi import service as vcapi
from verify.report import Report

PUBLIC_BASE_URL = "https://badges.example.fr"
EMAIL = "Camille.Martin@Example.fr"


def web_settings(db_settings: Settings) -> Settings:
    """The test database settings with a public base URL: issuers are did:web."""
    return Settings(
        data_dir=Path(db_settings.data_dir),
        database_url=db_settings.database_url,
        public_base_url=PUBLIC_BASE_URL,  # type: ignore[arg-type]
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

    @property
    def base(self) -> str:
        if self.settings.public_base_url is not None:
            return str(self.settings.public_base_url).rstrip("/")
        return str(self.http.base_url).rstrip("/")

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

    async def partner(self, admin: dict[str, str], slug: str = "campus-caen") -> dict[str, Any]:
        body = {"slug": slug, "name": f"Partenaire {slug}"}
        response = await self.http.post("/admin/issuers", json=body, headers=admin)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def achievement(self, issuer: str, headers: dict[str, str], **fields: Any) -> str:
        body = {
            "name": "Sauveteur secouriste du travail",
            "description": "Intervenir face à une situation d'accident du travail.",
            "criteria": {"narrative": "Formation de 14 heures et évaluation réussie."},
            **fields,
        }
        response = await self.http.post(
            f"/issuers/{issuer}/achievements", json=body, headers=headers
        )
        assert response.status_code == 201, response.text
        achievement_id: str = response.json()["id"]
        return achievement_id

    async def issue(
        self, issuer: str, headers: dict[str, str], body: dict[str, Any], **kwargs: Any
    ) -> httpx.Response:
        return await self.http.post(
            f"/issuers/{issuer}/credentials", json=body, headers=headers, **kwargs
        )

    async def verify(self, data: dict[str, Any] | str) -> Report:
        """obhub's own verifier, with this service's DIDs and status lists (no network)."""
        cache: StatusListCache = self.app.state.status_list_cache
        async with self.sessions() as session:
            world = await vcapi.local_world(session, self.settings, self.kek, cache, [data])
            await session.commit()
        return await vcapi.run_pipeline(data, world)


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
