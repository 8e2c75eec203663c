"""``POST /referential/evaluate``: partners check, from their CI, what a set of badges
would earn and why — against the active référentiel or a draft — and nothing is stored
or minted."""

from __future__ import annotations

import json
from typing import Any

from ingestion.factory import PartnerIssuer
from regional.helpers import EMAIL, RegionalHub, aligned, aligned_credential, counts
from regional.test_referential_api import CUSTOM


def badge(item: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(item.payload)
    return document


def reasons(answer: dict[str, Any], position: int) -> list[str]:
    (found,) = [b for b in answer["badges"] if b["position"] == position]
    return [r["code"] for r in found["reasons"]]


async def test_a_dry_run_says_what_would_be_awarded_and_why(
    hub: RegionalHub, campus: PartnerIssuer, stranger: PartnerIssuer
) -> None:
    await hub.add_partner("campus-caen", trusts=[campus.did])
    tampered = badge(aligned(campus, "ORG"))
    tampered["name"] = "Autre chose"
    headers = await hub.headers("deliver")
    body = {
        "badges": [
            badge(aligned(campus, "ORG")),
            badge(aligned(campus, "ORG-II")),
            badge(aligned(stranger, "ORG")),
            badge(aligned(campus, "")),
            tampered,
        ]
    }

    response = await hub.http.post("/referential/evaluate", json=body, headers=headers)

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["would_award"] == ["ORG-I"]
    assert answer["referential"]["source"] == "default"
    org_i = next(a for a in answer["achievements"] if a["code"] == "ORG-I")
    assert org_i["would_award"] is True
    assert sorted(org_i["counted"]) == ["badge-0", "badge-1"]
    assert org_i["explanation"]["text"]["fr"].startswith("Au moins 2 badges partenaires")
    org_ii = next(a for a in answer["achievements"] if a["code"] == "ORG-II")
    assert org_ii["would_award"] is False
    assert {m["code"] for m in org_ii["missing"]} == {"missing_badges", "missing_issuers"}
    assert all(m["message"]["fr"] and m["message"]["en"] for m in org_ii["missing"])
    assert reasons(answer, 0) == reasons(answer, 1) == []
    assert reasons(answer, 2) == ["issuer_not_trusted"]
    assert reasons(answer, 3) == ["badge_no_alignment"]
    assert "not_verified" in reasons(answer, 4)
    first = answer["badges"][0]
    assert first["verified"] is True
    assert first["counts"] is True
    assert first["counts_for"] == [{"competency": "ORG", "level": "I", "via": "targetUrl"}]


async def test_a_dry_run_stores_nothing_and_mints_nothing(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await hub.add_partner("campus-caen", trusts=[campus.did])
    headers = await hub.headers("read")
    before = await counts(hub)

    response = await hub.http.post(
        "/referential/evaluate",
        json={"badges": [badge(aligned(campus, "ORG")), badge(aligned(campus, "ORG"))]},
        headers=headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["would_award"] == ["ORG-I"]
    assert await counts(hub) == before
    assert before["referential_version"] == 0


async def test_a_draft_referential_can_be_tried_before_it_is_loaded(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await hub.add_partner("campus-caen", trusts=[campus.did])
    headers = await hub.headers("read")

    response = await hub.http.post(
        "/referential/evaluate",
        json={"badges": [badge(aligned(campus, "ORG"))], "referential": CUSTOM},
        headers=headers,
    )

    answer = response.json()
    assert answer["referential"] == {
        "code": "essai",
        "version": "2026-draft",
        "digest": answer["referential"]["digest"],
        "source": "inline",
    }
    assert answer["would_award"] == ["ORG-I"]
    assert await hub.referential_numbers() == []


async def test_an_invalid_draft_is_reported_with_its_issues(hub: RegionalHub) -> None:
    headers = await hub.headers("read")

    response = await hub.http.post(
        "/referential/evaluate",
        json={"badges": ["eyJhbGciOiJFZERTQSJ9.e30.c2ln"], "referential": {"code": "x"}},
        headers=headers,
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_referential"
    assert response.json()["error"]["details"]["issues"]


async def test_presentations_jwts_and_images_are_read_like_claims(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await hub.add_partner("campus-caen", trusts=[campus.did])
    headers = await hub.headers("read")
    first = aligned_credential(campus, "ORG")
    second = aligned_credential(campus, "ORG")
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [campus.sign(first), campus.signed_jwt(second)],
    }

    response = await hub.http.post(
        "/referential/evaluate",
        json={"badges": [presentation], "recipient": {"email": EMAIL}},
        headers=headers,
    )

    answer = response.json()
    assert [(b["position"], b["part"]) for b in answer["badges"]] == [(0, 0), (0, 1)]
    assert [b["format"] for b in answer["badges"]] == ["json", "vc-jwt"]
    assert answer["would_award"] == ["ORG-I"]


async def test_a_badge_for_someone_else_does_not_count(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await hub.add_partner("campus-caen", trusts=[campus.did])
    headers = await hub.headers("read")

    response = await hub.http.post(
        "/referential/evaluate",
        json={
            "badges": [badge(aligned(campus, "ORG")), badge(aligned(campus, "ORG"))],
            "recipient": {"email": "quelqu.un@example.fr"},
        },
        headers=headers,
    )

    answer = response.json()
    assert answer["would_award"] == []
    assert reasons(answer, 0) == ["recipient_mismatch"]


async def test_a_dry_run_needs_a_read_or_deliver_scope(hub: RegionalHub) -> None:
    headers = await hub.headers("issue")

    response = await hub.http.post("/referential/evaluate", json={"badges": ["x"]}, headers=headers)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
