"""``POST /v1/badges``: the same delivery with an OAuth token of scope ``deliver``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from issuer_api.models import Delivery
from issuers.helpers import Api, error_code
from partners.helpers import (
    Partner,
    badge_item,
    count_deliveries,
    count_jobs,
    deliver,
    deliver_api,
    make_partner,
)

pytestmark = pytest.mark.anyio

EMAIL = "camille.martin@example.fr"
CREDENTIAL: dict[str, Any] = {"type": ["VerifiableCredential", "OpenBadgeCredential"]}
JWT = "eyJhbGciOiJFZERTQSJ9.eyJ2YyI6e319.c2lnbmF0dXJl"


@pytest.fixture
async def partner(api: Api) -> Partner:
    return await make_partner(api, oauth_client=True, webhook_secret=False)


async def test_a_partner_client_delivers_and_gets_a_receipt(api: Api, partner: Partner) -> None:
    response = await deliver_api(api, partner.headers, {"badges": [badge_item(CREDENTIAL, EMAIL)]})

    assert response.status_code == 202, response.text
    receipt = response.json()
    assert (receipt["status"], receipt["items"]) == ("queued", 1)
    assert response.headers["location"] == f"/v1/receipts/{receipt['receipt_id']}"
    async with api.sessions() as session:
        delivery = await session.get(Delivery, receipt["receipt_id"])
    assert delivery is not None
    assert (delivery.partner_id, delivery.channel, delivery.client_id, delivery.webhook_id) == (
        partner.id,
        "api",
        partner.client_id,
        None,
    )
    assert await count_jobs(api) == 1


async def test_a_single_badge_is_accepted_as_well(api: Api, partner: Partner) -> None:
    response = await deliver_api(api, partner.headers, badge_item(JWT, EMAIL))

    assert response.status_code == 202
    assert response.json()["items"] == 1


async def test_without_an_idempotency_key_each_call_is_a_new_delivery(
    api: Api, partner: Partner
) -> None:
    document = badge_item(JWT, EMAIL)

    first = await deliver_api(api, partner.headers, document)
    second = await deliver_api(api, partner.headers, document)

    assert first.json()["receipt_id"] != second.json()["receipt_id"]
    assert await count_deliveries(api) == (2, 2)


async def test_an_idempotency_key_makes_a_retry_return_the_original_receipt(
    api: Api, partner: Partner
) -> None:
    document = {"badges": [badge_item(CREDENTIAL, EMAIL), badge_item(JWT, EMAIL)]}

    first = await deliver_api(api, partner.headers, document, idempotency_key="lot-2026-03-001")
    retry = await deliver_api(api, partner.headers, document, idempotency_key="lot-2026-03-001")

    assert retry.status_code == first.status_code == 202
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await count_deliveries(api) == (1, 2)
    assert await count_jobs(api) == 1
    async with api.sessions() as session:
        delivery = (await session.execute(select(Delivery))).scalar_one()
    assert delivery.webhook_id == "lot-2026-03-001"


async def test_concurrent_retries_with_one_idempotency_key_store_one_delivery(
    api: Api, partner: Partner
) -> None:
    document = badge_item(CREDENTIAL, EMAIL)

    responses = await asyncio.gather(
        *(deliver_api(api, partner.headers, document, idempotency_key="k-1") for _ in range(8))
    )

    assert [r.status_code for r in responses] == [202] * 8
    assert len({r.json()["receipt_id"] for r in responses}) == 1
    assert await count_deliveries(api) == (1, 1)


async def test_an_idempotency_key_reused_for_another_body_is_a_409(
    api: Api, partner: Partner
) -> None:
    await deliver_api(api, partner.headers, badge_item(CREDENTIAL, EMAIL), idempotency_key="k-2")

    other = await deliver_api(api, partner.headers, badge_item(JWT, EMAIL), idempotency_key="k-2")

    assert (other.status_code, error_code(other)) == (409, "idempotency_key_reused")
    assert await count_deliveries(api) == (1, 1)


async def test_a_malformed_idempotency_key_is_refused(api: Api, partner: Partner) -> None:
    response = await deliver_api(
        api, partner.headers, badge_item(JWT, EMAIL), idempotency_key="k" * 201
    )

    assert (response.status_code, error_code(response)) == (400, "invalid_idempotency_key")
    assert await count_deliveries(api) == (0, 0)


async def test_a_malformed_envelope_is_a_400_as_for_webhooks(api: Api, partner: Partner) -> None:
    response = await deliver_api(api, partner.headers, {"badges": [{"credential": CREDENTIAL}]})

    assert (response.status_code, error_code(response)) == (400, "invalid_delivery")
    assert await count_deliveries(api) == (0, 0)


# --------------------------------------------------------------------------- who may deliver


async def test_a_token_is_required(api: Api) -> None:
    response = await deliver_api(api, {}, badge_item(JWT, EMAIL))

    assert response.status_code == 401


async def test_a_token_without_the_deliver_scope_is_refused(api: Api) -> None:
    headers = await api.headers("issue", "read")

    response = await deliver_api(api, headers, badge_item(JWT, EMAIL))

    assert (response.status_code, error_code(response)) == (403, "insufficient_scope")


async def test_a_deliver_client_not_linked_to_a_partner_is_not_a_partner(api: Api) -> None:
    headers = await api.headers("deliver")

    response = await deliver_api(api, headers, badge_item(JWT, EMAIL))

    assert (response.status_code, error_code(response)) == (403, "not_a_partner")
    assert await count_deliveries(api) == (0, 0)


async def test_an_admin_delivers_on_behalf_of_a_partner_named_in_the_query(
    api: Api, partner: Partner
) -> None:
    admin = await api.headers("admin")

    by_slug = await deliver_api(api, admin, badge_item(JWT, EMAIL), partner="campus-caen")
    by_id = await deliver_api(api, admin, badge_item(JWT, EMAIL), partner=partner.id)
    nobody = await deliver_api(api, admin, badge_item(JWT, EMAIL))
    unknown = await deliver_api(api, admin, badge_item(JWT, EMAIL), partner="inconnu")

    assert (by_slug.status_code, by_id.status_code) == (202, 202)
    assert (nobody.status_code, error_code(nobody)) == (403, "not_a_partner")
    assert nobody.json()["error"]["details"] == {"hint": "?partner=<id|slug>"}
    assert (unknown.status_code, error_code(unknown)) == (404, "partner_not_found")
    async with api.sessions() as session:
        deliveries = (await session.execute(select(Delivery))).scalars().all()
    assert {d.partner_id for d in deliveries} == {partner.id}


async def test_a_partner_client_delivers_only_for_its_own_partner(
    api: Api, partner: Partner
) -> None:
    await make_partner(api, slug="lycee-rouen", webhook_secret=False)

    own = await deliver_api(api, partner.headers, badge_item(JWT, EMAIL), partner="campus-caen")
    other = await deliver_api(api, partner.headers, badge_item(JWT, EMAIL), partner="lycee-rouen")

    assert own.status_code == 202
    assert (other.status_code, error_code(other)) == (403, "partner_not_allowed")


async def test_a_suspended_partners_client_is_refused(api: Api, partner: Partner) -> None:
    await api.http.post(f"/partners/{partner.id}/suspend", headers=await api.headers("admin"))

    response = await deliver_api(api, partner.headers, badge_item(JWT, EMAIL))

    assert (response.status_code, error_code(response)) == (403, "partner_suspended")
    assert await count_deliveries(api) == (0, 0)


async def test_idempotency_keys_and_webhook_ids_share_the_partners_namespace(
    api: Api,
) -> None:
    partner = await make_partner(api, oauth_client=True)
    document = badge_item(JWT, EMAIL)

    by_webhook = await deliver(api, partner, document, webhook_id="lot-9")
    by_api = await deliver_api(api, partner.headers, document, idempotency_key="lot-9")

    assert by_api.json() == by_webhook.json()
    assert by_api.headers["idempotent-replayed"] == "true"
