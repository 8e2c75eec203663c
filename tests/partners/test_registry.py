"""The partner registry (scope ``admin``): partners, trusted issuers, secrets, clients."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from issuer_api.models import ApiClient, AuditEvent, Partner, PartnerWebhookSecret
from issuers.helpers import Api, error_code
from obcore import keywrap
from partners.helpers import make_partner, token_headers

pytestmark = pytest.mark.anyio

CAMPUS = {
    "slug": "campus-caen",
    "name": "Campus des métiers de Caen",
    "contact_name": "Claire Dupont",
    "contact_email": "badges@campus-caen.example.fr",
    "url": "https://campus-caen.example.fr",
    "notify_url": "https://lms.campus-caen.example.fr/hooks/obhub",
    "trusted_issuers": [
        {"identifier": "did:web:campus-caen.example.fr"},
        {"identifier": "https://campus-caen.example.fr/issuer"},
    ],
}


async def audit_actions(api: Api, partner_id: str) -> list[str]:
    async with api.sessions() as session:
        rows = await session.execute(
            select(AuditEvent.action)
            .where(AuditEvent.target_id == partner_id)
            .order_by(AuditEvent.id)
        )
    return list(rows.scalars())


# --------------------------------------------------------------------------- partners


async def test_an_administrator_registers_a_partner_with_its_trusted_issuers(api: Api) -> None:
    admin = await api.headers("admin")

    response = await api.http.post("/partners", json=CAMPUS, headers=admin)

    assert response.status_code == 201, response.text
    record = response.json()
    assert response.headers["location"] == f"/partners/{record['id']}"
    assert record["slug"] == "campus-caen"
    assert record["state"] == "active"
    assert record["contact_email"] == "badges@campus-caen.example.fr"
    assert record["webhook_url"] == f"/webhooks/partners/{record['id']}"
    assert record["client_id"] is None
    assert record["webhook_secrets"] == []
    assert [(t["identifier"], t["kind"]) for t in record["trusted_issuers"]] == [
        ("did:web:campus-caen.example.fr", "did"),
        ("https://campus-caen.example.fr/issuer", "url"),
    ]
    assert await audit_actions(api, record["id"]) == ["partner.created"]


async def test_a_partner_is_found_by_id_or_by_slug(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin)

    by_id = await api.http.get(f"/partners/{partner.id}", headers=admin)
    by_slug = await api.http.get("/partners/campus-caen", headers=admin)
    missing = await api.http.get("/partners/inconnu", headers=admin)

    assert by_id.json()["id"] == by_slug.json()["id"] == partner.id
    assert missing.status_code == 404
    assert error_code(missing) == "partner_not_found"


async def test_slugs_are_unique_and_never_shaped_like_an_id(api: Api) -> None:
    admin = await api.headers("admin")
    await make_partner(api, admin)

    taken = await api.http.post("/partners", json=CAMPUS, headers=admin)
    uuid_like = await api.http.post(
        "/partners",
        json={"slug": "0b8e3c1e-6a4f-4a53-a1f0-f6f2d1c9e7a2", "name": "X"},
        headers=admin,
    )

    assert taken.status_code == 409
    assert error_code(taken) == "partner_slug_taken"
    assert uuid_like.status_code == 422


async def test_concurrent_registrations_of_one_slug_create_one_partner(api: Api) -> None:
    admin = await api.headers("admin")

    responses = await asyncio.gather(
        *(api.http.post("/partners", json=CAMPUS, headers=admin) for _ in range(5))
    )

    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    async with api.sessions() as session:
        assert len((await session.execute(select(Partner))).scalars().all()) == 1


async def test_partners_are_listed_by_slug_and_filtered_by_state(api: Api) -> None:
    admin = await api.headers("admin")
    for slug in ("lycee-rouen", "campus-caen", "afpa-evreux"):
        await make_partner(api, admin, slug=slug, webhook_secret=slug == "campus-caen")
    await api.http.post("/partners/lycee-rouen/suspend", headers=admin)

    everyone = (await api.http.get("/partners", headers=admin)).json()
    active = (await api.http.get("/partners?state=active&limit=1", headers=admin)).json()

    assert [p["slug"] for p in everyone["items"]] == ["afpa-evreux", "campus-caen", "lycee-rouen"]
    assert everyone["total"] == 3
    assert [len(p["webhook_secrets"]) for p in everyone["items"]] == [0, 1, 0]
    assert (active["total"], [p["slug"] for p in active["items"]]) == (2, ["afpa-evreux"])


async def test_an_administrator_updates_a_partner_and_clears_a_field(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin, contact_name="Claire Dupont")

    response = await api.http.patch(
        f"/partners/{partner.id}",
        json={"contact_name": None, "notify_url": "https://lms.example.fr/hooks"},
        headers=admin,
    )

    assert response.status_code == 200, response.text
    record = response.json()
    assert record["contact_name"] is None
    assert record["notify_url"] == "https://lms.example.fr/hooks"
    assert record["updated_at"] is not None
    assert await audit_actions(api, partner.id) == [
        "partner.created",
        "partner.webhook_secret_created",
        "partner.updated",
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"name": None},
        {"state": None},
        {"state": "closed"},
        {"slug": "autre"},
        {"contact_email": "pas-un-courriel"},
        {"url": "ftp://campus.example.fr"},
        {"notify_url": "http://lms.example.fr/hooks"},
    ],
    ids=["name-null", "state-null", "bad-state", "slug", "email", "url", "notify-http"],
)
async def test_invalid_updates_are_refused(api: Api, body: dict[str, Any]) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin)

    response = await api.http.patch(f"/partners/{partner.id}", json=body, headers=admin)

    assert response.status_code == 422, response.text


async def test_a_notify_url_may_be_http_only_on_localhost(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin)

    response = await api.http.patch(
        f"/partners/{partner.id}", json={"notify_url": "http://localhost:8080/hooks"}, headers=admin
    )

    assert response.status_code == 200, response.text


async def test_the_registry_is_for_administrators_only(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin)
    deliverer = await api.headers("deliver", "read", "issue")

    for method, path in [
        ("GET", "/partners"),
        ("POST", "/partners"),
        ("GET", f"/partners/{partner.id}"),
        ("PATCH", f"/partners/{partner.id}"),
        ("POST", f"/partners/{partner.id}/webhook-secrets"),
        ("POST", f"/partners/{partner.id}/client"),
        ("POST", f"/partners/{partner.id}/suspend"),
        ("GET", f"/partners/{partner.id}/receipts"),
    ]:
        response = await api.http.request(method, path, json={}, headers=deliverer)
        assert response.status_code == 403, (method, path, response.text)
        anonymous = await api.http.request(method, path, json={})
        assert anonymous.status_code == 401, (method, path)


# --------------------------------------------------------------------------- state


async def test_suspending_and_reactivating_are_audited_with_their_reason(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin, webhook_secret=False)

    suspended = await api.http.post(
        f"/partners/{partner.id}/suspend", json={"reason": "Convention échue"}, headers=admin
    )
    again = await api.http.post(f"/partners/{partner.id}/suspend", headers=admin)
    reactivated = await api.http.post(f"/partners/{partner.id}/reactivate", headers=admin)
    not_suspended = await api.http.post(f"/partners/{partner.id}/reactivate", headers=admin)

    assert suspended.json()["state"] == "suspended"
    assert (again.status_code, error_code(again)) == (409, "partner_already_suspended")
    assert reactivated.json()["state"] == "active"
    assert (not_suspended.status_code, error_code(not_suspended)) == (409, "partner_not_suspended")
    async with api.sessions() as session:
        events = (
            await session.execute(
                select(AuditEvent)
                .where(AuditEvent.action.in_(["partner.suspended", "partner.reactivated"]))
                .order_by(AuditEvent.id)
            )
        ).scalars()
        found = [(e.action, e.reason, e.data) for e in events]
    assert found == [
        ("partner.suspended", "Convention échue", {"from": "active", "to": "suspended"}),
        ("partner.reactivated", None, {"from": "suspended", "to": "active"}),
    ]


async def test_the_state_can_also_be_changed_by_patch(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin, webhook_secret=False)

    response = await api.http.patch(
        f"/partners/{partner.id}", json={"state": "suspended"}, headers=admin
    )

    assert response.json()["state"] == "suspended"
    assert await audit_actions(api, partner.id) == ["partner.created", "partner.suspended"]


# --------------------------------------------------------------------------- trusted issuers


@pytest.mark.parametrize(
    ("sent", "stored", "kind"),
    [
        ({"identifier": "did:web:campus.example.fr"}, "did:web:campus.example.fr", "did"),
        ({"identifier": "DID:key:z6MkAbc"}, "did:key:z6MkAbc", "did"),
        (
            {"identifier": "did:web:campus.example.fr%3A8443:issuers:ecole"},
            "did:web:campus.example.fr%3A8443:issuers:ecole",
            "did",
        ),
        (
            {"identifier": "  https://campus.example.fr/issuer  "},
            "https://campus.example.fr/issuer",
            "url",
        ),
        (
            {"identifier": "http://badges.example.org/issuer.json", "allow_http": True},
            "http://badges.example.org/issuer.json",
            "url",
        ),
        (
            {"identifier": "https://campus.example.fr/issuer", "kind": "url"},
            "https://campus.example.fr/issuer",
            "url",
        ),
    ],
    ids=["did-web", "did-upper-scheme", "did-port-path", "https", "ob2-http", "explicit-kind"],
)
async def test_a_trusted_issuer_is_a_did_or_an_https_url(
    api: Api, sent: dict[str, Any], stored: str, kind: str
) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin, webhook_secret=False)

    response = await api.http.post(
        f"/partners/{partner.id}/trusted-issuers", json=sent, headers=admin
    )

    assert response.status_code == 201, response.text
    assert (response.json()["identifier"], response.json()["kind"]) == (stored, kind)
    record = (await api.http.get(f"/partners/{partner.id}", headers=admin)).json()
    assert [t["identifier"] for t in record["trusted_issuers"]] == [stored]


@pytest.mark.parametrize(
    "sent",
    [
        {"identifier": "http://badges.example.org/issuer.json"},
        {"identifier": "did:web:campus.example.fr#key-1"},
        {"identifier": "did:web:campus.example.fr/path"},
        {"identifier": "did:web:"},
        {"identifier": "did:Web:campus.example.fr"},
        {"identifier": "did:web:campus.example.fr", "kind": "url"},
        {"identifier": "https://campus.example.fr/issuer", "kind": "did"},
        {"identifier": "campus.example.fr"},
        {"identifier": "https://user:pass@campus.example.fr/issuer"},
        {"identifier": "ftp://campus.example.fr/issuer"},
        {"identifier": ""},
    ],
    ids=[
        "http-without-allow",
        "did-url-fragment",
        "did-url-path",
        "empty-did",
        "upper-method",
        "did-as-url",
        "url-as-did",
        "no-scheme",
        "credentials",
        "ftp",
        "empty",
    ],
)
async def test_anything_else_is_refused_as_a_trusted_issuer(api: Api, sent: dict[str, Any]) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin, webhook_secret=False)

    response = await api.http.post(
        f"/partners/{partner.id}/trusted-issuers", json=sent, headers=admin
    )

    assert response.status_code == 422, response.text


async def test_a_trusted_issuer_is_added_once_and_removed_with_an_audit_trail(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin, webhook_secret=False)
    url = f"/partners/{partner.id}/trusted-issuers"
    body = {"identifier": "did:web:campus.example.fr"}

    created = await api.http.post(url, json=body, headers=admin)
    twice = await api.http.post(url, json=body, headers=admin)
    removed = await api.http.delete(f"{url}/{created.json()['id']}", headers=admin)
    gone = await api.http.delete(f"{url}/{created.json()['id']}", headers=admin)

    assert (twice.status_code, error_code(twice)) == (409, "trusted_issuer_exists")
    assert removed.status_code == 204
    assert (gone.status_code, error_code(gone)) == (404, "trusted_issuer_not_found")
    record = (await api.http.get(f"/partners/{partner.id}", headers=admin)).json()
    assert record["trusted_issuers"] == []
    assert await audit_actions(api, partner.id) == [
        "partner.created",
        "partner.trusted_issuer_added",
        "partner.trusted_issuer_removed",
    ]


async def test_a_trusted_issuer_of_another_partner_cannot_be_removed(api: Api) -> None:
    admin = await api.headers("admin")
    campus = await make_partner(api, admin, trusted_issuers=["did:web:campus.example.fr"])
    other = await make_partner(api, admin, slug="lycee-rouen")
    [trusted] = campus.record["trusted_issuers"]

    response = await api.http.delete(
        f"/partners/{other.id}/trusted-issuers/{trusted['id']}", headers=admin
    )

    assert response.status_code == 404


# --------------------------------------------------------------------------- webhook secrets


async def test_a_webhook_secret_is_shown_once_and_stored_sealed(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin, webhook_secret=False)

    response = await api.http.post(
        f"/partners/{partner.id}/webhook-secrets", json={"note": "LMS 2026"}, headers=admin
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["cache-control"] == "no-store"
    assert created["secret"].startswith("whsec_")
    assert created["hint"] == created["secret"][:10]
    assert (created["active"], created["note"]) == (True, "LMS 2026")
    record = (await api.http.get(f"/partners/{partner.id}", headers=admin)).json()
    [listed] = record["webhook_secrets"]
    assert "secret" not in listed
    assert created["secret"] not in str(record)
    async with api.sessions() as session:
        row = (await session.execute(select(PartnerWebhookSecret))).scalar_one()
    assert created["secret"] not in str(row.sealed)
    assert keywrap.is_sealed(row.sealed)
    assert keywrap.unseal_text(row.sealed, api.kek, keywrap.SECRET_PURPOSE) == created["secret"]
    events = await audit_actions(api, partner.id)
    assert events[-1] == "partner.webhook_secret_created"


async def test_two_secrets_may_be_active_but_not_three(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin)  # one secret already
    url = f"/partners/{partner.id}/webhook-secrets"

    second = await api.http.post(url, headers=admin)
    third = await api.http.post(url, headers=admin)

    assert second.status_code == 201
    assert (third.status_code, error_code(third)) == (409, "webhook_secret_limit_reached")
    assert third.json()["error"]["details"]["max_active"] == 2


async def test_concurrent_secret_creations_never_exceed_two_active(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin, webhook_secret=False)
    url = f"/partners/{partner.id}/webhook-secrets"

    responses = await asyncio.gather(*(api.http.post(url, headers=admin) for _ in range(5)))

    assert sorted(r.status_code for r in responses) == [201, 201, 409, 409, 409]


async def test_revoking_a_secret_makes_room_for_the_next_one(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin)
    url = f"/partners/{partner.id}/webhook-secrets"
    [first] = (await api.http.get(f"/partners/{partner.id}", headers=admin)).json()[
        "webhook_secrets"
    ]
    await api.http.post(url, headers=admin)

    revoked = await api.http.post(
        f"{url}/{first['id']}/revoke", json={"reason": "rotation"}, headers=admin
    )
    twice = await api.http.post(f"{url}/{first['id']}/revoke", headers=admin)
    third = await api.http.post(url, headers=admin)
    unknown = await api.http.post(
        f"{url}/0b8e3c1e-6a4f-4a53-a1f0-f6f2d1c9e7a2/revoke", headers=admin
    )

    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["active"] is False
    assert revoked.json()["revoked_at"] is not None
    assert (twice.status_code, error_code(twice)) == (409, "webhook_secret_already_revoked")
    assert third.status_code == 201
    assert (unknown.status_code, error_code(unknown)) == (404, "webhook_secret_not_found")
    record = (await api.http.get(f"/partners/{partner.id}", headers=admin)).json()
    assert [s["active"] for s in record["webhook_secrets"]] == [False, True, True]


# --------------------------------------------------------------------------- OAuth client


async def test_the_partner_client_holds_only_the_deliver_scope(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin, webhook_secret=False)

    response = await api.http.post(f"/partners/{partner.id}/client", headers=admin)

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["cache-control"] == "no-store"
    assert created["scopes"] == ["deliver"]
    assert created["replaced_client_id"] is None
    record = (await api.http.get(f"/partners/{partner.id}", headers=admin)).json()
    assert record["client_id"] == created["client_id"]
    async with api.sessions() as session:
        client = await session.get(ApiClient, created["client_id"])
    assert client is not None
    assert (client.scopes, client.issuer_id) == (["deliver"], None)
    assert created["client_secret"] not in client.secret_hash
    assert await token_headers(api, created["client_id"], created["client_secret"])


async def test_rotating_the_client_disables_the_previous_one_at_once(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin, webhook_secret=False, oauth_client=True)

    rotated = await api.http.post(f"/partners/{partner.id}/client", headers=admin)
    old_token = await api.http.get("/v1/receipts", headers=partner.headers)

    assert rotated.json()["replaced_client_id"] == partner.client_id
    assert old_token.status_code == 401
    new = await token_headers(api, rotated.json()["client_id"], rotated.json()["client_secret"])
    assert (await api.http.get("/v1/receipts", headers=new)).status_code == 200
    assert (await audit_actions(api, partner.id))[-2:] == [
        "partner.client_created",
        "partner.client_rotated",
    ]
