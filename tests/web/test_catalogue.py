"""The public catalogue of regional badges (``/badges-regionaux``), over HTTP.

The référentiel versions, partners, mappings and awards are written straight to the
database, as ``PUT /referential``, the partner registry, the Region's approvals and the
minting job would.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aggregation.referential import default_referential, parse_referential
from issuer_api.models import AchievementMapping, Partner, PartnerTrustedIssuer
from issuer_api.models.ingest import Learner
from issuer_api.models.regional import ReferentialVersion, RegionalAward

pytestmark = pytest.mark.anyio

Sessions = async_sessionmaker[AsyncSession]
DEFAULT_CODES = ["ORG-I", "ORG-II", "ADA-I", "ADA-II", "COM-I", "COM-II", "INT-I", "INT-II", "GEN"]
NBSP = "\u00a0"


class Dom(HTMLParser):
    """The text of every element that has an ``id``, and every start tag's attributes."""

    VOID = frozenset({"img", "br", "hr", "input", "meta", "link", "source", "wbr"})

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: dict[str, list[str]] = {}
        self._open: list[str | None] = []
        self.feed(source)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag in self.VOID:
            return
        element_id = found.get("id")
        if element_id is not None:
            self.texts[element_id] = []
        self._open.append(element_id)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for element_id in self._open:
            if element_id is not None:
                self.texts[element_id].append(data)
        self.texts.setdefault("", []).append(data)

    def text(self, element_id: str = "") -> str:
        return re.sub(r"\s+", " ", "".join(self.texts[element_id])).replace(NBSP, " ").strip()

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def entry_codes(self) -> list[str]:
        return [
            str(attrs["id"]).removeprefix("badge-")
            for attrs in self.all("li")
            if str(attrs.get("id", "")).startswith("badge-")
        ]


# --------------------------------------------------------------------------- the database


async def store_referential(sessions: Sessions, document: dict[str, Any]) -> ReferentialVersion:
    """``document`` becomes the active référentiel version (as ``PUT /referential``)."""
    async with sessions() as session, session.begin():
        await session.execute(update(ReferentialVersion).values(active=False))
        number = await session.scalar(select(func.max(ReferentialVersion.number))) or 0
        version = ReferentialVersion(
            number=number + 1,
            code=document["code"],
            version=document["version"],
            digest=parse_referential(document).digest(),
            document=document,
            active=True,
        )
        session.add(version)
    return version


async def award(
    sessions: Sessions, version: ReferentialVersion, code: str, people: int, state: str = "active"
) -> None:
    """``people`` learners each hold regional badge ``code`` (in ``state``)."""
    async with sessions() as session, session.begin():
        for _ in range(people):
            learner = Learner()
            session.add(learner)
            await session.flush()
            session.add(
                RegionalAward(
                    learner_id=learner.id,
                    achievement_code=code,
                    referential_version_id=version.id,
                    state=state,
                )
            )


async def partner(
    sessions: Sessions,
    name: str,
    *,
    competency: str,
    level: str = "I",
    mapping_state: str = "approved",
    partner_state: str = "active",
    through_issuer: bool = False,
) -> None:
    """A partner structure and one mapping of its achievement to ``competency``/``level``;
    ``through_issuer``: the mapping names the partner's trusted issuer, not the partner
    (as an administrator's proposal does)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    issuer = f"did:web:{slug}.example.fr"
    async with sessions() as session, session.begin():
        row = Partner(slug=slug, name=name, state=partner_state)
        session.add(row)
        await session.flush()
        session.add(PartnerTrustedIssuer(partner_id=row.id, identifier=issuer, kind="did"))
        session.add(
            AchievementMapping(
                achievement_id=f"https://{slug}.example.fr/achievements/1",
                issuer_id=issuer,
                partner_id=None if through_issuer else row.id,
                competency=competency,
                level=level,
                state=mapping_state,
            )
        )


def default_document() -> dict[str, Any]:
    return copy.deepcopy(default_referential().to_document())


@pytest.fixture
async def default_referential_stored(sessions: Sessions) -> ReferentialVersion:
    """The référentiel shipped with the package, loaded as version 1."""
    return await store_referential(sessions, default_document())


Page = Callable[..., Awaitable[Dom]]


@pytest.fixture
def page(db_client: httpx.AsyncClient) -> Page:
    async def get(path: str, status: int = 200, **headers: str) -> Dom:
        response = await db_client.get(path, headers=headers)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        return Dom(response.text)

    return get


# --------------------------------------------------------------------------- the list


async def test_the_catalogue_lists_the_nine_default_badges_by_competency_in_french(
    default_referential_stored: ReferentialVersion, page: Page
) -> None:
    dom = await page("/badges-regionaux")
    assert dom.all("html")[0]["lang"] == "fr"
    assert dom.entry_codes() == DEFAULT_CODES
    headings = [dom.text(str(attrs["id"])) for attrs in dom.all("h2") if attrs.get("id")]
    assert headings == [
        "Compétences",
        "Organiser",
        "S'adapter",
        "Communiquer",
        "S'intégrer",
        "Badge général",
    ]
    org_1 = dom.text("badge-ORG-I")
    assert "Organiser — Je pratique" in org_1
    assert "La personne organise son activité dans des situations courantes." in org_1
    assert "Au moins 2 badges partenaires reconnus en « Organiser »" in org_1
    assert (
        "Au moins 3 badges partenaires reconnus en « Communiquer », dont au moins 1 de niveau "
        "« Je maîtrise », délivrés par au moins 2 structures différentes"
    ) in dom.text("badge-COM-II")
    assert (
        "Le niveau « Je maîtrise » dans au moins 3 des 4 compétences : Organiser, S'adapter, "
        "Communiquer, S'intégrer"
    ) in dom.text("badge-GEN")
    links = {attrs["href"] for attrs in dom.all("a")}
    assert {f"/badges-regionaux/{code}" for code in DEFAULT_CODES} <= links


async def test_the_catalogue_reads_the_same_in_english_by_choice_or_by_accept_language(
    default_referential_stored: ReferentialVersion, page: Page
) -> None:
    chosen = await page("/badges-regionaux?lang=en")
    negotiated = await page("/badges-regionaux", **{"Accept-Language": "en-GB,en;q=0.8"})
    for dom in (chosen, negotiated):
        assert dom.all("html")[0]["lang"] == "en"
        assert dom.entry_codes() == DEFAULT_CODES
        assert "Fitting in — I master" in dom.text("badge-INT-II")
        assert "At least 2 recognised partner badges in “Adapting”" in dom.text("badge-ADA-I")
        assert (
            "Level “I master” in at least 3 of the 4 competencies: Organising, Adapting, "
            "Communicating, Fitting in"
        ) in dom.text("badge-GEN")
        assert dom.text("group-general") == "General badge"


async def test_each_badge_shows_the_image_the_hub_serves_with_a_meaningful_alt(
    default_referential_stored: ReferentialVersion, page: Page, db_client: httpx.AsyncClient
) -> None:
    dom = await page("/badges-regionaux")
    images = dom.all("img")
    assert len(images) == len(DEFAULT_CODES)
    number = default_referential_stored.number
    assert images[0]["src"] == f"/regional-badges/ORG-I/image.svg?version={number}"
    assert str(images[0]["alt"]).replace(NBSP, " ") == "Image du badge « Organiser — Je pratique »"
    image = await db_client.get(str(images[0]["src"]))
    assert image.status_code == 200
    assert image.headers["content-type"].startswith("image/svg+xml")
    english = await page("/badges-regionaux?lang=en")
    assert english.all("img")[0]["src"] == (
        f"/regional-badges/ORG-I/image.svg?version={number}&lang=en"
    )
    assert english.all("img")[0]["alt"] == "Image of the badge “Organising — I practise”"


async def test_with_no_referential_stored_yet_the_shipped_one_is_shown(page: Page) -> None:
    dom = await page("/badges-regionaux")
    assert dom.entry_codes() == DEFAULT_CODES
    assert all(str(img["src"]).startswith("data:image/svg+xml;base64,") for img in dom.all("img"))


async def test_a_new_badge_of_the_referential_appears_with_words_from_its_rule(
    sessions: Sessions, page: Page
) -> None:
    document = default_document()
    document["achievements"].append(
        {
            "code": "RELAIS",
            "name": {"fr": "Relais — Je transmets", "en": "Relay — I pass it on"},
            "description": {
                "fr": "La personne transmet ce qu'elle sait à d'autres.",
                "en": "The person passes on what they know to others.",
            },
            "criteria": {"fr": "Texte libre du référentiel.", "en": "Free text."},
            "rule": {
                "any": [
                    {"regional": ["COM-II", "ORG-II"]},
                    {
                        "badges": {
                            "competency": "ADA",
                            "min_level": "II",
                            "min_count": 4,
                            "min_issuers": 3,
                            "within": "P1Y6M",
                        }
                    },
                ]
            },
        }
    )
    await store_referential(sessions, document)
    dom = await page("/badges-regionaux")
    assert dom.entry_codes() == [*DEFAULT_CODES, "RELAIS"]
    assert dom.text("group-general") == "Badges généraux"
    words = dom.text("badge-RELAIS")
    assert "Au moins une des conditions suivantes :" in words
    assert "Les badges régionaux « Communiquer — Je maîtrise », « Organiser — Je maîtrise »" in (
        words
    )
    assert (
        "Au moins 4 badges partenaires reconnus en « S'adapter » de niveau « Je maîtrise » ou "
        "plus, obtenus depuis moins de 1 an et 6 mois, délivrés par au moins 3 structures "
        "différentes"
    ) in words
    english = (await page("/badges-regionaux/RELAIS?lang=en")).text()
    assert "At least one of the following:" in english
    assert (
        "At least 4 recognised partner badges in “Adapting” at level “I master” or above, "
        "earned within the last 1 year and 6 months, from at least 3 different organisations"
    ) in english


# --------------------------------------------------------------------------- holders


async def test_how_many_people_hold_a_badge_is_shown_only_from_ten(
    default_referential_stored: ReferentialVersion, sessions: Sessions, page: Page
) -> None:
    await award(sessions, default_referential_stored, "ORG-I", 9)
    await award(sessions, default_referential_stored, "ORG-I", 3, state="suspended")
    await award(sessions, default_referential_stored, "COM-I", 10)
    await award(sessions, default_referential_stored, "GEN", 12)
    await award(sessions, default_referential_stored, "GEN", 1, state="revoked")
    dom = await page("/badges-regionaux")
    assert "Moins de 10 titulaires" in dom.text("badge-ORG-I")
    assert "9" not in dom.text("badge-ORG-I")
    assert "10 titulaires" in dom.text("badge-COM-I")
    assert "Moins de" not in dom.text("badge-COM-I")
    assert "12 titulaires" in dom.text("badge-GEN")
    assert "Moins de 10 titulaires" in dom.text("badge-ADA-II")
    english = await page("/badges-regionaux/COM-I?lang=en")
    assert "Holders 10 holders" in english.text()
    hidden = await page("/badges-regionaux/ORG-I?lang=en")
    assert "Fewer than 10 holders" in hidden.text()


# --------------------------------------------------------------------------- partners


async def test_partner_structures_come_from_approved_mappings_of_active_partners(
    default_referential_stored: ReferentialVersion, sessions: Sessions, page: Page
) -> None:
    await partner(sessions, "Mission locale <b>Caen</b>", competency="COM")
    await partner(sessions, "GRETA Rouen", competency="COM", level="II", through_issuer=True)
    await partner(sessions, "Proposé SARL", competency="COM", mapping_state="proposed")
    await partner(sessions, "Refusé SARL", competency="COM", mapping_state="rejected")
    await partner(sessions, "Suspendu SARL", competency="COM", partner_state="suspended")
    await partner(sessions, "AFPA", competency="ORG")
    dom = await page("/badges-regionaux")
    com = dom.text("badge-COM-I")
    assert "Mission locale <b>Caen</b>" in com  # shown as text, never as markup
    assert "GRETA Rouen" in com
    for absent in ("Proposé", "Refusé", "Suspendu", "AFPA"):
        assert absent not in com
    assert "AFPA" in dom.text("badge-ORG-II")
    assert "Mission locale" not in dom.text("badge-ORG-II")
    # The general badge counts what its regional badges count.
    general = dom.text("badge-GEN")
    assert all(name in general for name in ("AFPA", "GRETA Rouen", "Mission locale"))
    assert "Aucune structure partenaire n'est encore inscrite." in dom.text("badge-ADA-I")
    assert all(tag != "b" for tag, _attrs in dom.tags)


async def test_a_mapping_for_an_exact_level_counts_only_where_that_level_counts(
    sessions: Sessions, page: Page
) -> None:
    document = default_document()
    for achievement in document["achievements"]:
        if achievement["code"] == "ORG-II":
            achievement["rule"] = {"badges": {"competency": "ORG", "level": "II", "min_count": 2}}
    await store_referential(sessions, document)
    await partner(sessions, "Niveau un", competency="ORG", level="I")
    await partner(sessions, "Niveau deux", competency="ORG", level="II")
    dom = await page("/badges-regionaux")
    assert "Niveau un" in dom.text("badge-ORG-I")
    assert "Niveau deux" in dom.text("badge-ORG-I")
    assert "Niveau deux" in dom.text("badge-ORG-II")
    assert "Niveau un" not in dom.text("badge-ORG-II")


# --------------------------------------------------------------------------- one entry


async def test_one_badge_entry_says_what_an_employer_needs_to_know(
    default_referential_stored: ReferentialVersion, sessions: Sessions, page: Page
) -> None:
    await partner(sessions, "Mission locale Caen", competency="ORG", level="II")
    dom = await page("/badges-regionaux/ORG-II")
    assert dom.text("main").startswith("Tous les badges régionaux Organiser — Je maîtrise")
    assert [dom.text(str(h["id"])) for h in dom.all("h2")] == [
        "Ce qu'il reconnaît",
        "Comment l'obtenir",
        "Structures partenaires dont les badges comptent",
        "Vérifier le badge d'un candidat",
    ]
    assert "La personne organise son activité en autonomie" in dom.text("recognises")
    assert "Compétence Organiser Niveau Je maîtrise" in dom.text("main")
    obtained = dom.text("obtained")
    assert "Au moins 3 badges partenaires reconnus en « Organiser »" in obtained
    # Awarded with it, and the référentiel's own words.
    assert "Organiser — Je pratique" in obtained
    assert "délivrés par au moins 2 organismes différents" in obtained
    assert {"href": "/badges-regionaux/ORG-I"} in dom.all("a")
    assert "Mission locale Caen" in dom.text("partners")


async def test_an_unknown_code_gets_a_404_page_in_the_readers_language(page: Page) -> None:
    dom = await page("/badges-regionaux/NOPE-<i>", status=404)
    assert "Badge introuvable" in dom.text("main")
    assert "Aucun badge régional n'a le code « NOPE-<i> »." in dom.text("main")
    assert {"href": "/badges-regionaux"} in dom.all("a")
    english = await page("/badges-regionaux/NOPE?lang=en", status=404)
    assert "Badge not found" in english.text("main")


async def test_the_pages_are_cacheable_and_set_no_cookie_for_signed_out_readers(
    db_client: httpx.AsyncClient,
) -> None:
    for path in ("/badges-regionaux", "/badges-regionaux/GEN"):
        response = await db_client.get(path)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=300"
        assert "set-cookie" not in response.headers
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert "Accept-Language" in response.headers["vary"]
    chosen = await db_client.get("/badges-regionaux?lang=en")
    assert chosen.headers["set-cookie"].startswith("obhub_lang=en;")
