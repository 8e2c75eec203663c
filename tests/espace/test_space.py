"""Mon espace (``/espace``): a signed-in learner sees the partner badges received (from
which partner, when, in which status), the regional badges with their downloads, the
progress per competency in plain words, and the history of their badges."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from espace.helpers import Space
from ingestion.factory import PartnerIssuer
from issuer_api.learners import service as learners
from issuer_api.models import PartnerBadge
from regional.helpers import aligned


async def test_signed_out_readers_are_sent_to_the_sign_in_page(space: Space) -> None:
    async with space.browser() as browser:
        for path in ("/espace", "/espace/solliciter", "/espace/donnees", "/espace/donnees/export"):
            response = await browser.get(path)

            assert response.status_code == 303, path
            assert response.headers["location"] == f"/connexion?next={path}"


async def test_partner_badges_show_their_partner_status_and_the_progress_they_make(
    space: Space, campus: PartnerIssuer
) -> None:
    partner = await space.add_partner("campus-caen", trusts=[campus.did])
    await space.deliver_and_process(partner, aligned(campus, "ORG", name="Atelier planning"))
    await space.deliver_and_process(partner, aligned(campus, "COM", name="Atelier oral"))
    await space.deliver_and_process(partner, aligned(campus, "INT", name="Atelier ancien"))
    learner = await space.learner_id()
    (suspended,) = [b for b in await space.badges() if b.achievement_name == "Atelier oral"]
    async with space.sessions() as session:
        await learners.change_badge_status(
            session,
            badge_id=suspended.id,
            learner_id=learner,
            previous="active",
            new="suspended",
            now=datetime.now(UTC),
        )
        await session.commit()

    (old,) = [b for b in await space.badges() if b.achievement_name == "Atelier ancien"]
    async with space.sessions() as session:
        await session.execute(
            update(PartnerBadge)
            .where(PartnerBadge.id == old.id)
            .values(valid_until=datetime.now(UTC) - timedelta(days=1))
        )
        await session.commit()

    async with space.browser(learner) as browser:
        page = await browser.get("/espace")
        english = await browser.get("/espace?lang=en")

    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    text = html.unescape(page.text)
    assert '<html lang="fr" dir="ltr">' in text
    assert "Atelier planning" in text
    assert "Partenaire campus-caen" in text
    assert "Valide" in text
    assert "Expiré" in text
    assert "Suspendu" in text
    assert "Encore 1 badge partenaire en « Organiser » pour « Je pratique »" in text
    assert "Vous n'avez pas encore de badge régional" in text
    assert "Badge partenaire « Atelier oral » suspendu par Partenaire campus-caen" in text
    assert "Badge partenaire « Atelier planning » reçu de Partenaire campus-caen" in text
    for link in ("/espace/solliciter", "/espace/donnees", "/espace/preferences"):
        assert f'href="{link}"' in text
    assert english.status_code == 200
    assert "1 more partner badge in “Organising” for “I practise”" in html.unescape(english.text)
    assert "Suspended" in english.text


async def test_a_regional_badge_offers_its_page_downloads_and_linkedin(
    space: Space, campus: PartnerIssuer
) -> None:
    partner = await space.add_partner("campus-caen", trusts=[campus.did])
    await space.deliver_and_process(partner, aligned(campus, "ORG"), aligned(campus, "ORG"))
    learner = await space.learner_id()
    credential = await space.credential_of("ORG-I", learner)

    async with space.browser(learner) as browser:
        page = await browser.get("/espace")
        download = await browser.get(f"/badges/{credential.id}.json")

    text = html.unescape(page.text)
    assert "Organiser — Je pratique" in text
    assert f'href="http://localhost/badges/{credential.id}"' in text
    for extension in ("json", "png", "svg"):
        assert f'href="http://localhost/badges/{credential.id}.{extension}"' in text
    assert "https://www.linkedin.com/profile/add?" in text
    assert "/regional-badges/ORG-I/image.svg" in text
    assert "Niveau atteint : Je pratique." in text
    assert (
        "Encore 1 badge partenaire de niveau « Je maîtrise » en « Organiser » pour « Je maîtrise »"
        in text
    )
    assert "Des badges de 1 organisme de plus en « Organiser » pour « Je maîtrise »" in text
    assert "Badge régional « Organiser — Je pratique » obtenu" in text
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]


async def test_page_text_is_escaped(space: Space, campus: PartnerIssuer) -> None:
    partner = await space.add_partner("campus-caen", trusts=[campus.did])
    await space.deliver_and_process(
        partner, aligned(campus, "ORG", name="<script>alert(1)</script>Atelier")
    )

    async with space.browser(await space.learner_id()) as browser:
        page = await browser.get("/espace")

    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Atelier" in page.text
