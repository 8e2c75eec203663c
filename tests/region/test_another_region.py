"""Another Region runs its own instance by configuration alone: its name, colours and
footer on the home page, the sign-in pages, the verifier and the emails, not one word
of Normandy left; with nothing configured, Normandy's pages are as they were."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from email.message import EmailMessage

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingestion.helpers import hub_settings, serving
from issuer_api.app import create_app
from issuer_api.db import session_scope
from issuer_api.issuers import repository as issuer_repository
from issuer_api.issuers import service as issuers
from issuer_api.mail.compose import compose_text, read, sender_of
from issuer_api.region import store
from issuer_api.settings import Settings

pytestmark = [pytest.mark.anyio, pytest.mark.db]

NORMANDY = re.compile(r"normandie|normandy|normand", re.IGNORECASE)
# The catalogue (/badges-regionaux) extends the same layout; it lists the référentiel
# the instance loaded, which is the Region's own data.
PUBLIC_PAGES = (
    "/",
    "/connexion",
    "/verifier",
    "/console/connexion",
    "/?lang=en",
    "/connexion?lang=en",
)
BRETAGNE = {
    "region_name": "Région Bretagne",
    "region_scheme_name": "La Bretagne reconnaît les compétences",
    "region_website": "https://www.bretagne.bzh",
    "region_primary_colour": "#6a1b9a",
    "region_accent_colour": "#1b5e20",
    "region_footer_fr": "Un service de la Région Bretagne pour les parcours d'insertion.",
    "region_footer_en": "A service of the Brittany Region for integration pathways.",
    "region_contact_email": "badges@bretagne.bzh",
}


@pytest.fixture
def brittany_settings(db_settings: Settings) -> Settings:
    return hub_settings(db_settings, **BRETAGNE)


@pytest.fixture
async def brittany(brittany_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(brittany_settings)) as http:
        yield http


@pytest.fixture
async def normandy(db_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(hub_settings(db_settings))
    async with serving(app) as http:
        yield http


def sign_in_email(identity_settings: Settings, identity: store.RegionIdentity) -> EmailMessage:
    return read(
        compose_text(
            name="sign_in",
            language="fr",
            context={"link": "https://badges.example/connexion/lien?jeton=abc", "minutes": 15},
            to="camille.martin@example.fr",
            sender=sender_of(identity_settings.mail_from, identity),
            identity=identity,
        )
    )


def texts(message: EmailMessage) -> str:
    parts = [str(message["Subject"]), str(message["From"])]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


async def test_without_configuration_the_pages_are_normandys(
    normandy: httpx.AsyncClient,
) -> None:
    home = await normandy.get("/")
    assert home.status_code == 200
    assert "La Normandie badge les compétences" in home.text
    assert "Un service de la Région Normandie" in home.text
    assert '<link rel="stylesheet" href="/static/region.css">' in home.text
    css = await normandy.get("/static/region.css")
    assert css.headers["content-type"].startswith("text/css")
    assert "--c-primary: #0b4f8a;" in css.text
    english = await normandy.get("/?lang=en")
    assert "A service of the Normandy Region" in english.text


async def test_configuration_alone_turns_the_pages_into_another_regions(
    brittany: httpx.AsyncClient,
) -> None:
    for path in PUBLIC_PAGES:
        page = await brittany.get(path)
        assert page.status_code == 200, path
        assert NORMANDY.search(page.text) is None, (path, NORMANDY.findall(page.text))
        assert "La Bretagne reconnaît les compétences" in page.text, path
        assert 'href="https://www.bretagne.bzh"' in page.text, path
        assert "mailto:badges@bretagne.bzh" in page.text, path
    assert "Un service de la Région Bretagne" in (await brittany.get("/?lang=fr")).text
    assert "A service of the Brittany Region" in (await brittany.get("/?lang=en")).text
    css = (await brittany.get("/static/region.css")).text
    assert "--c-primary: #6a1b9a;" in css
    assert "--c-header-bg: #1b5e20;" in css
    assert "style=" not in (await brittany.get("/")).text  # colours stay in stylesheets


async def test_configuration_alone_turns_the_emails_into_another_regions(
    brittany_settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with session_scope(sessions) as session:
        identity = await store.load(session, brittany_settings)
    message = sign_in_email(brittany_settings, identity)
    body = texts(message)
    assert NORMANDY.search(body) is None, NORMANDY.findall(body)
    assert message["Subject"] == "Votre lien de connexion — La Bretagne reconnaît les compétences"
    assert message["From"] == ("La Bretagne reconnaît les compétences <ne-pas-repondre@localhost>")
    html = message.get_body(("html",))
    assert html is not None
    assert "color:#6a1b9a" in html.get_content()
    assert "Un service de la Région Bretagne" in body
    assert "badges@bretagne.bzh" in body


async def test_the_region_issuer_is_first_created_with_the_configured_name(
    brittany_settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    kek = brittany_settings.load_or_create_kek()
    async with session_scope(sessions) as session:
        await issuers.bootstrap_region(session, brittany_settings, kek)
    async with session_scope(sessions) as session:
        region = await issuer_repository.get_region(session)
        assert region is not None
        assert (region.name, region.url) == ("Région Bretagne", "https://www.bretagne.bzh")
