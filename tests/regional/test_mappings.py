"""Which partner badges count: besides OB 3.0 alignments, a partner achievement counts
toward a competency through a mapping the Region approves (proposed → approved).
Proposals come from administrators, or from a partner for its own trusted issuers."""

from __future__ import annotations

from typing import Any, Final

from ingestion.factory import PartnerIssuer
from partners.helpers import make_partner
from regional.helpers import RegionalHub, aligned

PLANNING: Final = "https://campus-caen.example/achievements/planning"


async def propose(
    hub: RegionalHub, headers: dict[str, str], **fields: Any
) -> tuple[int, dict[str, Any]]:
    body = {"achievement_id": PLANNING, "competency": "ORG", **fields}
    response = await hub.http.post("/referential/mappings", json=body, headers=headers)
    return response.status_code, response.json()


async def learner_with_one_aligned_and_one_unaligned_badge(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(
        partner, aligned(campus, "ORG"), aligned(campus, "", achievement="planning")
    )


async def test_a_proposed_mapping_does_not_count_until_approved(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await learner_with_one_aligned_and_one_unaligned_badge(hub, campus)
    admin = await hub.headers("admin")

    status, mapping = await propose(hub, admin, issuer_id=campus.did, note="Planifier")
    await hub.run_jobs()

    assert status == 201, mapping
    assert (mapping["state"], mapping["competency"], mapping["level"]) == ("proposed", "ORG", "I")
    assert await hub.award_states() == {}


async def test_an_approved_mapping_counts_and_reevaluates_the_holders(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await learner_with_one_aligned_and_one_unaligned_badge(hub, campus)
    admin = await hub.headers("admin")
    _, mapping = await propose(hub, admin)

    response = await hub.http.post(
        f"/referential/mappings/{mapping['id']}/approve", json={"note": "OK"}, headers=admin
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "approved"
    await hub.run_jobs()

    (award,) = await hub.awards()
    assert award.achievement_code == "ORG-I"
    (event,) = await hub.audit("referential.mapping_approved")
    assert event.target_id == mapping["id"]


async def test_a_rejected_mapping_never_counts(hub: RegionalHub, campus: PartnerIssuer) -> None:
    await learner_with_one_aligned_and_one_unaligned_badge(hub, campus)
    admin = await hub.headers("admin")
    _, mapping = await propose(hub, admin)

    rejected = await hub.http.post(f"/referential/mappings/{mapping['id']}/reject", headers=admin)
    approved = await hub.http.post(f"/referential/mappings/{mapping['id']}/approve", headers=admin)
    await hub.run_jobs()

    assert rejected.json()["state"] == "rejected"
    assert approved.status_code == 409
    assert approved.json()["error"]["code"] == "mapping_already_decided"
    assert await hub.award_states() == {}


async def test_a_mapping_restricted_to_another_issuer_does_not_count(
    hub: RegionalHub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    await learner_with_one_aligned_and_one_unaligned_badge(hub, campus)
    admin = await hub.headers("admin")
    _, mapping = await propose(hub, admin, issuer_id=greta.did)

    await hub.http.post(f"/referential/mappings/{mapping['id']}/approve", headers=admin)
    await hub.run_jobs()

    assert await hub.award_states() == {}


async def test_a_mapping_names_a_competency_and_level_of_the_referential(
    hub: RegionalHub,
) -> None:
    admin = await hub.headers("admin")

    unknown_competency = await propose(hub, admin, competency="CUISINE")
    unknown_level = await propose(hub, admin, level="IV")
    created = await propose(hub, admin, competency="org", level="ii")
    twice = await propose(hub, admin, competency="ORG")

    assert unknown_competency[0] == unknown_level[0] == 422
    assert unknown_competency[1]["error"]["code"] == "mapping_unknown_target"
    assert created[0] == 201
    assert (created[1]["competency"], created[1]["level"]) == ("ORG", "II")
    assert twice[0] == 409
    assert twice[1]["error"]["code"] == "mapping_exists"
    assert twice[1]["error"]["details"]["id"] == created[1]["id"]


async def test_a_partner_proposes_mappings_for_its_own_issuers_only(
    hub: RegionalHub, campus: PartnerIssuer, stranger: PartnerIssuer
) -> None:
    admin = await hub.headers("admin")
    partner = await make_partner(
        hub, admin, slug="campus-caen", trusted_issuers=[campus.did], oauth_client=True
    )

    own = await propose(hub, partner.headers, issuer_id=campus.did)
    foreign = await propose(
        hub, partner.headers, achievement_id="https://x.example/a", issuer_id=stranger.did
    )
    unnamed = await propose(hub, partner.headers, achievement_id="https://x.example/b")
    approving = await hub.http.post(
        f"/referential/mappings/{own[1]['id']}/approve", headers=partner.headers
    )

    assert own[0] == 201, own
    assert own[1]["partner_id"] == partner.id
    assert own[1]["state"] == "proposed"
    assert foreign[0] == 403
    assert foreign[1]["error"]["code"] == "mapping_issuer_not_trusted"
    assert unnamed[0] == 422
    assert unnamed[1]["error"]["code"] == "mapping_issuer_required"
    assert approving.status_code == 403


async def test_mappings_are_listed_by_state_and_partners_see_their_own(
    hub: RegionalHub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    admin = await hub.headers("admin")
    partner = await make_partner(
        hub, admin, slug="campus-caen", trusted_issuers=[campus.did], oauth_client=True
    )
    _, theirs = await propose(hub, partner.headers, issuer_id=campus.did)
    _, ours = await propose(hub, admin, achievement_id="https://greta.example/a")
    await hub.http.post(f"/referential/mappings/{ours['id']}/approve", headers=admin)
    reader = await hub.headers("read")

    proposed = await hub.http.get("/referential/mappings?state=proposed", headers=reader)
    every = await hub.http.get("/referential/mappings", headers=reader)
    own = await hub.http.get("/referential/mappings", headers=partner.headers)

    assert [m["id"] for m in proposed.json()["items"]] == [theirs["id"]]
    assert every.json()["total"] == 2
    assert [m["id"] for m in own.json()["items"]] == [theirs["id"]]
