"""Insights for public policy (/console/indicateurs): figures about 10 people or more are
right, no figure about 1 to 9 people is ever visible (page or CSV), and no total gives
a hidden figure away.

The scenario, "a small group beside large ones":
- 15 learners earned ORG level I on Centre Alpha's badges (October 2026, 2 hours
  after the partner awarded the badge that completed the rule), 12 of them ORG level
  II too (November, 3 days after);
- 3 learners earned ADA level I on Centre Beta's badges (September, 10 days after):
  hidden everywhere, and the totals must not reveal them (column I reads 15, not 18);
- Centre Alpha sent 20 badges: 15 accepted, 5 refused (issuer not trusted, 5 people);
  Centre Beta sent 12, all refused (not verified, 12 people);
- Centre Gamma sent nothing;
- learners claimed badges: 11 accepted, 2 already held.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aggregation.referential import default_referential
from console.helpers import ConsoleBrowser, Staff
from issuer_api.console.insights import to_csv
from issuer_api.console.insights_tables import Row, Table
from issuer_api.db import session_scope
from issuer_api.models import (
    Delivery,
    DeliveryItem,
    Learner,
    Partner,
    PartnerBadge,
    ReferentialVersion,
    RegionalAward,
)
from issuer_api.models.base import new_id
from verify.messages import CATALOGUE

pytestmark = [pytest.mark.anyio, pytest.mark.db]

OCTOBER = datetime(2026, 10, 12, 9, 0, tzinfo=UTC)
NOVEMBER = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
SEPTEMBER = datetime(2026, 9, 20, 9, 0, tzinfo=UTC)
BAD_SIGNATURE = {"code": "not_verified", "check": "proof", "check_code": "invalid_signature"}
NUMBER = re.compile(r"^\d+$")


class _Cells(HTMLParser):
    """The text of every data cell (``td``) of the page's tables, with its section."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.sections: list[str] = []
        self._section = ""
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self._section = dict(attrs).get("aria-labelledby") or ""
        if tag == "td":
            self._open = True
            self.cells.append("")
            self.sections.append(self._section)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._open = False

    def handle_data(self, data: str) -> None:
        if self._open:
            self.cells[-1] += data.strip()


def td_texts(html: str, *, except_section: str) -> list[str]:
    parser = _Cells()
    parser.feed(html)
    return [c for c, s in zip(parser.cells, parser.sections, strict=True) if s != except_section]


def small(text: str) -> bool:
    return bool(NUMBER.match(text)) and 0 < int(text) < 10


class Seeder:
    def __init__(self, session: AsyncSession, version_id: str) -> None:
        self.session = session
        self.version_id = version_id
        self.count = 0

    def learner(self) -> str:
        learner = Learner(id=new_id())
        self.session.add(learner)
        return learner.id

    async def award(
        self, learner_id: str, code: str, partner: Partner, at: datetime, delay: timedelta
    ) -> None:
        self.count += 1
        badge = PartnerBadge(
            equality_key=f"{self.count:064d}",
            learner_id=learner_id,
            partner_id=partner.id,
            issuer_id=f"https://{partner.slug}.example/issuer",
            credential_id=f"urn:uuid:badge-{self.count}",
            format="ob3-json",
            digest="0" * 64,
            awarded_at=at - delay,
            created_at=at - timedelta(minutes=1),  # delivered late: the delay counts
        )
        self.session.add(badge)
        await self.session.flush()
        self.session.add(
            RegionalAward(
                learner_id=learner_id,
                achievement_code=code,
                referential_version_id=self.version_id,
                evidence=[
                    {"kind": "partner", "id": badge.id, "partner_id": partner.id, "issuer": "x"}
                ],
                created_at=at,
            )
        )

    def delivery(
        self,
        partner: Partner | None,
        outcomes: list[tuple[str, dict[str, str] | None]],
        learners: list[str] | None = None,
    ) -> None:
        delivery = Delivery(
            id=new_id(),
            partner_id=partner.id if partner else None,
            channel="webhook" if partner else "claim",
            body_digest="0" * 64,
            received_at=OCTOBER,
            item_count=len(outcomes),
            status="done",
        )
        self.session.add(delivery)
        for position, (outcome, reason) in enumerate(outcomes):
            self.count += 1
            self.session.add(
                DeliveryItem(
                    delivery_id=delivery.id,
                    position=position,
                    payload_kind="json",
                    payload_digest="0" * 64,
                    outcome=outcome,
                    reasons=[reason] if reason else [],
                    learner_id=learners[position] if learners else None,
                    recipient_lookup=f"{self.count:064x}",
                )
            )


@pytest.fixture
async def a_small_group_beside_large_ones(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    referential = default_referential()
    async with session_scope(sessions) as session:
        version = ReferentialVersion(
            number=1,
            code=referential.code,
            version=referential.version,
            digest=referential.digest(),
            document=referential.to_document(),
            active=True,
        )
        alpha = Partner(slug="alpha", name="Centre Alpha")
        beta = Partner(slug="beta", name="Centre Beta")
        gamma = Partner(slug="gamma", name="Centre Gamma")  # delivered nothing
        session.add_all([version, alpha, beta, gamma])
        await session.flush()
        seed = Seeder(session, version.id)
        many = [seed.learner() for _ in range(15)]
        few = [seed.learner() for _ in range(3)]
        await session.flush()
        for index, learner in enumerate(many):
            await seed.award(learner, "ORG-I", alpha, OCTOBER, timedelta(hours=2))
            if index < 12:
                await seed.award(learner, "ORG-II", alpha, NOVEMBER, timedelta(days=3))
        for learner in few:
            await seed.award(learner, "ADA-I", beta, SEPTEMBER, timedelta(days=10))
        seed.delivery(
            alpha, [("accepted", None)] * 15 + [("rejected", {"code": "issuer_not_trusted"})] * 5
        )
        seed.delivery(beta, [("rejected", BAD_SIGNATURE)] * 12)
        seed.delivery(None, [("accepted", None)] * 11 + [("duplicate", None)] * 2, many[:13])


@pytest.fixture
async def reader(staff: Staff, console: ConsoleBrowser) -> ConsoleBrowser:
    _, password = await staff.create("lecture@region.example", "read_only")
    await console.ready("lecture@region.example", password)
    return console


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.usefixtures("a_small_group_beside_large_ones")
async def test_a_read_only_member_reads_the_insights_without_any_group_under_ten(
    reader: ConsoleBrowser,
) -> None:
    page = await reader.http.get("/console/indicateurs")
    assert page.status_code == 200
    # Partner activity counts deliveries and badges, not people (1 delivery each).
    cells = td_texts(page.text, except_section="activite-partenaires")
    assert len(cells) > 20, "the page shows its tables"
    assert [c for c in cells if small(c)] == []
    assert "moins de 10" in cells
    assert "<svg" in page.text
    assert re.search(r"\sstyle=", page.text) is None, "no inline style (CSP)"


@pytest.mark.usefixtures("a_small_group_beside_large_ones")
async def test_figures_of_ten_or_more_are_right_and_totals_hide_the_small_group(
    reader: ConsoleBrowser,
) -> None:
    grid = csv_rows((await reader.http.get("/console/indicateurs/badges-competences.csv")).content)
    header, *rows = grid
    assert header[0] == "Compétence"
    by_label = {row[0]: row[1:] for row in rows}
    organise = next(v for k, v in by_label.items() if k.startswith("S'organiser") or "rganis" in k)
    assert organise == ["15", "12", "27"]
    adapt = next(v for k, v in by_label.items() if "dapt" in k)
    assert adapt[0] == "moins de 10"
    assert adapt[-1] == "0"
    assert rows[-1][1:] == ["15", "12", "27"], "column I adds 15, never 15 + 3"

    months = csv_rows((await reader.http.get("/console/indicateurs/badges-mois.csv")).content)
    assert months[1:] == [
        ["2026-09", "moins de 10"],
        ["2026-10", "15"],
        ["2026-11", "12"],
        ["Somme des chiffres affichés", "27"],
    ]
    partners = csv_rows(
        (await reader.http.get("/console/indicateurs/badges-partenaires.csv")).content
    )
    assert partners[1:3] == [["Centre Alpha", "15"], ["Centre Beta", "moins de 10"]]


@pytest.mark.usefixtures("a_small_group_beside_large_ones")
async def test_no_csv_export_shows_a_figure_about_fewer_than_ten_people(
    reader: ConsoleBrowser,
) -> None:
    for name in (
        "badges-competences",
        "badges-mois",
        "badges-partenaires",
        "delais",
        "refus-partenaires",
        "reclamations",
    ):
        answer = await reader.http.get(f"/console/indicateurs/{name}.csv")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        values = [cell for row in csv_rows(answer.content)[1:] for cell in row[1:]]
        assert [v for v in values if small(v)] == [], name


@pytest.mark.usefixtures("a_small_group_beside_large_ones")
async def test_refusals_claims_and_delays_hide_their_small_groups(
    reader: ConsoleBrowser,
) -> None:
    refusals = csv_rows(
        (await reader.http.get("/console/indicateurs/refus-partenaires.csv")).content
    )
    assert refusals[0][1:3] == [
        "L'émetteur du badge ne fait pas partie des émetteurs de confiance du partenaire.",
        "Le badge n'a pas passé la vérification (voir le contrôle en échec). Contrôle : "
        + CATALOGUE["invalid_signature"]["fr"],
    ]
    by_partner = {row[0]: row[1:] for row in refusals[1:]}
    assert "moins de 10" in by_partner["Centre Alpha"]
    assert "12" in by_partner["Centre Beta"]
    claims = csv_rows((await reader.http.get("/console/indicateurs/reclamations.csv")).content)
    assert claims[1] == ["Acceptés", "11"]
    assert claims[2][1] == "moins de 10"
    delays = csv_rows((await reader.http.get("/console/indicateurs/delais.csv")).content)
    assert [row[1] for row in delays[1:]] == ["0", "15", "12", "moins de 10", "0", "27"]
    page = await reader.http.get("/console/indicateurs")
    assert "Médiane : 1,5 jours" in page.text or "1.5" in page.text


@pytest.mark.usefixtures("a_small_group_beside_large_ones")
async def test_partner_activity_counts_deliveries_and_badges_of_every_partner(
    reader: ConsoleBrowser,
) -> None:
    activity = csv_rows(
        (await reader.http.get("/console/indicateurs/activite-partenaires.csv")).content
    )
    assert activity[0] == [
        "Partenaire",
        "Envois",
        "Badges reçus",
        "Badges acceptés",
        "Badges refusés",
        "Taux d'acceptation",
    ]
    assert activity[1:] == [
        # 5 refused are hidden, and with them what would give them back (20 received,
        # 75 % accepted).
        ["Centre Alpha", "1", "moins de 10", "15", "moins de 10", "moins de 10"],
        ["Centre Beta", "1", "12", "0", "12", "0 %"],
        ["Centre Gamma", "0", "0", "0", "0", "aucun badge"],
    ]


@pytest.mark.usefixtures("a_small_group_beside_large_ones")
async def test_filters_narrow_the_figures_to_a_period_and_a_competency(
    reader: ConsoleBrowser,
) -> None:
    answer = await reader.http.get(
        "/console/indicateurs/badges-mois.csv", params={"du": "2026-10", "au": "2026-10"}
    )
    assert csv_rows(answer.content)[1:] == [
        ["2026-10", "15"],
        ["Somme des chiffres affichés", "15"],
    ]
    answer = await reader.http.get(
        "/console/indicateurs/badges-mois.csv", params={"competence": "ADA"}
    )
    assert csv_rows(answer.content)[1:] == [
        ["2026-09", "moins de 10"],
        ["Somme des chiffres affichés", "0"],
    ]


async def test_a_wrong_month_is_explained_next_to_its_field(reader: ConsoleBrowser) -> None:
    page = await reader.http.get("/console/indicateurs", params={"du": "octobre 2026"})
    assert page.status_code == 400
    assert 'href="#du"' in page.text
    assert 'aria-invalid="true"' in page.text
    answer = await reader.http.get("/console/indicateurs/badges-mois.csv", params={"au": "13"})
    assert answer.status_code == 400
    assert answer.headers["x-error-code"] == "insight_filter_invalid"


async def test_an_unknown_table_is_not_found(reader: ConsoleBrowser) -> None:
    answer = await reader.http.get("/console/indicateurs/personnes.csv")
    assert answer.status_code == 404


async def test_the_insights_in_english(reader: ConsoleBrowser) -> None:
    page = await reader.http.get("/console/indicateurs", params={"lang": "en"})
    assert page.status_code == 200
    assert "Insights for public policy" in page.text
    assert 'href="/static/insights.css' in page.text
    style = await reader.http.get("/static/insights.css")
    assert style.status_code == 200
    assert style.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("path", ["/console/indicateurs", "/console/indicateurs/delais.csv"])
async def test_a_signed_out_reader_is_sent_to_sign_in(console: ConsoleBrowser, path: str) -> None:
    answer = await console.http.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/connexion")


def test_a_csv_cell_never_starts_a_spreadsheet_formula() -> None:
    table = Table(
        name="badges-partenaires",
        caption="c",
        note="n",
        label_header="Partenaire",
        columns=("Personnes",),
        rows=(Row('=HYPERLINK("https://evil.example")', (12,)), Row("Centre", (None,))),
    )
    rows = csv_rows(to_csv(table, "moins de 10"))
    assert rows[1] == ['\'=HYPERLINK("https://evil.example")', "12"]
    assert rows[2] == ["Centre", "moins de 10"]
