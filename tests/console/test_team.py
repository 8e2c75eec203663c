"""Administrators manage the staff at /console/equipe: list the members (emails for
administrators only), add one (a password shown once), change a role, deactivate and
reactivate — never leaving the console without an active administrator; every act in the
audit log; no other role may even look."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from console.helpers import ConsoleBrowser, Staff, another_browser
from issuer_api.models import AuditEvent, StaffMember, StaffSession

pytestmark = [pytest.mark.anyio, pytest.mark.db]

ADMIN = "direction@normandie.fr"
EDITOR = "referentiel@normandie.fr"


@pytest.fixture
async def administrator(staff: Staff, console: ConsoleBrowser) -> str:
    """An administrator signed in on ``console``; their id."""
    staff_id, printed = await staff.create(ADMIN, "administrator", "Dominique Admin")
    await console.ready(ADMIN, printed)
    return staff_id


async def actions(sessions: async_sessionmaker[AsyncSession], actor: str) -> list[str]:
    async with sessions() as session:
        query = select(AuditEvent.action).where(AuditEvent.actor == actor)
        return list((await session.scalars(query.order_by(AuditEvent.id))).all())


async def test_the_list_shows_names_roles_emails_and_how_they_sign_in(
    staff: Staff, console: ConsoleBrowser, administrator: str
) -> None:
    await staff.create(EDITOR, "referential_editor", "Sacha Éditeur")
    page = await console.http.get("/console/equipe")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "<caption" in page.text
    assert 'scope="col"' in page.text
    assert "Sacha Éditeur" in page.text
    assert "Éditeur du référentiel" in page.text or "référentiel" in page.text
    assert EDITOR in page.text  # administrators read the emails
    assert "Mot de passe de la console" in page.text
    home = await console.http.get("/console")
    assert 'href="/console/equipe"' in home.text


async def test_adding_a_member_shows_their_password_once_and_it_signs_in(
    staff: Staff,
    console: ConsoleBrowser,
    administrator: str,
    sessions: async_sessionmaker[AsyncSession],
    hub_app: FastAPI,
) -> None:
    form = await console.http.get("/console/equipe/nouveau")
    assert 'autocomplete="off"' in form.text
    assert "compte de la Région uniquement" not in form.text  # no provider configured
    created = await console.post(
        "/console/equipe/nouveau",
        "/console/equipe/nouveau",
        {"email": "nouvel.agent@normandie.fr", "name": "Nouvel Agent", "role": "partner_manager"},
    )
    assert created.status_code == 201, created.text
    found = re.search(r'<code id="one-time-password">([^<]+)</code>', created.text)
    assert found is not None
    assert "Gestionnaire des partenaires" in created.text or "partenaires" in created.text
    assert await actions(sessions, f"staff:{administrator}") == [
        "staff.signed_in",
        "staff.password_changed",
        "staff.created",
    ]

    async with another_browser(hub_app) as newcomer:
        await newcomer.ready("nouvel.agent@normandie.fr", found.group(1))
        assert (await newcomer.http.get("/console")).status_code == 200


async def test_a_bad_form_says_what_to_fix_and_a_taken_email_conflicts(
    staff: Staff, console: ConsoleBrowser, administrator: str
) -> None:
    bad = await console.post(
        "/console/equipe/nouveau",
        "/console/equipe/nouveau",
        {"email": "pas-une-adresse", "name": "", "role": "superuser"},
    )
    assert bad.status_code == 400
    assert bad.headers["x-error-code"] == "invalid_member"
    assert 'href="#email"' in bad.text
    assert 'href="#name"' in bad.text
    assert 'href="#role-read_only"' in bad.text
    assert 'aria-invalid="true"' in bad.text
    assert 'value="pas-une-adresse"' in bad.text  # what was typed is kept

    taken = await console.post(
        "/console/equipe/nouveau",
        "/console/equipe/nouveau",
        {"email": ADMIN.upper(), "name": "Doublon", "role": "read_only"},
    )
    assert taken.status_code == 409
    assert taken.headers["x-error-code"] == "staff_exists"


async def test_a_role_change_is_recorded(
    staff: Staff,
    console: ConsoleBrowser,
    administrator: str,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    editor_id, _ = await staff.create(EDITOR, "referential_editor", "Sacha")
    changed = await console.post(
        f"/console/equipe/{editor_id}/role", "/console/equipe", {"role": "read_only"}
    )
    assert (changed.status_code, changed.headers["location"]) == (303, "/console/equipe?done=role")
    assert "Le rôle a été changé." in (await console.http.get(changed.headers["location"])).text
    async with sessions() as session:
        member = await session.get(StaffMember, editor_id)
        assert member is not None
        assert member.role == "read_only"
        event = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "staff.role_changed")
            )
        ).one()
    assert event.actor == f"staff:{administrator}"
    assert event.target_id == editor_id
    assert event.data == {"from": "referential_editor", "to": "read_only"}


async def test_the_last_active_administrator_cannot_be_demoted_nor_deactivated(
    staff: Staff,
    console: ConsoleBrowser,
    administrator: str,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    demoted = await console.post(
        f"/console/equipe/{administrator}/role", "/console/equipe", {"role": "read_only"}
    )
    assert demoted.status_code == 409
    assert demoted.headers["x-error-code"] == "last_administrator"
    assert "dernier administrateur actif" in demoted.text
    deactivated = await console.post(
        f"/console/equipe/{administrator}/desactiver", "/console/equipe", {}
    )
    assert deactivated.status_code == 409
    async with sessions() as session:
        member = await session.get(StaffMember, administrator)
        assert member is not None
        assert (member.role, member.active) == ("administrator", True)

    # With a second administrator, the first may step down.
    other_id, _ = await staff.create("adjointe@normandie.fr", "administrator")
    stepped_down = await console.post(
        f"/console/equipe/{administrator}/role", "/console/equipe", {"role": "read_only"}
    )
    assert stepped_down.status_code == 303
    # … and has no access to the staff page any more.
    assert (await console.http.get("/console/equipe")).status_code == 403
    assert other_id


async def test_deactivating_ends_the_members_sessions_and_reactivating_lets_them_back(
    staff: Staff,
    console: ConsoleBrowser,
    administrator: str,
    sessions: async_sessionmaker[AsyncSession],
    hub_app: FastAPI,
) -> None:
    editor_id, printed = await staff.create(EDITOR, "referential_editor")
    async with another_browser(hub_app) as editor:
        http = editor.http
        await editor.ready(EDITOR, printed)
        assert (await http.get("/console")).status_code == 200

        done = await console.post(f"/console/equipe/{editor_id}/desactiver", "/console/equipe", {})
        assert (done.status_code, done.headers["location"]) == (
            303,
            "/console/equipe?done=deactivated",
        )
        async with sessions() as session:
            left = await session.scalars(
                select(StaffSession).where(StaffSession.staff_id == editor_id)
            )
            assert left.all() == []
        assert (await http.get("/console")).status_code == 303
        assert (await editor.sign_in(EDITOR, "quatre chevaux normands au galop")).status_code == 400

        back = await console.post(f"/console/equipe/{editor_id}/reactiver", "/console/equipe", {})
        assert back.headers["location"] == "/console/equipe?done=reactivated"
        again = await editor.sign_in(EDITOR, "quatre chevaux normands au galop")
        assert again.status_code == 303
    assert await actions(sessions, f"staff:{administrator}") == [
        "staff.signed_in",
        "staff.password_changed",
        "staff.deactivated",
        "staff.reactivated",
    ]


async def test_an_unknown_member_is_not_found(console: ConsoleBrowser, administrator: str) -> None:
    missing = await console.post(
        "/console/equipe/00000000-0000-0000-0000-000000000000/desactiver", "/console/equipe", {}
    )
    assert missing.status_code == 404
    assert missing.headers["x-error-code"] == "staff_not_found"


async def test_a_form_without_its_token_is_refused(
    staff: Staff, console: ConsoleBrowser, administrator: str
) -> None:
    editor_id, _ = await staff.create(EDITOR, "referential_editor")
    forged = await console.http.post(
        f"/console/equipe/{editor_id}/desactiver", data={"csrf_token": "forged"}
    )
    assert forged.status_code == 403
    assert forged.headers["x-error-code"] == "csrf_failed"


CHANGING_ROUTES = [
    ("post", "/console/equipe/nouveau"),
    ("post", "/console/equipe/{id}/role"),
    ("post", "/console/equipe/{id}/desactiver"),
    ("post", "/console/equipe/{id}/reactiver"),
]
ALL_ROUTES = [("get", "/console/equipe"), ("get", "/console/equipe/nouveau"), *CHANGING_ROUTES]


@pytest.mark.parametrize("role", ["read_only", "partner_manager", "referential_editor"])
async def test_only_administrators_may_open_the_staff_pages(
    staff: Staff, console: ConsoleBrowser, role: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    target_id, _ = await staff.create(ADMIN, "administrator")
    _, printed = await staff.create(EDITOR, role)
    await console.ready(EDITOR, printed)
    token = await console.token("/console")
    for method, path in ALL_ROUTES:
        url = path.format(id=target_id)
        answer = await console.http.request(
            method,
            url,
            data={"csrf_token": token, "role": "read_only"} if method == "post" else None,
        )
        assert answer.status_code == 403, (role, url)
        assert answer.headers["x-error-code"] == "staff_forbidden"
    async with sessions() as session:
        target = await session.get(StaffMember, target_id)
        assert target is not None
        assert (target.role, target.active) == ("administrator", True)
    assert 'href="/console/equipe"' not in (await console.http.get("/console")).text


async def test_signed_out_readers_are_sent_to_sign_in(console: ConsoleBrowser) -> None:
    for method, path in ALL_ROUTES:
        answer = await console.http.request(method, path.format(id="x"))
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/console/connexion?next=")


async def test_the_page_is_in_english_on_request(
    console: ConsoleBrowser, administrator: str
) -> None:
    page = await console.http.get("/console/equipe?lang=en")
    assert "Members of the staff" in page.text
    assert isinstance(page, httpx.Response)
