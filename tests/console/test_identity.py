"""The Region's identity in the console: every member reads it, an administrator
changes it (checked field by field, in plain words), pages show the change at once,
every change is in the audit log with who made it, and the configuration comes back
when the console's choice is forgotten."""

from __future__ import annotations

from html import unescape

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from console.helpers import ConsoleBrowser, Staff
from ingestion.helpers import serving
from issuer_api.app import create_app
from issuer_api.db import session_scope
from issuer_api.issuers import service as issuers
from issuer_api.mail.compose import compose_text, read, sender_of
from issuer_api.models import AuditEvent, RegionIdentitySetting
from issuer_api.region import store

pytestmark = [pytest.mark.anyio, pytest.mark.db]

PAGE = "/console/identite"
ADMIN = "admin@normandie.fr"
READER = "lecture@normandie.fr"
BRETAGNE = {
    "name": "Région Bretagne",
    "scheme_name": "La Bretagne reconnaît les compétences",
    "website": "https://www.bretagne.bzh",
    "logo": "/static/favicon.svg",
    "primary_colour": "#6a1b9a",
    "accent_colour": "#1b5e20",
    "footer_fr": "Un service de la Région Bretagne.",
    "footer_en": "A service of the Brittany Region.",
    "contact_email": "badges@bretagne.bzh",
}


async def signed_in(staff: Staff, console: ConsoleBrowser, email: str, role: str) -> str:
    member_id, password = await staff.create(email, role)
    await console.ready(email, password)
    return member_id


async def test_signed_out_readers_are_sent_to_the_sign_in_page(console: ConsoleBrowser) -> None:
    answer = await console.http.get(PAGE)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/connexion?next=/console/identite"


async def test_an_administrator_changes_the_identity_and_the_pages_show_it_at_once(
    staff: Staff, console: ConsoleBrowser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin_id = await signed_in(staff, console, ADMIN, "administrator")
    async with session_scope(sessions) as session:  # the Region issuer, as on first start
        await issuers.bootstrap_region(session, staff.app.state.settings, staff.kek)
    page = await console.http.get(PAGE)
    assert page.status_code == 200
    assert 'value="La Normandie badge les compétences"' in page.text
    assert "Origine : la configuration du serveur" in page.text
    assert '<script src="/static/console-identity.js' in page.text

    saved = await console.post(PAGE, PAGE, BRETAGNE)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/console/identite?fait=enregistre"
    after = await console.http.get(saved.headers["location"])
    assert "L'identité de la Région est enregistrée" in unescape(after.text)
    assert "Origine : choisie dans cette console." in after.text

    home = await console.http.get("/?lang=fr")
    assert "La Bretagne reconnaît les compétences" in home.text
    assert "Un service de la Région Bretagne." in home.text
    # The Region's issuer keeps its name, and the page says so.
    assert "s'appelle toujours « Région Normandie »" in unescape(after.text)
    assert '<img class="site-logo" src="/static/favicon.svg" alt="Région Bretagne"' in home.text
    assert "Normandie" not in home.text
    css = await console.http.get("/static/region.css")
    assert "--c-primary: #6a1b9a;" in css.text

    async with session_scope(sessions) as session:
        events = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "region_identity.updated")
            )
        ).all()
    assert [(e.actor, e.target_type) for e in events] == [(f"staff:{admin_id}", "region_identity")]
    assert "primary_colour" in events[0].data["fields"]


async def test_bad_values_are_refused_field_by_field_and_nothing_is_stored(
    staff: Staff, console: ConsoleBrowser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await signed_in(staff, console, ADMIN, "administrator")
    refused = await console.post(
        PAGE,
        PAGE,
        {**BRETAGNE, "primary_colour": "#ffcc00", "website": "http://bretagne.bzh"},
    )
    assert refused.status_code == 400
    assert refused.headers["x-error-code"] == "url"
    assert '<a href="#website">Saisissez une adresse internet complète' in refused.text
    assert '<a href="#primary_colour">Cette couleur est trop claire' in refused.text
    assert "son contraste est de 1,51:1" in refused.text
    assert 'id="primary_colour" name="primary_colour" value="#ffcc00"' in refused.text
    assert 'aria-describedby="primary_colour-hint primary_colour-error"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    async with session_scope(sessions) as session:
        assert await session.get(RegionIdentitySetting, 1) is None
    home = await console.http.get("/?lang=fr")
    assert "La Normandie badge les compétences" in home.text


async def test_forgetting_the_consoles_choice_brings_the_configuration_back(
    staff: Staff, console: ConsoleBrowser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await signed_in(staff, console, ADMIN, "administrator")
    assert (await console.post(PAGE, PAGE, BRETAGNE)).status_code == 303
    reset = await console.post(f"{PAGE}/reinitialiser", PAGE, {})
    assert (reset.status_code, reset.headers["location"]) == (
        303,
        "/console/identite?fait=reinitialise",
    )
    home = await console.http.get("/?lang=fr")
    assert "La Normandie badge les compétences" in home.text
    async with session_scope(sessions) as session:
        assert await session.get(RegionIdentitySetting, 1) is None
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert "region_identity.reset" in actions


async def test_a_read_only_member_reads_the_identity_but_cannot_change_it(
    staff: Staff, console: ConsoleBrowser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await signed_in(staff, console, READER, "read_only")
    page = await console.http.get(PAGE)
    assert page.status_code == 200
    assert "<caption>L'identité en vigueur</caption>" in unescape(page.text)
    assert '<th scope="row">Nom de la Région</th>' in page.text
    assert 'action="/console/identite"' not in page.text
    token_page = "/console"
    for path in (PAGE, f"{PAGE}/reinitialiser"):
        answer = await console.post(path, token_page, BRETAGNE)
        assert answer.status_code == 403, path
        assert answer.headers["x-error-code"] == "staff_forbidden"
    async with session_scope(sessions) as session:
        assert await session.get(RegionIdentitySetting, 1) is None


async def test_a_forged_form_is_refused(staff: Staff, console: ConsoleBrowser) -> None:
    await signed_in(staff, console, ADMIN, "administrator")
    answer = await console.http.post(PAGE, data={**BRETAGNE, "csrf_token": "forged"})
    assert answer.status_code == 403
    assert answer.headers["x-error-code"] == "csrf_failed"


async def test_emails_and_the_other_servers_follow_the_consoles_choice(
    hub_app: FastAPI,
    staff: Staff,
    console: ConsoleBrowser,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await signed_in(staff, console, ADMIN, "administrator")
    other_server = create_app(hub_app.state.settings)
    other_server.state.region_identity = store.IdentityCache(
        store.configured_identity(hub_app.state.settings), ttl=0
    )
    async with serving(other_server) as other:
        before = await other.get("/?lang=fr")
        assert "La Normandie badge les compétences" in before.text
        assert (await console.post(PAGE, PAGE, BRETAGNE)).status_code == 303
        after = await other.get("/?lang=fr")
        assert "La Bretagne reconnaît les compétences" in after.text

    async with session_scope(sessions) as session:
        identity = await store.load(session, hub_app.state.settings)
    message = read(
        compose_text(
            name="sign_in",
            language="en",
            context={"link": "https://badges.example/connexion/lien?jeton=abc", "minutes": 15},
            to="camille.martin@example.fr",
            sender=sender_of(hub_app.state.settings.mail_from, identity),
            identity=identity,
        )
    )
    assert message["Subject"] == "Your sign-in link — La Bretagne reconnaît les compétences"
    assert "A service of the Brittany Region." in message.get_body(("plain",)).get_content()
