"""Re-checks: kept partner badges are verified again to catch revocations, suspensions
and expiries; each change is an event and a new evaluation of the learner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from ingestion.factory import PartnerIssuer, json_item
from ingestion.helpers import EMAIL, OTHER_EMAIL, Hub
from issuer_api.ingestion import processing, tasks
from issuer_api.jobs.registry import REGISTRY
from issuer_api.models import PartnerBadge
from verify.resolvers import network_options

STATUS_PATH = "/status/campus-1"
INDEX = 4242


async def kept_badge(
    hub: Hub, issuer: PartnerIssuer, *, purpose: str = "revocation", email: str = EMAIL
) -> PartnerBadge:
    """A badge with a status entry, accepted while its bit is clear."""
    url = hub.serve(STATUS_PATH, issuer.status_list(hub.server.url(STATUS_PATH), purpose=purpose))
    partner = await hub.add_partner(trusts=[issuer.did])
    credential = issuer.credential(email=email, status=issuer.status_entry(url, INDEX, purpose))
    await hub.deliver(partner, json_item(issuer.signed_json(credential), email=email))
    await hub.run_jobs()
    return await hub.badge()


def publish(
    hub: Hub, issuer: PartnerIssuer, *, purpose: str = "revocation", bits: Any = ()
) -> None:
    hub.serve(
        STATUS_PATH, issuer.status_list(hub.server.url(STATUS_PATH), purpose=purpose, revoked=bits)
    )


async def test_a_revocation_published_by_the_issuer_is_found_and_recorded(
    hub: Hub, campus: PartnerIssuer, evaluations: list[str]
) -> None:
    kept = await kept_badge(hub, campus)
    publish(hub, campus, bits={INDEX})

    summary = await processing.recheck_statuses(hub.context())

    assert (summary.checked, summary.changed) == (1, 1)
    badge = await hub.badge()
    assert badge.status == "revoked"
    assert badge.status_changed_at is not None
    assert badge.status_checked_at is not None
    assert kept.status_checked_at is not None
    assert badge.status_checked_at > kept.status_checked_at
    events = await hub.events()
    assert [(e.kind, e.previous_status, e.new_status) for e in events] == [
        ("stored", None, "active"),
        ("revoked", "active", "revoked"),
    ]
    await hub.run_jobs()
    assert evaluations == [badge.learner_id, badge.learner_id]


async def test_a_revoked_badge_is_not_checked_again(hub: Hub, campus: PartnerIssuer) -> None:
    await kept_badge(hub, campus)
    publish(hub, campus, bits={INDEX})
    await processing.recheck_statuses(hub.context())

    summary = await processing.recheck_statuses(hub.context())

    assert summary.checked == 0


async def test_a_suspension_and_its_lifting_are_recorded(hub: Hub, campus: PartnerIssuer) -> None:
    await kept_badge(hub, campus, purpose="suspension")
    publish(hub, campus, purpose="suspension", bits={INDEX})
    await processing.recheck_statuses(hub.context())
    assert (await hub.badge()).status == "suspended"

    publish(hub, campus, purpose="suspension")
    await processing.recheck_statuses(hub.context())

    assert (await hub.badge()).status == "active"
    assert [e.kind for e in await hub.events()] == ["stored", "suspended", "reinstated"]


async def test_an_unchanged_status_is_only_stamped_as_checked(
    hub: Hub, campus: PartnerIssuer, evaluations: list[str]
) -> None:
    kept = await kept_badge(hub, campus)

    summary = await processing.recheck_statuses(hub.context())

    assert (summary.checked, summary.changed) == (1, 0)
    badge = await hub.badge()
    assert badge.status == "active"
    assert badge.status_checked_at is not None
    assert kept.status_checked_at is not None
    assert badge.status_checked_at > kept.status_checked_at
    assert [e.kind for e in await hub.events()] == ["stored"]
    await hub.run_jobs()
    assert evaluations == [badge.learner_id]


async def test_a_status_list_out_of_reach_leaves_the_badge_as_it_was(
    hub: Hub, campus: PartnerIssuer
) -> None:
    kept = await kept_badge(hub, campus)
    hub.server.routes.pop(STATUS_PATH)  # 404 from now on

    summary = await processing.recheck_statuses(hub.context())

    assert (summary.checked, summary.unavailable) == (0, 1)
    badge = await hub.badge()
    assert (badge.status, badge.status_checked_at) == ("active", kept.status_checked_at)
    assert [e.kind for e in await hub.events()] == ["stored"]


async def test_a_badge_past_its_valid_until_is_found_expired(
    hub: Hub, campus: PartnerIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    until = datetime.now(UTC) + timedelta(days=30)
    credential = campus.credential(email=EMAIL, valid_until=until)
    await hub.deliver(partner, json_item(campus.signed_json(credential), email=EMAIL))
    await hub.run_jobs()

    def two_months_later(**kwargs: Any) -> Any:
        return network_options(**kwargs, now=datetime.now(UTC) + timedelta(days=60))

    monkeypatch.setattr(processing, "network_options", two_months_later)
    await processing.recheck_statuses(hub.context())

    assert (await hub.badge()).status == "expired"
    assert [e.kind for e in await hub.events()] == ["stored", "expired"]


async def test_the_longest_unchecked_badges_are_checked_first(
    hub: Hub, campus: PartnerIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    for email in (EMAIL, OTHER_EMAIL, "troisieme@example.fr"):
        await hub.deliver(
            partner, json_item(campus.signed_json(campus.credential(email=email)), email=email)
        )
    await hub.run_jobs()
    badges = await hub.badges()
    long_ago = datetime(2025, 1, 1, tzinfo=UTC)
    async with hub.sessions() as session:
        for days, badge in zip((3, 1, 2), badges, strict=True):
            await session.execute(
                update(PartnerBadge)
                .where(PartnerBadge.id == badge.id)
                .values(status_checked_at=long_ago + timedelta(days=days))
            )
        await session.commit()
    monkeypatch.setattr(processing, "RECHECK_BATCH_SIZE", 1)
    monkeypatch.setattr(processing, "RECHECK_MAX_PER_RUN", 2)

    summary = await processing.recheck_statuses(hub.context())

    assert summary.checked == 2
    checked = {b.id: b.status_checked_at for b in await hub.badges()}
    assert checked[badges[0].id] == long_ago + timedelta(days=3)  # the freshest: next run
    assert checked[badges[1].id] != long_ago + timedelta(days=1)
    assert checked[badges[2].id] != long_ago + timedelta(days=2)


async def test_an_administrator_can_have_a_learners_badges_checked_again(
    hub: Hub, campus: PartnerIssuer
) -> None:
    badge = await kept_badge(hub, campus)
    publish(hub, campus, bits={INDEX})
    admin = await hub.headers("admin")

    response = await hub.http.post(f"/learners/{badge.learner_id}/recheck", headers=admin)
    assert response.status_code == 202, response.text
    assert response.json() == {"learner_id": badge.learner_id, "queued": True}
    again = await hub.http.post(f"/learners/{badge.learner_id}/recheck", headers=admin)
    assert again.json()["queued"] is False  # one waiting re-check per learner
    await hub.run_jobs()

    assert (await hub.badge()).status == "revoked"


async def test_rechecking_an_unknown_learner_is_not_found(hub: Hub) -> None:
    response = await hub.http.post(
        "/learners/00000000-0000-0000-0000-000000000000/recheck",
        headers=await hub.headers("admin"),
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "learner_not_found"


def test_statuses_are_rechecked_every_hour() -> None:
    assert tasks.RECHECK_PERIODIC in REGISTRY.periodic
    assert REGISTRY.periodic[tasks.RECHECK_PERIODIC].cron == "17 * * * *"
