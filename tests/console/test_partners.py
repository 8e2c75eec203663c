"""The partners of the console: a partner manager registers, edits, suspends and
reactivates partners, trusts issuers, hands out webhook secrets and OAuth clients
(each secret shown once), and sees what each partner delivered — refused badges with
their reason in plain French — before the partner calls. A read-only member sees
everything and changes nothing; every act is in the audit log with the member's name."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from console.helpers import ConsoleBrowser, Staff
from ingestion.factory import PartnerIssuer, json_item
from ingestion.fixtures import campus_fixture, stranger_fixture  # noqa: F401 - fixtures
from ingestion.helpers import EMAIL, Hub
from issuer_api.db import session_scope
from issuer_api.models import ApiClient, AuditEvent, Delivery, Partner, PartnerWebhookSecret

pytestmark = [pytest.mark.anyio, pytest.mark.db]

MANAGER = "paul.martin@normandie.fr"
READER = "lea.bernard@normandie.fr"
PARTNERS = "/console/partenaires"
SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")
CLIENT_SECRET = re.compile(r"obs_[A-Za-z0-9_-]+")


async def signed_in(staff: Staff, console: ConsoleBrowser, email: str, role: str) -> str:
    """A member of ``role`` signed in on ``console``; their audit actor."""
    member_id, printed = await staff.create(email, role, "Paul Martin")
    await console.ready(email, printed)
    return f"staff:{member_id}"


async def register(console: ConsoleBrowser, slug: str = "campus-caen", **extra: str) -> str:
    answer = await console.post(
        PARTNERS,
        f"{PARTNERS}/nouveau",
        {"slug": slug, "name": f"Campus {slug}", **extra},
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"]).split("?")[0]


async def audit(sessions: async_sessionmaker[AsyncSession]) -> list[AuditEvent]:
    async with session_scope(sessions) as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.target_type == "partner").order_by(AuditEvent.id)
        )
        return list(rows)


# --------------------------------------------------------------------------- doors


async def test_signed_out_readers_are_sent_to_the_sign_in_page(console: ConsoleBrowser) -> None:
    for path in (PARTNERS, f"{PARTNERS}/nouveau", f"{PARTNERS}/campus-caen/livraisons"):
        answer = await console.http.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/console/connexion?next={path}"
    posted = await console.http.post(PARTNERS, data={"slug": "x", "name": "X"})
    assert posted.status_code == 303
    assert posted.headers["location"].startswith("/console/connexion")


async def test_a_read_only_member_sees_every_page_and_is_refused_every_change(
    staff: Staff, console: ConsoleBrowser, hub_app: FastAPI
) -> None:
    manager = ConsoleBrowser(console.http)
    await signed_in(staff, manager, MANAGER, "partner_manager")
    path = await register(manager, identifier="did:web:campus-caen.example.fr")
    created = await manager.post(f"{path}/secrets", path, {})
    assert created.status_code == 201
    await manager.post(f"{path}/client", path, {})
    page = await console.http.get(path)
    secret_id = re.search(r"/secrets/([0-9a-f-]{36})/revoquer", page.text)
    trusted_id = re.search(r"/emetteurs/(\d+)/retirer", page.text)
    assert secret_id is not None
    assert trusted_id is not None
    await console.http.post("/console/deconnexion", data={"csrf_token": await console.token(path)})

    await signed_in(staff, console, READER, "read_only")
    for readable in (PARTNERS, path, f"{path}/livraisons"):
        seen = await console.http.get(readable)
        assert seen.status_code == 200, readable
        assert "Enregistrer un partenaire" not in seen.text
        assert "Suspendre ce partenaire" not in seen.text
    changes = [
        PARTNERS,
        f"{path}/modifier",
        f"{path}/suspendre",
        f"{path}/reactiver",
        f"{path}/emetteurs",
        f"{path}/emetteurs/{trusted_id.group(1)}/retirer",
        f"{path}/secrets",
        f"{path}/secrets/{secret_id.group(1)}/revoquer",
        f"{path}/client",
        f"{path}/client/revoquer",
    ]
    for change in changes:
        refused = await console.post(change, path, {"reason": "essai", "name": "Autre"})
        assert refused.status_code == 403, change
        assert refused.headers["x-error-code"] == "staff_forbidden"
    forms = [
        f"{PARTNERS}/nouveau",
        f"{path}/modifier",
        f"{path}/suspendre",
        f"{path}/reactiver",
        f"{path}/emetteurs/{trusted_id.group(1)}/retirer",
        f"{path}/secrets/{secret_id.group(1)}/revoquer",
        f"{path}/client/remplacer",
        f"{path}/client/revoquer",
    ]
    for form in forms:
        assert (await console.http.get(form)).status_code == 403, form
    partner = await console.http.get(path)
    assert "Actif" in partner.text


# --------------------------------------------------------------------------- partners


async def test_a_partner_manager_registers_edits_suspends_and_reactivates_a_partner(
    staff: Staff, console: ConsoleBrowser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    actor = await signed_in(staff, console, MANAGER, "partner_manager")
    form = await console.http.get(f"{PARTNERS}/nouveau")
    assert form.status_code == 200
    assert 'for="slug"' in form.text

    path = await register(
        console,
        contact_email="badges@campus-caen.example.fr",
        identifier="did:web:campus-caen.example.fr",
    )
    assert path == f"{PARTNERS}/campus-caen"
    page = await console.http.get(f"{path}?fait=cree")
    assert "Le partenaire est enregistré" in page.text
    assert "did:web:campus-caen.example.fr" in page.text

    edited = await console.post(
        f"{path}/modifier",
        f"{path}/modifier",
        {"name": "Campus des métiers de Caen", "contact_email": "", "url": "https://campus.fr"},
    )
    assert edited.status_code == 303
    page = await console.http.get(path)
    assert "Campus des métiers de Caen" in page.text
    assert "badges@campus-caen.example.fr" not in page.text

    confirm = await console.http.get(f"{path}/suspendre")
    assert confirm.status_code == 200
    assert "Oui, suspendre ce partenaire" in confirm.text
    no_reason = await console.post(f"{path}/suspendre", f"{path}/suspendre", {"reason": ""})
    assert no_reason.status_code == 400
    assert 'href="#reason"' in no_reason.text
    suspended = await console.post(
        f"{path}/suspendre", f"{path}/suspendre", {"reason": "Convention échue"}
    )
    assert suspended.status_code == 303
    listed = await console.http.get(PARTNERS, params={"etat": "suspendu"})
    assert "Campus des métiers de Caen" in listed.text
    assert "Suspendu" in listed.text
    reactivated = await console.post(
        f"{path}/reactiver", f"{path}/reactiver", {"reason": "Convention renouvelée"}
    )
    assert reactivated.status_code == 303
    assert (
        "Aucun partenaire" in (await console.http.get(PARTNERS, params={"etat": "suspendu"})).text
    )

    events = await audit(sessions)
    assert [e.action for e in events] == [
        "partner.created",
        "partner.updated",
        "partner.suspended",
        "partner.reactivated",
    ]
    assert {e.actor for e in events} == {actor}
    assert events[2].reason == "Convention échue"
    async with session_scope(sessions) as session:
        partner = await session.scalar(select(Partner).where(Partner.slug == "campus-caen"))
        assert partner is not None
        assert (partner.state, partner.contact_email) == ("active", None)


async def test_form_mistakes_are_listed_linked_to_their_fields_and_nothing_is_stored(
    staff: Staff, console: ConsoleBrowser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await signed_in(staff, console, MANAGER, "partner_manager")
    answer = await console.post(
        PARTNERS,
        f"{PARTNERS}/nouveau",
        {
            "slug": "Campus Caen!",
            "name": "",
            "contact_email": "pas-un-email",
            "identifier": "ftp://x",
        },
    )
    assert answer.status_code == 400
    assert answer.headers["x-error-code"] == "invalid_form"
    for name in ("slug", "name", "contact_email", "identifier"):
        assert f'href="#{name}"' in answer.text
        assert f'id="{name}-error"' in answer.text
    assert "Erreur" in answer.text.split("</title>")[0]
    assert 'value="pas-un-email"' in answer.text
    await register(console)
    taken = await console.post(
        PARTNERS, f"{PARTNERS}/nouveau", {"slug": "campus-caen", "name": "B"}
    )
    assert taken.status_code == 400
    assert "déjà utilisé" in taken.text
    page_name = await console.post(
        PARTNERS, f"{PARTNERS}/nouveau", {"slug": "nouveau", "name": "N"}
    )
    assert page_name.status_code == 400
    async with session_scope(sessions) as session:
        assert len(list(await session.scalars(select(Partner)))) == 1


async def test_the_list_finds_partners_by_name_and_state_and_shows_their_activity(
    staff: Staff, console: ConsoleBrowser
) -> None:
    await signed_in(staff, console, MANAGER, "partner_manager")
    await register(console, "campus-caen", identifier="did:web:campus-caen.example.fr")
    await register(console, "greta-rouen")
    everyone = await console.http.get(PARTNERS)
    assert "2 partenaires" in everyone.text
    assert "<caption" in everyone.text
    assert "Aucune pour l'instant" in everyone.text  # no delivery yet
    found = await console.http.get(PARTNERS, params={"q": "GRETA"})
    assert "1 partenaire." in found.text
    assert "greta-rouen" in found.text
    assert "campus-caen" not in found.text
    unknown_state = await console.http.get(PARTNERS, params={"etat": "autre"})
    assert unknown_state.status_code == 200
    assert "2 partenaires" in unknown_state.text


async def test_the_pages_speak_english_and_escape_what_partners_type(
    staff: Staff, console: ConsoleBrowser
) -> None:
    await signed_in(staff, console, MANAGER, "partner_manager")
    path = await register(console)
    hostile = '<script>alert("x")</script>'
    edited = await console.post(f"{path}/modifier", f"{path}/modifier", {"name": hostile})
    assert edited.status_code == 303
    page = await console.http.get(path, params={"lang": "en"})
    assert page.status_code == 200
    assert '<html lang="en"' in page.text
    assert "Trusted issuers" in page.text
    assert "Webhook secrets" in page.text
    assert hostile not in page.text
    assert "&lt;script&gt;" in page.text
    listing = await console.http.get(PARTNERS, params={"lang": "en"})
    assert "Register a partner" in listing.text
    assert hostile not in listing.text


# --------------------------------------------------------------------------- access


async def test_trusted_issuers_are_added_and_removed_after_a_confirmation(
    staff: Staff, console: ConsoleBrowser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    actor = await signed_in(staff, console, MANAGER, "partner_manager")
    path = await register(console)
    added = await console.post(
        f"{path}/emetteurs", path, {"identifier": "https://campus-caen.example.fr/issuer"}
    )
    assert added.status_code == 303
    twice = await console.post(
        f"{path}/emetteurs", path, {"identifier": "https://campus-caen.example.fr/issuer"}
    )
    assert twice.status_code == 409
    assert "déjà" in twice.text
    wrong = await console.post(f"{path}/emetteurs", path, {"identifier": "http://old.example"})
    assert wrong.status_code == 400
    assert 'href="#identifier"' in wrong.text
    legacy = await console.post(
        f"{path}/emetteurs", path, {"identifier": "http://old.example/issuer", "allow_http": "1"}
    )
    assert legacy.status_code == 303

    page = await console.http.get(path)
    trusted_id = re.search(r"/emetteurs/(\d+)/retirer", page.text)
    assert trusted_id is not None
    removal = f"{path}/emetteurs/{trusted_id.group(1)}/retirer"
    confirm = await console.http.get(removal)
    assert "https://campus-caen.example.fr/issuer" in confirm.text
    assert (await console.post(removal, removal, {})).status_code == 303
    page = await console.http.get(path)
    assert "https://campus-caen.example.fr/issuer" not in page.text
    assert "http://old.example/issuer" in page.text

    events = [e for e in await audit(sessions) if e.action.startswith("partner.trusted")]
    assert [e.action for e in events] == [
        "partner.trusted_issuer_added",
        "partner.trusted_issuer_added",
        "partner.trusted_issuer_removed",
    ]
    assert {e.actor for e in events} == {actor}


async def test_a_form_without_its_token_changes_nothing(
    staff: Staff, console: ConsoleBrowser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await signed_in(staff, console, MANAGER, "partner_manager")
    path = await register(console)
    for change in (PARTNERS, f"{path}/suspendre", f"{path}/secrets", f"{path}/client"):
        forged = await console.http.post(
            change, data={"slug": "autre", "name": "Autre", "reason": "x", "csrf_token": "faux"}
        )
        assert forged.status_code == 403, change
        assert forged.headers["x-error-code"] == "csrf_failed"
    assert [e.action for e in await audit(sessions)] == ["partner.created"]


async def test_a_webhook_secret_is_shown_once_rotates_with_two_active_and_is_revoked(
    staff: Staff,
    console: ConsoleBrowser,
    sessions: async_sessionmaker[AsyncSession],
    capfd: pytest.CaptureFixture[str],
) -> None:
    actor = await signed_in(staff, console, MANAGER, "partner_manager")
    path = await register(console)

    first = await console.post(f"{path}/secrets", path, {"note": "mise en service"})
    assert first.status_code == 201
    assert first.headers["cache-control"] == "no-store"
    assert "affiché une seule fois" in first.text
    shown = SECRET.search(first.text)
    assert shown is not None
    secret = shown.group(0)
    page = await console.http.get(path)
    assert secret not in page.text
    assert secret[:10] in page.text  # its hint only
    assert "Créer un nouveau secret (rotation)" in page.text

    second = await console.post(f"{path}/secrets", path, {"note": "rotation"})
    assert second.status_code == 201
    other = SECRET.search(second.text)
    assert other is not None
    assert other.group(0) != secret
    page = await console.http.get(path)
    assert page.text.count("/revoquer") == 2  # both active: the new one and the previous one
    assert "Deux secrets sont actifs" in page.text
    third = await console.post(f"{path}/secrets", path, {})
    assert third.status_code == 409
    assert "deux secrets de webhook actifs" in third.text
    assert secret not in third.text
    assert other.group(0) not in third.text

    async with session_scope(sessions) as session:
        rows = list(await session.scalars(select(PartnerWebhookSecret)))
        assert len(rows) == 2
        assert all(secret not in str(row.sealed) for row in rows)
        oldest = min(rows, key=lambda row: row.created_at)
    revoke = f"{path}/secrets/{oldest.id}/revoquer"
    assert "Oui, révoquer le secret" in (await console.http.get(revoke)).text
    revoked = await console.post(revoke, revoke, {"reason": "le partenaire signe avec le nouveau"})
    assert revoked.status_code == 303
    page = await console.http.get(path)
    assert page.text.count("/revoquer") == 1
    assert "Révoqué" in page.text
    assert "Créer un nouveau secret (rotation)" in page.text
    again = await console.post(revoke, path, {})
    assert again.status_code == 409

    events = [e for e in await audit(sessions) if "webhook_secret" in e.action]
    assert [e.action for e in events] == [
        "partner.webhook_secret_created",
        "partner.webhook_secret_created",
        "partner.webhook_secret_revoked",
    ]
    assert {e.actor for e in events} == {actor}
    assert all(secret not in str(e.data) for e in events)
    logged = capfd.readouterr()
    assert "/secrets" in logged.err  # the requests were logged, their answers' secrets not
    for shown_once in (secret, other.group(0)):
        assert shown_once not in logged.err
        assert shown_once not in logged.out


async def test_an_oauth_client_is_shown_once_replaced_and_revoked(
    staff: Staff, console: ConsoleBrowser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    actor = await signed_in(staff, console, MANAGER, "partner_manager")
    path = await register(console)
    created = await console.post(f"{path}/client", path, {})
    assert created.status_code == 201
    found = CLIENT_SECRET.search(created.text)
    assert found is not None
    page = await console.http.get(path)
    assert found.group(0) not in page.text
    first_id = re.search(r"obc_[0-9a-f]+", page.text)
    assert first_id is not None

    assert "Remplacer ce client" in (await console.http.get(f"{path}/client/remplacer")).text
    replaced = await console.post(f"{path}/client", f"{path}/client/remplacer", {})
    assert replaced.status_code == 201
    assert first_id.group(0) in replaced.text  # "the previous client no longer works"

    revoked = await console.post(
        f"{path}/client/revoquer", f"{path}/client/revoquer", {"reason": "fin du pilote"}
    )
    assert revoked.status_code == 303
    page = await console.http.get(path)
    assert "Aucun client OAuth" in page.text
    assert (await console.http.get(f"{path}/client/revoquer")).status_code == 404

    async with session_scope(sessions) as session:
        clients = list(await session.scalars(select(ApiClient).where(ApiClient.id.like("obc_%"))))
        assert len(clients) == 2
        assert all(client.disabled_at is not None for client in clients)
        assert all(found.group(0) not in client.secret_hash for client in clients)
    events = [e for e in await audit(sessions) if "client" in e.action]
    assert [e.action for e in events] == [
        "partner.client_created",
        "partner.client_rotated",
        "partner.client_revoked",
    ]
    assert {e.actor for e in events} == {actor}
    assert events[-1].reason == "fin du pilote"


# --------------------------------------------------------------------------- deliveries


async def test_deliveries_show_a_refused_badge_with_its_reason_in_french_and_filter(  # noqa: PLR0917 - fixtures
    staff: Staff,
    console: ConsoleBrowser,
    hub_app: FastAPI,
    sessions: async_sessionmaker[AsyncSession],
    campus: PartnerIssuer,
    stranger: PartnerIssuer,
) -> None:
    await signed_in(staff, console, READER, "read_only")
    hub = Hub(hub_app, console.http, sessions)
    partner_id = await hub.add_partner("campus-caen", trusts=[campus.did])
    accepted = json_item(campus.signed_json(campus.credential(email=EMAIL)), email=EMAIL)
    refused = json_item(
        stranger.signed_json(stranger.credential(email=EMAIL)), email=EMAIL, reference="ins-42"
    )
    mixed = await hub.deliver(partner_id, accepted, refused)
    clean = await hub.deliver(
        partner_id, json_item(campus.signed_json(campus.credential(email=EMAIL)), email=EMAIL)
    )
    await hub.run_jobs()
    last_week = datetime.now(UTC) - timedelta(days=7)
    async with session_scope(sessions) as session:
        delivery = await session.get(Delivery, clean)
        assert delivery is not None
        delivery.received_at = last_week
    path = f"{PARTNERS}/campus-caen/livraisons"

    page = await console.http.get(path)
    assert page.status_code == 200
    assert "2 livraisons" in page.text
    assert "ne fait pas partie des émetteurs de confiance du partenaire" in page.text
    assert "issuer_not_trusted" in page.text
    assert "ins-42" in page.text
    assert "Webhook signé" in page.text

    refused_only = await console.http.get(path, params={"resultat": "rejected"})
    assert "1 livraison." in refused_only.text
    by_reason = await console.http.get(path, params={"motif": "issuer_not_trusted"})
    assert "1 livraison." in by_reason.text
    assert "ins-42" in by_reason.text
    other_reason = await console.http.get(path, params={"motif": "recipient_mismatch"})
    assert "Aucune livraison ne correspond" in other_reason.text
    today = datetime.now(UTC).date().isoformat()
    recent = await console.http.get(path, params={"du": today})
    assert "1 livraison." in recent.text
    older = await console.http.get(path, params={"au": last_week.date().isoformat()})
    assert "1 livraison." in older.text
    assert "ins-42" not in older.text
    unknown = await console.http.get(path, params={"resultat": "perdu", "motif": "inconnu"})
    assert "2 livraisons" in unknown.text
    wrong = await console.http.get(path, params={"du": "hier"})
    assert wrong.status_code == 400
    assert 'href="#du"' in wrong.text

    listing = await console.http.get(PARTNERS)
    assert "67" in listing.text  # 2 of 3 badges accepted over 30 days
    assert mixed != clean


async def test_a_password_change_is_required_before_the_partner_pages(
    staff: Staff, console: ConsoleBrowser
) -> None:
    _member, printed = await staff.create(MANAGER, "partner_manager")
    first = await console.sign_in(MANAGER, printed)
    assert first.status_code == 303
    blocked = await console.http.get(PARTNERS)
    assert (blocked.status_code, blocked.headers["location"]) == (303, "/console/mot-de-passe")
