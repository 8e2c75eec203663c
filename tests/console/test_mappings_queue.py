"""The queue of proposed mappings in the console: the partner badge read, approved or
rejected with a reason, the history kept — through the same service as the admin API."""

from __future__ import annotations

from typing import Any, Final

import pytest

from console.helpers import ConsoleBrowser, Staff
from console.regional_hub import (  # noqa: F401 - fixtures
    campus_fixture,
    hub_fixture,
    signed_in,
    web_fixture,
)
from ingestion.factory import PartnerIssuer
from issuer_api.models import AchievementMapping
from regional.helpers import RegionalHub, aligned

pytestmark = [pytest.mark.anyio, pytest.mark.db]

PLANNING: Final = "https://campus-caen.example/achievements/planning"
QUEUE: Final = "/console/correspondances"


async def a_proposal_for_a_badge_a_learner_holds(
    hub: RegionalHub, campus: PartnerIssuer
) -> dict[str, Any]:
    """One ORG badge aligned, one "Planifier sa semaine" badge proposed for ORG."""
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(
        partner,
        aligned(campus, "ORG"),
        aligned(campus, "", achievement="planning", name="Planifier sa semaine"),
    )
    admin = await hub.headers("admin")
    response = await hub.http.post(
        "/referential/mappings",
        json={"achievement_id": PLANNING, "competency": "ORG", "note": "Atelier de 3 jours"},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def mapping(hub: RegionalHub, mapping_id: str) -> AchievementMapping:
    async with hub.sessions() as session:
        found = await session.get(AchievementMapping, mapping_id)
        assert found is not None
        return found


async def test_the_queue_shows_the_partner_badge_being_proposed(
    hub: RegionalHub, campus: PartnerIssuer, console: ConsoleBrowser, staff: Staff
) -> None:
    await a_proposal_for_a_badge_a_learner_holds(hub, campus)
    await signed_in(console, staff, "read_only", "lecture@region.example")

    page = await console.http.get(QUEUE)

    assert page.status_code == 200
    assert "Planifier sa semaine" in page.text
    assert "Partenaire campus-caen" in page.text
    assert PLANNING in page.text
    assert "Organiser" in page.text
    assert "Atelier de 3 jours" in page.text
    assert "/approuver" not in page.text  # reading only: no decision buttons


async def test_an_editor_approves_and_the_holders_are_reevaluated(
    hub: RegionalHub, campus: PartnerIssuer, console: ConsoleBrowser, staff: Staff
) -> None:
    proposed = await a_proposal_for_a_badge_a_learner_holds(hub, campus)
    actor = await signed_in(
        console, staff, "referential_editor", "editrice@region.example", "Camille Leroy"
    )

    response = await console.post(f"{QUEUE}/{proposed['id']}/approuver", QUEUE, {"reason": ""})
    await hub.run_jobs()

    assert response.status_code == 303
    assert response.headers["location"] == f"{QUEUE}?fait=approuvee"
    decided = await mapping(hub, proposed["id"])
    assert (decided.state, decided.decided_by) == ("approved", actor)
    assert await hub.award_states() == {"ORG-I": "active"}
    (event,) = await hub.audit("referential.mapping_approved")
    assert event.actor == actor
    history = await console.http.get(QUEUE)
    assert "Acceptée" in history.text
    decisions = history.text.split('id="history-caption"', 1)[1]
    assert "Camille Leroy" in decisions  # who decided, by name


async def test_rejecting_requires_a_reason_which_the_history_keeps(
    hub: RegionalHub, campus: PartnerIssuer, console: ConsoleBrowser, staff: Staff
) -> None:
    proposed = await a_proposal_for_a_badge_a_learner_holds(hub, campus)
    actor = await signed_in(console, staff, "administrator", "admin@region.example")
    path = f"{QUEUE}/{proposed['id']}/rejeter"

    without = await console.post(path, QUEUE, {"reason": "   "})
    still = await mapping(hub, proposed["id"])
    with_reason = await console.post(path, QUEUE, {"reason": "Atelier trop court"})

    assert without.status_code == 400
    assert without.headers["x-error-code"] == "reason_required"
    assert 'href="#reason-' in without.text
    assert 'aria-invalid="true"' in without.text
    assert still.state == "proposed"
    assert with_reason.status_code == 303
    decided = await mapping(hub, proposed["id"])
    assert (decided.state, decided.decided_by, decided.note) == (
        "rejected",
        actor,
        "Atelier trop court",
    )
    (event,) = await hub.audit("referential.mapping_rejected")
    assert (event.actor, event.reason) == (actor, "Atelier trop court")
    history = await console.http.get(QUEUE)
    assert "Atelier trop court" in history.text
    assert "Refusée" in history.text


async def test_a_mapping_decided_meanwhile_is_not_decided_twice(
    hub: RegionalHub, campus: PartnerIssuer, console: ConsoleBrowser, staff: Staff
) -> None:
    proposed = await a_proposal_for_a_badge_a_learner_holds(hub, campus)
    await signed_in(console, staff, "referential_editor", "editrice@region.example")
    token_page = QUEUE
    await hub.http.post(
        f"/referential/mappings/{proposed['id']}/reject", headers=await hub.headers("admin")
    )

    late = await console.post(f"{QUEUE}/{proposed['id']}/approuver", token_page, {"reason": ""})

    assert late.status_code == 409
    assert late.headers["x-error-code"] == "mapping_already_decided"
    assert (await mapping(hub, proposed["id"])).state == "rejected"


@pytest.mark.parametrize("decision", ["approuver", "rejeter"])
async def test_a_read_only_member_cannot_decide(
    hub: RegionalHub,
    campus: PartnerIssuer,
    console: ConsoleBrowser,
    staff: Staff,
    decision: str,
) -> None:
    proposed = await a_proposal_for_a_badge_a_learner_holds(hub, campus)
    await signed_in(console, staff, "read_only", "lecture@region.example")

    response = await console.post(f"{QUEUE}/{proposed['id']}/{decision}", QUEUE, {"reason": "Non"})

    assert response.status_code == 403
    assert (await mapping(hub, proposed["id"])).state == "proposed"


async def test_signed_out_readers_are_sent_to_the_sign_in_page(console: ConsoleBrowser) -> None:
    response = await console.http.get(QUEUE)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/connexion")


async def test_a_form_without_its_token_is_refused(
    hub: RegionalHub, campus: PartnerIssuer, console: ConsoleBrowser, staff: Staff
) -> None:
    proposed = await a_proposal_for_a_badge_a_learner_holds(hub, campus)
    await signed_in(console, staff, "administrator", "admin@region.example")

    response = await console.http.post(f"{QUEUE}/{proposed['id']}/approuver", data={})

    assert response.status_code == 403
    assert (await mapping(hub, proposed["id"])).state == "proposed"
