"""Signed webhook deliveries: ``POST /webhooks/partners/{partner}`` (Standard Webhooks).

The signature is the authentication. A delivery is stored — sealed, with its processing
job — before the ``202`` receipt is sent; nothing is verified on the way in.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import pytest
from sqlalchemy import select

from issuer_api.ingestion.schemas import MAX_BADGES
from issuer_api.models import Delivery, DeliveryItem
from issuer_api.partners.signatures import new_secret
from issuer_api.privacy import identifier_lookup, unseal_pii
from issuers.helpers import Api, error_code
from obcore import keywrap
from partners.helpers import (
    Partner,
    badge_item,
    count_deliveries,
    count_jobs,
    deliver,
    encode,
    make_partner,
    sign_webhook,
)

pytestmark = pytest.mark.anyio

EMAIL = "Camille.Martin@Example.fr"
CREDENTIAL: dict[str, Any] = {
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Sauveteur secouriste du travail",
    "credentialSubject": {"identifier": [{"identityHash": "camille.martin@example.fr"}]},
}
JWT = "eyJhbGciOiJFZERTQSJ9.eyJ2YyI6e319.c2lnbmF0dXJl"


@pytest.fixture
async def partner(api: Api) -> Partner:
    return await make_partner(api, trusted_issuers=["did:web:campus-caen.example.fr"])


async def add_secret(api: Api, partner: Partner) -> dict[str, Any]:
    response = await api.http.post(
        f"/partners/{partner.id}/webhook-secrets", headers=await api.headers("admin")
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def nothing_stored(api: Api) -> bool:
    return await count_deliveries(api) == (0, 0) and await count_jobs(api) == 0


# --------------------------------------------------------------------------- accepted


async def test_a_signed_delivery_is_stored_sealed_and_acknowledged_with_a_receipt(
    api: Api, partner: Partner
) -> None:
    document = {"badges": [badge_item(CREDENTIAL, EMAIL, reference="inscription-42")]}

    response = await deliver(api, partner, document, webhook_id="msg_001")

    assert response.status_code == 202, response.text
    receipt = response.json()
    assert set(receipt) == {"receipt_id", "status", "received_at", "items", "links"}
    assert (receipt["status"], receipt["items"]) == ("queued", 1)
    assert receipt["links"] == {"self": f"/v1/receipts/{receipt['receipt_id']}"}
    assert response.headers["location"] == receipt["links"]["self"]
    assert "idempotent-replayed" not in response.headers
    async with api.sessions() as session:
        delivery = await session.get(Delivery, receipt["receipt_id"])
        [item] = (await session.execute(select(DeliveryItem))).scalars().all()
    assert delivery is not None
    assert (delivery.partner_id, delivery.channel, delivery.webhook_id) == (
        partner.id,
        "webhook",
        "msg_001",
    )
    assert (delivery.status, delivery.item_count, delivery.client_id) == ("queued", 1, None)
    assert (item.position, item.reference, item.payload_kind, item.outcome) == (
        0,
        "inscription-42",
        "json",
        "pending",
    )
    # Personal data is sealed: neither the email nor the badge is readable in the row.
    async with api.sessions() as session:
        raw = (await session.execute(select(DeliveryItem.__table__))).mappings().one()
    row_text = json.dumps(dict(raw), default=str)
    for leak in ("camille", "Camille", "Sauveteur"):
        assert leak not in row_text
    assert item.payload_sealed is not None
    assert keywrap.is_sealed(item.payload_sealed)
    assert json.loads(unseal_pii(api.kek, item.payload_sealed)) == CREDENTIAL
    assert item.recipient_sealed is not None
    assert unseal_pii(api.kek, item.recipient_sealed) == "camille.martin@example.fr"
    assert item.recipient_lookup == identifier_lookup(api.kek, "email", EMAIL)
    assert await count_jobs(api) == 1


async def test_several_badges_in_one_delivery_become_one_receipt_with_one_job(
    api: Api, partner: Partner
) -> None:
    png = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(8)).decode()
    document = {
        "badges": [
            badge_item(CREDENTIAL, EMAIL),
            badge_item(JWT, did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
            badge_item("https://badges.example.org/assertions/1", EMAIL, reference="ob2"),
            badge_item(png, EMAIL),
        ]
    }

    response = await deliver(api, partner, document)

    assert response.status_code == 202, response.text
    assert response.json()["items"] == 4
    async with api.sessions() as session:
        items = (
            await session.execute(select(DeliveryItem).order_by(DeliveryItem.position))
        ).scalars()
        kinds = [(i.position, i.payload_kind, i.recipient_kind) for i in items]
    assert kinds == [
        (0, "json", "email"),
        (1, "jwt", "did"),
        (2, "url", "email"),
        (3, "image", "email"),
    ]
    assert await count_jobs(api) == 1


async def test_a_single_badge_may_be_delivered_without_the_badges_array(
    api: Api, partner: Partner
) -> None:
    response = await deliver(api, partner, badge_item(JWT, EMAIL))

    assert response.status_code == 202, response.text
    assert response.json()["items"] == 1


async def test_the_partner_may_be_addressed_by_its_slug(api: Api, partner: Partner) -> None:
    body = encode(badge_item(CREDENTIAL, EMAIL))
    assert partner.secret is not None

    response = await api.http.post(
        f"/webhooks/partners/{partner.slug}",
        content=body,
        headers=sign_webhook(partner.secret, body),
    )

    assert response.status_code == 202, response.text


async def test_no_access_token_is_needed(api: Api, partner: Partner) -> None:
    body = encode(badge_item(CREDENTIAL, EMAIL))
    assert partner.secret is not None
    headers = sign_webhook(partner.secret, body)

    response = await api.http.post(partner.webhook_url, content=body, headers=headers)

    assert response.status_code == 202
    assert "authorization" not in {name.lower() for name in headers}


# --------------------------------------------------------------------------- secrets


async def test_during_a_rotation_both_active_secrets_are_accepted(
    api: Api, partner: Partner
) -> None:
    new = await add_secret(api, partner)

    with_old = await deliver(api, partner, badge_item(CREDENTIAL, EMAIL))
    with_new = await deliver(api, partner, badge_item(CREDENTIAL, EMAIL), secret=new["secret"])

    assert (with_old.status_code, with_new.status_code) == (202, 202)


async def test_a_revoked_secret_no_longer_signs(api: Api, partner: Partner) -> None:
    admin = await api.headers("admin")
    [old] = (await api.http.get(f"/partners/{partner.id}", headers=admin)).json()["webhook_secrets"]
    new = await add_secret(api, partner)
    await api.http.post(f"/partners/{partner.id}/webhook-secrets/{old['id']}/revoke", headers=admin)

    with_old = await deliver(api, partner, badge_item(CREDENTIAL, EMAIL))
    with_new = await deliver(api, partner, badge_item(CREDENTIAL, EMAIL), secret=new["secret"])

    assert (with_old.status_code, error_code(with_old)) == (401, "webhook_signature_invalid")
    assert with_new.status_code == 202
    assert await count_deliveries(api) == (1, 1)


async def test_a_partner_without_any_secret_cannot_deliver_by_webhook(api: Api) -> None:
    partner = await make_partner(api, webhook_secret=False)
    body = encode(badge_item(CREDENTIAL, EMAIL))

    response = await api.http.post(
        partner.webhook_url, content=body, headers=sign_webhook(new_secret(), body)
    )

    assert (response.status_code, error_code(response)) == (401, "webhook_signature_invalid")


async def test_another_partners_secret_does_not_sign_for_this_partner(
    api: Api, partner: Partner
) -> None:
    other = await make_partner(api, slug="lycee-rouen")

    response = await deliver(api, partner, badge_item(CREDENTIAL, EMAIL), secret=other.secret)

    assert (response.status_code, error_code(response)) == (401, "webhook_signature_invalid")


# --------------------------------------------------------------------------- refused: 401


def _drop(name: str) -> Any:
    def change(headers: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in headers.items() if k != name}

    return change


def _set(name: str, value: str) -> Any:
    def change(headers: dict[str, str]) -> dict[str, str]:
        return {**headers, name: value}

    return change


def _shift_timestamp(seconds: int) -> Any:
    def change(headers: dict[str, str]) -> dict[str, str]:
        return {**headers, "webhook-timestamp": str(int(time.time()) + seconds)}

    return change


def _bad_signature(headers: dict[str, str]) -> dict[str, str]:
    signature = base64.b64encode(bytes(32)).decode()
    return {**headers, "webhook-signature": f"v1,{signature}"}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (_drop("webhook-signature"), "webhook_signature_missing"),
        (_drop("webhook-id"), "webhook_signature_missing"),
        (_drop("webhook-timestamp"), "webhook_signature_missing"),
        (_bad_signature, "webhook_signature_invalid"),
        (_set("webhook-signature", "v1,pas-du-base64!"), "webhook_headers_invalid"),
        (_set("webhook-signature", "v1"), "webhook_headers_invalid"),
        (_set("webhook-signature", "signature"), "webhook_headers_invalid"),
        (_set("webhook-timestamp", "hier"), "webhook_headers_invalid"),
        (_shift_timestamp(-6 * 60), "webhook_timestamp_out_of_range"),
        (_shift_timestamp(6 * 60), "webhook_timestamp_out_of_range"),
        (_set("webhook-id", "msg_other"), "webhook_signature_invalid"),
    ],
    ids=[
        "no-signature",
        "no-id",
        "no-timestamp",
        "wrong-signature",
        "signature-not-base64",
        "signature-no-comma",
        "signature-no-version",
        "timestamp-not-a-number",
        "timestamp-6-minutes-old",
        "timestamp-6-minutes-ahead",
        "id-not-the-signed-one",
    ],
)
async def test_a_request_that_fails_authentication_is_a_401_and_stores_nothing(
    api: Api, partner: Partner, change: Any, code: str
) -> None:
    assert partner.secret is not None
    body = encode(badge_item(CREDENTIAL, EMAIL))
    headers = change(sign_webhook(partner.secret, body))

    response = await api.http.post(partner.webhook_url, content=body, headers=headers)

    assert response.status_code == 401, response.text
    assert error_code(response) == code
    assert response.headers["www-authenticate"].startswith("Webhook-Signature")
    assert await nothing_stored(api)


async def test_a_body_changed_after_signing_is_refused(api: Api, partner: Partner) -> None:
    assert partner.secret is not None
    body = encode(badge_item(CREDENTIAL, EMAIL))
    headers = sign_webhook(partner.secret, body)

    response = await api.http.post(
        partner.webhook_url, content=body.replace(b"Camille", b"Mallory"), headers=headers
    )

    assert (response.status_code, error_code(response)) == (401, "webhook_signature_invalid")
    assert await nothing_stored(api)


async def test_a_signed_timestamp_6_minutes_old_is_refused_even_with_a_valid_signature(
    api: Api, partner: Partner
) -> None:
    response = await deliver(
        api, partner, badge_item(CREDENTIAL, EMAIL), timestamp=int(time.time()) - 360
    )

    assert (response.status_code, error_code(response)) == (401, "webhook_timestamp_out_of_range")
    assert await nothing_stored(api)


async def test_errors_are_explained_in_french_or_english(api: Api, partner: Partner) -> None:
    body = encode(badge_item(CREDENTIAL, EMAIL))

    french = await api.http.post(
        partner.webhook_url, content=body, headers={"Accept-Language": "fr"}
    )
    english = await api.http.post(
        partner.webhook_url, content=body, headers={"Accept-Language": "en"}
    )

    assert french.json()["error"]["message"].startswith("Webhook non signé")
    assert english.json()["error"]["message"].startswith("Unsigned webhook")
    assert english.json()["error"]["details"] == {
        "missing": ["webhook-id", "webhook-timestamp", "webhook-signature"]
    }


# --------------------------------------------------------------------------- refused: partner


async def test_an_unknown_partner_is_a_404(api: Api) -> None:
    body = encode(badge_item(CREDENTIAL, EMAIL))
    response = await api.http.post(
        "/webhooks/partners/inconnu", content=body, headers=sign_webhook(new_secret(), body)
    )

    assert (response.status_code, error_code(response)) == (404, "partner_not_found")


async def test_a_suspended_partners_signed_delivery_is_refused_with_403(
    api: Api, partner: Partner
) -> None:
    admin = await api.headers("admin")
    await api.http.post(f"/partners/{partner.id}/suspend", headers=admin)

    signed = await deliver(api, partner, badge_item(CREDENTIAL, EMAIL))
    unsigned = await api.http.post(
        partner.webhook_url, content=encode(badge_item(CREDENTIAL, EMAIL))
    )

    assert (signed.status_code, error_code(signed)) == (403, "partner_suspended")
    # The state is told only to a caller that proves it is the partner.
    assert unsigned.status_code == 401
    assert await nothing_stored(api)
    await api.http.post(f"/partners/{partner.id}/reactivate", headers=admin)
    assert (await deliver(api, partner, badge_item(CREDENTIAL, EMAIL))).status_code == 202


# --------------------------------------------------------------------------- refused: envelope


@pytest.mark.parametrize(
    "document",
    [
        b"",
        b"{broken",
        [badge_item(CREDENTIAL, EMAIL)],
        {"badges": []},
        {"badges": [badge_item(CREDENTIAL, EMAIL), badge_item(CREDENTIAL, "pas-un-courriel")]},
        {"badges": [badge_item(CREDENTIAL, EMAIL), {"credential": CREDENTIAL}]},
        {"badges": [badge_item("???", EMAIL)]},
        {"badges": [{**badge_item(CREDENTIAL, EMAIL), "reference": "r" * 201}]},
    ],
    ids=[
        "empty",
        "not-json",
        "array",
        "no-badges",
        "one-bad-email",
        "one-without-recipient",
        "unknown-format",
        "reference-too-long",
    ],
)
async def test_a_malformed_envelope_is_a_400_and_nothing_is_stored(
    api: Api, partner: Partner, document: Any
) -> None:
    response = await deliver(api, partner, document)

    assert response.status_code == 400, response.text
    assert error_code(response) == "invalid_delivery"
    assert response.json()["error"]["details"]["errors"]
    assert await nothing_stored(api)


async def test_the_errors_name_the_badge_and_the_field(api: Api, partner: Partner) -> None:
    document = {
        "badges": [badge_item(CREDENTIAL, EMAIL), badge_item(CREDENTIAL, "pas-un-courriel")]
    }

    response = await deliver(api, partner, document)

    [error] = response.json()["error"]["details"]["errors"]
    assert (error["item"], error["field"]) == (1, "badges.1.recipient.email")
    assert "pas-un-courriel" not in response.text


async def test_more_than_100_badges_is_a_413_and_nothing_is_stored(
    api: Api, partner: Partner
) -> None:
    document = {"badges": [badge_item(JWT, EMAIL)] * (MAX_BADGES + 1)}

    response = await deliver(api, partner, document)

    assert (response.status_code, error_code(response)) == (413, "too_many_badges")
    assert response.json()["error"]["details"] == {"max_badges": 100, "badges": 101}
    assert "100" in response.json()["error"]["message"]
    assert await nothing_stored(api)


async def test_exactly_100_badges_are_accepted(api: Api, partner: Partner) -> None:
    response = await deliver(api, partner, {"badges": [badge_item(JWT, EMAIL)] * MAX_BADGES})

    assert response.status_code == 202
    assert await count_deliveries(api) == (1, MAX_BADGES)


# --------------------------------------------------------------------------- replays


async def test_a_replayed_webhook_id_gets_the_original_receipt(api: Api, partner: Partner) -> None:
    document = badge_item(CREDENTIAL, EMAIL)
    first = await deliver(api, partner, document, webhook_id="msg_42")

    # A retry is signed again, with a new timestamp, as senders do.
    replay = await deliver(
        api, partner, document, webhook_id="msg_42", timestamp=int(time.time()) + 1
    )

    assert replay.status_code == first.status_code == 202
    assert replay.json() == first.json()
    assert replay.headers["location"] == first.headers["location"]
    assert replay.headers["idempotent-replayed"] == "true"
    assert await count_deliveries(api) == (1, 1)
    assert await count_jobs(api) == 1


async def test_concurrent_replays_store_exactly_one_delivery(api: Api, partner: Partner) -> None:
    assert partner.secret is not None
    body = encode({"badges": [badge_item(CREDENTIAL, EMAIL), badge_item(JWT, EMAIL)]})
    headers = sign_webhook(partner.secret, body, "msg_concurrent")

    responses = await asyncio.gather(
        *(api.http.post(partner.webhook_url, content=body, headers=headers) for _ in range(10))
    )

    assert [r.status_code for r in responses] == [202] * 10
    assert len({r.json()["receipt_id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 9
    assert await count_deliveries(api) == (1, 2)
    assert await count_jobs(api) == 1


async def test_a_webhook_id_reused_for_another_body_is_a_409(api: Api, partner: Partner) -> None:
    first = await deliver(api, partner, badge_item(CREDENTIAL, EMAIL), webhook_id="msg_7")

    other = await deliver(api, partner, badge_item(JWT, EMAIL), webhook_id="msg_7")

    assert (other.status_code, error_code(other)) == (409, "webhook_id_conflict")
    assert other.json()["error"]["details"] == {"receipt_id": first.json()["receipt_id"]}
    assert await count_deliveries(api) == (1, 1)


async def test_webhook_ids_are_per_partner(api: Api, partner: Partner) -> None:
    other = await make_partner(api, slug="lycee-rouen")

    mine = await deliver(api, partner, badge_item(CREDENTIAL, EMAIL), webhook_id="msg_1")
    theirs = await deliver(api, other, badge_item(CREDENTIAL, EMAIL), webhook_id="msg_1")

    assert (mine.status_code, theirs.status_code) == (202, 202)
    assert "idempotent-replayed" not in theirs.headers
    assert mine.json()["receipt_id"] != theirs.json()["receipt_id"]
