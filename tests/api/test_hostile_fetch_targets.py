"""Forbidden fetch targets are refused at once, with a reason, never retried as transient.

* A delivered badge whose DID document or status list is at a private, loopback or
  link-local address: the item is rejected on the first run (``fetch_forbidden``),
  not left pending for the job engine to retry for minutes.
* A webhook endpoint whose host *resolves* to such an address is refused when it is
  registered or changed (``422 webhook_url_forbidden``), unless the allow-list names
  the host. The sender checks again at each attempt (see ``tests/outbound``: a host
  rebound to loopback after registration is refused at delivery).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuer_api.settings import Settings
from issuers.helpers import Api, error_code
from obcore.did import did_key_for, did_key_vm_id
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity as di
from outbound.helpers import running_hub
from partners.helpers import Partner, badge_item, deliver_api, make_partner

pytestmark = pytest.mark.anyio

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EMAIL = "camille.martin@example.fr"
KEY = KeyPair.from_ed25519_seed(bytes([11]) * 32)
DID_KEY = did_key_for(KEY.public)
FORBIDDEN_DID = "did:web:10.0.0.1"


def _credential(issuer: str, **members: Any) -> dict[str, Any]:
    return {
        "@context": [VC_V2, OB_CONTEXT],
        "id": "urn:uuid:0f4a7e52-3c1d-4b7a-9e2f-5a6b7c8d9e11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Campus"},
        "validFrom": "2025-01-01T00:00:00Z",
        "name": "Teamwork",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": False,
                    "identityHash": EMAIL,
                }
            ],
            "achievement": {
                "id": "https://campus.example/achievements/teamwork",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Collaborates within a group.",
                "criteria": {"narrative": "Nominated by peers."},
            },
        },
        **members,
    }


def _on_forbidden_did() -> dict[str, Any]:
    key = KEY.with_ids(f"{FORBIDDEN_DID}#key-1", FORBIDDEN_DID)
    return di.add_proof(_credential(FORBIDDEN_DID), key)


def _with_forbidden_status_list() -> dict[str, Any]:
    url = "https://169.254.169.254/latest/status/1"
    status = {
        "id": f"{url}#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": url,
    }
    key = KEY.with_ids(did_key_vm_id(KEY.public), DID_KEY)
    return di.add_proof(_credential(DID_KEY, credentialStatus=status), key)


@pytest.fixture
async def partner(api: Api) -> Partner:
    return await make_partner(
        api, trusted_issuers=[FORBIDDEN_DID, DID_KEY], oauth_client=True, slug="campus"
    )


@pytest.mark.parametrize(
    ("credential", "check"),
    [(_on_forbidden_did, "proof"), (_with_forbidden_status_list, "status")],
    ids=["did-web-on-a-private-address", "status-list-on-the-metadata-address"],
)
async def test_a_badge_needing_a_forbidden_target_is_rejected_on_the_first_run(
    api: Api, partner: Partner, credential: Any, check: str
) -> None:
    response = await deliver_api(
        api, partner.headers, {"badges": [badge_item(credential(), EMAIL)]}
    )
    assert response.status_code == 202, response.text

    await api.app.state.jobs.run_pending()

    receipt = (await api.http.get(response.headers["location"], headers=partner.headers)).json()
    assert receipt["status"] == "done"  # not waiting for a retry
    [item] = receipt["badges"]
    assert item["outcome"] == "rejected"
    [reason] = item["reasons"]
    assert (reason["code"], reason["check"]) == ("fetch_forbidden", check)
    assert set(reason["messages"]) == {"fr", "en"}


# --------------------------------------------------------------------------- webhook endpoints


@pytest.fixture
async def hub(
    db_settings: Settings, sessions: async_sessionmaker[AsyncSession], anyio_backend: str
) -> AsyncIterator[Api]:
    """The hub with an empty allow-list."""
    async with running_hub(db_settings, sessions, fetch_allowlist=[]) as api:
        yield api


@pytest.mark.parametrize(
    "url",
    ["https://localhost/hooks", "https://LocalHost:8443/hooks"],
)
async def test_a_webhook_endpoint_whose_host_resolves_to_loopback_is_refused_at_registration(
    hub: Api, url: str
) -> None:
    admin = await hub.headers("admin")
    response = await hub.http.post("/webhook-endpoints", json={"url": url}, headers=admin)
    assert response.status_code == 422, response.text
    assert error_code(response) == "webhook_url_forbidden"
    assert "non-public address" in response.json()["error"]["details"]["reason"]


async def test_changing_a_webhook_endpoint_to_a_loopback_host_is_refused(
    db_settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with running_hub(db_settings, sessions, fetch_allowlist=["192.0.2.0/24"]) as hub:
        admin = await hub.headers("admin")
        created = await hub.http.post(
            "/webhook-endpoints", json={"url": "https://192.0.2.10/hooks"}, headers=admin
        )
        assert created.status_code == 201, created.text
        changed = await hub.http.patch(
            f"/webhook-endpoints/{created.json()['id']}",
            json={"url": "https://localhost/hooks"},
            headers=admin,
        )
    assert changed.status_code == 422, changed.text
    assert error_code(changed) == "webhook_url_forbidden"


async def test_a_loopback_host_named_in_the_allow_list_may_be_registered(
    db_settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with running_hub(db_settings, sessions, fetch_allowlist=["localhost"]) as hub:
        admin = await hub.headers("admin")
        response = await hub.http.post(
            "/webhook-endpoints", json={"url": "https://localhost/hooks"}, headers=admin
        )
    assert response.status_code == 201, response.text


async def test_a_host_that_does_not_resolve_yet_may_be_registered(hub: Api) -> None:
    """Nothing to judge until it has addresses: the sender checks them at each attempt."""
    admin = await hub.headers("admin")
    response = await hub.http.post(
        "/webhook-endpoints", json={"url": "https://hooks.invalid/obhub"}, headers=admin
    )
    assert response.status_code == 201, response.text
