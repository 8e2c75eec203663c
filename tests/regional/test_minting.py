"""Automatic minting: when a learner's partner badges satisfy a rule of the référentiel
(the shipped Normandie one here), the Region awards the regional badge — once.

Normandie: level I = 2 recognised badges in the competency; level II = 3 badges, one
of them at level II, from 2 organisations (and it implies level I); the general badge
= 3 of the 4 level-II badges.
"""

from __future__ import annotations

from ingestion.factory import PartnerIssuer
from issuer_api.credentials.service import state_of
from issuer_api.models import PartnerBadge
from obcore.identity import identity_hash
from regional.helpers import EMAIL, RegionalHub, aligned

OTHER = "dominique.petit@example.fr"


async def test_two_recognised_badges_in_a_competency_earn_level_i_once(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])

    await hub.deliver_and_process(partner, aligned(campus, "ORG"), aligned(campus, "ORG"))

    assert await hub.award_states() == {"ORG-I": "active"}
    assert await hub.regional_credentials() == 1
    learner = await hub.learner_id()
    again = await hub.evaluate(learner)
    assert again.minted == []
    assert await hub.regional_credentials() == 1


async def test_one_badge_is_not_enough(hub: RegionalHub, campus: PartnerIssuer) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])

    await hub.deliver_and_process(partner, aligned(campus, "ORG"), aligned(campus, "COM"))

    assert await hub.award_states() == {}


async def test_the_regional_credential_is_a_signed_open_badge_of_the_region(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(partner, aligned(campus, "ORG"), aligned(campus, "ORG-I"))
    (award,) = await hub.awards()
    issued = await hub.credential(award.credential_id)
    document = issued.document
    region = await hub.region()

    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["issuer"]["id"].startswith("did:key:")
    assert issued.issuer_id == region.id
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["awardedDate"] == document["validFrom"]
    assert document["credentialStatus"]["statusPurpose"] == "suspension"
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["name"] == "Organiser — Je pratique"
    assert achievement["alignment"][0]["targetCode"] == "ORG-I"
    assert "/regional-badges/ORG-I/image.svg?version=1" in achievement["image"]["id"]
    (identity,) = document["credentialSubject"]["identifier"]
    assert identity["hashed"] is True
    assert identity["identityHash"] == identity_hash(EMAIL.lower(), identity["salt"])
    assert EMAIL.lower() not in str(document).lower()
    report = await hub.verify(document)
    assert report.verified, report.to_dict("en")


async def test_evidence_lists_every_partner_credential_counted_with_its_digest(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(partner, aligned(campus, "ORG"), aligned(campus, "ORG"))
    (award,) = await hub.awards()
    issued = await hub.credential(award.credential_id)
    badges: list[PartnerBadge] = await hub.badges()

    evidence = issued.document["evidence"]
    assert sorted(e["id"] for e in evidence) == sorted(b.credential_id for b in badges)
    for entry in evidence:
        badge = next(b for b in badges if b.credential_id == entry["id"])
        assert entry["type"] == ["Evidence"]
        assert badge.issuer_id in entry["description"]
        assert badge.digest in entry["description"]
        assert "référentiel normandie 2026.1" in entry["narrative"]
    assert sorted(e["digest"] for e in award.evidence) == sorted(b.digest for b in badges)


async def test_the_award_records_the_referential_version_and_the_explanation(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(partner, aligned(campus, "ORG"), aligned(campus, "ORG"))
    (award,) = await hub.awards()

    assert await hub.referential_numbers() == [(1, True)]
    assert award.explanation["referential"]["number"] == 1
    assert award.explanation["result"]["reason"] == "rule"
    assert award.explanation["result"]["explanation"]["text"]["en"].startswith("At least 2")
    (event,) = await hub.audit("regional_badge.awarded")
    assert event.target_id == award.id
    assert event.data["code"] == "ORG-I"
    assert event.data["referential_version"] == 1


async def test_level_ii_implies_level_i(
    hub: RegionalHub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    first = await hub.add_partner("campus-caen", trusts=[campus.did])
    second = await hub.add_partner("greta-rouen", trusts=[greta.did])

    await hub.deliver_and_process(first, aligned(campus, "ORG-II"), aligned(campus, "ORG"))
    assert await hub.award_states() == {"ORG-I": "active"}
    await hub.deliver_and_process(second, aligned(greta, "ORG"))

    assert await hub.award_states() == {"ORG-I": "active", "ORG-II": "active"}
    assert await hub.regional_credentials() == 2


async def test_level_ii_at_once_brings_level_i_with_the_same_evidence(
    hub: RegionalHub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    first = await hub.add_partner("campus-caen", trusts=[campus.did])
    second = await hub.add_partner("greta-rouen", trusts=[greta.did])
    await hub.deliver(first, aligned(campus, "ORG-II"), aligned(campus, "ORG"))
    await hub.deliver(second, aligned(greta, "ORG"))

    await hub.run_jobs()

    awards = {a.achievement_code: a for a in await hub.awards()}
    assert set(awards) == {"ORG-I", "ORG-II"}
    assert awards["ORG-I"].explanation["result"]["reason"] in ("rule", "implied_by")
    assert len(awards["ORG-II"].evidence) == 3


async def test_level_ii_needs_two_organisations(hub: RegionalHub, campus: PartnerIssuer) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])

    await hub.deliver_and_process(
        partner, aligned(campus, "ORG-II"), aligned(campus, "ORG"), aligned(campus, "ORG")
    )

    assert await hub.award_states() == {"ORG-I": "active"}


async def test_the_general_badge_follows_three_level_ii_badges(
    hub: RegionalHub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    first = await hub.add_partner("campus-caen", trusts=[campus.did])
    second = await hub.add_partner("greta-rouen", trusts=[greta.did])
    for competency in ("ORG", "ADA"):
        await hub.deliver(first, aligned(campus, f"{competency}-II"), aligned(campus, competency))
        await hub.deliver(second, aligned(greta, competency))
    await hub.run_jobs()
    assert "TRANSVERSAL-II" not in await hub.award_states()

    await hub.deliver_and_process(first, aligned(campus, "COM-II"), aligned(campus, "COM"))
    await hub.deliver_and_process(second, aligned(greta, "COM"))

    states = await hub.award_states()
    assert states["GEN"] == "active"
    assert len(states) == 7  # 3 levels I, 3 levels II, the general badge
    issued = await hub.credential_of("GEN")
    evidence_names = {e["name"] for e in issued.document["evidence"]}
    assert evidence_names == {
        "Organiser — Je maîtrise",
        "S'adapter — Je maîtrise",
        "Communiquer — Je maîtrise",
    }


async def test_badges_of_an_issuer_no_partner_trusts_do_not_count(
    hub: RegionalHub, campus: PartnerIssuer, stranger: PartnerIssuer
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])

    await hub.deliver_and_process(partner, aligned(stranger, "ORG"), aligned(stranger, "ORG"))
    await hub.deliver_and_process(None, aligned(stranger, "ORG"), aligned(campus, "ORG"))

    assert await hub.award_states() == {}
    assert await hub.regional_credentials() == 0


async def test_badges_from_a_suspended_partner_stop_counting(
    hub: RegionalHub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    first = await hub.add_partner("campus-caen", trusts=[campus.did])
    second = await hub.add_partner("greta-rouen", trusts=[greta.did])
    await hub.deliver_and_process(first, aligned(campus, "ORG"))
    await hub.set_partner_state(second, "suspended")
    await hub.deliver_and_process(second, aligned(greta, "ORG"))

    assert await hub.award_states() == {}


async def test_the_same_badge_delivered_twice_counts_once(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    item = aligned(campus, "ORG", achievement="planifier")

    await hub.deliver_and_process(partner, item)
    await hub.deliver_and_process(partner, item)
    await hub.deliver_and_process(partner, aligned(campus, "ORG", achievement="planifier"))

    # The same credential is kept once; a second credential of the same achievement
    # from the same issuer is kept too, but being awarded a badge twice is not two badges.
    assert len(await hub.badges()) == 2
    assert await hub.award_states() == {}


async def test_each_learner_gets_their_own_badges(hub: RegionalHub, campus: PartnerIssuer) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])

    await hub.deliver_and_process(
        partner,
        aligned(campus, "ORG"),
        aligned(campus, "ORG"),
        aligned(campus, "ORG", email=OTHER),
        aligned(campus, "COM", email=OTHER),
    )

    (award,) = await hub.awards()
    assert award.achievement_code == "ORG-I"
    kept = {b.learner_id for b in await hub.badges()}
    assert len(kept) == 2
    issued = await hub.credential(award.credential_id)
    (identity,) = issued.document["credentialSubject"]["identifier"]
    assert identity["identityHash"] == identity_hash(EMAIL.lower(), identity["salt"])
    assert state_of(issued) == "active"
