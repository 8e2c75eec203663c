"""Achievements: creation, versioning, public documents, permissions, validation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from issuer_api.achievements.service import resolve_version
from issuer_api.issuers.service import active_signing_key, get_issuer, profile_document
from issuer_api.models import AchievementVersion, AuditEvent
from issuer_api.settings import DEFAULT_LOCAL_BASE_URL
from issuers.helpers import Api, error_code, field_errors, minimal_credential
from obcore import contexts
from obcore.proofs import dataintegrity
from obcore.resolve import LocalResolver
from obcore.schema import validate_credential
from verify.pipeline import VerifyOptions, verify

pytestmark = pytest.mark.anyio

SST: dict[str, Any] = {
    "slug": "sauveteur-secouriste",
    "name": "Sauveteur secouriste du travail",
    "description": "Intervenir face à une situation d'accident du travail.",
    "criteria": {"narrative": "Suivre la formation de 14 heures et réussir l'évaluation."},
    "achievementType": "Certificate",
    "inLanguage": "fr",
    "tags": ["secourisme"],
}

FULL: dict[str, Any] = {
    "name": "Soudure à l'arc — niveau 2",
    "description": "Réaliser des assemblages soudés conformes.",
    "criteria": {
        "id": "https://campus.example.fr/criteres/soudure",
        "narrative": "Trois assemblages **conformes**.",
    },
    "image": {"id": "https://campus.example.fr/badges/soudure.png", "caption": "Soudure"},
    "achievementType": "ext:BadgeMetier",
    "alignments": [
        {
            "targetName": "Souder à l'arc",
            "targetUrl": "https://www.francecompetences.fr/recherche/rncp/1234/",
            "targetCode": "RNCP1234-BC02",
            "targetFramework": "RNCP",
            "targetType": "ext:BlocDeCompetences",
            "targetDescription": "Bloc de compétences 2.",
        }
    ],
    "resultDescriptions": [
        {"name": "Note", "resultType": "Percent", "valueMin": "0", "valueMax": "100"},
        {
            "name": "Niveau atteint",
            "resultType": "RubricCriterionLevel",
            "rubricCriterionLevel": [
                {"name": "Débutant", "level": "1"},
                {"name": "Confirmé", "level": "2", "points": "10"},
            ],
        },
        {"name": "Statut", "resultType": "Status", "allowedValue": ["Completed", "Failed"]},
    ],
    "inLanguage": "fr-FR",
    "tags": ["soudure", "industrie", "soudure"],
    "humanCode": "SOUD-2",
    "fieldOfStudy": "Métallurgie",
    "specialization": "Soudure à l'arc",
    "creditsAvailable": 3,
}


async def _setup(api: Api) -> tuple[dict[str, str], dict[str, Any]]:
    """The Region, a partner issuer, and an admin token."""
    await api.region()
    admin = await api.headers("admin")
    partner = await api.create_issuer(admin)
    return admin, partner


async def _create(api: Api, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = await api.http.post("/issuers/campus-caen/achievements", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


# --------------------------------------------------------------------------- creation


async def test_a_partner_creates_an_achievement_for_its_own_issuer(api: Api) -> None:
    _, partner = await _setup(api)
    writer = await api.headers("achievements", issuer_id=partner["id"])

    response = await api.http.post("/issuers/campus-caen/achievements", json=SST, headers=writer)

    assert response.status_code == 201, response.text
    record = response.json()
    assert response.headers["location"] == f"/issuers/campus-caen/achievements/{record['id']}"
    # No public base URL: the id is on the address the service listens on.
    uri = f"{DEFAULT_LOCAL_BASE_URL}/achievements/{record['id']}"
    assert record["uri"] == uri
    assert (record["slug"], record["current_version"], record["issuer_slug"]) == (
        "sauveteur-secouriste",
        1,
        "campus-caen",
    )
    assert record["document"] == {
        "id": uri,
        "type": ["Achievement"],
        "name": "Sauveteur secouriste du travail",
        "description": "Intervenir face à une situation d'accident du travail.",
        "criteria": {"narrative": "Suivre la formation de 14 heures et réussir l'évaluation."},
        "achievementType": "Certificate",
        "inLanguage": "fr",
        "tag": ["secourisme"],
        "version": "1",
    }
    assert [v["version"] for v in record["versions"]] == [1]
    assert record["versions"][0]["created_by"].startswith("obc_")
    async with api.sessions() as session:
        event = (
            await session.execute(
                select(AuditEvent).where(AuditEvent.action == "achievement.created")
            )
        ).scalar_one()
    assert event.target_id == record["id"]


async def test_the_slug_defaults_to_the_name_and_is_unique_per_issuer(api: Api) -> None:
    admin, _ = await _setup(api)
    body = {k: v for k, v in SST.items() if k != "slug"}

    created = await _create(api, admin, body)
    again = await api.http.post("/issuers/campus-caen/achievements", json=body, headers=admin)
    elsewhere = await api.http.post("/issuers/region/achievements", json=body, headers=admin)

    assert created["slug"] == "sauveteur-secouriste-du-travail"
    assert again.status_code == 409
    assert error_code(again) == "achievement_slug_taken"
    assert again.json()["error"]["details"]["id"] == created["id"]
    assert elsewhere.status_code == 201  # slugs are per issuer


async def test_a_full_achievement_passes_the_1edtech_schema_inside_a_credential(
    api: Api,
) -> None:
    admin, _ = await _setup(api)

    document = (await _create(api, admin, FULL))["document"]

    uri = document["id"]
    assert document["image"] == {
        "type": "Image",
        "id": "https://campus.example.fr/badges/soudure.png",
        "caption": "Soudure",
    }
    assert document["alignment"][0]["type"] == ["Alignment"]
    assert document["tag"] == ["soudure", "industrie"]
    assert document["creditsAvailable"] == 3
    [note, level, status] = document["resultDescription"]
    assert note == {
        "id": f"{uri}#result-note",
        "type": ["ResultDescription"],
        "name": "Note",
        "resultType": "Percent",
        "valueMin": "0",
        "valueMax": "100",
    }
    assert [lv["id"] for lv in level["rubricCriterionLevel"]] == [
        f"{uri}#result-niveau-atteint-level-debutant",
        f"{uri}#result-niveau-atteint-level-confirme",
    ]
    assert status["allowedValue"] == ["Completed", "Failed"]
    credential = minimal_credential({"id": "did:example:issuer", "type": ["Profile"]}, document)
    result = validate_credential(credential)
    assert result.valid, result.issues


async def test_a_credential_embedding_the_achievement_signs_and_verifies_in_safe_mode(
    api: Api,
) -> None:
    admin, _ = await _setup(api)
    document = (await _create(api, admin, FULL))["document"]

    async with api.sessions() as session:
        issuer = await get_issuer(session, "campus-caen")
        key = await active_signing_key(session, issuer, api.settings, api.kek)
        credential = minimal_credential(profile_document(issuer, api.settings), document)
    signed = dataintegrity.add_proof(credential, key)
    report = verify(signed, VerifyOptions(resolver=LocalResolver()))

    checks = {c.id: c.status for c in report.checks}
    assert report.verdict == "valid", report.to_dict("en")["checks"]
    assert checks["safe_mode"] == checks["schema"] == checks["issuer"] == "valid"


# --------------------------------------------------------------------------- versions


async def test_an_update_adds_a_version_with_the_same_id_and_leaves_the_old_one_alone(
    api: Api,
) -> None:
    admin, _ = await _setup(api)
    created = await _create(api, admin, SST)
    path = f"/issuers/campus-caen/achievements/{created['id']}"
    changed = {k: v for k, v in SST.items() if k != "slug"} | {"description": "Nouveau texte."}

    response = await api.http.put(path, json=changed, headers=admin)

    assert response.status_code == 200, response.text
    record = response.json()
    assert record["current_version"] == 2
    assert [v["version"] for v in record["versions"]] == [1, 2]
    assert record["document"]["id"] == created["document"]["id"] == record["uri"]
    assert record["document"]["version"] == "2"
    assert record["document"]["description"] == "Nouveau texte."
    assert record["updated_at"] is not None
    # Version 1 is immutable and still published; the current one is version 2.
    v1 = (await api.http.get(f"/achievements/{created['id']}/versions/1")).json()
    current = await api.http.get(f"/achievements/{created['id']}")
    assert {k: v for k, v in v1.items() if k != "@context"} == created["document"]
    assert current.json()["version"] == "2"
    assert current.json()["@context"] == [contexts.VC_V2, contexts.OB_V3]
    async with api.sessions() as session:
        stored = await resolve_version(session, created["id"], 1)
        latest = await resolve_version(session, created["document"]["id"])
    assert stored.document == created["document"]
    assert (latest.version, latest.achievement.issuer_id) == (2, created["issuer_id"])


async def test_concurrent_updates_each_add_their_own_version(api: Api) -> None:
    admin, _ = await _setup(api)
    created = await _create(api, admin, SST)
    path = f"/issuers/campus-caen/achievements/{created['id']}"
    base = {k: v for k, v in SST.items() if k != "slug"}

    responses = await asyncio.gather(
        *(
            api.http.put(path, json=base | {"description": f"Texte {n}."}, headers=admin)
            for n in range(5)
        )
    )

    assert [r.status_code for r in responses] == [200] * 5, [r.text for r in responses]
    async with api.sessions() as session:
        versions = list(
            await session.scalars(
                select(AchievementVersion.version).order_by(AchievementVersion.version)
            )
        )
    assert versions == [1, 2, 3, 4, 5, 6]


async def test_an_update_that_changes_nothing_stores_nothing(api: Api) -> None:
    admin, _ = await _setup(api)
    created = await _create(api, admin, FULL)
    path = f"/issuers/campus-caen/achievements/{created['slug']}"

    first = await api.http.put(path, json=FULL, headers=admin)
    second = await api.http.put(path, json=FULL, headers=admin)

    assert first.json()["current_version"] == second.json()["current_version"] == 1
    async with api.sessions() as session:
        versions = (await session.execute(select(AchievementVersion))).scalars().all()
    assert len(versions) == 1


async def test_public_documents_are_cacheable_and_versions_immutable(api: Api) -> None:
    admin, _ = await _setup(api)
    created = await _create(api, admin, SST)

    current = await api.http.get(f"/achievements/{created['id']}")
    version = await api.http.get(f"/achievements/{created['id']}/versions/1")

    assert current.headers["cache-control"] == "public, max-age=60"
    assert version.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert current.json() == version.json()


async def test_under_did_web_the_achievement_id_uses_the_public_base_url(web_api: Api) -> None:
    await web_api.region()
    admin = await web_api.headers("admin")

    response = await web_api.http.post("/issuers/region/achievements", json=SST, headers=admin)

    record = response.json()
    assert record["uri"] == f"https://badges.example.fr/achievements/{record['id']}"


# --------------------------------------------------------------------------- reading


async def test_reading_needs_the_read_scope_and_lists_by_slug(api: Api) -> None:
    admin, partner = await _setup(api)
    await _create(api, admin, SST)
    await _create(api, admin, FULL)
    reader = await api.headers("read", issuer_id=partner["id"])

    listed = await api.http.get("/issuers/campus-caen/achievements?limit=1", headers=reader)
    one = await api.http.get(
        "/issuers/campus-caen/achievements/sauveteur-secouriste", headers=reader
    )
    written = await api.http.post("/issuers/campus-caen/achievements", json=SST, headers=reader)

    assert listed.status_code == 200
    assert listed.json()["total"] == 2
    assert [i["slug"] for i in listed.json()["items"]] == ["sauveteur-secouriste"]
    assert listed.json()["items"][0]["name"] == "Sauveteur secouriste du travail"
    assert one.json()["slug"] == "sauveteur-secouriste"
    assert written.status_code == 403
    assert error_code(written) == "insufficient_scope"


# --------------------------------------------------------------------------- permissions


async def test_a_partner_cannot_touch_another_issuers_achievements(api: Api) -> None:
    admin, partner = await _setup(api)
    region_badge = (
        await api.http.post("/issuers/region/achievements", json=SST, headers=admin)
    ).json()
    partner_client = await api.headers("achievements", "read", issuer_id=partner["id"])

    attempts = [
        await api.http.post("/issuers/region/achievements", json=SST, headers=partner_client),
        await api.http.get("/issuers/region/achievements", headers=partner_client),
        await api.http.put(
            f"/issuers/region/achievements/{region_badge['id']}",
            json={k: v for k, v in SST.items() if k != "slug"},
            headers=partner_client,
        ),
    ]

    for response in attempts:
        assert response.status_code == 403
        assert error_code(response) == "forbidden_issuer"
    # Nor reach it through its own issuer's path.
    sideways = await api.http.get(
        f"/issuers/campus-caen/achievements/{region_badge['id']}", headers=partner_client
    )
    assert sideways.status_code == 404
    assert error_code(sideways) == "achievement_not_found"


async def test_achievement_routes_need_a_token(api: Api) -> None:
    await _setup(api)

    response = await api.http.post("/issuers/campus-caen/achievements", json=SST)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


# --------------------------------------------------------------------------- errors


async def test_unknown_achievements_and_versions_are_404_with_codes(api: Api) -> None:
    admin, _ = await _setup(api)
    created = await _create(api, admin, SST)
    unknown = "00000000-0000-4000-8000-000000000000"

    cases = {
        f"/achievements/{unknown}": "achievement_not_found",
        "/achievements/not-a-uuid": "achievement_not_found",
        f"/achievements/{created['id']}/versions/2": "achievement_version_not_found",
        f"/issuers/campus-caen/achievements/{unknown}": "achievement_not_found",
        f"/issuers/inconnu/achievements/{unknown}": "issuer_not_found",
    }
    for path, code in cases.items():
        response = await api.http.get(path, headers=admin)
        assert response.status_code == 404, path
        assert error_code(response) == code, path


async def test_invalid_achievements_are_422_naming_each_field(api: Api) -> None:
    admin, _ = await _setup(api)

    response = await api.http.post(
        "/issuers/campus-caen/achievements",
        json={
            "slug": "Pas Un Slug",
            "name": "Badge",
            "description": "",
            "criteria": {},
            "image": "javascript:alert(1)",
            "achievementType": "Diplome",
            "alignments": [{"targetName": "X", "targetUrl": "pas une url", "targetType": "X"}],
            "resultDescriptions": [{"name": "Note", "resultType": "Note"}],
            "inLanguage": "français",
            "colour": "blue",
        },
        headers=admin,
    )

    assert error_code(response) == "invalid_request"
    assert field_errors(response) >= {
        "body.slug",
        "body.description",
        "body.criteria",
        "body.achievementType",
        "body.alignments.0.targetUrl",
        "body.alignments.0.targetType",
        "body.resultDescriptions.0.resultType",
        "body.inLanguage",
        "body.colour",
    }
    assert any(f.startswith("body.image") for f in field_errors(response))


async def test_result_descriptions_must_be_consistent(api: Api) -> None:
    admin, _ = await _setup(api)
    base = {k: v for k, v in SST.items() if k != "slug"}

    duplicate = await api.http.post(
        "/issuers/campus-caen/achievements",
        json=base
        | {
            "resultDescriptions": [
                {"name": "Note", "resultType": "Percent"},
                {"name": "note", "resultType": "Percent"},
            ]
        },
        headers=admin,
    )
    unknown_level = await api.http.post(
        "/issuers/campus-caen/achievements",
        json=base
        | {
            "resultDescriptions": [
                {
                    "name": "Niveau",
                    "resultType": "RubricCriterionLevel",
                    "requiredLevel": "urn:example:absent",
                    "rubricCriterionLevel": [{"id": "urn:example:n1", "name": "Un"}],
                }
            ]
        },
        headers=admin,
    )

    assert field_errors(duplicate) == {"body.resultDescriptions.1.name"}
    assert field_errors(unknown_level) == {"body.resultDescriptions.0.requiredLevel"}
