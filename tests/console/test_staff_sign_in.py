"""Staff sign in to the console with a local account: a printed one-time password that
must be replaced, sessions scoped to /console, roles that open only their own doors,
failures counted and locked out, every act in the audit log with who did it."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from console.helpers import STRONG_PASSWORD, ConsoleBrowser, Staff
from issuer_api.db import session_scope
from issuer_api.models import AuditEvent, StaffMember, StaffSession
from issuer_api.staff import service
from issuer_api.staff.roles import ROLE_PERMISSIONS, Permission, Role, allows

pytestmark = [pytest.mark.anyio, pytest.mark.db]

EMAIL = "claire.dupont@normandie.fr"


async def test_signed_out_the_console_sends_to_its_sign_in_page(console: ConsoleBrowser) -> None:
    answer = await console.http.get("/console")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/connexion?next=/console"
    page = await console.http.get("/console/connexion")
    assert page.status_code == 200
    assert "Connexion des agents" in page.text
    assert 'autocomplete="current-password"' in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_a_printed_password_must_be_replaced_before_anything_else(
    staff: Staff, console: ConsoleBrowser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff_id, printed = await staff.create(EMAIL, "read_only", "Claire Dupont")
    first = await console.sign_in(EMAIL, printed)
    assert first.status_code == 303
    assert first.headers["location"] == "/console/mot-de-passe"
    cookie = first.headers["set-cookie"]
    assert "obhub_staff=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/console" in cookie
    # Until replaced, the console stays closed.
    blocked = await console.http.get("/console")
    assert (blocked.status_code, blocked.headers["location"]) == (303, "/console/mot-de-passe")

    short = await console.post(
        "/console/mot-de-passe",
        "/console/mot-de-passe",
        {"current_password": printed, "new_password": "court", "confirm_password": "court"},
    )
    assert short.status_code == 400
    assert short.headers["x-error-code"] == "password_refused"
    assert "au moins 12 caractères" in short.text

    done = await console.post(
        "/console/mot-de-passe",
        "/console/mot-de-passe",
        {
            "current_password": printed,
            "new_password": STRONG_PASSWORD,
            "confirm_password": STRONG_PASSWORD,
        },
    )
    assert (done.status_code, done.headers["location"]) == (303, "/console")
    home = await console.http.get("/console")
    assert home.status_code == 200
    assert "Claire Dupont" in home.text
    assert "Lecture seule" in home.text

    async with session_scope(sessions) as session:
        member = await session.get(StaffMember, staff_id)
        assert member is not None
        assert member.must_change_password is False
        assert member.password_hash is not None
        assert member.password_hash.startswith("$argon2id$")
        assert EMAIL not in str(member.email_sealed)
        actions = (
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.actor == f"staff:{staff_id}")
            )
        ).all()
    assert {"staff.signed_in", "staff.password_changed"} <= set(actions)


async def test_a_wrong_password_says_nothing_about_which_part_was_wrong(
    staff: Staff, console: ConsoleBrowser
) -> None:
    await staff.create(EMAIL, "administrator")
    wrong_password = await console.sign_in(EMAIL, "pas le bon mot de passe")
    unknown_email = await console.sign_in("personne@normandie.fr", "pas le bon mot de passe")
    for answer in (wrong_password, unknown_email):
        assert answer.status_code == 400
        assert answer.headers["x-error-code"] == "sign_in_failed"
        assert "L&#39;adresse e-mail ou le mot de passe n&#39;est pas correct." in answer.text
        assert "obhub_staff=" not in answer.headers.get("set-cookie", "")


async def test_repeated_failures_lock_password_sign_in(
    staff: Staff, console: ConsoleBrowser
) -> None:
    _id, printed = await staff.create(EMAIL, "administrator")
    for _ in range(service.MAX_ACCOUNT_FAILURES):
        assert (await console.sign_in(EMAIL, "devinette devinette")).status_code == 400
    locked = await console.sign_in(EMAIL, printed)
    assert locked.status_code == 429
    assert locked.headers["x-error-code"] == "sign_in_locked"


async def test_a_form_without_its_token_is_refused(staff: Staff, console: ConsoleBrowser) -> None:
    _id, printed = await staff.create(EMAIL, "administrator")
    await console.http.get("/console/connexion")
    forged = await console.http.post(
        "/console/connexion", data={"email": EMAIL, "password": printed}
    )
    assert forged.status_code == 403
    assert forged.headers["x-error-code"] == "csrf_failed"
    cross_site = await console.http.post(
        "/console/connexion",
        data={
            "csrf_token": await console.token("/console/connexion"),
            "email": EMAIL,
            "password": printed,
        },
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403


async def test_a_role_opens_only_its_own_doors(staff: Staff, console: ConsoleBrowser) -> None:
    assert allows("administrator", Permission.MANAGE_STAFF)
    assert not allows("read_only", Permission.MANAGE_PARTNERS)
    assert not allows("partner_manager", Permission.PUBLISH_REFERENTIAL)
    assert not allows("referential_editor", Permission.MANAGE_PARTNERS)
    assert not allows("nobody", Permission.VIEW)
    assert all(Permission.VIEW in granted for granted in ROLE_PERMISSIONS.values())
    assert set(ROLE_PERMISSIONS) == set(Role)

    _id, printed = await staff.create(EMAIL, "read_only")
    await console.ready(EMAIL, printed)
    home = await console.http.get("/console")
    assert "/console/identite" not in home.text  # administrators only


async def test_signing_out_ends_the_session(
    staff: Staff, console: ConsoleBrowser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    _id, printed = await staff.create(EMAIL, "administrator")
    await console.ready(EMAIL, printed)
    out = await console.post("/console/deconnexion", "/console", {})
    assert (out.status_code, out.headers["location"]) == (303, "/console/connexion")
    assert (await console.http.get("/console")).status_code == 303
    async with session_scope(sessions) as session:
        assert (await session.scalars(select(StaffSession))).all() == []


async def test_a_deactivated_member_is_signed_out_at_once(
    staff: Staff, console: ConsoleBrowser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff_id, printed = await staff.create(EMAIL, "administrator")
    await console.ready(EMAIL, printed)
    async with session_scope(sessions) as session:
        member = await session.get(StaffMember, staff_id)
        assert member is not None
        member.active = False
    assert (await console.http.get("/console")).status_code == 303
    assert (await console.sign_in(EMAIL, STRONG_PASSWORD)).status_code == 400


async def test_an_existing_email_or_unknown_role_is_refused(staff: Staff) -> None:
    await staff.create(EMAIL, "administrator")
    with pytest.raises(service.StaffExistsError):
        await staff.create(EMAIL.upper(), "read_only")
    with pytest.raises(service.UnknownRoleError):
        await staff.create("autre@normandie.fr", "superuser")
