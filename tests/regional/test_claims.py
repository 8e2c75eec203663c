"""Claims: a learner, or a counsellor for them, submits badges held elsewhere — credential
files, baked images, JWTs, presentations — and obtains the regional badges they
qualify for. A claimed badge counts if an active partner trusts its issuer."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from ingestion.factory import PartnerIssuer, baked_png, json_item
from ingestion.helpers import LEARNER_DID
from regional.helpers import EMAIL, RegionalHub, aligned, aligned_credential


def credential_of(item: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(item.payload)
    return document


async def claim(hub: RegionalHub, headers: dict[str, str], badges: list[Any]) -> httpx.Response:
    body = {"recipient": {"email": EMAIL}, "badges": badges}
    return await hub.http.post("/claims", json=body, headers=headers)


async def test_a_claim_is_verified_and_earns_the_regional_badges(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await hub.add_partner("campus-caen", trusts=[campus.did])
    counsellor = await hub.headers("deliver")
    jwt = campus.signed_jwt(aligned_credential(campus, "ORG"))

    response = await claim(hub, counsellor, [credential_of(aligned(campus, "ORG")), jwt])

    assert response.status_code == 202, response.text
    ack = response.json()
    assert ack["items"] == 2
    assert response.headers["Location"] == f"/claims/{ack['claim_id']}"
    queued = await hub.http.get(response.headers["Location"], headers=counsellor)
    assert queued.json()["status"] == "queued"
    await hub.run_jobs()

    followed = await hub.http.get(response.headers["Location"], headers=counsellor)
    assert followed.status_code == 200, followed.text
    record = followed.json()
    assert record["status"] == "done"
    assert [b["outcome"] for b in record["badges"]] == ["accepted", "accepted"]
    assert record["awarded_since"] == ["ORG-I"]
    (award,) = record["awards"]
    assert award["code"] == "ORG-I"
    assert award["page_url"].endswith(award["credential_id"])
    assert record["learner_id"] == await hub.learner_id()


async def test_a_presentation_is_split_into_its_credentials(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await hub.add_partner("campus-caen", trusts=[campus.did])
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [
            credential_of(aligned(campus, "ORG")),
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "EnvelopedVerifiableCredential",
                "id": "data:application/vc+jwt,"
                + campus.signed_jwt(aligned_credential(campus, "ORG")),
            },
        ],
    }

    response = await claim(hub, await hub.headers("deliver"), [presentation])
    await hub.run_jobs()

    assert response.json()["items"] == 2
    assert await hub.award_states() == {"ORG-I": "active"}


async def test_baked_images_and_uploaded_files_are_accepted(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await hub.add_partner("campus-caen", trusts=[campus.did])
    headers = await hub.headers("deliver")
    png = baked_png(aligned(campus, "ORG").payload)
    image = {"image": base64.b64encode(png).decode(), "media_type": "image/png"}
    first = await claim(hub, headers, [image])

    second = await hub.http.post(
        "/claims",
        data={"email": EMAIL},
        files=[
            ("badges", ("badge.png", baked_png(aligned(campus, "ORG").payload), "image/png")),
            ("badges", ("badge.json", aligned(campus, "COM").payload.encode(), "application/json")),
        ],
        headers=headers,
    )
    await hub.run_jobs()

    assert first.status_code == 202, first.text
    assert second.status_code == 202, second.text
    assert second.json()["items"] == 2
    assert await hub.award_states() == {"ORG-I": "active"}
    assert len(await hub.badges()) == 3


async def test_claimed_badges_no_partner_trusts_are_rejected(
    hub: RegionalHub, campus: PartnerIssuer, stranger: PartnerIssuer
) -> None:
    await hub.add_partner("campus-caen", trusts=[campus.did])
    headers = await hub.headers("deliver")

    response = await claim(
        hub,
        headers,
        [credential_of(aligned(stranger, "ORG")), credential_of(aligned(stranger, "ORG"))],
    )
    await hub.run_jobs()

    record = (await hub.http.get(f"/claims/{response.json()['claim_id']}", headers=headers)).json()
    assert [b["outcome"] for b in record["badges"]] == ["rejected", "rejected"]
    assert record["badges"][0]["reasons"][0]["code"] == "issuer_not_trusted"
    assert record["awards"] == []


async def test_a_claim_is_visible_to_its_author_and_administrators_only(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await hub.add_partner("campus-caen", trusts=[campus.did])
    author = await hub.headers("deliver")
    response = await claim(hub, author, [credential_of(aligned(campus, "ORG"))])
    path = f"/claims/{response.json()['claim_id']}"

    other = await hub.http.get(path, headers=await hub.headers("deliver"))
    admin = await hub.http.get(path, headers=await hub.headers("admin"))

    assert other.status_code == 404
    assert other.json()["error"]["code"] == "claim_not_found"
    assert admin.status_code == 200


async def test_an_unreadable_badge_refuses_the_whole_claim(hub: RegionalHub) -> None:
    headers = await hub.headers("deliver")

    unreadable = await claim(hub, headers, ["ceci n'est pas un badge"])
    no_recipient = await hub.http.post("/claims", json={"badges": ["x"]}, headers=headers)

    assert unreadable.status_code == 400
    assert unreadable.json()["error"]["code"] == "invalid_claim"
    assert unreadable.json()["error"]["details"]["errors"][0]["badge"] == 0
    assert no_recipient.status_code == 422
    assert await hub.jobs_waiting("ingest.process_delivery") == 0


async def test_a_claim_through_the_api_checks_the_one_recipient_its_client_gives(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    """Even for a learner who also holds a DID: the API client names the recipient, and a
    badge made out to another identifier is refused."""
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    known_by_both = aligned_credential(campus, "ORG")
    known_by_both["credentialSubject"]["id"] = LEARNER_DID
    await hub.deliver(partner, json_item(campus.signed_json(known_by_both), email=EMAIL))
    await hub.run_jobs()
    to_the_did = campus.credential(did=LEARNER_DID, alignments=[])
    counsellor = await hub.headers("deliver")

    response = await claim(hub, counsellor, [campus.sign(to_the_did)])
    await hub.run_jobs()

    record = (await hub.http.get(response.headers["Location"], headers=counsellor)).json()
    assert [b["outcome"] for b in record["badges"]] == ["rejected"]
    assert [r["code"] for r in record["badges"][0]["reasons"]] == ["recipient_mismatch"]
