"""Issuer administration (scope ``admin``) and the public OB 3.0 Profile."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from issuer_api.models import AuditEvent, Issuer, SigningKey
from issuers.helpers import Api, error_code, field_errors
from obcore import contexts
from obcore.schema import validate_profile

pytestmark = pytest.mark.anyio


async def test_an_administrator_creates_a_partner_issuer(api: Api) -> None:
    admin = await api.headers("admin")
    response = await api.http.post(
        "/admin/issuers",
        json={
            "slug": "campus-caen",
            "name": "Campus des métiers de Caen",
            "url": "https://campus.example.fr",
            "email": "contact@campus.example.fr",
            "description": "Formations aux métiers de l'industrie.",
            "image": "https://campus.example.fr/logo.png",
            "phone": "+33 2 31 00 00 00",
            "address": {"addressLocality": "Caen", "postalCode": "14000"},
            "otherIdentifier": [{"identifier": "13002802600017", "identifierType": "ext:SIRET"}],
            "official": "Marie Dupont",
        },
        headers=admin,
    )

    assert response.status_code == 201, response.text
    record = response.json()
    assert response.headers["location"] == "/admin/issuers/campus-caen"
    assert record["slug"] == "campus-caen"
    assert record["is_region"] is False
    assert record["did"].startswith("did:key:z6Mk")  # no public base URL: did:key
    assert record["did_document_url"] is None
    assert record["address"] == {
        "type": ["Address"],
        "addressLocality": "Caen",
        "postalCode": "14000",
    }
    [key] = record["keys"]
    assert key["key_type"] == "ed25519"
    assert key["status"] == "active"
    assert key["verification_method"] == f"{record['did']}#{record['did'].split(':')[2]}"
    assert "d" not in key["public_jwk"]
    async with api.sessions() as session:
        event = (await session.execute(select(AuditEvent))).scalar_one()
    assert (event.action, event.target_id) == ("issuer.created", record["id"])


async def test_the_public_profile_is_an_ob3_profile_and_needs_no_token(api: Api) -> None:
    admin = await api.headers("admin")
    created = await api.create_issuer(
        admin,
        url="https://campus.example.fr",
        image="https://campus.example.fr/logo.png",
        phone="+33 2 31 00 00 00",
        address={"addressLocality": "Caen", "addressCountryCode": "FR"},
        otherIdentifier=[{"identifier": "13002802600017", "identifierType": "ext:SIRET"}],
    )

    response = await api.http.get("/issuers/campus-caen")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    profile = response.json()
    assert profile["@context"] == [contexts.VC_V2, contexts.OB_V3]
    assert profile["id"] == created["did"]
    assert profile["type"] == ["Profile"]
    assert profile["name"] == "Campus des métiers de Caen"
    assert profile["image"] == {"id": "https://campus.example.fr/logo.png", "type": "Image"}
    assert profile["otherIdentifier"] == [
        {"type": "IdentifierEntry", "identifier": "13002802600017", "identifierType": "ext:SIRET"}
    ]
    assert validate_profile(profile) == []
    # The internal id works too.
    assert (await api.http.get(f"/issuers/{created['id']}")).json() == profile


async def test_the_region_profile_after_bootstrap(api: Api) -> None:
    region = await api.region()

    profile = (await api.http.get("/issuers/region")).json()

    assert profile["name"] == "Région Normandie"
    assert profile["id"].startswith("did:key:z6Mk")
    assert validate_profile(profile) == []
    admin = await api.headers("admin")
    record = (await api.http.get("/admin/issuers/region", headers=admin)).json()
    assert record["is_region"] is True
    assert record["id"] == region.id


async def test_issuers_are_listed_region_first_with_paging(api: Api) -> None:
    await api.region()
    admin = await api.headers("admin")
    for slug in ("zeta", "alpha", "mid"):
        await api.create_issuer(admin, slug=slug, name=slug.title())

    first = (await api.http.get("/admin/issuers?limit=2", headers=admin)).json()
    second = (await api.http.get("/admin/issuers?limit=2&offset=2", headers=admin)).json()

    assert [i["slug"] for i in first["items"]] == ["region", "alpha"]
    assert [i["slug"] for i in second["items"]] == ["mid", "zeta"]
    assert first["total"] == second["total"] == 4


async def test_an_update_changes_the_fields_sent_and_null_clears(api: Api) -> None:
    admin = await api.headers("admin")
    await api.create_issuer(admin, url="https://campus.example.fr", phone="+33 1 00 00 00 00")

    response = await api.http.patch(
        "/admin/issuers/campus-caen",
        json={"description": "Nouvelle description.", "url": None, "phone": None},
        headers=admin,
    )

    assert response.status_code == 200, response.text
    record = response.json()
    assert record["description"] == "Nouvelle description."
    assert record["url"] is None
    assert record["phone"] is None
    assert record["name"] == "Campus des métiers de Caen"
    assert record["updated_at"] is not None
    profile = (await api.http.get("/issuers/campus-caen")).json()
    assert "url" not in profile
    assert "phone" not in profile
    assert profile["description"] == "Nouvelle description."


async def test_the_name_cannot_be_cleared_nor_the_slug_changed(api: Api) -> None:
    admin = await api.headers("admin")
    await api.create_issuer(admin)

    cleared = await api.http.patch("/admin/issuers/campus-caen", json={"name": None}, headers=admin)
    renamed = await api.http.patch(
        "/admin/issuers/campus-caen", json={"slug": "other"}, headers=admin
    )

    assert field_errors(cleared) == {"body"}
    assert field_errors(renamed) == {"body.slug"}


async def test_a_slug_is_taken_once_and_region_is_reserved(api: Api) -> None:
    admin = await api.headers("admin")
    await api.create_issuer(admin)

    again = await api.http.post(
        "/admin/issuers", json={"slug": "campus-caen", "name": "Autre"}, headers=admin
    )
    region = await api.http.post(
        "/admin/issuers", json={"slug": "region", "name": "Fausse Région"}, headers=admin
    )

    assert again.status_code == 409
    assert error_code(again) == "issuer_slug_taken"
    assert again.json()["error"]["details"] == {"slug": "campus-caen"}
    assert region.status_code == 409
    assert error_code(region) == "issuer_slug_taken"


async def test_invalid_input_is_a_422_naming_each_field(api: Api) -> None:
    admin = await api.headers("admin")

    response = await api.http.post(
        "/admin/issuers",
        json={
            "slug": "Campus Caen",
            "name": "",
            "url": "ftp://campus.example.fr",
            "email": "pas-une-adresse",
            "image": "data:text/html;base64,PGgxPg==",
            "otherIdentifier": [{"identifier": "1", "identifierType": "siret"}],
            "colour": "blue",
        },
        headers=admin,
    )

    assert error_code(response) == "invalid_request"
    assert field_errors(response) == {
        "body.slug",
        "body.name",
        "body.url",
        "body.email",
        "body.image",
        "body.otherIdentifier.0.identifierType",
        "body.colour",
    }
    assert response.headers["content-type"] == "application/json"


async def test_unknown_issuers_are_404_with_a_code(api: Api) -> None:
    admin = await api.headers("admin")

    for response in (
        await api.http.get("/issuers/inconnu"),
        await api.http.get("/admin/issuers/inconnu", headers=admin),
        await api.http.patch("/admin/issuers/inconnu", json={}, headers=admin),
        await api.http.get("/issuers/inconnu/did.json"),
    ):
        assert response.status_code == 404
        assert error_code(response) == "issuer_not_found"
        assert (
            response.json()["error"]["messages"]["fr"] == "Aucun émetteur ne porte cet identifiant."
        )


async def test_administration_needs_a_token(api: Api) -> None:
    response = await api.http.post("/admin/issuers", json={"slug": "x", "name": "X"})

    assert response.status_code == 401
    assert error_code(response) == "unauthorized"
    assert response.headers["www-authenticate"] == 'Bearer realm="obhub"'
    forged = await api.http.get("/admin/issuers", headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401
    assert error_code(forged) == "invalid_token"
    assert 'error="invalid_token"' in forged.headers["www-authenticate"]


@pytest.mark.parametrize("scope", ["read", "achievements", "issue"])
async def test_administration_needs_the_admin_scope(api: Api, scope: str) -> None:
    headers = await api.headers(scope)

    for response in (
        await api.http.get("/admin/issuers", headers=headers),
        await api.http.post("/admin/issuers", json={"slug": "x", "name": "X"}, headers=headers),
    ):
        assert response.status_code == 403
        assert error_code(response) == "insufficient_scope"
        assert response.json()["error"]["details"] == {"required": ["admin"]}
    async with api.sessions() as session:
        assert (await session.execute(select(Issuer))).first() is None


async def test_p256_and_rsa_keys_need_did_web(api: Api) -> None:
    admin = await api.headers("admin")

    response = await api.http.post(
        "/admin/issuers",
        json={"slug": "campus-caen", "name": "Campus", "key_types": ["ed25519", "rsa"]},
        headers=admin,
    )

    assert response.status_code == 409
    assert error_code(response) == "did_web_required"
    async with api.sessions() as session:
        assert (await session.execute(select(SigningKey))).first() is None


async def test_an_issuer_created_under_did_web_gets_every_key_type_asked_for(
    web_api: Api,
) -> None:
    admin = await web_api.headers("admin")

    record = await web_api.create_issuer(admin, key_types=["rsa", "p256"])

    assert record["did"] == "did:web:badges.example.fr:issuers:campus-caen"
    assert record["did_document_url"] == "https://badges.example.fr/issuers/campus-caen/did.json"
    assert record["profile_url"] == "https://badges.example.fr/issuers/campus-caen"
    assert [(k["key_type"], k["verification_method"], k["alg"]) for k in record["keys"]] == [
        ("ed25519", f"{record['did']}#key-1", "EdDSA"),
        ("rsa", f"{record['did']}#key-2", "RS256"),
        ("p256", f"{record['did']}#key-3", "ES256"),
    ]
