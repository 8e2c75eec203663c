"""What the hostile-input and slow-host tests share: the service with a chosen
allow-list, an Open Badge to verify, and the status list and entry it may point to."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from issuer_api.app import create_app
from issuer_api.settings import Settings
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity as di

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


@contextlib.asynccontextmanager
async def verifying_service(
    data_dir: Path, *, timeout: float, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The service (its lifespan running) with ``settings``, behind an ASGI client."""
    app = create_app(Settings(data_dir=data_dir, **settings))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver", timeout=timeout
        ) as client,
    ):
        yield client


def open_badge(issuer: str, issuer_name: str, **members: Any) -> dict[str, Any]:
    """An unsigned OB 3.0 credential from ``issuer``; ``members`` replace or add members."""
    return {
        "@context": [VC_V2, OB_CONTEXT],
        "id": "urn:uuid:6a1f5e0a-4c1e-4d8e-9d3a-0a1b2c3d4e99",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": issuer_name},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "Teamwork",
        "credentialSubject": {
            "id": "did:example:learner-1",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://issuer.example/achievements/teamwork",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Collaborates within a group.",
                "criteria": {"narrative": "Nominated by peers."},
            },
        },
        **members,
    }


def status_entry(url: str, index: int) -> dict[str, Any]:
    """A revocation ``BitstringStatusListEntry`` at ``index`` of the list at ``url``."""
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def signed_status_list(url: str, key: KeyPair, encoded_list: str) -> dict[str, Any]:
    """The revocation list published at ``url``, issued and signed by ``key``."""
    return di.add_proof(
        {
            "@context": [VC_V2],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": key.controller,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encoded_list,
            },
        },
        key,
    )
