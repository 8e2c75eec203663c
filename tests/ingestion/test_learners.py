"""Learner records: one learner per person across partners, found by email or DID,
created exactly once even when several workers meet a new person at the same time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingestion.factory import PartnerIssuer, json_item, jwt_item
from ingestion.helpers import EMAIL, LEARNER_DID, OTHER_EMAIL, Hub, codes
from issuer_api.db import session_scope
from issuer_api.ingestion import processing
from issuer_api.learners import repository as learner_repository
from issuer_api.models import Learner, LearnerIdentifier
from issuer_api.privacy import identifier_lookup, unseal_pii


async def test_the_same_email_from_two_partners_is_one_learner_whatever_its_spelling(
    hub: Hub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    campus_partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    greta_partner = await hub.add_partner("greta-rouen", trusts=[greta.did])
    await hub.deliver(
        campus_partner,
        json_item(campus.signed_json(campus.credential(email=EMAIL)), email=EMAIL),
    )
    spelled = "  camille.MARTIN@example.FR "
    await hub.deliver(
        greta_partner,
        json_item(greta.signed_json(greta.credential(email=spelled)), email=spelled),
    )
    await hub.run_jobs()

    (learner,) = await hub.learners()
    badges = await hub.badges()
    assert [(b.partner_id, b.learner_id) for b in badges] == [
        (campus_partner, learner.id),
        (greta_partner, learner.id),
    ]
    (identifier,) = await hub.identifiers()
    assert identifier.kind == "email"
    assert identifier.lookup == identifier_lookup(hub.kek, "email", EMAIL)
    assert unseal_pii(hub.kek, identifier.sealed) == "camille.martin@example.fr"


async def test_different_people_are_different_learners(hub: Hub, campus: PartnerIssuer) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    await hub.deliver(
        partner,
        json_item(campus.signed_json(campus.credential(email=EMAIL)), email=EMAIL),
        json_item(campus.signed_json(campus.credential(email=OTHER_EMAIL)), email=OTHER_EMAIL),
    )
    await hub.run_jobs()

    assert len(await hub.learners()) == 2
    assert len({b.learner_id for b in await hub.badges()}) == 2


async def test_a_did_in_the_credential_is_linked_to_the_learner_found_by_email(
    hub: Hub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    campus_partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    greta_partner = await hub.add_partner("greta-rouen", trusts=[greta.did])
    both = campus.credential(email=EMAIL, did=LEARNER_DID)
    await hub.deliver(campus_partner, json_item(campus.signed_json(both), email=EMAIL))
    await hub.run_jobs()
    # Later, another partner knows the learner by their DID only.
    token = greta.signed_jwt(greta.credential(did=LEARNER_DID))
    await hub.deliver(greta_partner, jwt_item(token, did=LEARNER_DID))
    await hub.run_jobs()

    (learner,) = await hub.learners()
    assert [(i.kind, unseal_pii(hub.kek, i.sealed)) for i in await hub.identifiers()] == [
        ("email", "camille.martin@example.fr"),
        ("did", LEARNER_DID),
    ]
    assert [b.learner_id for b in await hub.badges()] == [learner.id, learner.id]


async def test_an_unhashed_email_in_the_credential_is_linked_to_the_learner_found_by_did(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    credential = campus.credential(did=LEARNER_DID)
    credential["credentialSubject"]["identifier"] = [
        {
            "type": "IdentityObject",
            "hashed": False,
            "identityHash": "Camille.Martin@example.fr",
            "identityType": "emailAddress",
        }
    ]
    await hub.deliver(partner, json_item(campus.signed_json(credential), did=LEARNER_DID))
    await hub.run_jobs()

    assert sorted(i.kind for i in await hub.identifiers()) == ["did", "email"]
    assert len(await hub.learners()) == 1


async def test_an_identifier_already_someone_elses_is_not_moved(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    await hub.deliver(
        partner,
        json_item(campus.signed_json(campus.credential(did=LEARNER_DID)), did=LEARNER_DID),
    )
    await hub.run_jobs()
    # A credential naming that DID for another email: the DID stays with its learner.
    mixed = campus.credential(email=OTHER_EMAIL, did=LEARNER_DID)
    await hub.deliver(partner, json_item(campus.signed_json(mixed), email=OTHER_EMAIL))
    await hub.run_jobs()

    learners = await hub.learners()
    assert len(learners) == 2
    owners = {i.kind: i.learner_id for i in await hub.identifiers()}
    assert owners["did"] != owners["email"]


async def test_concurrent_deliveries_for_one_new_learner_make_one_learner_and_one_badge(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    payload = campus.signed_json(campus.credential(email=EMAIL))
    deliveries = [await hub.deliver(partner, json_item(payload, email=EMAIL)) for _ in range(6)]

    await asyncio.gather(*(processing.process_delivery(hub.context(), d) for d in deliveries))

    assert len(await hub.learners()) == 1
    assert len(await hub.identifiers()) == 1
    badge = await hub.badge()
    outcomes = sorted([(await hub.item(d)).outcome for d in deliveries])
    assert outcomes == ["accepted"] + ["duplicate"] * 5
    assert {(await hub.item(d)).partner_badge_id for d in deliveries} == {badge.id}
    assert [e.kind for e in await hub.events()] == ["stored"]


async def test_concurrent_deliveries_of_several_badges_for_one_new_learner_share_the_learner(
    hub: Hub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    campus_partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    greta_partner = await hub.add_partner("greta-rouen", trusts=[greta.did])
    deliveries = []
    for n in range(3):
        for partner, issuer in ((campus_partner, campus), (greta_partner, greta)):
            credential = issuer.credential(
                email=EMAIL, achievement_id=f"https://example.fr/achievements/{n}"
            )
            deliveries.append(
                await hub.deliver(partner, json_item(issuer.signed_json(credential), email=EMAIL))
            )

    await asyncio.gather(*(processing.process_delivery(hub.context(), d) for d in deliveries))

    (learner,) = await hub.learners()
    badges = await hub.badges()
    assert len(badges) == 6
    assert {b.learner_id for b in badges} == {learner.id}
    assert [codes(await hub.item(d)) for d in deliveries] == [[]] * 6


async def test_registering_a_learner_whose_identifier_is_taken_inserts_no_identifier(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = datetime.now(UTC)
    lookup = "a" * 64
    async with session_scope(sessions) as session:
        first = await learner_repository.register_learner(
            session, learner_id="learner-first", kind="email", lookup=lookup, sealed={}, now=now
        )
    async with session_scope(sessions) as session:
        second = await learner_repository.register_learner(
            session, learner_id="learner-second", kind="email", lookup=lookup, sealed={}, now=now
        )
        await learner_repository.delete_learner(session, "learner-second")

    assert (first, second) == (True, False)
    async with session_scope(sessions) as session:
        learners = (await session.scalars(select(Learner))).all()
        holders = (await session.scalars(select(LearnerIdentifier.learner_id))).all()
    assert [(learner.id, learner.notify_email) for learner in learners] == [("learner-first", True)]
    assert holders == ["learner-first"]
