"""Receipts: ``GET /v1/receipts`` and ``GET /v1/receipts/{id}`` (and the admin view).

The processing (another module) records each badge's outcome on the delivery items;
these tests write those outcomes directly, as the worker would, and read them back
through the receipts API.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from issuer_api.i18n import messages
from issuer_api.models import Delivery, DeliveryItem, Learner, PartnerBadge
from issuers.helpers import Api, error_code
from partners.helpers import Partner, badge_item, deliver, deliver_api, make_partner

pytestmark = pytest.mark.anyio

EMAIL = "camille.martin@example.fr"
CREDENTIAL: dict[str, Any] = {
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Sauveteur secouriste du travail",
}
JWT = "eyJhbGciOiJFZERTQSJ9.eyJ2YyI6e319.c2lnbmF0dXJl"
ISSUER = "did:web:campus-caen.example.fr"
CREDENTIAL_ID = "urn:uuid:2f0c5e4e-6a53-4d5c-9a57-2a3c1f0e9b11"


@pytest.fixture
async def partner(api: Api) -> Partner:
    return await make_partner(api, oauth_client=True, trusted_issuers=[ISSUER])


async def three_badges(api: Api, partner: Partner) -> str:
    document = {
        "badges": [
            badge_item(CREDENTIAL, EMAIL, reference="inscription-1"),
            badge_item(JWT, EMAIL, reference="inscription-2"),
            badge_item(CREDENTIAL, did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
        ]
    }
    response = await deliver(api, partner, document)
    assert response.status_code == 202, response.text
    receipt_id: str = response.json()["receipt_id"]
    return receipt_id


async def process(api: Api, receipt_id: str, partner_id: str) -> None:
    """Record outcomes as the processing would: accepted, rejected, duplicate; done."""
    now = datetime.now(UTC)
    async with api.sessions() as session:
        learner = Learner()
        session.add(learner)
        await session.flush()
        badge = PartnerBadge(
            equality_key=hashlib.sha256(f"{ISSUER}\n{CREDENTIAL_ID}".encode()).hexdigest(),
            learner_id=learner.id,
            partner_id=partner_id,
            delivery_id=receipt_id,
            issuer_id=ISSUER,
            credential_id=CREDENTIAL_ID,
            format="json",
            achievement_name="Sauveteur secouriste du travail",
            digest="0" * 64,
        )
        session.add(badge)
        await session.flush()
        outcomes: list[tuple[int, str, list[Any], str | None]] = [
            (0, "accepted", [], badge.id),
            (
                1,
                "rejected",
                [
                    {"code": "not_verified", "check": "proof", "check_code": "invalid_signature"},
                    {"code": "issuer_not_trusted"},
                ],
                None,
            ),
            (2, "duplicate", [{"code": "duplicate"}], badge.id),
        ]
        for position, outcome, reasons, badge_id in outcomes:
            await session.execute(
                update(DeliveryItem)
                .where(DeliveryItem.delivery_id == receipt_id, DeliveryItem.position == position)
                .values(
                    outcome=outcome,
                    reasons=reasons,
                    partner_badge_id=badge_id,
                    learner_id=learner.id,
                    processed_at=now,
                )
            )
        await session.execute(
            update(Delivery)
            .where(Delivery.id == receipt_id)
            .values(status="done", completed_at=now)
        )
        await session.commit()


# --------------------------------------------------------------------------- detail


async def test_a_fresh_receipt_shows_every_badge_pending(api: Api, partner: Partner) -> None:
    receipt_id = await three_badges(api, partner)

    response = await api.http.get(f"/v1/receipts/{receipt_id}", headers=partner.headers)

    assert response.status_code == 200, response.text
    receipt = response.json()
    assert (receipt["receipt_id"], receipt["partner_id"], receipt["status"]) == (
        receipt_id,
        partner.id,
        "queued",
    )
    assert receipt["channel"] == "webhook"
    assert receipt["items"] == 3
    assert receipt["outcomes"] == {
        "pending": 3,
        "accepted": 0,
        "duplicate": 0,
        "rejected": 0,
        "failed": 0,
    }
    assert [
        (b["position"], b["reference"], b["format"], b["outcome"]) for b in receipt["badges"]
    ] == [
        (0, "inscription-1", "json", "pending"),
        (1, "inscription-2", "jwt", "pending"),
        (2, None, "json", "pending"),
    ]
    assert all(b["reasons"] == [] and b["badge"] is None for b in receipt["badges"])


async def test_a_processed_receipt_shows_each_outcome_its_reasons_and_the_badges_facts(
    api: Api, partner: Partner
) -> None:
    receipt_id = await three_badges(api, partner)
    await process(api, receipt_id, partner.id)

    response = await api.http.get(
        f"/v1/receipts/{receipt_id}", headers={**partner.headers, "Accept-Language": "en"}
    )

    receipt = response.json()
    assert receipt["status"] == "done"
    assert receipt["completed_at"] is not None
    assert receipt["outcomes"] == {
        "pending": 0,
        "accepted": 1,
        "duplicate": 1,
        "rejected": 1,
        "failed": 0,
    }
    accepted, rejected, duplicate = receipt["badges"]
    facts = {
        "credential_id": CREDENTIAL_ID,
        "issuer_id": ISSUER,
        "achievement_name": "Sauveteur secouriste du travail",
    }
    assert (accepted["outcome"], accepted["badge"], accepted["reasons"]) == ("accepted", facts, [])
    assert accepted["processed_at"] is not None
    assert (duplicate["outcome"], duplicate["badge"]) == ("duplicate", facts)
    assert [r["code"] for r in duplicate["reasons"]] == ["duplicate"]
    assert (rejected["outcome"], rejected["badge"]) == ("rejected", None)
    not_verified, not_trusted = rejected["reasons"]
    assert (not_verified["code"], not_verified["check"], not_verified["check_code"]) == (
        "not_verified",
        "proof",
        "invalid_signature",
    )
    assert not_verified["messages"] == messages("not_verified")
    assert not_verified["message"] == messages("not_verified")["en"]
    assert not_verified["check_message"] == "The signature does not match the badge content."
    assert not_verified["check_messages"]["fr"].startswith("La signature")
    assert not_trusted["code"] == "issuer_not_trusted"
    assert not_trusted["message"] == messages("issuer_not_trusted")["en"]
    assert not_trusted["check"] is None


async def test_reason_messages_follow_accept_language(api: Api, partner: Partner) -> None:
    receipt_id = await three_badges(api, partner)
    await process(api, receipt_id, partner.id)
    url = f"/v1/receipts/{receipt_id}"

    french = await api.http.get(url, headers={**partner.headers, "Accept-Language": "fr-FR"})
    english = await api.http.get(url, headers={**partner.headers, "Accept-Language": "en"})

    fr_reason = french.json()["badges"][1]["reasons"][1]
    en_reason = english.json()["badges"][1]["reasons"][1]
    assert fr_reason["message"] == messages("issuer_not_trusted")["fr"]
    assert en_reason["message"] == messages("issuer_not_trusted")["en"]
    assert fr_reason["message"] != en_reason["message"]
    assert fr_reason["messages"] == en_reason["messages"]


async def test_a_reason_code_without_a_message_gets_the_generic_one(
    api: Api, partner: Partner
) -> None:
    receipt_id = await three_badges(api, partner)
    async with api.sessions() as session:
        await session.execute(
            update(DeliveryItem)
            .where(DeliveryItem.delivery_id == receipt_id, DeliveryItem.position == 0)
            .values(outcome="failed", reasons=[{"code": "brand_new_reason"}])
        )
        await session.commit()

    response = await api.http.get(f"/v1/receipts/{receipt_id}", headers=partner.headers)

    [reason] = response.json()["badges"][0]["reasons"]
    assert reason["code"] == "brand_new_reason"
    assert reason["messages"] == messages("error")


async def test_a_receipt_never_shows_the_recipient_or_the_credential(
    api: Api, partner: Partner
) -> None:
    receipt_id = await three_badges(api, partner)
    await process(api, receipt_id, partner.id)

    detail = await api.http.get(f"/v1/receipts/{receipt_id}", headers=partner.headers)
    listing = await api.http.get("/v1/receipts", headers=partner.headers)

    for text in (detail.text, listing.text):
        for personal in ("camille", "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", JWT):
            assert personal not in text
        assert "OpenBadgeCredential" not in text
        assert "learner" not in text


async def test_another_partners_receipt_is_a_404(api: Api, partner: Partner) -> None:
    other = await make_partner(api, slug="lycee-rouen", oauth_client=True)
    receipt_id = await three_badges(api, partner)

    theirs = await api.http.get(f"/v1/receipts/{receipt_id}", headers=other.headers)
    unknown = await api.http.get("/v1/receipts/inconnu", headers=partner.headers)

    assert (theirs.status_code, error_code(theirs)) == (404, "receipt_not_found")
    assert (unknown.status_code, error_code(unknown)) == (404, "receipt_not_found")


async def test_an_administrator_sees_any_receipt(api: Api, partner: Partner) -> None:
    receipt_id = await three_badges(api, partner)

    response = await api.http.get(f"/v1/receipts/{receipt_id}", headers=await api.headers("admin"))

    assert response.status_code == 200
    assert response.json()["partner_id"] == partner.id


# --------------------------------------------------------------------------- listing


async def test_a_partner_lists_only_its_own_receipts_newest_first(
    api: Api, partner: Partner
) -> None:
    other = await make_partner(api, slug="lycee-rouen", oauth_client=True)
    first = await deliver(api, partner, badge_item(JWT, EMAIL))
    second = await deliver_api(api, partner.headers, badge_item(JWT, EMAIL), idempotency_key="k")
    await deliver(api, other, badge_item(JWT, EMAIL))

    response = await api.http.get("/v1/receipts", headers=partner.headers)

    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 2
    assert [r["receipt_id"] for r in page["items"]] == [
        second.json()["receipt_id"],
        first.json()["receipt_id"],
    ]
    assert (page["items"][0]["channel"], page["items"][0]["webhook_id"]) == ("api", "k")
    assert response.headers["x-total-count"] == "2"
    assert page["items"][0]["links"] == {"self": f"/v1/receipts/{second.json()['receipt_id']}"}


async def test_receipts_are_paginated_with_link_headers(api: Api, partner: Partner) -> None:
    for _ in range(3):
        await deliver(api, partner, badge_item(JWT, EMAIL))

    response = await api.http.get("/v1/receipts?limit=2", headers=partner.headers)
    last = await api.http.get("/v1/receipts?limit=2&offset=2", headers=partner.headers)

    assert len(response.json()["items"]) == 2
    assert 'rel="next"' in response.headers["link"]
    assert "offset=2" in response.headers["link"]
    assert len(last.json()["items"]) == 1
    assert 'rel="prev"' in last.headers["link"]
    assert 'rel="next"' not in last.headers["link"]


async def test_receipts_are_filtered_by_status(api: Api, partner: Partner) -> None:
    done = await three_badges(api, partner)
    await process(api, done, partner.id)
    await deliver(api, partner, badge_item(JWT, EMAIL))

    finished = (await api.http.get("/v1/receipts?status=done", headers=partner.headers)).json()
    queued = (await api.http.get("/v1/receipts?status=queued", headers=partner.headers)).json()
    invalid = await api.http.get("/v1/receipts?status=lost", headers=partner.headers)

    assert [r["receipt_id"] for r in finished["items"]] == [done]
    assert finished["items"][0]["outcomes"]["accepted"] == 1
    assert queued["total"] == 1
    assert invalid.status_code == 422


async def test_an_administrator_lists_everyones_receipts_or_one_partners(
    api: Api, partner: Partner
) -> None:
    admin = await api.headers("admin")
    other = await make_partner(api, admin, slug="lycee-rouen")
    await deliver(api, partner, badge_item(JWT, EMAIL))
    await deliver(api, other, badge_item(JWT, EMAIL))

    everyone = (await api.http.get("/v1/receipts", headers=admin)).json()
    one = (await api.http.get("/v1/receipts?partner=lycee-rouen", headers=admin)).json()
    registry = await api.http.get("/partners/lycee-rouen/receipts", headers=admin)

    assert everyone["total"] == 2
    assert [r["partner_id"] for r in one["items"]] == [other.id]
    assert registry.status_code == 200
    assert [r["partner_id"] for r in registry.json()["items"]] == [other.id]
    assert registry.headers["x-total-count"] == "1"


async def test_a_client_that_is_not_a_partner_has_no_receipts(api: Api) -> None:
    response = await api.http.get("/v1/receipts", headers=await api.headers("deliver"))

    assert (response.status_code, error_code(response)) == (403, "not_a_partner")


async def test_a_partner_cannot_list_another_partners_receipts(api: Api, partner: Partner) -> None:
    await make_partner(api, slug="lycee-rouen")

    response = await api.http.get("/v1/receipts?partner=lycee-rouen", headers=partner.headers)

    assert (response.status_code, error_code(response)) == (403, "partner_not_allowed")


async def test_receipts_need_the_deliver_scope(api: Api) -> None:
    response = await api.http.get("/v1/receipts", headers=await api.headers("read"))

    assert (response.status_code, error_code(response)) == (403, "insufficient_scope")
