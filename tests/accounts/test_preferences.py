"""``/espace/preferences``: the signed-in learner chooses the language of their pages
and emails and whether they are emailed about their regional badges."""

from __future__ import annotations

import pytest

from accounts.conftest import KNOWN
from accounts.helpers import Browser, Learners, csrf_token
from issuer_api.db import session_scope
from issuer_api.models import Learner
from web.test_page import Page

pytestmark = pytest.mark.anyio

PATH = "/espace/preferences"


async def _learner(learners: Learners, learner_id: str) -> Learner:
    async with session_scope(learners.sessions) as session:
        learner = await session.get(Learner, learner_id)
        assert learner is not None
        return learner


@pytest.fixture
async def signed_in(browser: Browser, known_learner: str) -> str:
    """The known learner, signed in in ``browser``."""
    assert (await browser.sign_in(KNOWN)).status_code == 303
    return known_learner


async def test_signed_out_the_page_leads_to_sign_in_and_back(browser: Browser) -> None:
    response = await browser.http.get(PATH)

    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?next=/espace/preferences"


async def test_the_form_shows_the_current_choices_with_a_label_for_each(
    browser: Browser, signed_in: str
) -> None:
    response = await browser.http.get(PATH)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    page = Page(response.text)
    assert "checked" in page.by_id("language-fr")
    assert "checked" not in page.by_id("language-en")
    assert "checked" in page.by_id("notify-email")
    labelled = {label.get("for") for label in page.all("label")}
    assert {"language-fr", "language-en", "notify-email"} <= labelled
    assert len(page.all("fieldset")) == len(page.all("legend")) == 2
    assert (
        "Recevoir un e-mail quand un badge régional m'est attribué, suspendu ou rétabli"
        in page.text
    )
    menu = [a for a in page.all("a") if a.get("href") == "/espace" and a.get("aria-current")]
    assert [a["aria-current"] for a in menu] == ["page"]  # the menu's "My space"


async def test_choices_are_saved_and_the_pages_follow_the_language(
    browser: Browser, learners: Learners, signed_in: str
) -> None:
    form = await browser.http.get(PATH)

    saved = await browser.http.post(
        PATH, data={"csrf_token": csrf_token(form.text), "language": "en"}
    )

    assert saved.status_code == 303
    assert saved.headers["location"] == f"{PATH}?enregistre=1&lang=en"
    learner = await _learner(learners, signed_in)
    assert (learner.language, learner.notify_email) == ("en", False)
    shown = await browser.http.get(saved.headers["location"])
    assert '<html lang="en" dir="ltr">' in shown.text
    assert "Your preferences are saved." in Page(shown.text).text
    assert "checked" not in Page(shown.text).by_id("notify-email")
    later = await browser.http.get("/connexion")  # another page, no ?lang
    assert '<html lang="en" dir="ltr">' in later.text


async def test_notifications_can_be_turned_back_on(
    browser: Browser, learners: Learners, signed_in: str
) -> None:
    for notify in ({}, {"notify_email": "on"}):
        form = await browser.http.get(PATH)
        data = {"csrf_token": csrf_token(form.text), "language": "fr", **notify}
        assert (await browser.http.post(PATH, data=data)).status_code == 303

    learner = await _learner(learners, signed_in)
    assert (learner.language, learner.notify_email) == ("fr", True)


async def test_a_language_that_is_neither_french_nor_english_is_refused(
    browser: Browser, learners: Learners, signed_in: str
) -> None:
    form = await browser.http.get(PATH)

    response = await browser.http.post(
        PATH, data={"csrf_token": csrf_token(form.text), "language": "de"}
    )

    assert response.status_code == 400
    page = Page(response.text)
    assert any(a.get("href") == "#language-fr" for a in page.all("a"))
    learner = await _learner(learners, signed_in)
    assert (learner.language, learner.notify_email) == (None, True)


async def test_a_form_without_its_token_changes_nothing(
    browser: Browser, learners: Learners, signed_in: str
) -> None:
    response = await browser.http.post(PATH, data={"language": "en"})

    assert response.status_code == 403
    learner = await _learner(learners, signed_in)
    assert (learner.language, learner.notify_email) == (None, True)
