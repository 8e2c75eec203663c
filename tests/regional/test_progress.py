"""``GET /learners/{id}/progress``: per competency, the level held, the partner badges
counted, and what is missing for the next level; the regional badges held."""

from __future__ import annotations

from typing import Any

from ingestion.factory import PartnerIssuer
from partners.helpers import make_partner
from regional.helpers import RegionalHub, aligned


async def progress(hub: RegionalHub, learner: str, headers: dict[str, str]) -> Any:
    return await hub.http.get(f"/learners/{learner}/progress", headers=headers)


async def test_progress_shows_levels_counted_badges_and_what_is_missing(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(
        partner, aligned(campus, "ORG-II"), aligned(campus, "ORG"), aligned(campus, "COM")
    )
    learner = await hub.learner_id()

    response = await progress(hub, learner, await hub.headers("read"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["referential"]["code"] == "normandie"
    by_code = {c["competency"]: c for c in body["competencies"]}
    org, com = by_code["ORG"], by_code["COM"]
    assert (org["level"], org["achievement"], org["next_level"]) == ("I", "ORG-I", "II")
    assert len(org["counted"]) == 2
    assert org["counts"] == {"I": 1, "II": 1}
    assert {m["code"] for m in org["missing"]} == {"missing_badges", "missing_issuers"}
    assert (com["level"], com["next_achievement"]) == (None, "COM-I")
    (missing,) = com["missing"]
    assert (missing["code"], missing["needed"]) == ("missing_badges", 1)
    assert missing["message"]["en"].startswith("1 more partner badge needed")
    (award,) = body["awards"]
    assert (award["code"], award["state"], award["referential_version"]) == ("ORG-I", "active", 1)
    assert award["page_url"].endswith(f"/badges/{award['credential_id']}")
    assert award["name"]["fr"] == "Organiser — Je pratique"
    assert sorted(award["counted"]) == sorted(org["counted"])
    assert len(body["badges"]) == 3
    assert all(b["recognised"] for b in body["badges"])
    assert {b["counts_for"][0]["competency"] for b in body["badges"]} == {"ORG", "COM"}
    assert [o["code"] for o in body["others"]] == ["GEN"]
    assert "@" not in response.text


async def test_a_partner_reads_the_progress_of_learners_it_delivered_for(
    hub: RegionalHub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    admin = await hub.headers("admin")
    own = await make_partner(
        hub, admin, slug="campus-caen", trusted_issuers=[campus.did], oauth_client=True
    )
    other = await make_partner(
        hub, admin, slug="greta-rouen", trusted_issuers=[greta.did], oauth_client=True
    )
    await hub.deliver_and_process(own.id, aligned(campus, "ORG"))
    learner = await hub.learner_id()

    allowed = await progress(hub, learner, own.headers)
    refused = await progress(hub, learner, other.headers)

    assert allowed.status_code == 200
    assert refused.status_code == 404


async def test_an_unknown_learner_has_no_progress(hub: RegionalHub) -> None:
    response = await progress(
        hub, "00000000-0000-4000-8000-000000000000", await hub.headers("read")
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "learner_not_found"


async def test_progress_needs_a_read_or_deliver_scope(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(partner, aligned(campus, "ORG"))

    response = await progress(hub, await hub.learner_id(), await hub.headers("issue"))

    assert response.status_code == 403
