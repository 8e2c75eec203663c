"""Claiming from Mon espace (``/espace/solliciter``): the learner uploads badges held
elsewhere; each is verified and accepted by the claim engine with the learner as its
recipient; the claim's page says what counted, what was refused and why, and which
regional badges it brought. Nothing is awarded twice; another learner sees nothing."""

from __future__ import annotations

import html
import json
from typing import Any

import httpx

from espace.helpers import Space, csrf_token
from ingestion.factory import Ob2HostedIssuer, PartnerIssuer, alignment, baked_png, json_item
from ingestion.helpers import EMAIL, LEARNER_DID, OTHER_EMAIL
from regional.helpers import ORG_URI, aligned, aligned_credential

Files = list[tuple[str, tuple[str, bytes, str]]]


async def claim(browser: httpx.AsyncClient, files: Files, **fields: str) -> httpx.Response:
    form = await browser.get("/espace/solliciter")
    assert form.status_code == 200, form.text
    return await browser.post(
        "/espace/solliciter",
        data={"csrf_token": csrf_token(form), **fields},
        files=files or None,
    )


def png(name: str, data: bytes) -> tuple[str, tuple[str, bytes, str]]:
    return ("files", (name, data, "image/png"))


async def learner_with_one_organising_badge(space: Space, campus: PartnerIssuer) -> str:
    """A learner whose partner 'campus-caen' delivered one badge in « Organiser »; a
    second partner, 'greta-rouen', is in the network too."""
    partner = await space.add_partner("campus-caen", trusts=[campus.did])
    await space.deliver_and_process(partner, aligned(campus, "ORG"))
    return await space.learner_id()


async def test_a_baked_badge_held_elsewhere_completes_a_regional_badge(
    space: Space, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    learner = await learner_with_one_organising_badge(space, campus)
    await space.add_partner("greta-rouen", trusts=[greta.did])
    image = baked_png(aligned(greta, "ORG", name="Atelier agenda").payload)

    async with space.browser(learner) as browser:
        sent = await claim(browser, [png("atelier.png", image)])
        assert sent.status_code == 303, sent.text
        path = sent.headers["location"]
        waiting = await browser.get(path)
        state_before = (await browser.get(f"{path}/etat")).json()
        await space.run_jobs()
        done = await browser.get(path)
        state_after = (await browser.get(f"{path}/etat")).json()
        overview = await browser.get("/espace")

    assert path.startswith("/espace/solliciter/")
    assert "En cours de vérification" in waiting.text
    assert f'data-poll="{path}/etat"' in waiting.text
    assert f'href="{path}">Actualiser</a>' in waiting.text
    assert '<script src="/espace/static/claim.js' in waiting.text
    assert state_before == {"status": "queued", "done": False}
    assert state_after == {"status": "done", "done": True}
    page = html.unescape(done.text)
    assert "Pris en compte" in page
    assert "Atelier agenda" in page
    assert "Organiser — Je pratique" in page
    assert "claim.js" not in page
    assert await space.award_states(learner) == {"ORG-I": "active"}
    assert "Organiser — Je pratique" in html.unescape(overview.text)


async def test_claiming_the_same_badge_twice_counts_it_once(
    space: Space, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    learner = await learner_with_one_organising_badge(space, campus)
    await space.add_partner("greta-rouen", trusts=[greta.did])
    image = baked_png(aligned(greta, "ORG").payload)
    async with space.browser(learner) as browser:
        await claim(browser, [png("badge.png", image)])
        await space.run_jobs()
        awards_before = await space.awards(learner)
        badges_before = len(await space.badges())

        again = await claim(browser, [png("badge.png", image)])
        await space.run_jobs()
        page = html.unescape((await browser.get(again.headers["location"])).text)

    assert "Déjà reçu" in page
    assert "Vous aviez déjà reçu ce badge : il ne compte qu'une fois." in page
    assert "Cette demande ne vous a pas apporté de nouveau badge régional." in page
    assert [a.id for a in await space.awards(learner)] == [a.id for a in awards_before]
    assert len(await space.badges()) == badges_before


async def test_refused_badges_say_why(
    space: Space, campus: PartnerIssuer, stranger: PartnerIssuer
) -> None:
    learner = await learner_with_one_organising_badge(space, campus)
    not_in_network = aligned(stranger, "ORG", name="Badge inconnu").payload
    someone_else = aligned(campus, "ORG", email=OTHER_EMAIL, name="Badge d'un autre").payload

    async with space.browser(learner) as browser:
        sent = await claim(
            browser,
            [("files", ("autre.json", someone_else.encode(), "application/json"))],
            text=not_in_network,
        )
        await space.run_jobs()
        page = html.unescape((await browser.get(sent.headers["location"])).text)

    assert page.count("Refusé") == 2
    assert "Ce badge vient d'un organisme qui n'est pas partenaire du réseau" in page
    assert "Ce badge a été délivré à quelqu'un d'autre" in page
    assert await space.award_states(learner) == {}


async def test_a_claim_is_seen_by_its_learner_only(
    space: Space, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    learner = await learner_with_one_organising_badge(space, campus)
    partner = await space.add_partner("greta-rouen", trusts=[greta.did])
    await space.deliver_and_process(partner, aligned(greta, "COM", email=OTHER_EMAIL))
    (other,) = [found.id for found in await space.learners() if found.id != learner]
    async with space.browser(learner) as browser:
        sent = await claim(browser, [png("badge.png", baked_png(aligned(greta, "ORG").payload))])
    path = sent.headers["location"]

    async with space.browser(other) as intruder:
        page = await intruder.get(path)
        state = await intruder.get(f"{path}/etat")

    assert page.status_code == 404
    assert "Demande introuvable" in page.text
    assert state.status_code == 404
    assert state.json()["error"]["code"] == "claim_not_found"


async def test_a_public_badge_address_and_a_jwt_file_are_claimed_too(
    space: Space, campus: PartnerIssuer
) -> None:
    learner = await learner_with_one_organising_badge(space, campus)
    ob2 = Ob2HostedIssuer(space.server.base)
    badge_class = ob2.badge_class("planning", alignments=[alignment(ORG_URI, "ORG", "Organiser")])
    assertion_url = ob2.assertion(badge_class, email=EMAIL, number=1)
    for path, document in ob2.documents.items():
        space.serve(path, document)
    await space.add_partner("ob2-partner", trusts=[ob2.issuer_url])
    token = campus.signed_jwt(aligned_credential(campus, "COM", name="Atelier prise de parole"))

    async with space.browser(learner) as browser:
        sent = await claim(
            browser,
            [("files", ("badge.jwt", token.encode(), "application/octet-stream"))],
            url=assertion_url,
        )
        await space.run_jobs()
        page = html.unescape((await browser.get(sent.headers["location"])).text)

    assert page.count("Pris en compte") == 2, page
    assert "Atelier prise de parole" in page
    assert "Organiser — Je pratique" in page
    assert await space.award_states(learner) == {"ORG-I": "active"}


async def learner_known_by_email_and_did(space: Space, campus: PartnerIssuer) -> str:
    """A learner whose partner 'campus-caen' delivered one badge in « Organiser » made out
    to both their email and their DID: the hub knows them by each."""
    partner = await space.add_partner("campus-caen", trusts=[campus.did])
    both = aligned_credential(campus, "ORG")
    both["credentialSubject"]["id"] = LEARNER_DID
    await space.deliver_and_process(partner, json_item(campus.signed_json(both), email=EMAIL))
    return await space.learner_id()


def json_file(name: str, credential: dict[str, Any]) -> tuple[str, tuple[str, bytes, str]]:
    return ("files", (name, json.dumps(credential).encode(), "application/json"))


async def test_badges_made_out_to_the_learners_email_or_did_both_count(
    space: Space, campus: PartnerIssuer, greta: PartnerIssuer
) -> None:
    learner = await learner_known_by_email_and_did(space, campus)
    await space.add_partner("greta-rouen", trusts=[greta.did])
    to_the_email = aligned_credential(greta, "COM", name="Atelier courriel")
    to_the_did = greta.credential(
        did=LEARNER_DID,
        achievement_id="https://greta-rouen.example/achievements/agenda",
        achievement_name="Atelier agenda",
        alignments=[alignment(ORG_URI, "ORG", "Organiser")],
    )
    to_another_did = greta.credential(
        did="did:example:dominique",
        achievement_id="https://greta-rouen.example/achievements/planning",
        achievement_name="Badge d'un autre",
        alignments=[alignment(ORG_URI, "ORG", "Organiser")],
    )

    async with space.browser(learner) as browser:
        sent = await claim(
            browser,
            [
                json_file("courriel.json", greta.sign(to_the_email)),
                json_file("did.json", greta.sign(to_the_did)),
                json_file("autre.json", greta.sign(to_another_did)),
            ],
        )
        await space.run_jobs()
        page = html.unescape((await browser.get(sent.headers["location"])).text)

    assert page.count("Pris en compte") == 2, page
    assert "Atelier courriel" in page
    assert "Atelier agenda" in page
    assert page.count("Refusé") == 1
    assert "Ce badge a été délivré à quelqu'un d'autre" in page
    assert "Organiser — Je pratique" in page
    assert await space.award_states(learner) == {"ORG-I": "active"}
    assert [found.id for found in await space.learners()] == [learner]
