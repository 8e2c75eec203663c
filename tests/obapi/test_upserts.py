"""``POST /ims/ob/v3p0/credentials``: a partner's client delivers through the real inbox
and ingestion job (one delivery per credential and body, one regional badge however
often it is sent); a learner's upsert is a claim; 201 → 200 → 304 say what the hub
keeps under the credential's equality key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select

from ingestion.factory import PartnerIssuer
from ingestion.helpers import EMAIL, LEARNER_DID
from issuer_api.models import Delivery, Learner
from obapi.conftest import Authorize
from obapi.openapi_check import check_request, check_response, schema_errors
from regional.helpers import RegionalHub, aligned, aligned_credential

CREDENTIALS = "/ims/ob/v3p0/credentials"
LATER = datetime(2025, 9, 1, tzinfo=UTC)
EARLIER = datetime(2024, 9, 1, tzinfo=UTC)


def for_did(issuer: PartnerIssuer, code: str, **fields: Any) -> dict[str, Any]:
    """A credential aligned on ``code`` made out to the learner's DID (readable)."""
    credential = aligned_credential(issuer, code, **fields)
    subject = credential["credentialSubject"]
    subject.pop("identifier")
    subject["id"] = LEARNER_DID
    return credential


def signed(issuer: PartnerIssuer, credential: dict[str, Any]) -> str:
    """The credential signed, in the form the API's schema gives (``proof`` an array)."""
    document = issuer.sign(credential)
    return json.dumps({**document, "proof": [document["proof"]]}, ensure_ascii=False)


async def upsert(hub: RegionalHub, body: str, media: str = "application/json") -> httpx.Response:
    if media != "text/plain":
        check_request("POST", CREDENTIALS, media, json.loads(body))
    response = await hub.http.post(CREDENTIALS, content=body, headers={"content-type": media})
    check_response(response)
    return response


async def deliveries(hub: RegionalHub) -> list[Delivery]:
    async with hub.sessions() as session:
        return list(await session.scalars(select(Delivery).order_by(Delivery.received_at)))


async def test_a_partner_upsert_is_a_delivery_processed_by_the_ingestion_job(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    authorize(partner_id=partner)
    body = signed(campus, for_did(campus, "ORG"))

    response = await upsert(hub, body)

    assert response.status_code == 201
    assert response.content == body.encode()
    assert response.headers["content-type"].startswith("application/json")
    (delivery,) = await deliveries(hub)
    assert (delivery.channel, delivery.partner_id, delivery.status) == ("obapi", partner, "queued")
    assert delivery.client_id == "obc_wallet"
    assert response.headers["link"] == (
        f'<http://localhost/v1/receipts/{delivery.id}>; rel="receipt"'
    )
    await hub.run_jobs()
    (item,) = await hub.items(delivery.id)
    assert item.outcome == "accepted", item.reasons
    badge = await hub.badge()
    assert badge.partner_id == partner


async def test_two_upserted_badges_earn_one_regional_badge_however_often_they_are_sent(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    authorize(partner_id=partner)
    first = signed(campus, for_did(campus, "ORG"))
    second = signed(campus, for_did(campus, "ORG"))

    statuses = [(await upsert(hub, body)).status_code for body in (first, second, first)]
    await hub.run_jobs()
    again = [(await upsert(hub, body)).status_code for body in (first, second)]
    await hub.run_jobs()

    assert statuses == [201, 201, 304]
    assert again == [304, 304]
    assert len(await deliveries(hub)) == 2
    assert len(await hub.badges()) == 2
    assert await hub.award_states() == {"ORG-I": "active"}
    assert await hub.regional_credentials() == 1


async def test_created_then_replaced_by_a_newer_version_then_unchanged(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    authorize(partner_id=partner)
    original = for_did(campus, "ORG", credential_id="urn:uuid:0b1e7a52-1f3c-4a9e-8d6f-5c4b3a291807")
    newer = {**original, "validFrom": LATER.isoformat().replace("+00:00", "Z")}
    older = {**original, "validFrom": EARLIER.isoformat().replace("+00:00", "Z")}

    created = await upsert(hub, signed(campus, original))
    await hub.run_jobs()
    replaced = await upsert(hub, signed(campus, newer))
    await hub.run_jobs()
    unchanged = await upsert(hub, signed(campus, newer))
    stale = await upsert(hub, signed(campus, older))

    assert [r.status_code for r in (created, replaced, unchanged, stale)] == [201, 200, 304, 304]
    assert replaced.json()["validFrom"] == newer["validFrom"]
    assert unchanged.content == b""
    badge = await hub.badge()
    assert badge.valid_from is not None
    assert badge.valid_from.replace(tzinfo=UTC) == LATER
    assert [event.kind for event in await hub.events()] == ["stored", "replaced"]
    assert len(await deliveries(hub)) == 2


async def test_another_partner_cannot_learn_what_the_hub_keeps_from_its_answer(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    owner = await hub.add_partner("campus-caen", trusts=[campus.did])
    other = await hub.add_partner("greta-ouest")
    credential = for_did(
        campus, "ORG", credential_id="urn:uuid:6d1c2f0e-2b8a-4e47-9d3e-1a2b3c4d5e6f"
    )
    authorize(partner_id=owner)
    assert (await upsert(hub, signed(campus, credential))).status_code == 201
    await hub.run_jobs()
    assert (await upsert(hub, signed(campus, credential))).status_code == 304

    authorize(partner_id=other)
    probe = await upsert(hub, signed(campus, credential))

    # The kept badge is the first partner's: to another partner the answer is the one it
    # would get for a credential the hub does not know.
    assert probe.status_code == 201


async def test_a_vc_jwt_is_upserted_as_text_and_echoed(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    authorize(partner_id=partner)
    token = campus.signed_jwt(for_did(campus, "COM"))

    response = await upsert(hub, token, "text/plain")
    await hub.run_jobs()

    assert response.status_code == 201
    assert response.text == token
    assert response.headers["content-type"].startswith("text/plain")
    assert (await hub.badge()).format == "vc-jwt"


async def test_what_a_partner_upserted_it_reads_back_equal(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    # a webhook delivery of the same partner: not this API's, not listed
    await hub.deliver_and_process(partner, aligned(campus, "ADA"))
    authorize(partner_id=partner)
    body = signed(campus, for_did(campus, "ORG"))
    await upsert(hub, body)
    await hub.run_jobs()

    response = await hub.http.get(CREDENTIALS)

    check_response(response)
    (listed,) = response.json()["credential"]
    assert listed == json.loads(body)


async def test_a_credential_rejected_by_the_acceptance_rules_is_told_by_its_receipt(
    hub: RegionalHub, campus: PartnerIssuer, greta: PartnerIssuer, authorize: Authorize
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    authorize(partner_id=partner)

    response = await upsert(hub, signed(greta, for_did(greta, "ORG")))
    await hub.run_jobs()

    assert response.status_code == 201
    (delivery,) = await deliveries(hub)
    (item,) = await hub.items(delivery.id)
    assert item.outcome == "rejected"
    assert [r["code"] for r in item.reasons] == ["issuer_not_trusted"]
    assert await hub.badges() == []


async def test_a_hashed_recipient_needs_a_learner_behind_the_token(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    authorize(partner_id=partner)

    response = await hub.http.post(
        CREDENTIALS,
        content=signed(campus, aligned_credential(campus, "ORG")),
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 400
    field = response.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]
    assert field["imsx_codeMinorFieldName"] == "obhub:obapi_recipient_unreadable"
    assert await deliveries(hub) == []


async def test_a_learner_without_email_or_did_is_400_invalid_data_as_the_spec_lists(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    async with hub.sessions() as session:
        bare = Learner()
        session.add(bare)
        await session.commit()
        learner = bare.id
    authorize(partner_id=partner, learner_id=learner)

    response = await upsert(hub, signed(campus, aligned_credential(campus, "ORG")))

    assert response.status_code == 400
    assert schema_errors("Imsx_StatusInfo", response.json()) == []
    (field,) = response.json()["imsx_codeMinor"]["imsx_codeMinorField"]
    assert field == {
        "imsx_codeMinorFieldName": "obhub:obapi_learner_unidentified",
        "imsx_codeMinorFieldValue": "invalid_data",
    }
    assert await deliveries(hub) == []


async def test_a_learner_upsert_is_a_claim_in_their_name(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(partner, aligned(campus, "ADA"))
    learner = await hub.learner_id()
    authorize(learner_id=learner)
    body = signed(campus, aligned_credential(campus, "ORG", email=EMAIL.upper()))

    response = await upsert(hub, body, "application/vc+ld+json")
    replay = await upsert(hub, body, "application/vc+ld+json")
    await hub.run_jobs()
    after = await upsert(hub, body, "application/vc+ld+json")

    assert [r.status_code for r in (response, replay, after)] == [201, 304, 304]
    assert response.headers["content-type"].startswith("application/vc+ld+json")
    claim = [d for d in await deliveries(hub) if d.channel == "claim"]
    assert len(claim) == 1
    assert claim[0].client_id == f"learner:{learner}"
    assert claim[0].partner_id is None
    assert response.headers["link"] == f'<http://localhost/claims/{claim[0].id}>; rel="receipt"'
    (item,) = await hub.items(claim[0].id)
    assert item.outcome == "accepted", item.reasons
    kept = [b for b in await hub.badges() if b.delivery_id == claim[0].id]
    assert [(b.learner_id, b.partner_id) for b in kept] == [(learner, partner)]


async def test_bodies_that_are_not_credentials_are_400_and_store_nothing(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    authorize(partner_id=partner)
    without_id = for_did(campus, "ORG")
    del without_id["id"]

    cases = {
        "obapi_credential_unreadable": ("[1, 2]", "application/json"),
        "obapi_credential_id_missing": (json.dumps(without_id), "application/json"),
    }
    for code, (body, media) in cases.items():
        response = await hub.http.post(CREDENTIALS, content=body, headers={"content-type": media})
        assert response.status_code == 400, code
        assert schema_errors("Imsx_StatusInfo", response.json()) == []
        name = response.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]
        assert name["imsx_codeMinorFieldName"] == f"obhub:{code}"
    for body in ("not.a.jws", '{"type": ["VerifiableCredential"]}'):
        response = await hub.http.post(
            CREDENTIALS, content=body, headers={"content-type": "text/plain"}
        )
        assert response.status_code == 400
    async with hub.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 0


async def test_a_suspended_partners_client_cannot_upsert(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did], state="suspended")
    authorize(partner_id=partner)

    response = await hub.http.post(
        CREDENTIALS,
        content=signed(campus, for_did(campus, "ORG")),
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 403
    check_response(response)
    assert await deliveries(hub) == []


async def test_a_proof_given_as_one_object_is_accepted_too(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    authorize(partner_id=partner)
    body = campus.signed_json(for_did(campus, "ORG"))

    response = await hub.http.post(
        CREDENTIALS, content=body, headers={"content-type": "application/json"}
    )
    await hub.run_jobs()

    assert response.status_code == 201
    assert response.text == body
    listed = (await hub.http.get(CREDENTIALS)).json()["credential"]
    assert [c["proof"] for c in listed] == [[json.loads(body)["proof"]]]
