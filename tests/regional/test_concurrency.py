"""Exactly once under concurrency: however many evaluations of one learner run at the
same time (job retries, several workers, several machines), each regional badge is
minted once. The guard is the unique (learner, regional achievement) constraint; these
tests run on SQLite and, with ``make test``, on PostgreSQL."""

from __future__ import annotations

import asyncio

from ingestion.factory import PartnerIssuer
from issuer_api.ingestion import processing
from partners.helpers import badge_item, deliver, make_partner
from regional.helpers import EMAIL, RegionalHub, aligned

PARALLEL = 12


async def stored_without_evaluation(hub: RegionalHub, partner: str, *items: object) -> None:
    """Keep the badges (the processing job's work) without running the evaluations."""
    delivery = await hub.deliver(partner, *items)  # type: ignore[arg-type]
    await processing.process_delivery(hub.context(), delivery)


async def test_parallel_evaluations_of_one_learner_mint_each_badge_once(
    hub: RegionalHub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    first = await hub.add_partner("campus-caen", trusts=[campus.did])
    second = await hub.add_partner("greta-rouen", trusts=[greta.did])
    await stored_without_evaluation(hub, first, aligned(campus, "ORG-II"), aligned(campus, "ORG"))
    await stored_without_evaluation(hub, second, aligned(greta, "ORG"))
    learner = await hub.learner_id()

    outcomes = await asyncio.gather(*(hub.evaluate(learner) for _ in range(PARALLEL)))

    minted = sorted(code for outcome in outcomes for code in outcome.minted)
    assert minted == ["ORG-I", "ORG-II"]
    assert await hub.award_states() == {"ORG-I": "active", "ORG-II": "active"}
    assert await hub.regional_credentials() == 2
    assert len(await hub.audit("regional_badge.awarded")) == 2


async def test_parallel_evaluations_after_each_new_badge_never_duplicate(
    hub: RegionalHub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    first = await hub.add_partner("campus-caen", trusts=[campus.did])
    second = await hub.add_partner("greta-rouen", trusts=[greta.did])
    await stored_without_evaluation(hub, first, aligned(campus, "ORG"))
    learner = await hub.learner_id()
    for partner, item in (
        (first, aligned(campus, "ORG-II")),
        (second, aligned(greta, "ORG")),
        (second, aligned(greta, "ADA")),
    ):
        await stored_without_evaluation(hub, partner, item)
        await asyncio.gather(*(hub.evaluate(learner) for _ in range(4)))

    assert await hub.award_states() == {"ORG-I": "active", "ORG-II": "active"}
    assert await hub.regional_credentials() == 2


async def test_many_signed_webhooks_for_one_learner_in_parallel_give_one_credential_each(
    hub: RegionalHub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    admin = await hub.headers("admin")
    first = await make_partner(hub, admin, slug="campus-caen", trusted_issuers=[campus.did])
    second = await make_partner(hub, admin, slug="greta-rouen", trusted_issuers=[greta.did])
    bodies = [
        (first, [aligned(campus, "ORG-II"), aligned(campus, "ORG")]),
        (second, [aligned(greta, "ORG"), aligned(greta, "COM")]),
        (first, [aligned(campus, "COM")]),
    ]
    sends = [
        deliver(
            hub,
            partner,
            {"badges": [badge_item(item.payload, EMAIL) for item in items]},
        )
        for partner, items in bodies
        for _ in range(3)  # every webhook arrives three times, under new ids
    ]

    responses = await asyncio.gather(*sends)
    assert {response.status_code for response in responses} == {202}
    await hub.run_jobs()

    assert await hub.award_states() == {"ORG-I": "active", "ORG-II": "active", "COM-I": "active"}
    assert await hub.regional_credentials() == 3
