"""Helpers of the credential tests: real clients, real tokens, real achievements.

Every request goes through the HTTP API with an access token obtained the way a partner
gets one (``create_client``, then ``POST /oauth/token`` with HTTP Basic).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import httpx
import pytest

from issuer_api.statuslists.service import StatusListCache
from issuer_api.vcapi import service as vcapi
from issuers.helpers import Api as IssuerApi
from issuers.helpers import error_code, web_settings
from verify.report import Report

EMAIL = "Camille.Martin@Example.fr"

__all__ = ["EMAIL", "Api", "dump", "error_code", "web_settings"]


@dataclass
class Api(IssuerApi):
    """The issuer test API, plus what credential tests need: achievements, issuance, verify."""

    @property
    def base(self) -> str:
        if self.settings.public_base_url is not None:
            return str(self.settings.public_base_url).rstrip("/")
        return str(self.http.base_url).rstrip("/")

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

    async def regional_record(self, **body: Any) -> dict[str, Any]:
        """A credential the Region issues to :data:`EMAIL` for a new achievement of its
        own (``body``: more members of the request); the issuance record."""
        await self.region()
        admin = await self.headers("admin")
        achievement = await self.achievement("region", admin)
        response = await self.issue(
            "region",
            admin,
            {"achievement_id": achievement, "recipient": {"email": EMAIL}, **body},
        )
        assert response.status_code == 201, response.text
        record: dict[str, Any] = response.json()
        return record

    async def verify(self, data: dict[str, Any] | str) -> Report:
        """obhub's own verifier, with this service's DIDs and status lists (no network)."""
        cache: StatusListCache = self.app.state.status_list_cache
        async with self.sessions() as session:
            world = await vcapi.local_world(session, self.settings, self.kek, cache, [data])
            await session.commit()
        return await vcapi.run_pipeline(data, world)


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def record_thread_hops(monkeypatch: pytest.MonkeyPatch, *, only: str | None = None) -> list[str]:
    """The names of the functions handed to a worker thread from now on (``only``: those
    so named), each still run there."""
    hops: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def recording(function: Any, *args: Any, **kwargs: Any) -> Any:
        name = getattr(function, "__name__", repr(function))
        if only is None or name == only:
            hops.append(name)
        return await run_sync(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", recording)
    return hops
