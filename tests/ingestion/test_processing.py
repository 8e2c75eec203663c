"""Processing a partner delivery: each badge verified, judged, kept once, with provenance.

Deliveries go through the real inbox and the real job runtime; credentials are signed
by did:key partner issuers (:mod:`ingestion.factory`), status lists and OB 2.0 hosted
badges are served by a local web server the verifier is allowed to reach.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from ingestion.factory import (
    Ob2HostedIssuer,
    PartnerIssuer,
    alignment,
    image_item,
    json_item,
    jwt_item,
    url_item,
)
from ingestion.helpers import EMAIL, LEARNER_DID, OTHER_EMAIL, Hub, codes
from issuer_api.ingestion import processing
from issuer_api.ingestion.acceptance import equality_key
from issuer_api.jobs import JobContext, RetryLater
from issuer_api.models import DeliveryItem
from issuer_api.privacy import unseal_pii

SST = alignment("https://referentiel.normandie.fr/competences/secourisme", "SEC-1", "Secourisme")


async def test_an_accepted_badge_is_kept_with_its_provenance_digest_and_sealed_original(
    hub: Hub, campus: PartnerIssuer, evaluations: list[str]
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    credential = campus.credential(email=EMAIL, alignments=[SST])
    payload = campus.signed_json(credential)
    delivery_id = await hub.deliver(partner, json_item(payload, email=EMAIL, reference="inscr-42"))

    assert await hub.run_jobs() >= 1

    item = await hub.item(delivery_id)
    assert (item.outcome, item.reasons) == ("accepted", [])
    badge = await hub.badge()
    assert item.partner_badge_id == badge.id
    assert item.learner_id == badge.learner_id
    assert badge.partner_id == partner
    assert badge.delivery_id == delivery_id
    assert badge.delivery_item_id == item.id
    assert badge.issuer_id == campus.did
    assert badge.credential_id == credential["id"]
    assert badge.equality_key == equality_key(campus.did, credential["id"])
    assert badge.format == "json"
    assert badge.achievement_id == "https://campus-caen.example/achievements/sst"
    assert badge.achievement_name == "Sauveteur secouriste du travail"
    assert badge.achievement["alignment"] == [SST]
    assert badge.valid_from == datetime(2025, 1, 1, tzinfo=UTC)
    assert badge.status == "active"
    assert badge.status_checked_at is not None
    assert badge.digest == hashlib.sha256(payload.encode()).hexdigest()
    assert badge.report["verdict"] == "valid"
    assert "credential" not in badge.report
    # The original is kept, sealed: readable with the KEK only.
    assert badge.original_sealed is not None
    assert unseal_pii(hub.kek, badge.original_sealed) == payload
    assert credential["id"] not in json.dumps(badge.original_sealed)

    delivery = await hub.delivery(delivery_id)
    assert delivery.status == "done"
    assert delivery.completed_at is not None
    assert delivery.attempts == 1
    assert [e.kind for e in await hub.events()] == ["stored"]
    assert evaluations == [badge.learner_id]


async def test_the_email_and_the_did_are_nowhere_in_clear_in_the_database(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    credential = campus.credential(email=EMAIL, did=LEARNER_DID)
    await hub.deliver(partner, json_item(campus.signed_json(credential), email=EMAIL))
    await hub.run_jobs()
    assert len(await hub.identifiers()) == 2

    async with hub.sessions() as session:
        for table in (
            "delivery_item",
            "learner_identifier",
            "partner_badge",
            "partner_badge_event",
        ):
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608
            dumped = json.dumps([list(r) for r in rows], default=str).lower()
            assert EMAIL.lower() not in dumped, table
            assert LEARNER_DID not in dumped, table


async def test_the_same_credential_from_two_deliveries_is_kept_once(
    hub: Hub, campus: PartnerIssuer, evaluations: list[str]
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    payload = campus.signed_json(campus.credential(email=EMAIL))
    first = await hub.deliver(partner, json_item(payload, email=EMAIL))
    await hub.run_jobs()
    second = await hub.deliver(partner, json_item(payload, email=EMAIL))
    await hub.run_jobs()

    badge = await hub.badge()
    again = await hub.item(second)
    assert (again.outcome, codes(again)) == ("duplicate", ["duplicate"])
    assert again.partner_badge_id == badge.id
    assert again.learner_id == badge.learner_id
    assert badge.delivery_id == first
    assert (await hub.delivery(second)).status == "done"
    assert [e.kind for e in await hub.events()] == ["stored"]
    assert evaluations == [badge.learner_id]


async def test_a_newer_version_of_a_credential_replaces_the_kept_one(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    first = campus.credential(email=EMAIL, credential_id="urn:uuid:0b1c-version")
    newer = campus.credential(
        email=EMAIL,
        credential_id="urn:uuid:0b1c-version",
        valid_from=datetime(2025, 6, 1, tzinfo=UTC),
        alignments=[SST],
    )
    await hub.deliver(partner, json_item(campus.signed_json(first), email=EMAIL))
    await hub.run_jobs()
    kept = await hub.badge()
    newer_payload = campus.signed_jwt(newer)
    delivery_id = await hub.deliver(partner, jwt_item(newer_payload, email=EMAIL))
    await hub.run_jobs()

    item = await hub.item(delivery_id)
    assert (item.outcome, codes(item)) == ("accepted", ["replaced_older"])
    badge = await hub.badge()
    assert badge.id == kept.id == item.partner_badge_id
    assert badge.valid_from == datetime(2025, 6, 1, tzinfo=UTC)
    assert badge.format == "vc-jwt"
    assert badge.delivery_id == delivery_id
    assert badge.achievement["alignment"] == [SST]
    assert badge.digest == hashlib.sha256(newer_payload.encode()).hexdigest()
    assert [(e.kind, e.partner_badge_id) for e in await hub.events()] == [
        ("stored", badge.id),
        ("replaced", badge.id),
    ]


async def test_an_older_version_of_a_kept_credential_is_superseded(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    newer = campus.credential(
        email=EMAIL, credential_id="urn:uuid:0b1c-v2", valid_from=datetime(2025, 6, 1, tzinfo=UTC)
    )
    older = campus.credential(email=EMAIL, credential_id="urn:uuid:0b1c-v2")
    await hub.deliver(partner, json_item(campus.signed_json(newer), email=EMAIL))
    await hub.run_jobs()
    delivery_id = await hub.deliver(partner, json_item(campus.signed_json(older), email=EMAIL))
    await hub.run_jobs()

    item = await hub.item(delivery_id)
    assert (item.outcome, codes(item)) == ("duplicate", ["superseded"])
    assert (await hub.badge()).valid_from == datetime(2025, 6, 1, tzinfo=UTC)


async def test_a_credential_kept_for_another_learner_is_a_recipient_conflict(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    shared = "urn:uuid:shared-id"
    await hub.deliver(
        partner,
        json_item(
            campus.signed_json(campus.credential(email=EMAIL, credential_id=shared)), email=EMAIL
        ),
    )
    await hub.run_jobs()
    other = campus.credential(email=OTHER_EMAIL, credential_id=shared)
    delivery_id = await hub.deliver(
        partner, json_item(campus.signed_json(other), email=OTHER_EMAIL)
    )
    await hub.run_jobs()

    item = await hub.item(delivery_id)
    assert (item.outcome, codes(item)) == ("rejected", ["recipient_conflict"])
    assert len(await hub.learners()) == 1  # the conflicting learner was not kept


async def test_a_badge_of_an_issuer_the_partner_is_not_trusted_for_is_rejected(
    hub: Hub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    await hub.add_partner("greta-rouen", trusts=[greta.did])
    partner = await hub.add_partner(trusts=[campus.did])
    # GRETA's badge, delivered by the campus: trusted by a partner, not by the sender.
    payload = greta.signed_json(greta.credential(email=EMAIL))
    delivery_id = await hub.deliver(partner, json_item(payload, email=EMAIL))
    await hub.run_jobs()

    item = await hub.item(delivery_id)
    assert (item.outcome, item.reasons) == ("rejected", [{"code": "issuer_not_trusted"}])
    assert await hub.badges() == []
    assert await hub.learners() == []


async def test_a_badge_for_someone_else_than_the_envelope_recipient_is_rejected(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    payload = campus.signed_json(campus.credential(email=OTHER_EMAIL))
    delivery_id = await hub.deliver(partner, json_item(payload, email=EMAIL))
    await hub.run_jobs()

    item = await hub.item(delivery_id)
    assert (item.outcome, item.reasons) == ("rejected", [{"code": "recipient_mismatch"}])
    assert item.learner_id is None
    assert await hub.learners() == []


async def test_a_tampered_badge_is_rejected_naming_the_failed_proof(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    signed = campus.sign(campus.credential(email=EMAIL))
    signed["credentialSubject"]["achievement"]["name"] = "Ingénieur en chef"
    delivery_id = await hub.deliver(partner, json_item(signed, email=EMAIL))
    await hub.run_jobs()

    item = await hub.item(delivery_id)
    assert item.outcome == "rejected"
    assert item.reasons == [
        {"code": "not_verified", "check": "proof", "check_code": "invalid_signature"}
    ]
    assert await hub.badges() == []


async def test_a_badge_whose_status_cannot_be_fetched_is_retried_then_reported_unavailable(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    delivery_id = await hub.deliver_with_unfetchable_status(partner, campus)

    # The first attempt cannot check the status: the item waits, the job will retry.
    with pytest.raises(RetryLater):
        await processing.process_delivery(hub.context(attempt=1), delivery_id)
    item = await hub.item(delivery_id)
    assert item.outcome == "pending"
    delivery = await hub.delivery(delivery_id)
    assert delivery.status == "queued"
    assert delivery.last_error is not None
    assert "could not be verified" in delivery.last_error

    # The last attempt records why the badge could not be accepted.
    await processing.process_delivery(hub.context(attempt=8), delivery_id)
    item = await hub.item(delivery_id)
    assert (item.outcome, item.reasons) == (
        "rejected",
        [
            {
                "code": "verification_unavailable",
                "check": "status",
                "check_code": "status_not_checked",
            }
        ],
    )
    delivery = await hub.delivery(delivery_id)
    assert (delivery.status, delivery.attempts) == ("done", 8)


async def test_the_job_runtime_retries_an_unavailable_verification_until_its_last_attempt(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    delivery_id = await hub.deliver_with_unfetchable_status(partner, campus)

    for _ in range(10):  # retries are due at once (no backoff in these tests)
        if not await hub.run_jobs():
            break

    delivery = await hub.delivery(delivery_id)
    assert (delivery.status, delivery.attempts) == ("done", 8)
    assert codes(await hub.item(delivery_id)) == ["verification_unavailable"]


async def test_an_unavailable_document_of_an_untrusted_issuer_is_rejected_without_retrying(
    hub: Hub, campus: PartnerIssuer, stranger: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    delivery_id = await hub.deliver_with_unfetchable_status(partner, stranger)

    await processing.process_delivery(hub.context(attempt=1), delivery_id)

    assert codes(await hub.item(delivery_id)) == ["issuer_not_trusted"]


async def test_a_vc_jwt_is_accepted_and_kept_as_a_jwt(hub: Hub, campus: PartnerIssuer) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    token = campus.signed_jwt(campus.credential(did=LEARNER_DID, alignments=[SST]))
    delivery_id = await hub.deliver(partner, jwt_item(token, did=LEARNER_DID))
    await hub.run_jobs()

    assert (await hub.item(delivery_id)).outcome == "accepted"
    badge = await hub.badge()
    assert badge.format == "vc-jwt"
    assert badge.achievement["alignment"] == [SST]
    assert badge.original_sealed is not None
    assert unseal_pii(hub.kek, badge.original_sealed) == token


async def test_a_baked_image_is_accepted_and_its_digest_is_that_of_the_image(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    item = image_item(campus.signed_json(campus.credential(email=EMAIL)), email=EMAIL)
    delivery_id = await hub.deliver(partner, item)
    await hub.run_jobs()

    assert (await hub.item(delivery_id)).outcome == "accepted"
    badge = await hub.badge()
    assert badge.format == "baked-png+json"
    assert badge.digest == hashlib.sha256(base64.b64decode(item.payload)).hexdigest()


async def test_an_ob2_hosted_badge_given_by_its_url_is_accepted_with_its_alignments(
    hub: Hub,
) -> None:
    ob2 = Ob2HostedIssuer(hub.server.base)
    badge_url = ob2.badge_class("habilitation", alignments=[SST])
    assertion_url = ob2.assertion(badge_url, email=EMAIL, number=1)
    for path, document in ob2.documents.items():
        hub.serve(path, document)
    partner = await hub.add_partner(trusts=[ob2.issuer_url])
    delivery_id = await hub.deliver(partner, url_item(assertion_url, email=EMAIL))
    await hub.run_jobs()

    item = await hub.item(delivery_id)
    assert (item.outcome, item.reasons) == ("accepted", [])
    badge = await hub.badge()
    assert badge.format == "ob2-hosted"
    assert badge.issuer_id == ob2.issuer_url
    assert badge.credential_id == assertion_url
    assert badge.achievement_id == badge_url
    assert badge.achievement_name == "Habilitation électrique"
    assert badge.achievement["alignment"] == [SST]
    assert badge.valid_from == datetime(2025, 1, 1, tzinfo=UTC)
    assert badge.awarded_at == datetime(2025, 1, 1, tzinfo=UTC)


async def test_a_claim_is_accepted_for_the_partner_trusted_for_its_issuer(
    hub: Hub, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    await hub.add_partner("campus-caen", trusts=[campus.did])
    greta_partner = await hub.add_partner("greta-rouen", trusts=[greta.did])
    payload = greta.signed_json(greta.credential(email=EMAIL))
    delivery_id = await hub.deliver(None, json_item(payload, email=EMAIL))
    await hub.run_jobs()

    assert (await hub.item(delivery_id)).outcome == "accepted"
    assert (await hub.badge()).partner_id == greta_partner


async def test_a_claim_of_a_badge_no_active_partner_trusts_is_rejected(
    hub: Hub, greta: PartnerIssuer, stranger: PartnerIssuer
) -> None:
    await hub.add_partner("greta-rouen", trusts=[greta.did], state="suspended")
    claims = [
        json_item(greta.signed_json(greta.credential(email=EMAIL)), email=EMAIL),
        json_item(stranger.signed_json(stranger.credential(email=EMAIL)), email=EMAIL),
    ]
    delivery_id = await hub.deliver(None, *claims)
    await hub.run_jobs()

    assert [codes(i) for i in await hub.items(delivery_id)] == [
        ["issuer_not_trusted"],
        ["issuer_not_trusted"],
    ]


async def test_badges_delivered_by_a_partner_suspended_meanwhile_are_rejected(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    delivery_id = await hub.deliver(
        partner, json_item(campus.signed_json(campus.credential(email=EMAIL)), email=EMAIL)
    )
    await hub.set_partner_state(partner, "suspended")
    await hub.run_jobs()

    assert (await hub.item(delivery_id)).reasons == [{"code": "partner_suspended"}]
    assert (await hub.delivery(delivery_id)).status == "done"


async def test_a_delivery_mixes_outcomes_item_by_item(
    hub: Hub, campus: PartnerIssuer, stranger: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    good = campus.signed_json(campus.credential(email=EMAIL))
    delivery_id = await hub.deliver(
        partner,
        json_item(good, email=EMAIL, reference="a"),
        json_item(good, email=EMAIL, reference="b"),
        json_item(stranger.signed_json(stranger.credential(email=EMAIL)), email=EMAIL),
        json_item("{not json", email=EMAIL),
    )
    await hub.run_jobs()

    items = await hub.items(delivery_id)
    assert [(i.reference, i.outcome) for i in items] == [
        ("a", "accepted"),
        ("b", "duplicate"),
        (None, "rejected"),
        (None, "rejected"),
    ]
    assert items[3].reasons == [
        {"code": "not_verified", "check": "parse", "check_code": "malformed_json"}
    ]


async def test_a_worker_killed_mid_delivery_loses_nothing_and_duplicates_nothing(
    hub: Hub, campus: PartnerIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    items = [
        json_item(
            campus.signed_json(campus.credential(email=f"learner{n}@example.fr")),
            email=f"learner{n}@example.fr",
        )
        for n in range(4)
    ]
    delivery_id = await hub.deliver(partner, *items)
    real = processing.process_item
    processed: list[str] = []

    async def dies_after_two(ctx: object, item_id: str) -> bool:
        if len(processed) == 2:
            raise SystemExit("worker killed")
        processed.append(item_id)
        return await real(ctx, item_id)  # type: ignore[arg-type]

    monkeypatch.setattr(processing, "process_item", dies_after_two)
    with pytest.raises(SystemExit):
        await processing.process_delivery(hub.context(attempt=1), delivery_id)
    assert [i.outcome for i in await hub.items(delivery_id)] == [
        "accepted",
        "accepted",
        "pending",
        "pending",
    ]
    monkeypatch.setattr(processing, "process_item", real)

    await processing.process_delivery(hub.context(attempt=2), delivery_id)
    # … and once more, as an at-least-once engine may do: nothing changes.
    await processing.process_delivery(hub.context(attempt=3), delivery_id)

    assert [i.outcome for i in await hub.items(delivery_id)] == ["accepted"] * 4
    assert len(await hub.badges()) == 4
    assert len(await hub.learners()) == 4
    assert [e.kind for e in await hub.events()] == ["stored"] * 4
    assert (await hub.delivery(delivery_id)).status == "done"


async def test_an_item_finished_by_a_concurrent_run_is_not_processed_twice(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    delivery_id = await hub.deliver(
        partner, json_item(campus.signed_json(campus.credential(email=EMAIL)), email=EMAIL)
    )
    item = await hub.item(delivery_id)
    async with hub.sessions() as session:
        await session.execute(
            DeliveryItem.__table__.update()  # type: ignore[attr-defined]
            .where(DeliveryItem.id == item.id)
            .values(outcome="rejected", reasons=[{"code": "issuer_not_trusted"}])
        )
        await session.commit()

    await processing.process_delivery(hub.context(), delivery_id)

    assert (await hub.item(delivery_id)).reasons == [{"code": "issuer_not_trusted"}]
    assert await hub.badges() == []


async def test_a_delivery_whose_last_item_a_concurrent_run_finished_meanwhile_is_done(
    hub: Hub, campus: PartnerIssuer, greta: PartnerIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    # A badge this run rejects (an issuer the sender is not trusted for) …
    payload = greta.signed_json(greta.credential(email=EMAIL))
    delivery_id = await hub.deliver(partner, json_item(payload, email=EMAIL))
    item = await hub.item(delivery_id)
    verify = processing.run_verifier

    async def a_concurrent_run_finishes_the_item_first(
        ctx: JobContext, data: bytes | str, recipient: str | None, aliases: Sequence[str] = ()
    ) -> processing.Verified:
        # … while another run of the same job, which read it too, finishes it first.
        async with hub.sessions() as session:
            await session.execute(
                DeliveryItem.__table__.update()  # type: ignore[attr-defined]
                .where(DeliveryItem.id == item.id)
                .values(outcome="failed", reasons=[{"code": "processing_failed"}])
            )
            await session.commit()
        return await verify(ctx, data, recipient, aliases)

    monkeypatch.setattr(processing, "run_verifier", a_concurrent_run_finishes_the_item_first)
    await processing.process_delivery(hub.context(), delivery_id)

    assert (await hub.item(delivery_id)).reasons == [{"code": "processing_failed"}]
    assert (await hub.delivery(delivery_id)).status == "done"


async def test_a_dead_delivery_fails_its_pending_items_without_personal_data(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    delivery_id = await hub.deliver(
        partner,
        json_item(campus.signed_json(campus.credential(email=EMAIL)), email=EMAIL),
        json_item(campus.signed_json(campus.credential(email=EMAIL)), email=EMAIL),
    )
    await processing.process_item(hub.context(), (await hub.items(delivery_id))[0].id)

    await processing.dead_delivery(
        hub.context(attempt=8),
        f"RuntimeError: cannot process {EMAIL}\n  at processing.py:1 in x\n",
        delivery_id,
    )

    items = await hub.items(delivery_id)
    assert [(i.outcome, i.reasons) for i in items] == [
        ("accepted", []),
        ("failed", [{"code": "processing_failed"}]),
    ]
    delivery = await hub.delivery(delivery_id)
    assert delivery.status == "dead"
    assert delivery.last_error == "processing failed after 8 attempt(s): RuntimeError"


async def test_a_delivery_that_fails_every_attempt_is_dead_lettered_by_the_runtime(
    hub: Hub, campus: PartnerIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    delivery_id = await hub.deliver(
        partner, json_item(campus.signed_json(campus.credential(email=EMAIL)), email=EMAIL)
    )

    async def broken(ctx: object, item_id: str) -> bool:
        raise RuntimeError(f"database unreachable while handling {EMAIL}")

    monkeypatch.setattr(processing, "process_item", broken)
    for _ in range(10):  # retries are due at once (no backoff in these tests)
        if not await hub.run_jobs():
            break

    delivery = await hub.delivery(delivery_id)
    assert (delivery.status, delivery.attempts) == ("dead", 8)
    assert delivery.last_error == "processing failed after 8 attempt(s): RuntimeError"
    assert (await hub.item(delivery_id)).reasons == [{"code": "processing_failed"}]


async def test_an_item_erased_before_processing_fails_as_erased(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    delivery_id = await hub.deliver(
        partner, json_item(campus.signed_json(campus.credential(email=EMAIL)), email=EMAIL)
    )
    async with hub.sessions() as session:
        await session.execute(
            DeliveryItem.__table__.update()  # type: ignore[attr-defined]
            .where(DeliveryItem.delivery_id == delivery_id)
            .values(payload_sealed=None, recipient_sealed=None, recipient_lookup=None)
        )
        await session.commit()

    await hub.run_jobs()

    item = await hub.item(delivery_id)
    assert (item.outcome, item.reasons) == ("failed", [{"code": "payload_erased"}])


async def test_an_expired_badge_is_rejected(hub: Hub, campus: PartnerIssuer) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    expired = campus.credential(email=EMAIL, valid_until=datetime.now(UTC) - timedelta(days=2))
    delivery_id = await hub.deliver(partner, json_item(campus.signed_json(expired), email=EMAIL))
    await hub.run_jobs()

    assert (await hub.item(delivery_id)).reasons == [
        {"code": "not_verified", "check": "validity", "check_code": "expired"}
    ]


async def test_the_item_outcome_and_the_kept_badge_are_written_together(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    await hub.deliver(
        partner, json_item(campus.signed_json(campus.credential(email=EMAIL)), email=EMAIL)
    )
    await hub.run_jobs()

    async with hub.sessions() as session:
        rows = (
            await session.execute(
                select(DeliveryItem.outcome, DeliveryItem.partner_badge_id, DeliveryItem.learner_id)
            )
        ).all()
    badge = await hub.badge()
    assert [tuple(r) for r in rows] == [("accepted", badge.id, badge.learner_id)]
