"""Cascades: when a counted partner badge is revoked, suspended or expires, the learner is
evaluated again; a regional badge no longer supported is suspended (default policy),
revoked, or kept and marked, and restored when its support returns. Audited, notified.

Partner badges carry a status entry published by their issuer on a local web server;
the hub's hourly re-check (run here by hand) finds the change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ingestion.factory import PartnerIssuer, alignment, json_item
from issuer_api.credentials.service import state_of
from issuer_api.ingestion import processing
from issuer_api.learners import service as learners
from issuer_api.models import OutboundMessage, PartnerBadge
from issuer_api.regional import flows
from issuer_api.settings import CascadePolicy
from outbound.receiver import Receiver
from regional.helpers import EMAIL, ORG_URI, RegionalHub, aligned

STATUS_PATH = "/status/campus"
INDEX = 77

Policy = Callable[[CascadePolicy], None]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def publish(hub: RegionalHub, issuer: PartnerIssuer, purpose: str, bits: set[int]) -> str:
    url = hub.server.url(STATUS_PATH)
    return hub.serve(STATUS_PATH, issuer.status_list(url, purpose=purpose, revoked=bits))


async def level_i_with_a_withdrawable_badge(
    hub: RegionalHub, issuer: PartnerIssuer, purpose: str = "revocation"
) -> str:
    """ORG-I earned with two badges, one of them carrying a status entry; the learner id."""
    url = publish(hub, issuer, purpose, set())
    partner = await hub.add_partner("campus-caen", trusts=[issuer.did])
    await hub.deliver_and_process(
        partner,
        aligned(issuer, "ORG", status=issuer.status_entry(url, INDEX, purpose)),
        aligned(issuer, "ORG"),
    )
    assert await hub.award_states() == {"ORG-I": "active"}
    return await hub.learner_id()


async def recheck(hub: RegionalHub) -> None:
    await processing.recheck_statuses(hub.context())
    await hub.run_jobs()


async def test_a_revoked_partner_badge_suspends_the_regional_badge_it_supported(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await level_i_with_a_withdrawable_badge(hub, campus)
    publish(hub, campus, "revocation", {INDEX})

    await recheck(hub)

    assert await hub.award_states() == {"ORG-I": "suspended"}
    issued = await hub.credential_of("ORG-I")
    assert state_of(issued) == "suspended"
    report = await hub.verify(issued.document)
    status = report.check("status")
    assert status is not None
    assert (status.status, status.code) == ("invalid", "suspended")
    (event,) = await hub.audit("regional_badge.suspended")
    assert event.reason == "regional_support_lost"
    assert event.data["policy"] == "suspend"


async def test_a_reinstated_partner_badge_restores_the_regional_badge(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await level_i_with_a_withdrawable_badge(hub, campus, purpose="suspension")
    publish(hub, campus, "suspension", {INDEX})
    await recheck(hub)
    assert await hub.award_states() == {"ORG-I": "suspended"}

    publish(hub, campus, "suspension", set())
    await recheck(hub)

    assert await hub.award_states() == {"ORG-I": "active"}
    issued = await hub.credential_of("ORG-I")
    assert state_of(issued) == "active"
    assert (await hub.verify(issued.document)).verified
    assert len(await hub.audit("regional_badge.restored")) == 1
    assert await hub.regional_credentials() == 1


async def test_support_returning_through_another_badge_restores_the_same_credential(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await level_i_with_a_withdrawable_badge(hub, campus)
    before = (await hub.awards())[0].credential_id
    publish(hub, campus, "revocation", {INDEX})
    await recheck(hub)
    partner = (await hub.badges())[0].partner_id

    await hub.deliver_and_process(partner, aligned(campus, "ORG"))

    (award,) = await hub.awards()
    assert (award.state, award.credential_id) == ("active", before)


async def test_a_badge_still_supported_by_other_badges_stays_active(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    url = publish(hub, campus, "revocation", set())
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(
        partner,
        aligned(campus, "ORG", status=campus.status_entry(url, INDEX)),
        aligned(campus, "ORG"),
        aligned(campus, "ORG"),
    )
    publish(hub, campus, "revocation", {INDEX})

    await recheck(hub)

    assert await hub.award_states() == {"ORG-I": "active"}
    assert await hub.audit("regional_badge.suspended") == []


async def test_under_the_revoke_policy_the_regional_badge_is_revoked_for_good(
    hub: RegionalHub, campus: PartnerIssuer, policy: Policy
) -> None:
    policy("revoke")
    await level_i_with_a_withdrawable_badge(hub, campus)
    first = (await hub.awards())[0].credential_id
    publish(hub, campus, "revocation", {INDEX})

    await recheck(hub)

    assert await hub.award_states() == {"ORG-I": "revoked"}
    revoked = await hub.credential(first)
    assert state_of(revoked) == "revoked"
    assert not (await hub.verify(revoked.document)).verified
    (event,) = await hub.audit("regional_badge.revoked")
    assert event.data["policy"] == "revoke"


async def test_after_a_revocation_regained_support_mints_a_new_credential(
    hub: RegionalHub, campus: PartnerIssuer, policy: Policy
) -> None:
    policy("revoke")
    await level_i_with_a_withdrawable_badge(hub, campus)
    first = (await hub.awards())[0].credential_id
    publish(hub, campus, "revocation", {INDEX})
    await recheck(hub)
    partner = (await hub.badges())[0].partner_id

    await hub.deliver_and_process(partner, aligned(campus, "ORG"))

    (award,) = await hub.awards()
    assert award.state == "active"
    assert award.credential_id != first
    assert state_of(await hub.credential(first)) == "revoked"
    assert state_of(await hub.credential(award.credential_id)) == "active"


async def test_under_the_keep_policy_the_badge_stays_valid_and_the_loss_is_recorded(
    hub: RegionalHub, campus: PartnerIssuer, policy: Policy
) -> None:
    policy("keep")
    await level_i_with_a_withdrawable_badge(hub, campus)
    publish(hub, campus, "revocation", {INDEX})

    await recheck(hub)
    await hub.evaluate(await hub.learner_id())  # once recorded, not again

    (award,) = await hub.awards()
    assert award.state == "active"
    assert award.explanation["unsupported_since"]
    assert state_of(await hub.credential(award.credential_id)) == "active"
    (event,) = await hub.audit("regional_badge.unsupported")
    assert event.data["policy"] == "keep"


async def test_an_expired_partner_badge_withdraws_its_support(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    expiring = campus.credential(
        email=EMAIL,
        achievement_id="https://campus-caen.example/achievements/planning",
        alignments=[alignment(ORG_URI, "ORG")],
        valid_until=soon,
    )
    await hub.deliver_and_process(
        partner, aligned(campus, "ORG"), json_item(campus.signed_json(expiring), email=EMAIL)
    )
    assert await hub.award_states() == {"ORG-I": "active"}

    later = await flows.evaluate_learner(
        hub.sessions, hub.settings, hub.kek, await hub.learner_id(), now=soon + timedelta(days=1)
    )

    assert later.suspended == ["ORG-I"]
    assert await hub.award_states() == {"ORG-I": "suspended"}


async def test_suspending_a_partner_does_not_withdraw_what_its_badges_earned(
    hub: RegionalHub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    first = await hub.add_partner("campus-caen", trusts=[campus.did])
    second = await hub.add_partner("greta-rouen", trusts=[greta.did])
    await hub.deliver_and_process(first, aligned(campus, "ORG"), aligned(campus, "ORG"))
    await hub.set_partner_state(first, "suspended")

    await hub.deliver_and_process(second, aligned(greta, "ORG-II"))

    assert await hub.award_states() == {"ORG-I": "active"}  # ORG-II: campus no longer counts


async def test_losing_a_level_ii_badge_cascades_to_the_general_badge(
    hub: RegionalHub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    first = await hub.add_partner("campus-caen", trusts=[campus.did])
    second = await hub.add_partner("greta-rouen", trusts=[greta.did])
    for competency in ("ORG", "ADA", "COM"):
        await hub.deliver(first, aligned(campus, f"{competency}-II"), aligned(campus, competency))
        await hub.deliver(second, aligned(greta, competency))
    await hub.run_jobs()
    assert (await hub.award_states())["GEN"] == "active"
    learner = await hub.learner_id()
    org_ii = next(
        b
        for b in await hub.badges()
        if b.achievement and "ORG-II" in json.dumps(b.achievement.get("alignment"))
    )

    await withdraw(hub, org_ii, learner)

    states = await hub.award_states()
    assert states["ORG-II"] == "suspended"
    assert states["GEN"] == "suspended"
    assert states["ORG-I"] == "active"  # two ORG badges still count for level I
    assert states["ADA-II"] == states["COM-II"] == "active"


async def withdraw(hub: RegionalHub, badge: PartnerBadge, learner: str) -> None:
    """The partner badge is found revoked (as a re-check records it), then jobs run."""
    async with hub.sessions() as session:
        changed = await learners.change_badge_status(
            session,
            badge_id=badge.id,
            learner_id=learner,
            previous="active",
            new="revoked",
            now=datetime.now(UTC),
        )
        await session.commit()
    assert changed
    await hub.run_jobs()


async def test_partners_whose_badges_were_counted_are_notified(
    hub: RegionalHub, campus: PartnerIssuer, receiver: Receiver
) -> None:
    url = publish(hub, campus, "revocation", set())
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    admin = await hub.headers("admin")
    created = await hub.http.post(
        "/webhook-endpoints",
        json={"partner_id": partner, "url": receiver.url()},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    await hub.deliver_and_process(
        partner,
        aligned(campus, "ORG", status=campus.status_entry(url, INDEX)),
        aligned(campus, "ORG"),
    )
    publish(hub, campus, "revocation", {INDEX})
    await recheck(hub)

    async with hub.sessions() as session:
        messages = list(
            await session.scalars(select(OutboundMessage).order_by(OutboundMessage.created_at))
        )
    assert [m.event_type for m in messages] == [
        "regional_badge.awarded",
        "regional_badge.suspended",
    ]
    data = messages[0].payload["data"]
    (award,) = await hub.awards()
    assert data["award_id"] == award.id
    assert data["credential"]["id"] == f"urn:uuid:{award.credential_id}"
    assert data["credential"]["url"].endswith(f"/badges/{award.credential_id}")
    assert data["achievement"]["code"] == "ORG-I"
    assert {b["partner_id"] for b in data["partner_badges"]} == {partner}
    assert "@" not in json.dumps(data)
    assert messages[1].payload["data"]["reason"] == "regional_support_lost"
    bodies = [json.loads(r.body)["type"] for r in receiver.received]
    assert bodies == ["regional_badge.awarded", "regional_badge.suspended"]
