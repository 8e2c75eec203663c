"""Outbound webhooks: the hub notifies partners and the Region of regional badge events.

Every delivery goes over real HTTP to a local receiver (127.0.0.1, allow-listed), is
signed the Standard Webhooks way, retried with backoff (immediately in these tests),
and logged attempt by attempt.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from issuer_api.db import session_scope
from issuer_api.jobs import enqueue
from issuer_api.models import AuditEvent, OutboundMessage, WebhookEndpoint
from issuer_api.outbound.schemas import (
    REGIONAL_BADGE_AWARDED,
    REGIONAL_BADGE_REVOKED,
    REGIONAL_BADGE_SUSPENDED,
)
from issuer_api.outbound.service import DELIVER_TASK, MAX_ATTEMPTS, notify
from issuer_api.settings import Settings
from issuers.helpers import Api, error_code
from obcore import keywrap
from outbound.helpers import (
    add_partner,
    award_data,
    create_endpoint,
    delivery_log,
    notify_event,
    partner_headers,
    run_jobs,
    running_hub,
)
from outbound.receiver import Received, Receiver
from verify import fetch

pytestmark = pytest.mark.anyio


def verified_payload(secret: str, request: Received) -> Any:
    """The payload, if the request's signature is valid for ``secret`` (raises otherwise)."""
    return Webhook(secret).verify(request.body, request.headers)


# --------------------------------------------------------------------------- endpoints


async def test_a_new_endpoint_shows_its_signing_secret_once_and_stores_it_sealed(
    hub: Api, receiver: Receiver
) -> None:
    admin = await hub.headers("admin")

    response = await hub.http.post(
        "/webhook-endpoints",
        json={"url": receiver.url(), "events": ["regional_badge.*"]},
        headers=admin,
    )

    assert response.status_code == 201, response.text
    created = response.json()
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert created["partner_id"] is None  # the Region's endpoint
    assert created["active"] is True
    assert response.headers["location"] == f"/webhook-endpoints/{created['id']}"

    shown = await hub.http.get(f"/webhook-endpoints/{created['id']}", headers=admin)
    listed = await hub.http.get("/webhook-endpoints", headers=admin)
    assert "secret" not in shown.json()
    assert secret not in shown.text
    assert secret not in listed.text
    assert [item["id"] for item in listed.json()["items"]] == [created["id"]]

    async with hub.sessions() as session:
        raw = (await session.execute(text("SELECT * FROM webhook_endpoint"))).all()
        endpoint = await session.get(WebhookEndpoint, created["id"])
        audit = (await session.execute(select(AuditEvent))).scalars().all()
    assert secret not in repr(raw)
    assert secret.removeprefix("whsec_") not in repr(raw)
    assert endpoint is not None
    assert keywrap.unseal_text(endpoint.secret_sealed, hub.kek, keywrap.SECRET_PURPOSE) == secret
    assert [(e.action, e.target_id) for e in audit] == [("webhook_endpoint.created", created["id"])]
    assert secret not in json.dumps([e.data for e in audit])


async def test_an_endpoint_url_must_be_https_unless_its_host_is_allow_listed(
    db_settings: Settings, sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    async with running_hub(db_settings, sessions, fetch_allowlist=[]) as hub:
        admin = await hub.headers("admin")

        refused = [
            await hub.http.post("/webhook-endpoints", json={"url": url}, headers=admin)
            for url in (
                receiver.url(),  # http to a host that is not allow-listed
                "https://10.0.0.7/hooks",  # a private address
                "https://[::1]/hooks",  # loopback
                "https://169.254.169.254/latest",  # link-local (cloud metadata)
                "https://user:pass@lms.example.fr/hooks",  # credentials in the URL
                "ftp://lms.example.fr/hooks",
            )
        ]

    assert [r.status_code for r in refused] == [422] * 6
    assert {error_code(r) for r in refused[:5]} == {"webhook_url_forbidden"}
    assert error_code(refused[5]) == "invalid_request"  # not even an http(s) URL


async def test_a_host_rebound_to_a_private_address_after_registration_is_refused_at_delivery(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = iter([["93.184.216.80"], ["127.0.0.1"]])

    def rebinding_dns(host: str, port: int, timeout: float | None = None) -> list[str]:
        """A name that is public when the endpoint is saved, loopback when it is used."""
        assert host == "hooks.rebind.example"
        return next(answers)

    monkeypatch.setattr(fetch, "resolve_addresses", rebinding_dns)
    async with running_hub(db_settings, sessions, fetch_allowlist=[]) as hub:
        admin = await hub.headers("admin")
        endpoint = await create_endpoint(
            hub, admin, f"https://hooks.rebind.example:{receiver.port}/hooks"
        )

        [message] = await notify_event(hub)
        await run_jobs(hub)
        log = await delivery_log(hub, admin, endpoint["id"])

    assert receiver.received == []
    [entry] = log["items"]
    assert entry["id"] == message.id
    assert entry["status"] == "dead"  # not retried: the destination itself is refused
    [attempt] = entry["attempt_log"]
    assert attempt["status_code"] is None
    assert "non-public address" in attempt["error"]


async def test_updating_and_deleting_an_endpoint(hub: Api, receiver: Receiver) -> None:
    admin = await hub.headers("admin")
    endpoint = await create_endpoint(hub, admin, receiver.url())

    updated = await hub.http.patch(
        f"/webhook-endpoints/{endpoint['id']}",
        json={"events": ["regional_badge.revoked"], "url": receiver.url("/v2")},
        headers=admin,
    )
    cleared = await hub.http.patch(
        f"/webhook-endpoints/{endpoint['id']}", json={"url": None}, headers=admin
    )
    unknown_event = await hub.http.patch(
        f"/webhook-endpoints/{endpoint['id']}", json={"events": ["badge.awarded"]}, headers=admin
    )
    deleted = await hub.http.delete(f"/webhook-endpoints/{endpoint['id']}", headers=admin)
    gone = await hub.http.get(f"/webhook-endpoints/{endpoint['id']}", headers=admin)

    assert updated.status_code == 200, updated.text
    assert updated.json()["events"] == ["regional_badge.revoked"]
    assert updated.json()["url"] == receiver.url("/v2")
    assert error_code(cleared) == "invalid_request"
    assert error_code(unknown_event) == "invalid_request"
    assert deleted.status_code == 204
    assert error_code(gone) == "webhook_endpoint_not_found"


# --------------------------------------------------------------------------- delivery


async def test_a_notification_is_delivered_signed_the_standard_webhooks_way(
    hub: Api, receiver: Receiver
) -> None:
    admin = await hub.headers("admin")
    endpoint = await create_endpoint(hub, admin, receiver.url())

    [message] = await notify_event(hub, data=award_data("learner-42"))
    await run_jobs(hub)

    [request] = receiver.received
    assert request.path == "/hooks/obhub"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "obhub-webhooks/1"
    assert request.headers["webhook-id"] == message.event_id
    assert message.event_id.startswith("msg_")
    payload = verified_payload(endpoint["secret"], request)
    assert payload["type"] == "regional_badge.awarded"
    assert payload["timestamp"].endswith("Z")
    assert payload["data"]["learner_id"] == "learner-42"
    assert payload["data"]["achievement"]["code"] == "REG-NUM-2"
    with pytest.raises(WebhookVerificationError):
        verified_payload("whsec_" + base64.b64encode(b"\0" * 32).decode(), request)

    log = await delivery_log(hub, admin, endpoint["id"])
    [entry] = log["items"]
    assert entry["status"] == "delivered"
    assert entry["attempts"] == 1
    assert entry["delivered_at"] is not None
    assert entry["payload"] == payload
    [attempt] = entry["attempt_log"]
    assert attempt["status_code"] == 200
    assert attempt["error"] is None
    assert attempt["duration_ms"] >= 0


async def test_a_failing_endpoint_is_retried_until_it_answers(hub: Api, receiver: Receiver) -> None:
    admin = await hub.headers("admin")
    endpoint = await create_endpoint(hub, admin, receiver.url())
    receiver.answer(500, 503)

    await notify_event(hub)
    await run_jobs(hub)

    assert len(receiver.received) == 3
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # one message
    for request in receiver.received:
        verified_payload(endpoint["secret"], request)
    [entry] = (await delivery_log(hub, admin, endpoint["id"]))["items"]
    assert entry["status"] == "delivered"
    assert entry["attempts"] == 3
    assert [a["status_code"] for a in entry["attempt_log"]] == [200, 503, 500]  # newest first
    assert entry["attempt_log"][1]["error"] == "the server answered HTTP 503"


async def test_a_message_is_dead_after_its_last_attempt_and_shows_in_the_log(
    hub: Api, receiver: Receiver
) -> None:
    admin = await hub.headers("admin")
    endpoint = await create_endpoint(hub, admin, receiver.url())
    receiver.default_status = 500

    await notify_event(hub)
    await run_jobs(hub)

    assert len(receiver.received) == MAX_ATTEMPTS == 8
    dead = await delivery_log(hub, admin, endpoint["id"], status="dead")
    [entry] = dead["items"]
    assert entry["attempts"] == 8
    assert entry["last_status_code"] == 500
    assert entry["next_attempt_at"] is None
    assert len(entry["attempt_log"]) == 8
    assert (await delivery_log(hub, admin, endpoint["id"], status="pending"))["total"] == 0


async def test_a_dead_message_can_be_queued_again(hub: Api, receiver: Receiver) -> None:
    admin = await hub.headers("admin")
    endpoint = await create_endpoint(hub, admin, receiver.url())
    receiver.default_status = 500
    [message] = await notify_event(hub)
    await run_jobs(hub)
    receiver.default_status = 200  # the partner fixed its server

    retried = await hub.http.post(
        f"/webhook-endpoints/{endpoint['id']}/messages/{message.id}/retry", headers=admin
    )
    await run_jobs(hub)
    again = await hub.http.post(
        f"/webhook-endpoints/{endpoint['id']}/messages/{message.id}/retry", headers=admin
    )

    assert retried.status_code == 202, retried.text
    assert retried.json()["status"] == "pending"
    assert len(receiver.received) == MAX_ATTEMPTS + 1
    verified_payload(endpoint["secret"], receiver.received[-1])
    [entry] = (await delivery_log(hub, admin, endpoint["id"]))["items"]
    assert entry["status"] == "delivered"
    assert entry["attempts"] == MAX_ATTEMPTS + 1
    assert error_code(again) == "outbound_message_not_dead"


async def test_an_endpoint_answering_410_gone_is_disabled(hub: Api, receiver: Receiver) -> None:
    admin = await hub.headers("admin")
    endpoint = await create_endpoint(hub, admin, receiver.url())
    receiver.answer(410)

    await notify_event(hub)
    await run_jobs(hub)
    later = await notify_event(hub)
    test = await hub.http.post(f"/webhook-endpoints/{endpoint['id']}/test", headers=admin)

    assert len(receiver.received) == 1  # no retry
    shown = await hub.http.get(f"/webhook-endpoints/{endpoint['id']}", headers=admin)
    assert shown.json()["active"] is False
    [entry] = (await delivery_log(hub, admin, endpoint["id"]))["items"]
    assert (entry["status"], entry["last_status_code"]) == ("dead", 410)
    assert later == []  # a disabled endpoint gets nothing
    assert error_code(test) == "webhook_endpoint_inactive"
    async with hub.sessions() as session:
        actions = (await session.execute(select(AuditEvent.action))).scalars().all()
    assert "webhook_endpoint.disabled" in actions


async def test_a_delivered_message_is_never_sent_again(hub: Api, receiver: Receiver) -> None:
    admin = await hub.headers("admin")
    await create_endpoint(hub, admin, receiver.url())
    [message] = await notify_event(hub)
    await run_jobs(hub)

    async with session_scope(hub.sessions) as session:  # the job runs a second time
        await enqueue(session, DELIVER_TASK, {"message_id": message.id})
    await run_jobs(hub)

    assert len(receiver.received) == 1


async def test_a_test_event_reaches_the_endpoint_whatever_its_filter(
    hub: Api, receiver: Receiver
) -> None:
    admin = await hub.headers("admin")
    endpoint = await create_endpoint(hub, admin, receiver.url(), events=["regional_badge.revoked"])

    response = await hub.http.post(f"/webhook-endpoints/{endpoint['id']}/test", headers=admin)
    await run_jobs(hub)

    assert response.status_code == 202, response.text
    assert response.json()["event_type"] == "webhook.test"
    [request] = receiver.received
    payload = verified_payload(endpoint["secret"], request)
    assert payload["type"] == "webhook.test"
    assert payload["data"]["endpoint_id"] == endpoint["id"]


async def test_rotating_the_secret_signs_every_later_attempt_with_the_new_one(
    hub: Api, receiver: Receiver
) -> None:
    admin = await hub.headers("admin")
    endpoint = await create_endpoint(hub, admin, receiver.url())

    rotated = await hub.http.post(
        f"/webhook-endpoints/{endpoint['id']}/rotate-secret", headers=admin
    )
    await notify_event(hub)
    await run_jobs(hub)

    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_")
    assert new_secret != endpoint["secret"]
    [request] = receiver.received
    verified_payload(new_secret, request)
    with pytest.raises(WebhookVerificationError):
        verified_payload(endpoint["secret"], request)


# --------------------------------------------------------------------------- who gets what


async def test_the_events_filter_keeps_only_the_chosen_events(hub: Api, receiver: Receiver) -> None:
    admin = await hub.headers("admin")
    revocations = await create_endpoint(
        hub, admin, receiver.url("/revoked"), events=[REGIONAL_BADGE_REVOKED]
    )
    family = await create_endpoint(hub, admin, receiver.url("/family"), events=["regional_badge.*"])
    everything = await create_endpoint(hub, admin, receiver.url("/all"))

    awarded = await notify_event(hub, event_type=REGIONAL_BADGE_AWARDED)
    suspended = await notify_event(hub, event_type=REGIONAL_BADGE_SUSPENDED)
    revoked = await notify_event(hub, event_type=REGIONAL_BADGE_REVOKED)
    await run_jobs(hub)

    assert {m.endpoint_id for m in awarded} == {family["id"], everything["id"]}
    assert {m.endpoint_id for m in suspended} == {family["id"], everything["id"]}
    assert {m.endpoint_id for m in revoked} == {
        revocations["id"],
        family["id"],
        everything["id"],
    }
    paths = sorted(r.path for r in receiver.received)
    assert paths == ["/all", "/all", "/all", "/family", "/family", "/family", "/revoked"]


async def test_the_region_gets_every_event_and_partners_only_their_own(
    hub: Api, receiver: Receiver
) -> None:
    admin = await hub.headers("admin")
    caen = await add_partner(hub, "campus-caen")
    rouen = await add_partner(hub, "afpa-rouen")
    region = await create_endpoint(hub, admin, receiver.url("/region"))
    await create_endpoint(hub, admin, receiver.url("/caen"), partner_id="campus-caen")
    await create_endpoint(hub, admin, receiver.url("/rouen"), partner_id=rouen)

    for_caen = await notify_event(hub, partner_ids=[caen])
    for_nobody = await notify_event(hub, partner_ids=[])
    await run_jobs(hub)

    assert len(for_caen) == 2
    assert [m.endpoint_id for m in for_nobody] == [region["id"]]
    assert sorted(r.path for r in receiver.received) == ["/caen", "/region", "/region"]


async def test_notifying_the_same_event_again_sends_nothing_more(
    hub: Api, receiver: Receiver
) -> None:
    admin = await hub.headers("admin")
    await create_endpoint(hub, admin, receiver.url("/one"))
    await create_endpoint(hub, admin, receiver.url("/two"))

    first = await notify_event(hub, event_id="award:6e0d2c4a:awarded")
    second = await notify_event(hub, event_id="award:6e0d2c4a:awarded")
    await run_jobs(hub)

    assert len(first) == 2
    assert second == []
    assert len(receiver.received) == 2
    # One webhook-id per endpoint, derived from the event: stable, and distinct.
    assert len({m.event_id for m in first}) == 2
    async with hub.sessions() as session:
        count = len((await session.execute(select(OutboundMessage))).scalars().all())
    assert count == 2


async def test_a_notification_is_only_sent_if_the_callers_work_commits(
    hub: Api, receiver: Receiver
) -> None:
    admin = await hub.headers("admin")
    await create_endpoint(hub, admin, receiver.url())

    class AbortedError(Exception):
        pass

    async def notify_then_fail() -> None:
        async with session_scope(hub.sessions) as session:
            await notify(
                session, event_type=REGIONAL_BADGE_AWARDED, data=award_data(), partner_ids=[]
            )
            raise AbortedError

    with pytest.raises(AbortedError):
        await notify_then_fail()
    await run_jobs(hub)

    assert receiver.received == []


# --------------------------------------------------------------------------- partners


async def test_a_partner_manages_its_own_endpoints_only(hub: Api, receiver: Receiver) -> None:
    admin = await hub.headers("admin")
    caen = await add_partner(hub, "campus-caen")
    await add_partner(hub, "afpa-rouen")
    region = await create_endpoint(hub, admin, receiver.url("/region"))
    rouen = await create_endpoint(hub, admin, receiver.url("/rouen"), partner_id="afpa-rouen")
    partner = await partner_headers(hub, caen)

    own = await create_endpoint(hub, partner, receiver.url("/caen"))
    listed = await hub.http.get("/webhook-endpoints", headers=partner)
    other_partner = await hub.http.get(f"/webhook-endpoints/{rouen['id']}", headers=partner)
    regions = await hub.http.get(f"/webhook-endpoints/{region['id']}/messages", headers=partner)
    for_rouen = await hub.http.post(
        "/webhook-endpoints",
        json={"url": receiver.url("/x"), "partner_id": "afpa-rouen"},
        headers=partner,
    )
    reader = await hub.http.get("/webhook-endpoints", headers=await hub.headers("read"))
    unlinked = await hub.http.get("/webhook-endpoints", headers=await hub.headers("deliver"))

    assert own["partner_id"] == caen
    assert [item["id"] for item in listed.json()["items"]] == [own["id"]]
    assert error_code(other_partner) == "webhook_endpoint_not_found"
    assert error_code(regions) == "webhook_endpoint_not_found"
    assert error_code(for_rouen) == "partner_not_allowed"
    assert error_code(reader) == "insufficient_scope"
    assert error_code(unlinked) == "not_a_partner"

    by_admin = await hub.http.get(
        "/webhook-endpoints", params={"partner": "campus-caen"}, headers=admin
    )
    region_only = await hub.http.get(
        "/webhook-endpoints", params={"partner": "region"}, headers=admin
    )
    nobody = await hub.http.post(
        "/webhook-endpoints",
        json={"url": receiver.url("/x"), "partner_id": "nowhere"},
        headers=admin,
    )
    assert [item["id"] for item in by_admin.json()["items"]] == [own["id"]]
    assert [item["id"] for item in region_only.json()["items"]] == [region["id"]]
    assert error_code(nobody) == "partner_not_found"
