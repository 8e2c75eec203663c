"""The learner's data from Mon espace (``/espace/donnees``): a download of everything
held about them (the administrators' export), and erasure after a confirmation, under
the erasure rules: the learner is gone, their sessions closed, the cookie cleared."""

from __future__ import annotations

import html

from espace.helpers import Space, csrf_token
from ingestion.factory import PartnerIssuer
from ingestion.helpers import EMAIL
from issuer_api.privacy import normalize
from regional.helpers import aligned


async def learner_with_a_regional_badge(space: Space, campus: PartnerIssuer) -> str:
    partner = await space.add_partner("campus-caen", trusts=[campus.did])
    await space.deliver_and_process(partner, aligned(campus, "ORG"), aligned(campus, "ORG"))
    return await space.learner_id()


async def test_the_learner_downloads_everything_held_about_them(
    space: Space, campus: PartnerIssuer
) -> None:
    learner = await learner_with_a_regional_badge(space, campus)
    async with space.browser(learner) as browser:
        page = await browser.get("/espace/donnees")
        download = await browser.get("/espace/donnees/export")

    assert page.status_code == 200
    assert 'href="/espace/donnees/export"' in page.text
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/json"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["cache-control"] == "no-store"
    document = download.json()
    assert document["learner"]["learner_id"] == learner
    assert [i["value"] for i in document["identifiers"]] == [normalize("email", EMAIL)]
    assert len(document["partner_badges"]) == 2
    assert [a["achievement_code"] for a in document["regional_awards"]] == ["ORG-I"]
    (audit,) = await space.audit("learner.export")
    assert (audit.actor, audit.target_id) == ("learner", learner)


async def test_erasure_needs_the_token_and_the_confirmation(
    space: Space, campus: PartnerIssuer
) -> None:
    learner = await learner_with_a_regional_badge(space, campus)
    async with space.browser(learner) as browser:
        form = await browser.get("/espace/donnees/effacer")
        token = csrf_token(form)
        without_token = await browser.post("/espace/donnees/effacer", data={"confirm": "yes"})
        unconfirmed = await browser.post("/espace/donnees/effacer", data={"csrf_token": token})

    assert form.status_code == 200
    assert "Ce qui est effacé" in form.text
    assert "Ce qui est gardé" in form.text
    assert without_token.status_code == 403
    assert unconfirmed.status_code == 422
    assert '<a href="#confirm">' in unconfirmed.text
    assert "Cochez la case" in html.unescape(unconfirmed.text)
    assert [found.id for found in await space.learners()] == [learner]
    assert await space.audit("learner.erase") == []


async def test_a_confirmed_erasure_removes_the_learner_and_signs_them_out(
    space: Space, campus: PartnerIssuer
) -> None:
    learner = await learner_with_a_regional_badge(space, campus)
    credential = await space.credential_of("ORG-I", learner)
    await space.sign_in(learner)  # a second device
    async with space.browser(learner) as browser:
        form = await browser.get("/espace/donnees/effacer")
        done = await browser.post(
            "/espace/donnees/effacer", data={"csrf_token": csrf_token(form), "confirm": "yes"}
        )
        after = await browser.get("/espace")

    assert done.status_code == 200, done.text
    assert "Vos données sont effacées" in done.text
    assert 'obhub_session=""' in done.headers["set-cookie"]
    assert "Max-Age=0" in done.headers["set-cookie"]
    assert after.status_code == 303
    assert await space.learners() == []
    assert await space.open_sessions(learner) == 0
    assert (await space.credential(credential.id)).revoked_at is not None
    (audit,) = await space.audit("learner.erase")
    assert audit.actor == "learner"
    assert EMAIL.lower() not in str(audit.data).lower()
