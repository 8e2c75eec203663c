"""Issuer identity: DIDs, published documents, signing keys, rotation, sealing, bootstrap.

Credentials are signed with ``active_signing_key`` (what issuance uses) and verified by
the real pipeline, resolving keys only from the documents the service publishes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import func, select, text

from issuer_api.issuers.service import (
    active_signing_key,
    bootstrap_region,
    get_issuer,
    get_issuer_by_did,
    issuer_did,
    profile_document,
)
from issuer_api.models import AuditEvent, Issuer, SigningKey
from issuers.helpers import Api, error_code, minimal_credential
from obcore import did, keywrap, multibase
from obcore.did import resolve_did_key
from obcore.keys import KeyPair, PublicKey
from obcore.proofs import dataintegrity, vcjwt
from obcore.resolve import LocalResolver
from verify.pipeline import VerifyOptions, verify

pytestmark = pytest.mark.anyio

ACHIEVEMENT = {
    "id": "https://badges.example.fr/achievements/7d0e6c1a-6b1e-4a57-9d1b-0f5e2d3c4b5a",
    "type": ["Achievement"],
    "name": "Sauveteur secouriste du travail",
    "description": "Intervenir face à une situation d'accident du travail.",
    "criteria": {"narrative": "Formation de 14 heures."},
}


async def _sign(api: Api, slug: str, *, fmt: str = "di", key_type: str = "ed25519") -> Any:
    """A credential of ``slug`` signed with its active key (Data Integrity or VC-JWT)."""
    async with api.sessions() as session:
        issuer = await get_issuer(session, slug)
        key = await active_signing_key(session, issuer, api.settings, api.kek, key_type)
        credential = minimal_credential(profile_document(issuer, api.settings), ACHIEVEMENT)
        await session.commit()
    assert key.controller == issuer_did(issuer, api.settings)
    if fmt == "di":
        return dataintegrity.add_proof(credential, key)
    return vcjwt.sign_vc_jwt(credential, key)


async def _served_documents(api: Api, *slugs: str) -> dict[str, dict[str, Any]]:
    """The DID documents the service publishes, by DID (what a did:web resolver fetches)."""
    documents: dict[str, dict[str, Any]] = {}
    paths = ["/.well-known/did.json", *(f"/issuers/{slug}/did.json" for slug in slugs)]
    for path in paths:
        response = await api.http.get(path)
        assert response.status_code == 200, response.text
        document = response.json()
        documents[document["id"]] = document
    return documents


def _header(token: str) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(multibase.b64url_decode(token.split(".", 1)[0]))
    return header


def _verify(credential: Any, documents: Mapping[str, Mapping[str, Any]] | None = None) -> Any:
    resolver = LocalResolver(documents=(documents or {}).get)
    report = verify(credential, VerifyOptions(resolver=resolver))
    checks = {c.id: (c.status, c.code) for c in report.checks}
    assert report.verdict == "valid", checks
    assert checks["issuer"] == ("valid", "issuer_bound")
    return report


# --------------------------------------------------------------------------- did:key


async def test_without_a_public_base_url_an_issuer_is_the_did_key_of_its_first_key(
    api: Api,
) -> None:
    region = await api.region()
    [key] = region.keys

    expected = did.did_key_for(PublicKey.from_jwk(key.public_jwk))
    assert issuer_did(region, api.settings) == expected
    credential = await _sign(api, "region")
    assert credential["proof"]["verificationMethod"] == f"{expected}#{expected[8:]}"
    _verify(credential)  # did:key resolves itself


async def test_without_a_public_base_url_the_did_key_documents_are_served(api: Api) -> None:
    region = await api.region()
    admin = await api.headers("admin")
    await api.create_issuer(admin)

    root = await api.http.get("/.well-known/did.json")
    partner = await api.http.get("/issuers/campus-caen/did.json")

    assert root.status_code == partner.status_code == 200
    region_did = issuer_did(region, api.settings)
    assert region_did.startswith("did:key:z6Mk")
    assert root.json() == resolve_did_key(region_did)
    assert partner.json()["id"].startswith("did:key:z6Mk")
    assert partner.json()["id"] != region_did


async def test_without_a_public_base_url_rotation_and_other_key_types_are_refused(
    api: Api,
) -> None:
    await api.region()
    admin = await api.headers("admin")

    rotated = await api.http.post("/admin/issuers/region/keys:rotate", json={}, headers=admin)

    assert rotated.status_code == 409
    assert error_code(rotated) == "did_web_required"
    async with api.sessions() as session:
        region = await get_issuer(session, "region")
        with pytest.raises(Exception, match="did_web_required"):
            await active_signing_key(session, region, api.settings, api.kek, "rsa")


# --------------------------------------------------------------------------- did:web


async def test_with_a_public_base_url_issuers_are_did_web(web_api: Api) -> None:
    await web_api.region()
    admin = await web_api.headers("admin")
    await web_api.create_issuer(admin)

    root = await web_api.http.get("/.well-known/did.json")
    partner = await web_api.http.get("/issuers/campus-caen/did.json")
    profile = (await web_api.http.get("/issuers/campus-caen")).json()

    assert root.status_code == partner.status_code == 200
    assert root.headers["cache-control"] == "public, max-age=300"
    assert root.json()["id"] == "did:web:badges.example.fr"
    assert partner.json()["id"] == "did:web:badges.example.fr:issuers:campus-caen"
    assert profile["id"] == partner.json()["id"]
    # Each document is where did:web says it is.
    assert did.did_web_to_url(root.json()["id"]) == "https://badges.example.fr/.well-known/did.json"
    assert did.did_web_to_url(partner.json()["id"]) == (
        "https://badges.example.fr/issuers/campus-caen/did.json"
    )
    [method] = partner.json()["verificationMethod"]
    assert method["id"] == "did:web:badges.example.fr:issuers:campus-caen#key-1"
    assert method["type"] == "Multikey"
    assert method["publicKeyMultibase"].startswith("z6Mk")
    assert partner.json()["assertionMethod"] == [method["id"]]
    # The Region's document is at the root, not under /issuers.
    misplaced = await web_api.http.get("/issuers/region/did.json")
    assert misplaced.status_code == 404
    assert error_code(misplaced) == "did_document_not_found"
    assert (await web_api.http.get("/did.json")).json() == root.json()


async def test_a_credential_signed_with_the_active_key_verifies_through_the_served_document(
    web_api: Api,
) -> None:
    await web_api.region()
    admin = await web_api.headers("admin")
    await web_api.create_issuer(admin)

    for slug in ("region", "campus-caen"):
        credential = await _sign(web_api, slug)
        documents = await _served_documents(web_api, "campus-caen")
        report = _verify(credential, documents)
        assert report.check("proof").status == "valid"
        # Without the document, the did:web key cannot be found: the binding is real.
        unresolved = verify(credential, VerifyOptions(resolver=LocalResolver()))
        assert unresolved.verdict != "valid"


async def test_rotation_makes_a_new_key_sign_and_keeps_old_signatures_verifying(
    web_api: Api,
) -> None:
    await web_api.region()
    admin = await web_api.headers("admin")
    before = await _sign(web_api, "region")

    response = await web_api.http.post(
        "/admin/issuers/region/keys:rotate",
        json={"key_type": "ed25519", "reason": "rotation annuelle"},
        headers=admin,
    )

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["active"]["verification_method"] == "did:web:badges.example.fr#key-2"
    assert [k["verification_method"] for k in result["retired"]] == [
        "did:web:badges.example.fr#key-1"
    ]
    assert result["retired"][0]["status"] == "retired"
    after = await _sign(web_api, "region")
    assert after["proof"]["verificationMethod"] == "did:web:badges.example.fr#key-2"
    documents = await _served_documents(web_api)
    document = documents["did:web:badges.example.fr"]
    assert (
        [m["id"] for m in document["verificationMethod"]]
        == document["assertionMethod"]
        == [
            "did:web:badges.example.fr#key-1",
            "did:web:badges.example.fr#key-2",
        ]
    )
    _verify(before, documents)
    _verify(after, documents)
    async with web_api.sessions() as session:
        event = (
            await session.execute(
                select(AuditEvent).where(AuditEvent.action == "issuer.key_rotated")
            )
        ).scalar_one()
    assert event.reason == "rotation annuelle"
    assert event.actor.startswith("obc_")
    assert event.data["retired"] == ["did:web:badges.example.fr#key-1"]


async def test_p256_and_rsa_keys_sign_vc_jwts_published_as_json_web_keys(web_api: Api) -> None:
    await web_api.region()

    es256 = await _sign(web_api, "region", fmt="jwt", key_type="p256")
    rs256 = await _sign(web_api, "region", fmt="jwt", key_type="rsa")
    again = await _sign(web_api, "region", fmt="jwt", key_type="rsa")  # reuses the RSA key

    assert _header(es256) == {
        "alg": "ES256",
        "typ": "JWT",
        "kid": "did:web:badges.example.fr#key-2",
    }
    assert _header(rs256)["kid"] == _header(again)["kid"] == "did:web:badges.example.fr#key-3"
    assert _header(rs256)["alg"] == "RS256"
    documents = await _served_documents(web_api)
    document = documents["did:web:badges.example.fr"]
    assert [(m["id"][-5:], m["type"]) for m in document["verificationMethod"]] == [
        ("key-1", "Multikey"),
        ("key-2", "JsonWebKey"),
        ("key-3", "JsonWebKey"),
    ]
    assert "https://w3id.org/security/jwk/v1" in document["@context"]
    assert all("d" not in m.get("publicKeyJwk", {}) for m in document["verificationMethod"])
    _verify(es256, documents)
    _verify(rs256, documents)


async def test_the_jwks_lists_every_key_with_its_verification_method_as_kid(
    web_api: Api,
) -> None:
    await web_api.region()
    admin = await web_api.headers("admin")
    await web_api.create_issuer(admin, key_types=["rsa"])
    await web_api.http.post("/admin/issuers/region/keys:rotate", json={}, headers=admin)

    response = await web_api.http.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    keys = response.json()["keys"]
    assert [(k["kid"], k["alg"]) for k in keys] == [
        ("did:web:badges.example.fr#key-1", "EdDSA"),
        ("did:web:badges.example.fr#key-2", "EdDSA"),
        ("did:web:badges.example.fr:issuers:campus-caen#key-1", "EdDSA"),
        ("did:web:badges.example.fr:issuers:campus-caen#key-2", "RS256"),
    ]
    assert all(k["use"] == "sig" and "d" not in k for k in keys)


async def test_the_jwks_under_did_key_names_keys_by_their_did_key(api: Api) -> None:
    region = await api.region()

    keys = (await api.http.get("/.well-known/jwks.json")).json()["keys"]

    region_did = issuer_did(region, api.settings)
    assert [k["kid"] for k in keys] == [f"{region_did}#{region_did[8:]}"]


async def test_an_issuer_is_found_by_its_did(web_api: Api) -> None:
    await web_api.region()
    admin = await web_api.headers("admin")
    await web_api.create_issuer(admin)

    async with web_api.sessions() as session:
        found = await get_issuer_by_did(
            session, web_api.settings, "did:web:badges.example.fr:issuers:campus-caen"
        )
        assert found.slug == "campus-caen"
        assert (
            await get_issuer_by_did(session, web_api.settings, "did:web:badges.example.fr")
        ).is_region
        with pytest.raises(Exception, match="issuer_not_found"):
            await get_issuer_by_did(session, web_api.settings, "did:web:ailleurs.example")


# --------------------------------------------------------------------------- keys at rest


async def test_private_keys_are_sealed_and_never_stored_in_plaintext(web_api: Api) -> None:
    await web_api.region()
    async with web_api.sessions() as session:
        region = await get_issuer(session, "region")
        ed25519 = await active_signing_key(session, region, web_api.settings, web_api.kek)
        rsa = await active_signing_key(session, region, web_api.settings, web_api.kek, "rsa")
        await session.commit()
    async with web_api.sessions() as session:
        rows = (await session.execute(select(SigningKey))).scalars().all()
        # The raw rows, every column as the database returns it.
        raw = [str(tuple(row)) for row in await session.execute(text("SELECT * FROM signing_key"))]

    secrets = [
        ed25519.export()["secretKeyMultibase"],
        *(v for k, v in ed25519.private_jwk().items() if k == "d"),
        *(v for k, v in rsa.private_jwk().items() if k in ("d", "p", "q")),
    ]
    assert len(rows) == len(raw) == 2
    assert not any(secret in row for secret in secrets for row in raw)
    for row in rows:
        stored = json.dumps([row.sealed_private, row.public_jwk])
        assert keywrap.is_sealed(row.sealed_private)
        assert row.sealed_private["kid"] == keywrap.kek_id(web_api.kek)
        assert not any(secret in stored for secret in secrets)
        assert "d" not in row.public_jwk
    # Only the key-encryption key opens them.
    assert keywrap.unseal_keypair(rows[0].sealed_private, web_api.kek).public.to_jwk() == (
        rows[0].public_jwk
    )
    with pytest.raises(Exception, match="another key-encryption key"):
        keywrap.unseal_keypair(rows[0].sealed_private, bytes(32))


async def test_a_key_sealed_under_another_kek_is_a_clear_500(api: Api) -> None:
    region = await api.region()
    async with api.sessions() as session:
        key = await session.get(SigningKey, region.keys[0].id)
        assert key is not None
        key.sealed_private = keywrap.seal_keypair(KeyPair.generate(), bytes(32))
        await session.commit()
    async with api.sessions() as session:
        region = await get_issuer(session, "region")
        with pytest.raises(Exception, match="signing_key_unavailable"):
            await active_signing_key(session, region, api.settings, api.kek)


# --------------------------------------------------------------------------- first start


async def test_bootstrap_creates_the_region_once(api: Api) -> None:
    first = await api.region()
    second = await api.region()

    assert first.id == second.id
    assert (first.slug, first.name, first.is_region) == ("region", "Région Normandie", True)
    async with api.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Issuer))).scalar() == 1
        assert (await session.execute(select(func.count()).select_from(SigningKey))).scalar() == 1
        again = await bootstrap_region(session, api.settings, api.kek)
        assert [k.id for k in again.keys] == [k.id for k in first.keys]


async def test_every_profile_property_survives_signing_in_safe_mode(web_api: Api) -> None:
    await web_api.region()
    admin = await web_api.headers("admin")
    await web_api.create_issuer(
        admin,
        url="https://campus.example.fr",
        email="contact@campus.example.fr",
        description="Formations aux métiers de l'industrie.",
        image="data:image/png;base64,iVBORw0KGgo=",
        phone="+33 2 31 00 00 00",
        address={
            "streetAddress": "1 rue de la Paix",
            "postalCode": "14000",
            "addressLocality": "Caen",
            "addressRegion": "Normandie",
            "addressCountry": "France",
            "addressCountryCode": "FR",
        },
        otherIdentifier=[{"identifier": "13002802600017", "identifierType": "ext:SIRET"}],
        official="Marie Dupont",
    )

    credential = await _sign(web_api, "campus-caen")

    assert set(credential["issuer"]) >= {"phone", "address", "otherIdentifier", "official"}
    report = _verify(credential, await _served_documents(web_api, "campus-caen"))
    assert report.check("safe_mode").status == "valid"
    assert report.check("schema").status == "valid"


async def test_concurrent_rotations_each_get_their_own_key_number(web_api: Api) -> None:
    await web_api.region()
    admin = await web_api.headers("admin")

    responses = await asyncio.gather(
        *(
            web_api.http.post("/admin/issuers/region/keys:rotate", json={}, headers=admin)
            for _ in range(5)
        )
    )

    # One after the other, on SQLite as on PostgreSQL: none is refused as concurrent.
    assert [r.status_code for r in responses] == [200] * 5, [r.text for r in responses]
    async with web_api.sessions() as session:
        numbers = list(await session.scalars(select(SigningKey.number).order_by(SigningKey.number)))
        active = await session.scalar(
            select(func.count()).select_from(SigningKey).where(SigningKey.status == "active")
        )
    assert numbers == [1, 2, 3, 4, 5, 6]
    assert active == 1
