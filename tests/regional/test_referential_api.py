"""The référentiel as versioned data, loaded and replaced through the admin API.

``PUT /referential`` (YAML or JSON) checks the whole document (422 with every issue),
stores a new active version, creates the Region's achievements and re-evaluates every
learner in the background; ``GET /referential`` and ``/referential/versions`` read it.
"""

from __future__ import annotations

import json
from typing import Final

import pytest

from ingestion.factory import PartnerIssuer
from regional.helpers import ORG_URI, RegionalHub, aligned

CUSTOM: Final = f"""\
code: essai
version: "2026-draft"
name: {{fr: Référentiel d'essai, en: Trial référentiel}}
levels:
  - {{code: I, rank: 1, name: {{fr: Débutant, en: Beginner}}}}
competencies:
  - code: ORG
    uri: {ORG_URI}
    name: {{fr: Organiser, en: Organising}}
achievements:
  - code: ORG-I
    competency: ORG
    level: I
    name: {{fr: Organiser — débutant, en: Organising — beginner}}
    description: {{fr: Organise son activité., en: Organises their work.}}
    criteria: {{fr: Un badge reconnu suffit., en: One recognised badge is enough.}}
    rule:
      badges: {{competency: ORG, min_count: 1}}
"""

BROKEN: Final = """\
code: essai
version: "x"
name: {fr: Essai}
levels:
  - {code: I, rank: 1, name: {fr: Débutant}}
competencies:
  - {code: ADA, uri: "https://example.org/competences/s-adapter", name: {fr: S'adapter}}
achievements:
  - code: ORG-I
    competency: ORG
    level: III
    name: {fr: Organiser}
    description: {fr: Organiser.}
    criteria: {fr: Organiser.}
    rule: {badges: {competency: ORG, min_count: 1}}
"""


async def put(hub: RegionalHub, body: str | bytes, media: str = "application/yaml") -> object:
    admin = await hub.headers("admin")
    return await hub.http.put(
        "/referential", content=body, headers={**admin, "content-type": media}
    )


async def test_without_any_load_the_shipped_referential_is_active(hub: RegionalHub) -> None:
    reader = await hub.headers("read")

    response = await hub.http.get("/referential", headers=reader)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["number"], body["code"], body["active"]) == (1, "normandie", True)
    assert len(body["digest"]) == 64
    assert {a["code"] for a in body["document"]["achievements"]} >= {"ORG-I", "GEN"}


async def test_a_custom_referential_is_stored_as_the_new_active_version(
    hub: RegionalHub,
) -> None:
    await hub.http.get("/referential", headers=await hub.headers("read"))

    response = await put(hub, CUSTOM)

    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert (body["number"], body["code"], body["version"], body["changed"]) == (
        2,
        "essai",
        "2026-draft",
        True,
    )
    assert [a["code"] for a in body["achievements"]] == ["ORG-I"]
    assert body["reevaluation_queued"] is True
    assert await hub.referential_numbers() == [(1, False), (2, True)]
    listed = await hub.http.get("/referential/versions", headers=await hub.headers("read"))
    assert [v["number"] for v in listed.json()["items"]] == [2, 1]
    first = await hub.http.get("/referential/versions/1", headers=await hub.headers("read"))
    assert first.json()["code"] == "normandie"
    assert first.json()["active"] is False
    (event,) = [e for e in await hub.audit("referential.loaded") if e.data["number"] == 2]
    assert event.data["previous"] == 1


async def test_loading_the_active_referential_again_stores_nothing(hub: RegionalHub) -> None:
    await put(hub, CUSTOM)

    again = await put(hub, CUSTOM.replace("code: essai", "code: essai  # same meaning"))

    assert again.status_code == 200  # type: ignore[attr-defined]
    assert again.json()["changed"] is False  # type: ignore[attr-defined]
    assert await hub.referential_numbers() == [(1, True)]


async def test_json_is_accepted_too(hub: RegionalHub) -> None:
    reader = await hub.headers("read")
    shipped = (await hub.http.get("/referential", headers=reader)).json()["document"]
    shipped["version"] = "2026.2"

    response = await put(hub, json.dumps(shipped), "application/json")

    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    assert response.json()["version"] == "2026.2"  # type: ignore[attr-defined]


async def test_an_invalid_referential_is_refused_with_every_issue(hub: RegionalHub) -> None:
    response = await put(hub, BROKEN)

    assert response.status_code == 422  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "invalid_referential"
    issues = error["details"]["issues"]
    assert {issue["code"] for issue in issues} >= {"unknown_competency", "unknown_level"}
    for issue in issues:
        assert issue["path"].startswith("$")
        assert issue["message"]["fr"]
        assert issue["message"]["en"]
    assert all("line" in issue for issue in issues)
    assert await hub.referential_numbers() == []


async def test_a_body_that_is_not_yaml_or_json_is_refused(hub: RegionalHub) -> None:
    response = await put(hub, b"\x89PNG", "image/png")

    assert response.status_code == 415  # type: ignore[attr-defined]


@pytest.mark.parametrize("scope", ["read", "deliver"])
async def test_only_administrators_load_a_referential(hub: RegionalHub, scope: str) -> None:
    headers = await hub.headers(scope)

    response = await hub.http.put(
        "/referential", content=CUSTOM, headers={**headers, "content-type": "application/yaml"}
    )

    assert response.status_code == 403


async def test_the_region_achievements_follow_the_referential(hub: RegionalHub) -> None:
    response = await put(hub, CUSTOM)
    (created,) = response.json()["achievements"]  # type: ignore[attr-defined]
    region = await hub.region()
    admin = await hub.headers("admin")

    fetched = await hub.http.get(
        f"/issuers/{region.slug}/achievements/{created['achievement_id']}", headers=admin
    )

    assert fetched.status_code == 200, fetched.text
    document = fetched.json()["document"]
    assert document["name"] == "Organiser — débutant"
    assert document["criteria"]["narrative"] == "Un badge reconnu suffit."
    assert document["alignment"][0]["targetUrl"] == ORG_URI
    assert document["alignment"][0]["targetCode"] == "ORG-I"
    assert document["image"]["id"].endswith("/regional-badges/ORG-I/image.svg?version=1")


async def test_a_new_referential_changes_what_learners_earn(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(partner, aligned(campus, "ORG"))
    assert await hub.award_states() == {}  # Normandie: two badges needed

    response = await put(hub, CUSTOM)
    assert response.status_code == 201  # type: ignore[attr-defined]
    await hub.run_jobs()

    (award,) = await hub.awards()
    assert (award.achievement_code, award.state) == ("ORG-I", "active")
    assert award.explanation["referential"]["code"] == "essai"
    issued = await hub.credential(award.credential_id)
    achievement = issued.document["credentialSubject"]["achievement"]
    assert achievement["name"] == "Organiser — débutant"
    assert "version=2" in achievement["image"]["id"]


async def test_badges_earned_under_an_older_referential_are_kept(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(partner, aligned(campus, "ORG"), aligned(campus, "ORG"))
    stricter = CUSTOM.replace("min_count: 1", "min_count: 5")

    await put(hub, stricter)
    await hub.run_jobs()

    assert await hub.award_states() == {"ORG-I": "active"}
