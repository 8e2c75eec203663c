"""Staff sign in with the Region's account (OpenID Connect): the first sign-in binds the
pre-provisioned account with the same verified email, later ones find it by subject;
nothing the provider says is believed unless the ID token is signed by its key, for this
console, fresh, and answers this very attempt (state, nonce, PKCE)."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from console.helpers import ConsoleBrowser, Staff, another_browser
from console.oidc_provider import CLIENT_ID, CLIENT_SECRET, ISSUER, IdentityProvider, User, new_key
from ingestion.helpers import hub_settings, serving
from issuer_api.app import create_app
from issuer_api.models import AuditEvent, StaffMember
from issuer_api.settings import Settings

pytestmark = [pytest.mark.anyio, pytest.mark.db]

EMAIL = "camille.martin@region.test"


@pytest.fixture
def idp() -> IdentityProvider:
    return IdentityProvider()


@pytest.fixture
def hub_app(db_settings: Settings, idp: IdentityProvider) -> FastAPI:
    app = create_app(
        hub_settings(
            db_settings,
            oidc_issuer=ISSUER,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
        )
    )
    app.state.oidc_transport = httpx.ASGITransport(app=idp.app)
    return app


@pytest.fixture
async def console(hub_app: FastAPI, anyio_backend: str) -> AsyncIterator[ConsoleBrowser]:
    async with serving(hub_app) as http:
        yield ConsoleBrowser(http)


async def start(console: ConsoleBrowser, next_path: str = "/console") -> httpx.Response:
    token = await console.token("/console/connexion")
    return await console.http.post(
        "/console/oidc/start", data={"csrf_token": token, "next": next_path}
    )


async def at_provider(idp: IdentityProvider, url: str) -> httpx.Response:
    """The browser at the provider: it approves at once and sends the browser back."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=idp.app)) as browser:
        return await browser.get(url)


async def sign_in_with_region(console: ConsoleBrowser, idp: IdentityProvider) -> httpx.Response:
    started = await start(console)
    assert started.status_code == 303, started.text
    back = await at_provider(idp, started.headers["location"])
    assert back.status_code == 302, back.text
    return await console.http.get(back.headers["location"])


async def member(sessions: async_sessionmaker[AsyncSession], staff_id: str) -> StaffMember:
    async with sessions() as session:
        found = await session.get(StaffMember, staff_id)
        assert found is not None
        return found


async def test_the_sign_in_page_offers_the_regions_account(console: ConsoleBrowser) -> None:
    page = await console.http.get("/console/connexion")
    assert "Se connecter avec le compte de la Région" in page.text
    assert 'action="/console/oidc/start"' in page.text


async def test_first_sign_in_binds_by_verified_email_then_by_subject(
    staff: Staff,
    console: ConsoleBrowser,
    idp: IdentityProvider,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    staff_id, _none = await staff.create(EMAIL, "partner_manager", region_account=True)

    landed = await sign_in_with_region(console, idp)
    assert landed.status_code == 200, landed.text
    assert 'http-equiv="refresh" content="0; url=/console"' in landed.text
    assert "obhub_staff=" in landed.headers["set-cookie"]
    home = await console.http.get("/console")
    assert home.status_code == 200  # no printed password to replace first
    bound = await member(sessions, staff_id)
    assert (bound.oidc_issuer, bound.oidc_subject) == (ISSUER, "agent-4521")
    assert bound.must_change_password is False
    assert bound.password_hash is None
    assert bound.display_name == "Camille Martin"

    # The address changes at the provider: the subject still finds the account.
    idp.user = User("agent-4521", "c.martin@autre.test", email_verified=False)
    await console.http.post(
        "/console/deconnexion", data={"csrf_token": await console.token("/console")}
    )
    again = await sign_in_with_region(console, idp)
    assert again.status_code == 200, again.text
    async with sessions() as session:
        events = (
            await session.scalars(
                select(AuditEvent).where(
                    AuditEvent.actor == f"staff:{staff_id}", AuditEvent.action == "staff.signed_in"
                )
            )
        ).all()
    assert [event.data for event in events] == [{"method": "oidc"}, {"method": "oidc"}]


async def test_the_code_is_exchanged_with_the_pkce_verifier(
    staff: Staff, console: ConsoleBrowser, idp: IdentityProvider
) -> None:
    await staff.create(EMAIL, "read_only", region_account=True)
    started = await start(console)
    asked = parse_qs(urlsplit(started.headers["location"]).query)
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["scope"] == ["openid email profile"]
    assert asked["nonce"][0]
    assert asked["state"][0]
    cookie = started.headers["set-cookie"]
    assert "obhub_oidc=" in cookie
    assert "HttpOnly" in cookie
    assert "Path=/console/oidc" in cookie
    back = await at_provider(idp, started.headers["location"])
    landed = await console.http.get(back.headers["location"])
    assert landed.status_code == 200
    verifier = idp.token_requests[-1]["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert challenge.rstrip(b"=").decode() == asked["code_challenge"][0]
    assert "client_secret" not in idp.token_requests[-1]  # client_secret_basic


async def test_client_secret_post_when_the_provider_offers_only_that(
    staff: Staff, console: ConsoleBrowser, idp: IdentityProvider
) -> None:
    await staff.create(EMAIL, "read_only", region_account=True)
    idp.auth_methods = ["client_secret_post"]
    landed = await sign_in_with_region(console, idp)
    assert landed.status_code == 200, landed.text
    assert idp.token_requests[-1]["client_secret"] == CLIENT_SECRET


async def test_an_unverified_email_binds_nothing(
    staff: Staff,
    console: ConsoleBrowser,
    idp: IdentityProvider,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    staff_id, _ = await staff.create(EMAIL, "administrator", region_account=True)
    idp.user = User("intrus", EMAIL, email_verified=False)
    refused = await sign_in_with_region(console, idp)
    assert refused.status_code == 403
    assert refused.headers["x-error-code"] == "oidc_no_account"
    assert "Demandez à un administrateur de créer votre compte" in refused.text
    assert (await member(sessions, staff_id)).oidc_subject is None
    assert (await console.http.get("/console")).status_code == 303


async def test_nobody_on_the_staff_is_refused_and_no_account_is_created(
    console: ConsoleBrowser, idp: IdentityProvider, sessions: async_sessionmaker[AsyncSession]
) -> None:
    refused = await sign_in_with_region(console, idp)
    assert refused.status_code == 403
    assert refused.headers["x-error-code"] == "oidc_no_account"
    async with sessions() as session:
        assert (await session.scalars(select(StaffMember))).all() == []


async def test_a_deactivated_member_is_refused(
    staff: Staff,
    console: ConsoleBrowser,
    idp: IdentityProvider,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    staff_id, _ = await staff.create(EMAIL, "read_only", region_account=True)
    async with sessions.begin() as session:
        found = await session.get(StaffMember, staff_id)
        assert found is not None
        found.active = False
    refused = await sign_in_with_region(console, idp)
    assert refused.headers["x-error-code"] == "oidc_no_account"


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"nonce": "une-autre-tentative"}, id="wrong-nonce"),
        pytest.param({"nonce": None}, id="no-nonce"),
        pytest.param({"aud": "un-autre-service"}, id="wrong-audience"),
        pytest.param({"aud": [CLIENT_ID, "un-autre-service"]}, id="shared-audience-no-azp"),
        pytest.param({"iss": "https://faux.region.test"}, id="wrong-issuer"),
        pytest.param({"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}, id="expired"),
        pytest.param({"iat": int(time.time()) + 3600}, id="issued-in-the-future"),
    ],
)
async def test_an_id_token_with_wrong_claims_is_refused(
    staff: Staff, console: ConsoleBrowser, idp: IdentityProvider, claims: dict[str, object]
) -> None:
    await staff.create(EMAIL, "read_only", region_account=True)
    idp.claims_override = claims
    refused = await sign_in_with_region(console, idp)
    assert refused.status_code == 401
    assert refused.headers["x-error-code"] == "oidc_token_invalid"
    assert (await console.http.get("/console")).status_code == 303


@pytest.mark.parametrize("forge", ["none", "hs256-public-key"])
async def test_an_unsigned_or_hmac_forged_id_token_is_refused(
    staff: Staff, console: ConsoleBrowser, idp: IdentityProvider, forge: str
) -> None:
    await staff.create(EMAIL, "read_only", region_account=True)
    idp.forge = forge
    refused = await sign_in_with_region(console, idp)
    assert refused.headers["x-error-code"] == "oidc_token_invalid"


async def test_a_signature_by_another_key_is_refused(
    staff: Staff, console: ConsoleBrowser, idp: IdentityProvider
) -> None:
    await staff.create(EMAIL, "read_only", region_account=True)
    impostor = new_key(idp.key.kid)  # same key id, not the provider's key
    idp.signing_key = impostor
    refused = await sign_in_with_region(console, idp)
    assert refused.headers["x-error-code"] == "oidc_token_invalid"


async def test_a_rotated_key_is_fetched_once_and_an_unknown_one_refused(
    staff: Staff, console: ConsoleBrowser, idp: IdentityProvider
) -> None:
    await staff.create(EMAIL, "read_only", region_account=True)
    assert (await sign_in_with_region(console, idp)).status_code == 200
    assert idp.jwks_fetches == 1
    assert (await sign_in_with_region(console, idp)).status_code == 200
    assert idp.jwks_fetches == 1  # cached

    idp.rotate("clef-2")
    assert (await sign_in_with_region(console, idp)).status_code == 200
    assert idp.jwks_fetches == 2  # one fresh fetch for the new key id

    idp.signing_key = new_key("clef-inconnue")
    refused = await sign_in_with_region(console, idp)
    assert refused.headers["x-error-code"] == "oidc_token_invalid"
    assert idp.jwks_fetches == 3  # once, not more


async def test_a_forged_state_is_refused(
    staff: Staff, console: ConsoleBrowser, idp: IdentityProvider
) -> None:
    await staff.create(EMAIL, "read_only", region_account=True)
    started = await start(console)
    back = await at_provider(idp, started.headers["location"])
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    refused = await console.http.get(f"/console/oidc/callback?code={code}&state=autre")
    assert refused.status_code == 400
    assert refused.headers["x-error-code"] == "oidc_state_mismatch"
    assert idp.token_requests == []  # the code was never exchanged


async def test_an_answer_without_this_browsers_attempt_has_expired(
    staff: Staff, console: ConsoleBrowser, idp: IdentityProvider
) -> None:
    await staff.create(EMAIL, "read_only", region_account=True)
    started = await start(console)
    back = await at_provider(idp, started.headers["location"])
    console.http.cookies.delete("obhub_oidc", path="/console/oidc")
    refused = await console.http.get(back.headers["location"])
    assert refused.status_code == 400
    assert refused.headers["x-error-code"] == "oidc_expired"


async def test_a_refusal_at_the_provider_is_explained(
    console: ConsoleBrowser, idp: IdentityProvider
) -> None:
    idp.deny = True
    refused = await sign_in_with_region(console, idp)
    assert refused.status_code == 403
    assert refused.headers["x-error-code"] == "oidc_access_denied"
    assert "Réessayez" in refused.text


async def test_starting_requires_the_forms_token(console: ConsoleBrowser) -> None:
    forged = await console.http.post("/console/oidc/start", data={"next": "/console"})
    assert forged.status_code == 403
    assert forged.headers["x-error-code"] == "csrf_failed"


async def test_without_a_provider_the_door_is_closed(
    db_settings: Settings, anyio_backend: str
) -> None:
    async with serving(create_app(hub_settings(db_settings))) as http:
        page = await http.get("/console/connexion")
        assert "/console/oidc/start" not in page.text
        closed = await http.get("/console/oidc/callback?code=x&state=y")
        assert closed.status_code == 404
        assert closed.headers["x-error-code"] == "oidc_not_configured"


def test_the_issuer_must_be_https_unless_allow_listed() -> None:
    with pytest.raises(ValueError, match="https"):
        Settings(oidc_issuer="http://idp.intranet", oidc_client_id="c", oidc_client_secret="s")
    allowed = Settings(
        oidc_issuer="http://idp.intranet",
        oidc_client_id="c",
        oidc_client_secret="s",
        fetch_allowlist=["idp.intranet"],
    )
    assert allowed.oidc_enabled
    with pytest.raises(ValueError, match="together"):
        Settings(oidc_issuer=ISSUER)


async def test_an_administrator_adds_a_member_who_signs_in_with_the_region_only(
    staff: Staff,
    console: ConsoleBrowser,
    idp: IdentityProvider,
    hub_app: FastAPI,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _, printed = await staff.create("direction@region.test", "administrator")
    await console.ready("direction@region.test", printed)
    form = await console.http.get("/console/equipe/nouveau")
    assert "Connexion par le compte de la Région uniquement" in form.text
    created = await console.post(
        "/console/equipe/nouveau",
        "/console/equipe/nouveau",
        {"email": EMAIL, "name": "Camille Martin", "role": "read_only", "oidc_only": "yes"},
    )
    assert created.status_code == 201, created.text
    assert "one-time-password" not in created.text
    async with sessions() as session:
        newcomer = (
            await session.scalars(select(StaffMember).where(StaffMember.role == "read_only"))
        ).one()
    assert newcomer.password_hash is None
    assert newcomer.must_change_password is False

    async with another_browser(hub_app) as newcomer_browser:
        landed = await sign_in_with_region(newcomer_browser, idp)
        assert landed.status_code == 200, landed.text
        assert (await newcomer_browser.http.get("/console")).status_code == 200
    listing = await console.http.get("/console/equipe")
    assert "Compte de la Région" in listing.text


async def test_a_provider_claiming_another_issuer_is_not_followed(
    console: ConsoleBrowser, idp: IdentityProvider
) -> None:
    idp.issuer_in_discovery = "https://ailleurs.test"
    refused = await start(console)
    assert refused.status_code == 502
    assert refused.headers["x-error-code"] == "oidc_provider_unreachable"
    assert "ne répond pas" in refused.text


async def test_a_local_account_is_never_taken_over_by_a_region_sign_in(
    staff: Staff,
    console: ConsoleBrowser,
    idp: IdentityProvider,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    staff_id, _printed = await staff.create(EMAIL, "administrator")

    refused = await sign_in_with_region(console, idp)

    assert refused.status_code == 403
    assert refused.headers["x-error-code"] == "oidc_no_account"
    unbound = await member(sessions, staff_id)
    assert (unbound.oidc_issuer, unbound.oidc_subject) == (None, None)
    assert unbound.password_hash is not None
