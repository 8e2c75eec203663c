"""Learners and the GDPR: an administrator finds a learner by email or DID, reads the
record, exports everything held about the person, and erases it — after which no
personal data is left in any table."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import inspect, select, text

from ingestion.factory import PartnerIssuer, json_item
from ingestion.helpers import EMAIL, LEARNER_DID, OTHER_EMAIL, Hub
from issuer_api.models import (
    AuditEvent,
    IssuedCredential,
    OutboundMessage,
    ReferentialVersion,
    RegionalAward,
)
from obcore.statuslist import status_of
from outbound.helpers import award_data, create_endpoint, notify_event

QUEUE_TABLES = ("job",)
"""The job queue: its rows name learners by id only (to evaluate or re-check them)."""


@dataclass
class Camille:
    """A learner known by email and DID, with a partner badge, a rejected delivery and
    a regional badge."""

    learner_id: str
    badge_payload: str
    rejected_payload: str
    accepted_delivery: str
    rejected_delivery: str
    award_id: str
    regional_credential_id: str


@pytest.fixture
async def camille(hub: Hub, campus: PartnerIssuer, stranger: PartnerIssuer) -> Camille:
    partner = await hub.add_partner(trusts=[campus.did])
    payload = campus.signed_json(campus.credential(email=EMAIL, did=LEARNER_DID))
    accepted = await hub.deliver(partner, json_item(payload, email=EMAIL, reference="inscr-1"))
    rejected_payload = stranger.signed_json(stranger.credential(email=EMAIL))
    rejected = await hub.deliver(partner, json_item(rejected_payload, email=f" {EMAIL.upper()} "))
    await hub.run_jobs()
    learner_id = (await hub.badge()).learner_id
    award_id, credential_id = await regional_award(hub, learner_id)
    return Camille(
        learner_id, payload, rejected_payload, accepted, rejected, award_id, credential_id
    )


async def regional_award(hub: Hub, learner_id: str) -> tuple[str, str]:
    """A regional badge awarded to the learner, with its credential issued by the Region."""
    await hub.region()
    admin = await hub.headers("admin")
    achievement = await hub.achievement("region", admin, name="Compétences numériques")
    issued = await hub.issue(
        "region", admin, {"achievement_id": achievement, "recipient": {"email": EMAIL}}
    )
    assert issued.status_code == 201, issued.text
    async with hub.sessions() as session:
        version = ReferentialVersion(
            number=1,
            code="referentiel-normandie",
            version="2026.1",
            digest="0" * 64,
            document={},
            active=True,
        )
        session.add(version)
        await session.flush()
        award = RegionalAward(
            learner_id=learner_id,
            achievement_code="NUM-1",
            credential_id=issued.json()["id"],
            referential_version_id=version.id,
            evidence=[{"id": "x", "issuer": "did:key:z6Mk"}],
        )
        session.add(award)
        await session.commit()
        return award.id, issued.json()["id"]


@pytest.fixture
async def admin(hub: Hub) -> dict[str, str]:
    return await hub.headers("admin")


# --------------------------------------------------------------------------- finding


@pytest.mark.parametrize(
    "query",
    [
        {"email": EMAIL},
        {"email": "  camille.martin@EXAMPLE.fr"},
        {"did": LEARNER_DID},
    ],
)
async def test_a_learner_is_found_by_email_or_did(
    hub: Hub, camille: Camille, admin: dict[str, str], query: dict[str, str]
) -> None:
    response = await hub.http.get("/learners", params=query, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json() == {"learner_id": camille.learner_id}


async def test_an_unknown_email_finds_no_learner(
    hub: Hub, camille: Camille, admin: dict[str, str]
) -> None:
    response = await hub.http.get("/learners", params={"email": OTHER_EMAIL}, headers=admin)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "learner_not_found"


@pytest.mark.parametrize("query", [{}, {"email": EMAIL, "did": LEARNER_DID}, {"email": " "}])
async def test_exactly_one_criterion_is_required(
    hub: Hub, admin: dict[str, str], query: dict[str, str]
) -> None:
    response = await hub.http.get("/learners", params=query, headers=admin)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "learner_query_invalid"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/learners?email=a@b.fr"),
        ("GET", "/learners/{id}"),
        ("GET", "/learners/{id}/export"),
        ("DELETE", "/learners/{id}"),
        ("POST", "/learners/{id}/recheck"),
    ],
)
async def test_learner_records_are_for_administrators_only(
    hub: Hub, camille: Camille, method: str, path: str
) -> None:
    url = path.format(id=camille.learner_id)
    for scope in ("read", "deliver"):
        response = await hub.http.request(method, url, headers=await hub.headers(scope))
        assert response.status_code == 403, (scope, response.text)
    assert (await hub.http.request(method, url)).status_code == 401


# --------------------------------------------------------------------------- reading


async def test_the_record_shows_identifiers_in_clear_and_badges_with_their_status(
    hub: Hub, camille: Camille, admin: dict[str, str], campus: PartnerIssuer
) -> None:
    response = await hub.http.get(f"/learners/{camille.learner_id}", headers=admin)
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["id"] == camille.learner_id
    assert [(i["kind"], i["value"]) for i in record["identifiers"]] == [
        ("email", "camille.martin@example.fr"),
        ("did", LEARNER_DID),
    ]
    (badge,) = record["partner_badges"]
    assert badge["issuer_id"] == campus.did
    assert badge["status"] == "active"
    assert badge["achievement_name"] == "Sauveteur secouriste du travail"
    assert "original" not in badge
    assert [a["achievement_code"] for a in record["regional_awards"]] == ["NUM-1"]


async def test_an_unknown_learner_is_not_found(hub: Hub, admin: dict[str, str]) -> None:
    response = await hub.http.get("/learners/5b0e7c1a-0000-0000-0000-000000000000", headers=admin)
    assert response.status_code == 404


async def test_the_export_holds_everything_about_the_person(
    hub: Hub, camille: Camille, admin: dict[str, str]
) -> None:
    response = await hub.http.get(f"/learners/{camille.learner_id}/export", headers=admin)

    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        f'attachment; filename="learner-{camille.learner_id}.json"'
    )
    document = response.json()
    assert document["learner"] == {"learner_id": camille.learner_id}
    assert {i["value"] for i in document["identifiers"]} == {
        "camille.martin@example.fr",
        LEARNER_DID,
    }
    (badge,) = document["partner_badges"]
    assert badge["original"] == camille.badge_payload
    assert badge["report"]["verdict"] == "valid"
    assert badge["achievement"]["name"] == "Sauveteur secouriste du travail"
    items = {i["delivery_id"]: i for i in document["delivery_items"]}
    assert set(items) == {camille.accepted_delivery, camille.rejected_delivery}
    assert items[camille.accepted_delivery]["payload"] == camille.badge_payload
    assert items[camille.accepted_delivery]["recipient"] == "camille.martin@example.fr"
    assert items[camille.accepted_delivery]["reference"] == "inscr-1"
    assert items[camille.rejected_delivery]["payload"] == camille.rejected_payload
    assert items[camille.rejected_delivery]["outcome"] == "rejected"
    assert [e["kind"] for e in document["events"]] == ["stored"]
    (award,) = document["regional_awards"]
    assert award["achievement_code"] == "NUM-1"
    assert award["credential"]["id"].endswith(camille.regional_credential_id)
    async with hub.sessions() as session:
        audit = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "learner.export")
        )
    assert audit is not None
    assert audit.target_id == camille.learner_id


# --------------------------------------------------------------------------- erasure


async def rows_of_every_table(hub: Hub) -> AsyncIterator[tuple[str, str]]:
    """``(table, row as JSON text)`` for every row of every table of the database."""
    async with hub.sessions() as session:
        connection = await session.connection()
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        assert "partner_badge" in tables
        for table in tables:
            result = await session.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608
            for row in result:
                yield table, json.dumps([str(v) for v in row], ensure_ascii=False)


async def personal_data_found(hub: Hub, camille: Camille) -> list[tuple[str, str]]:
    """Where the email (as sent or lower-cased), the DID or the learner id still appear,
    except the learner id in the audit log and the job queue (no personal data there)."""
    needles = {
        "email": EMAIL,
        "lowercase email": EMAIL.lower(),
        "did": LEARNER_DID,
        "learner id": camille.learner_id,
    }
    found: list[tuple[str, str]] = []
    async for table, row in rows_of_every_table(hub):
        for name, needle in needles.items():
            if needle.lower() not in row.lower():
                continue
            allowed = name == "learner id" and (
                table == "audit_event" or table in QUEUE_TABLES or table.startswith("procrastinate")
            )
            if not allowed and (table, name) not in found:
                found.append((table, name))
    return found


async def test_erasure_leaves_no_personal_data_in_any_table(
    hub: Hub, camille: Camille, admin: dict[str, str]
) -> None:
    await hub.http.get(f"/learners/{camille.learner_id}/export", headers=admin)
    before = await personal_data_found(hub, camille)
    assert ("learner_identifier", "learner id") in before  # the scan sees what is there
    assert ("partner_badge", "learner id") in before

    response = await hub.http.delete(f"/learners/{camille.learner_id}", headers=admin)

    assert response.status_code == 204, response.text
    assert await personal_data_found(hub, camille) == []


async def test_erasure_keeps_counters_and_outcomes_and_is_audited_without_personal_data(
    hub: Hub, camille: Camille, admin: dict[str, str]
) -> None:
    response = await hub.http.delete(f"/learners/{camille.learner_id}", headers=admin)
    assert response.status_code == 204

    assert await hub.learners() == []
    assert await hub.badges() == []
    assert await hub.identifiers() == []
    assert await hub.events() == []
    accepted = await hub.item(camille.accepted_delivery)
    rejected = await hub.item(camille.rejected_delivery)
    assert (accepted.outcome, rejected.outcome) == ("accepted", "rejected")
    for item in (accepted, rejected):
        assert item.payload_sealed is None
        assert item.recipient_sealed is None
        assert item.recipient_lookup is None
        assert item.learner_id is None
    assert (await hub.delivery(camille.accepted_delivery)).item_count == 1
    async with hub.sessions() as session:
        audit = await session.scalar(select(AuditEvent).where(AuditEvent.action == "learner.erase"))
        issued = await session.get(IssuedCredential, camille.regional_credential_id)
        awards = list(await session.scalars(select(RegionalAward)))
    assert audit is not None
    assert audit.target_type == "learner"
    assert audit.target_id == camille.learner_id
    assert audit.data == {
        "regional_awards": 1,
        "events": 1,
        "partner_badges": 1,
        "identifiers": 2,
        "delivery_items_wiped": 2,
        "regional_credentials_revoked": 1,
        "regional_credentials_erased": 1,
        "notifications_redacted": 0,
        "authorised_applications": 0,
    }
    assert awards == []
    assert issued is not None
    assert issued.revoked_at is not None  # the regional badge is revoked

    again = await hub.http.get(f"/learners/{camille.learner_id}", headers=admin)
    assert again.status_code == 404
    lookup = await hub.http.get("/learners", params={"email": EMAIL}, headers=admin)
    assert lookup.status_code == 404


async def test_a_learner_erased_can_come_back_as_a_new_learner(
    hub: Hub, camille: Camille, admin: dict[str, str], campus: PartnerIssuer
) -> None:
    await hub.http.delete(f"/learners/{camille.learner_id}", headers=admin)
    partner = (await hub.delivery(camille.accepted_delivery)).partner_id
    assert partner is not None

    await hub.deliver(partner, json_item(camille.badge_payload, email=EMAIL))
    await hub.run_jobs()

    (learner,) = await hub.learners()
    assert learner.id != camille.learner_id
    assert len(await hub.badges()) == 1


async def regional_credential(hub: Hub, credential_id: str) -> dict[str, object]:
    async with hub.sessions() as session:
        issued = await session.get(IssuedCredential, credential_id)
        assert issued is not None
        return dict(issued.document)


async def test_erasure_empties_the_regional_credential_of_its_holder(
    hub: Hub, camille: Camille, admin: dict[str, str]
) -> None:
    document = await regional_credential(hub, camille.regional_credential_id)
    (identity,) = document["credentialSubject"]["identifier"]  # type: ignore[index]
    salted_hash, salt = identity["identityHash"], identity["salt"]

    await hub.http.delete(f"/learners/{camille.learner_id}", headers=admin)

    async for table, row in rows_of_every_table(hub):
        assert salted_hash not in row, table
        assert salt not in row, table
    emptied = await regional_credential(hub, camille.regional_credential_id)
    assert set(emptied) == {"@context", "id", "type", "issuer", "credentialStatus"}
    assert emptied["credentialStatus"] == document["credentialStatus"]
    async with hub.sessions() as session:
        issued = await session.get(IssuedCredential, camille.regional_credential_id)
    assert issued is not None
    assert issued.erased_at is not None
    assert (issued.recipient, issued.jwt, issued.request_digest) == (None, None, None)


async def test_an_erased_credential_is_gone_from_its_public_addresses_but_stays_revoked(
    hub: Hub, camille: Camille, admin: dict[str, str]
) -> None:
    credential_id = camille.regional_credential_id
    assert (await hub.http.get(f"/credentials/{credential_id}")).status_code == 200

    await hub.http.delete(f"/learners/{camille.learner_id}", headers=admin)

    gone = await hub.http.get(f"/credentials/{credential_id}", headers={"Accept-Language": "en"})
    assert gone.status_code == 410
    error = gone.json()["error"]
    assert error["code"] == "credential_erased"
    assert "erased at its holder's request" in error["message"]
    for suffix in ("", ".json", ".svg", ".png"):
        page = await hub.http.get(f"/badges/{credential_id}{suffix}")
        assert page.status_code == 410, suffix
        assert "Badge effacé" in page.text
    listing = await hub.http.get("/issuers/region/credentials", headers=admin)
    (record,) = [r for r in listing.json()["items"] if r["id"] == credential_id]
    assert record["status"] == "revoked"
    assert record["erased_at"] is not None
    assert "credentialSubject" not in record["credential"]
    entry = record["credential"]["credentialStatus"]
    status_list = await hub.http.get(entry["statusListCredential"])
    assert status_list.status_code == 200
    assert status_of(entry, status_list.json()["credentialSubject"]) == 1  # revoked (or the
    # suspension entry, set for good: a copy held elsewhere verifies as not valid)


async def test_erasure_redacts_the_notifications_about_the_learner_and_stops_unsent_ones(
    hub: Hub, camille: Camille, admin: dict[str, str]
) -> None:
    await create_endpoint(hub, admin, "https://hooks.normandie.example.fr/obhub")
    (about,) = await notify_event(hub, data=award_data(camille.learner_id))
    (other,) = await notify_event(hub, data=award_data())  # another learner's

    response = await hub.http.delete(f"/learners/{camille.learner_id}", headers=admin)

    assert response.status_code == 204
    assert await personal_data_found(hub, camille) == []
    async with hub.sessions() as session:
        redacted = await session.get(OutboundMessage, about.id)
        untouched = await session.get(OutboundMessage, other.id)
    assert redacted is not None
    assert untouched is not None
    assert redacted.payload == {
        "type": "regional_badge.awarded",
        "timestamp": about.payload["timestamp"],
        "data": {"erased": True},
    }
    assert (redacted.status, redacted.next_attempt_at) == ("dead", None)
    assert untouched.payload == other.payload
    assert untouched.status == "pending"
