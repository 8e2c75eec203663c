"""The claim form refuses what is not a badge before anything is stored: nothing
given, a file too big, of the wrong type, a text or a file that holds no badge, a form
without its token. Each error is shown on the form, in a summary linked to its field."""

from __future__ import annotations

import html
import re

from espace.helpers import Space, csrf_token
from ingestion.factory import PartnerIssuer
from issuer_api.espace.claiming import MAX_FILE_BYTES
from regional.helpers import aligned


async def signed_in_learner(space: Space, campus: PartnerIssuer) -> str:
    partner = await space.add_partner("campus-caen", trusts=[campus.did])
    await space.deliver_and_process(partner, aligned(campus, "ORG"))
    return await space.learner_id()


def summary_links(page: str) -> list[tuple[str, str]]:
    """(code, field) of each error in the page's error summary (the server's, not the
    one the script shows)."""
    start = page.find('id="error-summary-title"')
    if start < 0:
        return []
    summary = page[start : page.index("</div>", start)]
    return re.findall(r'<li data-code="([a-z_]+)"><a href="#([a-z]+)">', summary)


async def test_bad_uploads_are_explained_on_the_form_and_nothing_is_stored(
    space: Space, campus: PartnerIssuer
) -> None:
    learner = await signed_in_learner(space, campus)
    deliveries = await space.deliveries()
    cases = [
        ({}, [], 400, [("no_badge", "files")]),
        (
            {},
            [("files", ("big.png", b"\x89PNG" + b"0" * MAX_FILE_BYTES, "image/png"))],
            413,
            [("too_big", "files")],
        ),
        (
            {},
            [("files", ("cv.pdf", b"%PDF-1.7", "application/pdf"))],
            415,
            [("wrong_type", "files")],
        ),
        (
            {},
            [("files", ("notes.txt", b"\xff\xfe not text", "text/plain"))],
            400,
            [("not_a_badge", "files")],
        ),
        (
            {},
            [("files", ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, "image/png"))],
            400,
            [("no_baked_badge", "files")],
        ),
        (
            {},
            [
                (
                    "files",
                    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
                )
            ],
            400,
            [("no_baked_badge", "files")],
        ),
        ({"text": "{not json"}, [], 400, [("not_a_badge", "text")]),
        ({"url": "badges.example.org/1"}, [], 400, [("invalid_url", "url")]),
    ]
    async with space.browser(learner) as browser:
        for fields, files, status, errors in cases:
            form = await browser.get("/espace/solliciter")
            response = await browser.post(
                "/espace/solliciter",
                data={"csrf_token": csrf_token(form), **fields},
                files=files or None,
            )

            assert response.status_code == status, (fields, files, response.text)
            assert summary_links(response.text) == errors
            assert "Il y a un problème" in response.text
            (field,) = {name for _code, name in errors}
            assert re.search(f'id="{field}"[^>]*aria-invalid="true"', response.text)
            assert response.text.count('name="csrf_token"') >= 1

    assert await space.deliveries() == deliveries


async def test_the_form_keeps_what_was_typed_and_names_the_file(
    space: Space, campus: PartnerIssuer
) -> None:
    learner = await signed_in_learner(space, campus)
    async with space.browser(learner) as browser:
        form = await browser.get("/espace/solliciter?lang=en")
        response = await browser.post(
            "/espace/solliciter?lang=en",
            data={"csrf_token": csrf_token(form), "url": "ftp://example.org/<b>"},
            files=[("files", ("photo.gif", b"GIF89a", "image/gif"))],
        )

    page = html.unescape(response.text)
    assert response.status_code == 415
    assert "“photo.gif” is not a badge file" in page
    assert "Give the full address of the badge" in page
    assert 'value="ftp://example.org/&lt;b&gt;"' in response.text


async def test_a_form_without_its_token_is_refused(space: Space, campus: PartnerIssuer) -> None:
    learner = await signed_in_learner(space, campus)
    deliveries = await space.deliveries()
    async with space.browser(learner) as browser:
        missing = await browser.post("/espace/solliciter", data={"text": "{}"})
        forged = await browser.post(
            "/espace/solliciter", data={"csrf_token": "forged", "text": "{}"}
        )

    assert missing.status_code == 403
    assert forged.status_code == 403
    assert "Ce formulaire a expiré" in missing.text
    assert await space.deliveries() == deliveries


async def test_files_over_the_sites_limit_get_a_page_that_leads_back_to_the_form(
    space: Space, campus: PartnerIssuer
) -> None:
    learner = await signed_in_learner(space, campus)
    deliveries = await space.deliveries()
    three_photos = [
        ("files", (f"photo-{n}.png", b"\x89PNG" + b"0" * (MAX_FILE_BYTES - 64), "image/png"))
        for n in range(3)
    ]

    async with space.browser(learner) as browser:
        form = await browser.get("/espace/solliciter")
        sent = await browser.post(
            "/espace/solliciter",
            data={"csrf_token": csrf_token(form)},
            files=three_photos,
            headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
        )

    assert sent.status_code == 413
    page = html.unescape(sent.text)
    assert "<h1>Trop lourd pour être envoyé</h1>" in page
    assert '<a href="/espace/solliciter">Revenir au formulaire</a>' in page
    assert await space.deliveries() == deliveries
