"""The référentiel edited safely in the console: read the active version, draft a new
one (checked as typed), simulate it on today's data — nothing minted or suspended —
then publish it, with a second confirmation when badges would be lost. What publishing
then does (after the evaluation jobs) is what the simulation said."""

from __future__ import annotations

from importlib import resources
from typing import Final

import pytest
from sqlalchemy import select

from console.helpers import ConsoleBrowser, Staff
from console.regional_hub import (  # noqa: F401 - fixtures
    campus_fixture,
    hub_fixture,
    signed_in,
    web_fixture,
)
from ingestion.factory import PartnerIssuer
from issuer_api.ingestion import processing
from issuer_api.models import ReferentialSimulation, RegionalAward
from regional.helpers import RegionalHub, aligned, counts

pytestmark = [pytest.mark.anyio, pytest.mark.db]

PAGE: Final = "/console/referentiel"
EDITOR: Final = "/console/referentiel/nouvelle-version"
STATUS_PATH: Final = "/status/campus"
INDEX: Final = 12
ANNE: Final = "anne@example.fr"  # ORG-I, one of its badges revoked since, a third kept
BASILE: Final = "basile@example.fr"  # one COM badge
CLAIRE: Final = "claire@example.fr"  # three ORG badges
ORG_RULE: Final = "badges: {competency: ORG, min_count: 2}"
COM_RULE: Final = "badges: {competency: COM, min_count: 2}"


def shipped() -> str:
    return resources.files("aggregation").joinpath("data", "normandie.yaml").read_text("utf-8")


def stricter_org_and_easier_com() -> str:
    """ORG-I now needs 3 badges, COM-I only 1: some learners lose, some gain."""
    text = shipped()
    assert ORG_RULE in text
    assert COM_RULE in text
    return (
        text.replace(ORG_RULE, "badges: {competency: ORG, min_count: 3}")
        .replace(COM_RULE, "badges: {competency: COM, min_count: 1}")
        .replace('version: "2026.1"', 'version: "2026.2"')
    )


def easier_com() -> str:
    return shipped().replace(COM_RULE, "badges: {competency: COM, min_count: 1}")


async def three_learners(hub: RegionalHub, campus: PartnerIssuer) -> None:
    """Anne holds ORG-I though one of the two badges it was earned with was revoked
    (a third badge keeps the rule satisfied); Basile holds one COM badge; Claire three
    ORG badges."""
    url = hub.server.url(STATUS_PATH)
    hub.serve(STATUS_PATH, campus.status_list(url, revoked=set()))
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(
        partner,
        aligned(campus, "ORG", email=ANNE, status=campus.status_entry(url, INDEX)),
        aligned(campus, "ORG", email=ANNE),
    )
    await hub.deliver_and_process(partner, aligned(campus, "ORG", email=ANNE))
    await hub.deliver_and_process(partner, aligned(campus, "COM", email=BASILE))
    await hub.deliver_and_process(
        partner, *(aligned(campus, "ORG", email=CLAIRE) for _ in range(3))
    )
    hub.serve(STATUS_PATH, campus.status_list(url, revoked={INDEX}))
    await processing.recheck_statuses(hub.context())
    await hub.run_jobs()
    assert sorted((await hub.award_states()).items()) == [("ORG-I", "active")]
    assert len(await hub.awards()) == 2  # Anne's and Claire's ORG-I


async def states(hub: RegionalHub) -> dict[tuple[str, str], str]:
    async with hub.sessions() as session:
        rows = await session.scalars(select(RegionalAward))
        return {(row.learner_id, row.achievement_code): row.state for row in rows}


def changes(
    before: dict[tuple[str, str], str], after: dict[tuple[str, str], str]
) -> dict[str, dict[str, int]]:
    """Per regional badge: learners who gained, lost, kept it (active before/after)."""
    found: dict[str, dict[str, int]] = {}
    for key in before.keys() | after.keys():
        was = before.get(key) == "active"
        now = after.get(key) == "active"
        if not was and not now:
            continue
        kind = "keep" if was and now else "lose" if was else "gain"
        tally = found.setdefault(key[1], {"gain": 0, "lose": 0, "keep": 0})
        tally[kind] += 1
    return found


async def simulate(console: ConsoleBrowser, text: str) -> str:
    response = await console.post(EDITOR, EDITOR, {"document": text, "action": "simulate"})
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    assert location.startswith(f"{PAGE}/simulations/")
    return location


async def stored(hub: RegionalHub, location: str) -> ReferentialSimulation:
    async with hub.sessions() as session:
        found = await session.get(ReferentialSimulation, location.rsplit("/", 1)[1])
        assert found is not None
        return found


async def test_the_page_shows_the_active_version_and_its_rules_in_words(
    hub: RegionalHub, console: ConsoleBrowser, staff: Staff
) -> None:
    await signed_in(console, staff, "read_only", "lecture@region.example")

    page = await console.http.get(PAGE)

    assert page.status_code == 200
    assert "2026.1" in page.text
    assert "Organiser — Je pratique" in page.text
    assert "Au moins 2 badges partenaires en" in page.text
    assert "/nouvelle-version" not in page.text  # reading only


async def test_the_editor_starts_from_the_active_version(
    hub: RegionalHub, console: ConsoleBrowser, staff: Staff
) -> None:
    await signed_in(console, staff, "referential_editor", "editrice@region.example")

    page = await console.http.get(EDITOR)

    assert page.status_code == 200
    assert ORG_RULE in page.text
    assert "/static/console-referentiel.js" in page.text


async def test_a_broken_draft_is_explained_with_its_line_numbers(
    hub: RegionalHub, console: ConsoleBrowser, staff: Staff
) -> None:
    await signed_in(console, staff, "referential_editor", "editrice@region.example")
    broken = shipped().replace(ORG_RULE, "badges: {competency: ORGA, min_count: 2}")
    line = broken.splitlines().index(next(row for row in broken.splitlines() if "ORGA" in row)) + 1

    checked = await console.post(EDITOR, EDITOR, {"document": broken, "action": "check"})
    simulated = await console.post(EDITOR, EDITOR, {"document": broken, "action": "simulate"})
    token = await console.token(EDITOR)
    typed = await console.http.post(
        f"{PAGE}/verification", data={"csrf_token": token, "document": broken}
    )
    in_english = await console.http.post(
        f"{PAGE}/verification?lang=en", data={"csrf_token": token, "document": broken}
    )
    forged = await console.http.post(f"{PAGE}/verification", data={"document": broken})

    assert checked.status_code == simulated.status_code == 422
    assert f"Ligne {line} :" in checked.text
    assert "ORGA" in checked.text  # the text typed is kept
    assert typed.status_code == 200
    answer = typed.json()
    assert answer["valid"] is False
    assert any(issue["line"] == line for issue in answer["issues"])
    english = {issue["message"] for issue in in_english.json()["issues"]}
    assert english.isdisjoint(issue["message"] for issue in answer["issues"])
    assert forged.status_code == 403
    async with hub.sessions() as session:
        assert list(await session.scalars(select(ReferentialSimulation))) == []


async def test_a_valid_draft_checks_clean(
    hub: RegionalHub, console: ConsoleBrowser, staff: Staff
) -> None:
    await signed_in(console, staff, "referential_editor", "editrice@region.example")
    token = await console.token(EDITOR)

    typed = await console.http.post(
        f"{PAGE}/verification", data={"csrf_token": token, "document": easier_com()}
    )
    checked = await console.post(EDITOR, EDITOR, {"document": easier_com(), "action": "check"})

    assert typed.json() == {"valid": True, "count": 0, "issues": []}
    assert checked.status_code == 200
    assert "Aucun problème trouvé" in checked.text


async def test_the_simulation_changes_nothing_and_publishing_does_what_it_said(
    hub: RegionalHub, campus: PartnerIssuer, console: ConsoleBrowser, staff: Staff
) -> None:
    await three_learners(hub, campus)
    actor = await signed_in(console, staff, "referential_editor", "editrice@region.example")
    before = await states(hub)
    rows_before = await counts(hub)
    batches_before = await hub.jobs_waiting("regional.evaluate_batch")
    evaluations_before = await hub.jobs_waiting()

    location = await simulate(console, stricter_org_and_easier_com())

    rows_after = await counts(hub)
    assert {k: v for k, v in rows_after.items() if k != "audit_event"} == {
        k: v for k, v in rows_before.items() if k != "audit_event"
    }
    assert await states(hub) == before
    assert await hub.jobs_waiting("regional.evaluate_batch") == batches_before
    assert await hub.jobs_waiting() == evaluations_before
    simulation = await stored(hub, location)
    said = {
        badge["code"]: {kind: badge[kind] for kind in ("gain", "lose", "keep")}
        for badge in simulation.result["badges"]
        if badge["gain"] or badge["lose"] or badge["keep"]
    }
    assert said == {
        "ORG-I": {"gain": 0, "lose": 1, "keep": 1},
        "COM-I": {"gain": 1, "lose": 0, "keep": 0},
    }
    assert simulation.result["lost"] == 1
    (simulated,) = await hub.audit("referential.simulated")
    assert simulated.actor == actor
    page = await console.http.get(location)
    assert page.status_code == 200
    assert "Nombre de badges perdus" in page.text
    image = await console.http.get(f"{location}/images/ORG-I.svg")
    assert image.status_code == 200
    assert image.headers["content-type"].startswith("image/svg+xml")

    publish = f"{location}/publier"
    unconfirmed = await console.post(publish, location, {})
    wrong_number = await console.post(publish, location, {"confirm": "yes", "lost": "2"})
    assert unconfirmed.status_code == wrong_number.status_code == 422
    assert unconfirmed.headers["x-error-code"] == "losses_not_confirmed"
    assert await hub.referential_numbers() == [(1, True)]

    credentials_before = await hub.regional_credentials()
    published = await console.post(publish, location, {"confirm": "yes", "lost": "1"})
    assert published.status_code == 303, published.text
    await hub.run_jobs()

    assert changes(before, await states(hub)) == said
    assert await hub.regional_credentials() == credentials_before + 1  # Basile's COM-I
    assert sorted(set((await states(hub)).values())) == ["active", "suspended"]
    assert await hub.referential_numbers() == [(1, False), (2, True)]
    (loaded,) = [e for e in await hub.audit("referential.loaded") if e.actor == actor]
    assert loaded.data["number"] == 2
    (event,) = await hub.audit("referential.published")
    assert (event.actor, event.data["lost"]) == (actor, 1)


async def test_a_simulation_is_stale_once_the_data_changes(
    hub: RegionalHub, campus: PartnerIssuer, console: ConsoleBrowser, staff: Staff
) -> None:
    await signed_in(console, staff, "administrator", "admin@region.example")
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    location = await simulate(console, easier_com())
    await hub.deliver_and_process(partner, aligned(campus, "COM", email=BASILE))

    page = await console.http.get(location)
    refused = await console.post(f"{location}/publier", location, {})

    assert "simulez à nouveau" in page.text
    assert refused.status_code == 409
    assert refused.headers["x-error-code"] == "simulation_outdated"
    assert await hub.referential_numbers() == [(1, True)]


async def test_a_draft_losing_no_badge_publishes_without_the_second_confirmation(
    hub: RegionalHub, campus: PartnerIssuer, console: ConsoleBrowser, staff: Staff
) -> None:
    await signed_in(console, staff, "administrator", "admin@region.example")
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(partner, aligned(campus, "COM", email=BASILE))
    location = await simulate(console, easier_com())

    published = await console.post(f"{location}/publier", location, {})
    await hub.run_jobs()
    again = await console.post(f"{location}/publier", location, {})

    assert published.status_code == 303
    assert await hub.award_states() == {"COM-I": "active"}
    assert again.status_code == 409
    assert again.headers["x-error-code"] == "simulation_already_published"


async def test_a_read_only_member_can_read_but_not_draft_simulate_or_publish(
    hub: RegionalHub, console: ConsoleBrowser, staff: Staff
) -> None:
    await signed_in(console, staff, "administrator", "admin@region.example")
    location = await simulate(console, easier_com())
    await console.post("/console/deconnexion", PAGE, {})
    await signed_in(console, staff, "read_only", "lecture@region.example")
    token = await console.token(PAGE)

    page = await console.http.get(location)
    editor = await console.http.get(EDITOR)
    draft = await console.http.post(
        EDITOR, data={"csrf_token": token, "document": easier_com(), "action": "simulate"}
    )
    typed = await console.http.post(
        f"{PAGE}/verification", data={"csrf_token": token, "document": "x"}
    )
    publish = await console.http.post(f"{location}/publier", data={"csrf_token": token})

    assert page.status_code == 200
    assert "/publier" not in page.text
    assert editor.status_code == draft.status_code == typed.status_code == 403
    assert publish.status_code == 403
    assert await hub.referential_numbers() == [(1, True)]


@pytest.mark.parametrize("path", [PAGE, EDITOR])
async def test_signed_out_readers_are_sent_to_sign_in(console: ConsoleBrowser, path: str) -> None:
    response = await console.http.get(path)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/connexion")


async def test_the_simulation_reads_in_english_too(
    hub: RegionalHub, campus: PartnerIssuer, console: ConsoleBrowser, staff: Staff
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(partner, aligned(campus, "COM", email=BASILE))
    await signed_in(console, staff, "administrator", "admin@region.example")
    location = await simulate(console, easier_com())

    page = await console.http.get(f"{location}?lang=en")
    script = await console.http.get("/static/console-referentiel.js")

    assert page.status_code == 200
    assert '<html lang="en"' in page.text
    assert "Would gain" in page.text
    assert "Communicating — I practise" in page.text
    assert "No learner loses a badge with this version." in page.text
    assert f"{location}/images/COM-I.svg?lang=en" in page.text
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")


async def test_the_active_version_unchanged_is_not_simulated(
    hub: RegionalHub, console: ConsoleBrowser, staff: Staff
) -> None:
    await signed_in(console, staff, "referential_editor", "editrice@region.example")

    response = await console.post(EDITOR, EDITOR, {"document": shipped(), "action": "simulate"})

    assert response.status_code == 422
    assert response.headers["x-error-code"] == "same_as_active"
