"""Acceptance: a partner-style client issues a badge, an independent verifier accepts it,
the badge is revoked, the independent verifier and obhub's own both reject it.

Everything goes over HTTP as a real client would do it: OAuth token (client credentials,
HTTP Basic), achievement creation, issuance, then the public documents a verifier
fetches — the credential, its status list and the issuer's DID document (did:web). The
independent verifier is ``interop/xverify`` (Digital Bazaar's ``@digitalbazaar/vc`` with
the eddsa-rdfc-2022 cryptosuite), given those documents as files: it shares no code with
obhub and does no network access.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from interop.conftest import Verdict, Xverify, _verdict
from issuer_api.app import create_app
from issuer_api.auth.service import create_client
from issuer_api.issuers.service import bootstrap_region
from issuer_api.settings import Settings

pytestmark = [pytest.mark.anyio, pytest.mark.interop]

PUBLIC_BASE_URL = "https://badges.example.fr"


@pytest.fixture
async def http(
    db_settings: Settings, sessions: async_sessionmaker[AsyncSession], anyio_backend: str
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """The service as deployed (did:web identities), and the Basic credentials of a
    Region client allowed to create achievements, issue and revoke."""
    settings = Settings(
        data_dir=Path(db_settings.data_dir),
        database_url=db_settings.database_url,
        public_base_url=PUBLIC_BASE_URL,  # type: ignore[arg-type]
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=PUBLIC_BASE_URL
        ) as client,
    ):
        async with sessions() as session:
            region = await bootstrap_region(session, settings, app.state.kek.get_secret_value())
            created = await create_client(
                session, "Organisme de formation", ["achievements", "issue", "status"], region.id
            )
            await session.commit()
        basic = base64.b64encode(f"{created.client_id}:{created.client_secret}".encode()).decode()
        yield client, {"Authorization": f"Basic {basic}"}


def _verify_independently(
    xverify: Xverify,
    *,
    workdir: Path,
    name: str,
    credential: Any,
    status_url: str,
    status: Any,
    did_docs: dict[str, Any],
) -> Verdict:
    credential_file = workdir / f"{name}-credential.json"
    status_file = workdir / f"{name}-status-list.json"
    did_file = workdir / f"{name}-did-docs.json"
    credential_file.write_text(json.dumps(credential), encoding="utf-8")
    status_file.write_text(json.dumps(status), encoding="utf-8")
    did_file.write_text(json.dumps(did_docs), encoding="utf-8")
    run = xverify.run(
        "verify.mjs",
        str(credential_file),
        "--json",
        "--status-list",
        f"{status_url}={status_file}",
        env={"XVERIFY_DID_DOCS": str(did_file)},
    )
    return _verdict(run)


async def test_issue_verify_revoke_verify(
    http: tuple[httpx.AsyncClient, dict[str, str]], xverify: Xverify, tmp_path: Path
) -> None:
    client, basic = http
    token = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic
    )
    assert token.status_code == 200, token.text
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}

    achievement = await client.post(
        "/issuers/region/achievements",
        json={
            "name": "Sauveteur secouriste du travail",
            "description": "Intervenir face à une situation d'accident du travail.",
            "criteria": {"narrative": "Formation de 14 heures et évaluation réussie."},
            "achievementType": "Certificate",
        },
        headers=bearer,
    )
    assert achievement.status_code == 201, achievement.text

    issued = await client.post(
        "/issuers/region/credentials",
        json={
            "achievement_id": achievement.json()["id"],
            "recipient": {"email": "camille.martin@example.fr"},
            "evidence": [{"narrative": "Évaluation pratique réussie le 20 novembre."}],
        },
        headers={**bearer, "Idempotency-Key": "acceptance-1"},
    )
    assert issued.status_code == 201, issued.text

    # What a verifier fetches: the credential, its status list, the issuer's DID document.
    fetched = await client.get(issued.headers["Location"])
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "application/vc+ld+json"
    credential = fetched.json()
    issuer_did = credential["issuer"]["id"]
    assert issuer_did == "did:web:badges.example.fr"
    did_document = (await client.get("/.well-known/did.json")).json()
    assert did_document["id"] == issuer_did
    status_url = credential["credentialStatus"]["statusListCredential"]
    assert status_url.startswith(f"{PUBLIC_BASE_URL}/status/")
    status_list = await client.get(status_url)
    assert status_list.status_code == 200
    did_docs = {issuer_did: did_document}

    before = _verify_independently(
        xverify,
        workdir=tmp_path,
        name="issued",
        credential=credential,
        status_url=status_url,
        status=status_list.json(),
        did_docs=did_docs,
    )
    assert before.status == "VALID", before.run.describe()
    assert "status revocation" in " ".join(before.notes)
    ours = await client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert ours.status_code == 200, ours.text
    assert ours.json()["verified"] is True

    revoked = await client.post(
        f"/credentials/{issued.json()['id']}/revoke",
        json={"reason": "Délivré au mauvais stagiaire."},
        headers=bearer,
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"

    refreshed = await client.get(status_url, headers={"If-None-Match": status_list.headers["ETag"]})
    assert refreshed.status_code == 200  # a new version, not 304
    assert refreshed.headers["ETag"] != status_list.headers["ETag"]
    after = _verify_independently(
        xverify,
        workdir=tmp_path,
        name="revoked",
        credential=credential,
        status_url=status_url,
        status=refreshed.json(),
        did_docs=did_docs,
    )
    assert after.status == "INVALID", after.run.describe()
    assert "revocation set" in after.reason

    ours_after = await client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert ours_after.status_code == 400
    assert ours_after.json()["verified"] is False
    assert "status: revoked" in ours_after.json()["errors"]
