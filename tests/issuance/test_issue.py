"""``POST /issuers/{issuer}/credentials``, ``GET /credentials/{id}``, the issuer's list."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pytest
from sqlalchemy import select, text

from issuance.helpers import EMAIL, Api, dump, error_code
from issuer_api.models import IssuedCredential, StatusAllocation
from obcore.identity import matches

pytestmark = pytest.mark.anyio


async def _setup(api: Api) -> tuple[dict[str, str], str]:
    await api.region()
    admin = await api.headers("admin")
    return admin, await api.achievement("region", admin)


def _jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    def part(segment: str) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=" * 4))
        return decoded

    header, payload, _ = token.split(".")
    return part(header), part(payload)


# --------------------------------------------------------------------------- issuing


async def test_an_email_recipient_is_embedded_and_stored_only_as_a_salted_hash(api: Api) -> None:
    admin, achievement = await _setup(api)
    response = await api.issue(
        "region",
        admin,
        {
            "achievement_id": achievement,
            "recipient": {"email": EMAIL},
            "evidence": [{"id": "https://portfolio.example.fr/42", "narrative": "Oral."}],
        },
    )
    assert response.status_code == 201, response.text
    record = response.json()
    assert response.headers["Location"] == record["url"]
    assert record["url"] == f"{api.base}/credentials/{record['id']}"
    credential = record["credential"]
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["id"] == f"urn:uuid:{record['id']}" == record["credential_id"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["awardedDate"] == credential["validFrom"]
    assert credential["name"] == "Sauveteur secouriste du travail"
    assert credential["evidence"][0]["type"] == ["Evidence"]
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    identity = credential["credentialSubject"]["identifier"][0]
    assert identity["hashed"] is True
    assert identity["identityType"] == "emailAddress"
    assert matches(identity, EMAIL)
    assert "id" not in credential["credentialSubject"]
    # The plaintext address is nowhere: not in the response, not in any table.
    assert EMAIL.lower() not in response.text.lower()
    async with api.sessions() as session:
        for table in ("issued_credential", "audit_event", "status_allocation"):
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608
            assert EMAIL.lower() not in dump([list(map(str, r)) for r in rows]).lower()
        row = await session.get(IssuedCredential, record["id"])
        assert row is not None
        assert row.recipient_type == "email"
        assert row.recipient == identity["identityHash"]
    report = await api.verify(credential)
    assert report.verified, [c for c in report.checks if c.status != "valid"]


async def test_a_did_recipient_becomes_the_subject_id(api: Api) -> None:
    admin, achievement = await _setup(api)
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    response = await api.issue(
        "region", admin, {"achievement_id": achievement, "recipient": {"did": did}}
    )
    assert response.status_code == 201, response.text
    subject = response.json()["credential"]["credentialSubject"]
    assert subject["id"] == did
    assert "identifier" not in subject


async def test_name_description_and_validity_window_are_applied(api: Api) -> None:
    admin, achievement = await _setup(api)
    response = await api.issue(
        "region",
        admin,
        {
            "achievement_id": achievement,
            "recipient": {"email": EMAIL},
            "name": "Secouriste — session de novembre",
            "description": "Session de Caen.",
            "validFrom": "2026-01-01T10:00:00+01:00",
            "validUntil": "2031-01-01T10:00:00.500+01:00",
        },
    )
    assert response.status_code == 201, response.text
    credential = response.json()["credential"]
    assert credential["name"] == "Secouriste — session de novembre"
    assert credential["description"] == "Session de Caen."
    assert credential["validFrom"] == "2026-01-01T09:00:00Z"
    assert credential["validUntil"] == "2031-01-01T09:00:00Z"
    assert (await api.verify(credential)).verified


@pytest.mark.parametrize(
    ("window", "field"),
    [
        ({"validFrom": "2026-01-01T10:00:00Z", "validUntil": "2026-01-01T10:00:00Z"}, "body"),
        ({"validFrom": "2026-01-01T10:00:00Z", "validUntil": "2025-01-01T10:00:00Z"}, "body"),
        ({"validFrom": "2026-01-01T10:00:00"}, "body.validFrom"),
        ({"validUntil": "2031-01-01"}, "body.validUntil"),
    ],
)
async def test_a_bad_validity_window_is_refused(
    api: Api, window: dict[str, str], field: str
) -> None:
    admin, achievement = await _setup(api)
    body = {"achievement_id": achievement, "recipient": {"email": EMAIL}, **window}
    response = await api.issue("region", admin, body)
    assert response.status_code == 422, response.text
    fields = {e["field"] for e in response.json()["error"]["details"]["errors"]}
    assert field in fields


async def test_valid_until_in_the_past_of_the_default_valid_from_is_refused(api: Api) -> None:
    admin, achievement = await _setup(api)
    body = {
        "achievement_id": achievement,
        "recipient": {"email": EMAIL},
        "validUntil": "2020-01-01T00:00:00Z",
    }
    response = await api.issue("region", admin, body)
    assert response.status_code == 422
    assert error_code(response) == "invalid_validity_window"


@pytest.mark.parametrize(
    "recipient",
    [
        {},
        {"email": "not-an-address"},
        {"did": "https://x.example"},
        {"email": EMAIL, "did": "did:x:y"},
    ],
)
async def test_the_recipient_must_be_one_valid_email_or_did(
    api: Api, recipient: dict[str, str]
) -> None:
    admin, achievement = await _setup(api)
    response = await api.issue(
        "region", admin, {"achievement_id": achievement, "recipient": recipient}
    )
    assert response.status_code == 422, response.text
    assert "not-an-address" not in response.text  # no personal data echoed


async def test_vc_jwt_eddsa_is_served_as_text(api: Api) -> None:
    admin, achievement = await _setup(api)
    response = await api.issue(
        "region",
        admin,
        {"achievement_id": achievement, "recipient": {"email": EMAIL}, "format": "jwt"},
    )
    assert response.status_code == 201, response.text
    record = response.json()
    token = record["jwt"]
    header, payload = _jwt_parts(token)
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "JWT"
    assert payload["jti"] == record["credential"]["id"]
    assert payload["iss"] == record["credential"]["issuer"]["id"]
    assert "proof" not in record["credential"]
    fetched = await api.http.get(f"/credentials/{record['id']}")
    assert fetched.status_code == 200
    assert fetched.headers["content-type"].startswith("text/plain")
    assert fetched.text == token
    jwt_typed = await api.http.get(
        f"/credentials/{record['id']}", headers={"Accept": "application/vc+jwt"}
    )
    assert jwt_typed.headers["content-type"].startswith("application/vc+jwt")
    report = await api.verify(token)
    assert report.verified, [c for c in report.checks if c.status != "valid"]


@pytest.mark.parametrize(("alg", "kty"), [("ES256", "EC"), ("RS256", "RSA")])
async def test_vc_jwt_with_the_issuers_key_of_another_type(
    web_api: Api, alg: str, kty: str
) -> None:
    admin, achievement = await _setup(web_api)
    body = {
        "achievement_id": achievement,
        "recipient": {"email": EMAIL},
        "format": "jwt",
        "alg": alg,
    }
    response = await web_api.issue("region", admin, body)
    assert response.status_code == 201, response.text
    token = response.json()["jwt"]
    header, _ = _jwt_parts(token)
    assert header["alg"] == alg
    assert header["kid"].startswith("did:web:badges.example.fr#key-")
    did_doc = (await web_api.http.get("/.well-known/did.json")).json()
    kinds = {m["id"]: m for m in did_doc["verificationMethod"]}
    assert kinds[header["kid"]]["publicKeyJwk"]["kty"] == kty
    report = await web_api.verify(token)
    assert report.verified, [c for c in report.checks if c.status != "valid"]


async def test_alg_needs_the_jwt_format(api: Api) -> None:
    admin, achievement = await _setup(api)
    body = {"achievement_id": achievement, "recipient": {"email": EMAIL}, "alg": "ES256"}
    response = await api.issue("region", admin, body)
    assert response.status_code == 422


async def test_did_web_issuer_credentials_verify_with_the_served_did_document(
    web_api: Api,
) -> None:
    admin, achievement = await _setup(web_api)
    response = await web_api.issue(
        "region", admin, {"achievement_id": achievement, "recipient": {"email": EMAIL}}
    )
    assert response.status_code == 201, response.text
    credential = response.json()["credential"]
    assert credential["issuer"]["id"] == "did:web:badges.example.fr"
    status_url = credential["credentialStatus"]["statusListCredential"]
    assert status_url.startswith("https://badges.example.fr/status/")
    assert (await web_api.verify(credential)).verified


# --------------------------------------------------------------------------- authorisation


async def test_scopes_and_issuer_binding_are_enforced(api: Api) -> None:
    admin, achievement = await _setup(api)
    partner = await api.partner(admin)
    body = {"achievement_id": achievement, "recipient": {"email": EMAIL}}
    reader = await api.headers("read")
    assert (await api.issue("region", reader, body)).status_code == 403
    outsider = await api.headers("issue", issuer_id=partner["id"])
    refused = await api.issue("region", outsider, body)
    assert refused.status_code == 403
    assert error_code(refused) == "forbidden_issuer"
    assert (await api.issue("region", {}, body)).status_code == 401
    assert (await api.issue("nobody", admin, body)).status_code == 404


async def test_a_partner_issues_only_its_own_achievements(api: Api) -> None:
    admin, region_achievement = await _setup(api)
    partner = await api.partner(admin)
    issuer = await api.headers("issue", "achievements", issuer_id=partner["id"])
    own = await api.achievement(partner["slug"], issuer)
    ok = await api.issue(
        partner["slug"], issuer, {"achievement_id": own, "recipient": {"email": EMAIL}}
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["credential"]["issuer"]["id"] == partner["did"]
    assert (await api.verify(ok.json()["credential"])).verified
    foreign = await api.issue(
        partner["slug"],
        issuer,
        {"achievement_id": region_achievement, "recipient": {"email": EMAIL}},
    )
    assert foreign.status_code == 422
    assert error_code(foreign) == "achievement_of_another_issuer"


async def test_the_achievement_is_named_by_its_uuid_its_id_url_or_its_slug(api: Api) -> None:
    admin, achievement = await _setup(api)
    document = (await api.http.get(f"/achievements/{achievement}")).json()
    by_uuid = await api.issue(
        "region", admin, {"achievement_id": achievement, "recipient": {"email": EMAIL}}
    )
    by_url = await api.issue(
        "region", admin, {"achievement_id": document["id"], "recipient": {"email": EMAIL}}
    )
    by_slug = await api.issue(
        "region",
        admin,
        {"achievement_id": "sauveteur-secouriste-du-travail", "recipient": {"email": EMAIL}},
    )
    for response in (by_uuid, by_url, by_slug):
        assert response.status_code == 201, response.text
        assert (
            response.json()["credential"]["credentialSubject"]["achievement"]["id"]
            == (document["id"])
        )
    unknown = await api.issue(
        "region", admin, {"achievement_id": "pas-un-badge", "recipient": {"email": EMAIL}}
    )
    assert unknown.status_code == 404
    assert error_code(unknown) == "achievement_not_found"


async def test_a_slug_names_an_achievement_of_the_issuer_in_the_path_only(api: Api) -> None:
    admin, _ = await _setup(api)
    partner = await api.partner(admin)
    issuer = await api.headers("issue", "achievements", issuer_id=partner["id"])
    # The region's achievement has this slug; the partner has none by that name.
    sideways = await api.issue(
        partner["slug"],
        issuer,
        {"achievement_id": "sauveteur-secouriste-du-travail", "recipient": {"email": EMAIL}},
    )
    assert sideways.status_code == 404
    assert error_code(sideways) == "achievement_not_found"


async def test_pinned_and_unknown_achievement_versions(api: Api) -> None:
    admin, achievement = await _setup(api)
    changed = await api.http.put(
        f"/issuers/region/achievements/{achievement}",
        json={
            "name": "Sauveteur secouriste du travail (2027)",
            "description": "Nouvelle version.",
            "criteria": {"narrative": "Formation de 21 heures."},
        },
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    pinned = await api.issue(
        "region",
        admin,
        {"achievement_id": achievement, "achievement_version": 1, "recipient": {"email": EMAIL}},
    )
    assert pinned.status_code == 201, pinned.text
    assert pinned.json()["credential"]["name"] == "Sauveteur secouriste du travail"
    current = await api.issue(
        "region", admin, {"achievement_id": achievement, "recipient": {"email": EMAIL}}
    )
    assert current.json()["credential"]["name"] == "Sauveteur secouriste du travail (2027)"
    missing = await api.issue(
        "region",
        admin,
        {"achievement_id": achievement, "achievement_version": 9, "recipient": {"email": EMAIL}},
    )
    assert missing.status_code == 404


# --------------------------------------------------------------------------- idempotency


async def test_a_retried_request_returns_the_original_credential(api: Api) -> None:
    admin, achievement = await _setup(api)
    body = {"achievement_id": achievement, "recipient": {"email": EMAIL}}
    key = {"Idempotency-Key": "commande-2026-0042"}
    first = await api.issue("region", {**admin, **key}, body)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    again = await api.issue("region", {**admin, **key}, body)
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert again.json() == first.json()
    # Same key, same client, another body: refused. Another client may use the same key.
    other = await api.issue("region", {**admin, **key}, {**body, "name": "Autre"})
    assert other.status_code == 409
    assert error_code(other) == "idempotency_key_reused"
    other_client = await api.headers("issue")
    fresh = await api.issue("region", {**other_client, **key}, body)
    assert fresh.status_code == 201
    assert fresh.json()["id"] != first.json()["id"]


@pytest.mark.parametrize("key", ["", "x" * 201, "clé-accentuée"])
async def test_a_malformed_idempotency_key_is_refused(api: Api, key: str) -> None:
    admin, achievement = await _setup(api)
    body = {"achievement_id": achievement, "recipient": {"email": EMAIL}}
    response = await api.http.post(
        "/issuers/region/credentials",
        json=body,
        headers=[*admin.items(), ("Idempotency-Key", key.encode("utf-8"))],
    )
    assert response.status_code == 400, response.text
    assert error_code(response) == "invalid_idempotency_key"


async def test_concurrent_retries_store_one_credential(api: Api) -> None:
    admin, achievement = await _setup(api)
    body = {"achievement_id": achievement, "recipient": {"email": EMAIL}}
    headers = {**admin, "Idempotency-Key": "rafale-1"}
    responses = await asyncio.gather(*(api.issue("region", headers, body) for _ in range(6)))
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    assert sorted(r.status_code for r in responses).count(201) == 1
    assert len({r.json()["id"] for r in responses}) == 1
    async with api.sessions() as session:
        stored = (await session.execute(select(IssuedCredential))).scalars().all()
        allocations = (await session.execute(select(StatusAllocation))).scalars().all()
    assert len(stored) == 1
    assert [a.credential_id for a in allocations] == [stored[0].id]


async def test_concurrent_issuances_each_claim_their_own_status_index(api: Api) -> None:
    admin, achievement = await _setup(api)
    body = {"achievement_id": achievement, "recipient": {"email": EMAIL}}
    responses = await asyncio.gather(*(api.issue("region", admin, body) for _ in range(12)))
    assert [r.status_code for r in responses] == [201] * 12, [r.text for r in responses]
    indexes = {r.json()["credential"]["credentialStatus"]["statusListIndex"] for r in responses}
    assert len(indexes) == 12
    async with api.sessions() as session:
        stored = (await session.execute(select(IssuedCredential))).scalars().all()
        allocations = (await session.execute(select(StatusAllocation))).scalars().all()
    assert {c.id for c in stored} == {r.json()["id"] for r in responses}
    assert sorted(a.credential_id for a in allocations) == sorted(c.id for c in stored)
    assert {str(a.status_index) for a in allocations} == indexes


async def test_issuances_concurrent_with_the_creation_of_a_key_all_succeed(
    web_api: Api,
) -> None:
    """The first ES256 VC-JWTs under did:web create the issuer's P-256 key (a write)
    while Data Integrity credentials, whose key exists, are being stored: no request may
    wait for the others' writes while it holds the database write lock itself."""
    admin, achievement = await _setup(web_api)
    di = {"achievement_id": achievement, "recipient": {"email": EMAIL}}
    jwt = {**di, "format": "jwt", "alg": "ES256"}
    assert (await web_api.issue("region", admin, di)).status_code == 201
    responses = await asyncio.gather(
        *(web_api.issue("region", admin, body) for _ in range(4) for body in (di, jwt))
    )
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    kids = {_jwt_parts(r.json()["jwt"])[0]["kid"] for r in responses if r.json()["jwt"]}
    assert len(kids) == 1
    async with web_api.sessions() as session:
        assert len((await session.execute(select(IssuedCredential))).scalars().all()) == 9


# --------------------------------------------------------------------------- reading


async def test_the_credential_is_public_and_negotiated(api: Api) -> None:
    admin, achievement = await _setup(api)
    issued = await api.issue(
        "region", admin, {"achievement_id": achievement, "recipient": {"email": EMAIL}}
    )
    record = issued.json()
    path = f"/credentials/{record['id']}"
    plain = await api.http.get(path)
    assert plain.status_code == 200
    assert plain.headers["content-type"] == "application/vc+ld+json"
    assert plain.json() == record["credential"]
    by_urn = await api.http.get(f"/credentials/urn:uuid:{record['id']}")
    assert by_urn.status_code == 200
    as_json = await api.http.get(path, headers={"Accept": "application/json"})
    assert as_json.headers["content-type"] == "application/json"
    browser = await api.http.get(path, headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.headers["content-type"] == "application/vc+ld+json"
    refused = await api.http.get(path, headers={"Accept": "image/png"})
    assert refused.status_code == 406
    for missing in ("00000000-0000-4000-8000-000000000000", "nope"):
        response = await api.http.get(f"/credentials/{missing}")
        assert response.status_code == 404
        assert error_code(response) == "credential_not_found"


async def test_the_issuer_list_is_paginated_with_ob_headers(api: Api) -> None:
    admin, achievement = await _setup(api)
    body = {"achievement_id": achievement, "recipient": {"email": EMAIL}}
    ids = [(await api.issue("region", admin, body)).json()["id"] for _ in range(5)]
    reader = await api.headers("read")
    first = await api.http.get("/issuers/region/credentials?limit=2", headers=reader)
    assert first.status_code == 200, first.text
    assert first.headers["X-Total-Count"] == "5"
    links = first.headers["Link"]
    assert 'rel="first"' in links
    assert 'rel="last"' in links
    assert 'rel="next"' in links
    assert 'rel="prev"' not in links
    assert "offset=4" in links.split('rel="last"')[0].rsplit("<", 1)[1]
    page = first.json()
    assert page["total"] == 5
    assert page["limit"] == 2
    assert page["offset"] == 0
    middle = await api.http.get("/issuers/region/credentials?limit=2&offset=2", headers=reader)
    assert 'rel="prev"' in middle.headers["Link"]
    assert 'rel="next"' in middle.headers["Link"]
    last = await api.http.get("/issuers/region/credentials?limit=2&offset=4", headers=reader)
    assert 'rel="next"' not in last.headers["Link"]
    seen = [item["id"] for response in (first, middle, last) for item in response.json()["items"]]
    assert sorted(seen) == sorted(ids)
    assert all(item["status"] == "active" for item in first.json()["items"])
    empty = await api.http.get("/issuers/region/credentials?offset=100", headers=reader)
    assert empty.json()["items"] == []
    assert 'rel="first"' in empty.headers["Link"]


async def test_a_partner_lists_only_its_own_credentials(api: Api) -> None:
    admin, _ = await _setup(api)
    partner = await api.partner(admin)
    reader = await api.headers("read", issuer_id=partner["id"])
    assert (await api.http.get("/issuers/region/credentials", headers=reader)).status_code == 403
    own = await api.http.get(f"/issuers/{partner['slug']}/credentials", headers=reader)
    assert own.status_code == 200
    assert own.headers["X-Total-Count"] == "0"
    assert (await api.http.get("/issuers/region/credentials", headers={})).status_code == 401


async def test_under_did_web_a_vc_jwt_defaults_to_rs256_for_certification(web_api: Api) -> None:
    """OB 3.0 certification (1EdTech validator) accepts RS256/ES256 VC-JWTs, not EdDSA."""
    import base64  # noqa: PLC0415 - scenario-local
    import json  # noqa: PLC0415

    record = await web_api.regional_record(format="jwt")
    header = record["jwt"].split(".")[0]
    decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    assert decoded["alg"] == "RS256"
