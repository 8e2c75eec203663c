"""Signing in by email link: ask at /connexion, open the link from the email, confirm
with one button, land signed in; sign out. The answer never tells whether an address
is known; an address no learner holds gets a link that opens a new space, created only
when the link is used; links work once, for 15 minutes; forms carry a CSRF token;
``next`` stays on this site."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from accounts.conftest import KNOWN
from accounts.helpers import (
    Browser,
    Learners,
    browser_for,
    csrf_token,
    sign_in_path,
    text_part,
)
from ingestion.helpers import hub_settings
from issuer_api.accounts import sessions, signin
from issuer_api.client_address import rate_bucket
from issuer_api.db import session_scope
from issuer_api.learners import repository as learner_repository
from issuer_api.learners import service as learner_service
from issuer_api.mail import service as mail
from issuer_api.mail.compose import compose_text
from issuer_api.models import Job, Learner, OutgoingMail, SignInToken
from issuer_api.privacy import identifier_lookup
from issuer_api.settings import Settings
from web.test_page import Page

pytestmark = pytest.mark.anyio

SAME_ANSWER = "Un lien de connexion a été envoyé à cette adresse."
PREFERENCES = "/espace/preferences"
NEWCOMER = "nadia.nouvelle@example.fr"


# --------------------------------------------------------------------------- the form


async def test_the_form_asks_for_an_email_with_its_label_and_autocomplete(
    browser: Browser,
) -> None:
    response = await browser.http.get("/connexion")

    assert response.status_code == 200
    page = Page(response.text)
    field = page.by_id("email")
    assert field["type"] == "email"
    assert field["autocomplete"] == "email"
    assert field["name"] == "email"
    assert any(label.get("for") == "email" for label in page.all("label"))
    assert [form["action"] for form in page.all("form")][-1] == "/connexion"
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert "Adresse e-mail" in page.text


async def test_the_form_is_in_english_when_asked(browser: Browser) -> None:
    response = await browser.http.get("/connexion?lang=en")

    assert '<html lang="en" dir="ltr">' in response.text
    assert "Email address" in Page(response.text).text


# --------------------------------------------------------------------------- the whole way


async def test_a_known_learner_signs_in_through_the_link_in_the_outbox_and_out_again(
    browser: Browser, known_learner: str
) -> None:
    asked = await browser.ask_for_link(KNOWN)
    assert asked.status_code == 200
    assert SAME_ANSWER in Page(asked.text).text
    assert browser.outbox() == []  # sent by a job, never while answering

    await browser.run_jobs()
    (message,) = browser.outbox()
    assert message["To"] == KNOWN
    assert "lien de connexion" in message["Subject"].lower()
    assert "15 minutes" in text_part(message)
    link = sign_in_path(message)

    confirmation = await browser.http.get(link)
    assert confirmation.status_code == 200
    buttons = Page(confirmation.text).all("button")
    assert len([b for b in buttons if b.get("type") == "submit"]) == 1
    assert "Me connecter" in Page(confirmation.text).text
    # Whose account it opens, masked: a link forwarded by someone else shows it.
    assert "Compte de c•••@example.fr." in Page(confirmation.text).text
    assert KNOWN not in confirmation.text

    signed_in = await browser.http.post(
        "/connexion/lien",
        data={"csrf_token": csrf_token(confirmation.text), "jeton": link.split("jeton=")[1]},
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/espace"
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}=")
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()

    own_page = await browser.http.get(PREFERENCES)
    assert own_page.status_code == 200

    signed_out = await browser.http.post(
        "/deconnexion", data={"csrf_token": csrf_token(own_page.text)}
    )
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/"
    after = await browser.http.get(PREFERENCES)
    assert after.status_code == 303
    assert after.headers["location"] == "/connexion?next=/espace/preferences"


async def test_the_link_opens_the_page_the_learner_was_going_to(
    browser: Browser, known_learner: str
) -> None:
    signed_in = await browser.sign_in(KNOWN, next_path=PREFERENCES)

    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == PREFERENCES


async def test_the_redirection_to_sign_in_keeps_where_the_learner_was_going(
    browser: Browser,
) -> None:
    redirected = await browser.http.get(PREFERENCES)
    form = await browser.http.get(redirected.headers["location"])

    next_field = [i for i in Page(form.text).all("input") if i.get("name") == "next"]
    assert next_field == [{"type": "hidden", "name": "next", "value": PREFERENCES}]


# --------------------------------------------------------------------------- never reveal


async def _job_arguments(learners: Learners, task: str) -> list[str]:
    """The arguments of the jobs of ``task``, as stored (either job engine's table)."""
    async with session_scope(learners.sessions) as session:
        if session.get_bind().dialect.name == "postgresql":
            query = text("SELECT args::text FROM procrastinate_jobs WHERE task_name = :task")
            return list((await session.scalars(query, {"task": task})).all())
        jobs = (await session.scalars(select(Job).where(Job.task == task))).all()
        return [json.dumps(job.args) for job in jobs]


async def test_an_unknown_address_gets_the_same_answer_and_a_link_but_no_account_yet(
    browser: Browser, learners: Learners, known_learner: str
) -> None:
    known = await browser.ask_for_link(KNOWN)
    unknown = await browser.ask_for_link(NEWCOMER)

    assert unknown.status_code == known.status_code == 200
    assert Page(unknown.text).text == Page(known.text).text
    await browser.run_jobs()
    assert sorted(m["To"] for m in browser.outbox()) == sorted([KNOWN, NEWCOMER])
    assert await _learner_holding(learners, NEWCOMER) is None  # nothing until the link is used


async def test_a_newcomer_s_link_opens_a_new_space_when_used_and_only_then(
    browser: Browser, learners: Learners
) -> None:
    await browser.ask_for_link(NEWCOMER)
    await browser.run_jobs()
    (message,) = browser.outbox()
    link = sign_in_path(message)

    confirmation = await browser.http.get(link)
    assert confirmation.status_code == 200
    assert "n•••@example.fr" in Page(confirmation.text).text  # the account it opens, masked
    assert await _learner_holding(learners, NEWCOMER) is None  # a mail scanner's GET is not use

    signed_in = await browser.confirm(link)
    assert signed_in.status_code == 303
    learner_id = await _learner_holding(learners, NEWCOMER)
    assert learner_id is not None
    space = await browser.http.get("/espace")
    assert space.status_code == 200

    again = await browser.http.get(link)
    assert again.status_code == 410  # used once, like any link


async def test_a_badge_arriving_before_the_newcomer_s_link_is_used_is_in_the_space_it_opens(
    browser: Browser, learners: Learners
) -> None:
    await browser.ask_for_link(NEWCOMER)
    await browser.run_jobs()
    link = sign_in_path(browser.outbox()[0])
    created_by_a_badge = await learners.with_email(NEWCOMER)  # e.g. a partner delivery

    signed_in = await browser.confirm(link)

    assert signed_in.status_code == 303
    assert await _learner_holding(learners, NEWCOMER) == created_by_a_badge
    async with session_scope(learners.sessions) as session:
        learners_count = await session.scalar(select(func.count()).select_from(Learner))
    assert learners_count == 1


async def _learner_holding(learners: Learners, email: str) -> str | None:
    async with session_scope(learners.sessions) as session:
        return await learner_repository.learner_by_lookup(
            session, "email", identifier_lookup(learners.kek, "email", email)
        )


async def test_every_request_leaves_a_job_and_no_address_in_clear(
    browser: Browser, learners: Learners, known_learner: str
) -> None:
    await browser.ask_for_link(KNOWN)
    await browser.ask_for_link("personne@example.fr")

    arguments = await _job_arguments(learners, signin.SEND_TASK)
    assert len(arguments) == 2
    for args in arguments:
        assert "@" not in args
    await browser.run_jobs()
    async with session_scope(learners.sessions) as session:
        mails = (await session.scalars(select(OutgoingMail))).all()
        tokens = (await session.scalars(select(SignInToken))).all()
    assert [sent.state for sent in mails] == ["sent", "sent"]
    for sent in mails:
        assert KNOWN not in str(sent.sealed)
        assert "personne@" not in str(sent.sealed)
    for token in tokens:
        assert "personne@" not in str(token.email_sealed)


async def test_an_address_that_is_no_address_is_refused_with_the_error_linked_to_the_field(
    browser: Browser,
) -> None:
    response = await browser.ask_for_link("pas une adresse")

    assert response.status_code == 400
    page = Page(response.text)
    assert page.by_id("email")["aria-invalid"] == "true"
    assert "email-error" in (page.by_id("email")["aria-describedby"] or "")
    assert any(a.get("href") == "#email" for a in page.all("a"))
    assert page.by_id("email")["value"] == "pas une adresse"


# --------------------------------------------------------------------------- rate limits


async def test_past_five_requests_an_hour_an_address_silently_gets_nothing_more(
    browser: Browser, known_learner: str
) -> None:
    answers = [await browser.ask_for_link(KNOWN) for _ in range(signin.ADDRESS_LIMIT + 2)]

    assert {a.status_code for a in answers} == {200}
    assert len({Page(a.text).text for a in answers}) == 1
    await browser.run_jobs()
    assert len(browser.outbox()) == signin.ADDRESS_LIMIT


async def test_past_twenty_requests_an_hour_a_client_is_told_to_wait(browser: Browser) -> None:
    for number in range(signin.CLIENT_LIMIT):
        answer = await browser.ask_for_link(f"personne{number}@example.fr")
        assert answer.status_code == 200

    refused = await browser.ask_for_link("encore@example.fr")

    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "3600"
    assert refused.headers["x-error-code"] == "too_many_requests"
    assert "Trop de demandes" in Page(refused.text).text


async def test_past_the_hourly_cap_sign_up_links_are_not_sent_and_the_answer_is_the_same(
    db_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    newcomers = [f"nouveau{number}@example.fr" for number in range(3)]
    async with browser_for(hub_settings(db_settings, sign_up_links_per_hour=2)) as browser:
        await Learners(browser.app, browser.app.state.sessions).with_email(KNOWN)
        answers = [await browser.ask_for_link(email) for email in [*newcomers, KNOWN]]
        with caplog.at_level(logging.INFO):
            await browser.run_jobs()

        assert {a.status_code for a in answers} == {200}
        assert len({Page(a.text).text for a in answers}) == 1
        # Two sign-up links (the cap), and the known learner's link all the same.
        assert sorted(m["To"] for m in browser.outbox()) == sorted([*newcomers[:2], KNOWN])
    warnings = [
        r
        for r in caplog.records
        if r.name == "issuer_api.accounts.tasks" and r.levelno == logging.WARNING
    ]
    assert [r.getMessage() for r in warnings] == ["sign-up link not sent: hourly cap reached"]
    assert newcomers[2] not in caplog.text


async def test_the_client_limit_counts_an_ipv6_address_with_its_slash_64(
    browser: Browser, learners: Learners
) -> None:
    async with session_scope(learners.sessions) as session:
        for number in range(signin.CLIENT_LIMIT):
            allowance = await signin.count_request(
                session, learners.kek, email=KNOWN, client=f"2001:db8:1:2::{number + 1:x}"
            )
            assert not allowance.client_exceeded
        same_64 = await signin.count_request(
            session, learners.kek, email=KNOWN, client="2001:db8:1:2:ffff:ffff:ffff:ffff"
        )
        next_64 = await signin.count_request(
            session, learners.kek, email=KNOWN, client="2001:db8:1:3::1"
        )

    assert same_64.client_exceeded
    assert not next_64.client_exceeded


def test_rate_buckets_are_one_ipv4_address_or_one_ipv6_slash_64() -> None:
    assert rate_bucket("192.0.2.7") == "192.0.2.7"
    assert rate_bucket("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert rate_bucket("::ffff:192.0.2.7") == "192.0.2.7"
    assert rate_bucket("unknown") == "unknown"


async def test_requests_older_than_an_hour_no_longer_count(
    browser: Browser, learners: Learners, known_learner: str
) -> None:
    for _ in range(signin.ADDRESS_LIMIT):
        await browser.ask_for_link(KNOWN)
    async with session_scope(learners.sessions) as session:
        await signin.purge(session, now=datetime.now(UTC) + timedelta(hours=1, minutes=1))

    await browser.ask_for_link(KNOWN)
    await browser.run_jobs()

    assert len(browser.outbox()) == signin.ADDRESS_LIMIT + 1


# --------------------------------------------------------------------------- the token


async def _link(browser: Browser) -> str:
    await browser.ask_for_link(KNOWN)
    await browser.run_jobs()
    return sign_in_path(browser.outbox()[-1])


async def test_opening_the_link_alone_does_not_use_it(browser: Browser, known_learner: str) -> None:
    link = await _link(browser)
    for _ in range(3):  # a mail scanner, a preview, the person
        assert (await browser.http.get(link)).status_code == 200

    assert (await browser.confirm(link)).status_code == 303


async def test_a_link_works_once(browser: Browser, known_learner: str) -> None:
    link = await _link(browser)
    assert (await browser.confirm(link)).status_code == 303
    browser.http.cookies.clear()

    again = await browser.http.get(link)
    assert again.status_code == 410
    assert again.headers["x-error-code"] == "token_used"
    assert "déjà été utilisé" in Page(again.text).text
    assert any(a.get("href") == "/connexion" for a in Page(again.text).all("a"))


async def test_a_link_used_by_two_confirmations_opens_one_session(
    browser: Browser, learners: Learners, known_learner: str
) -> None:
    link = await _link(browser)
    page = await browser.http.get(link)
    token = link.split("jeton=")[1]
    form = {"csrf_token": csrf_token(page.text), "jeton": token}

    first = await browser.http.post("/connexion/lien", data=form)
    browser.http.cookies.delete(sessions.COOKIE)
    second = await browser.http.post("/connexion/lien", data=form)

    assert first.status_code == 303
    assert second.status_code == 410
    async with session_scope(learners.sessions) as session:
        row = await session.get(SignInToken, signin.token_hash(token))
        assert row is not None
        assert row.used_at is not None


async def test_a_link_expires_after_fifteen_minutes(
    browser: Browser, learners: Learners, known_learner: str
) -> None:
    link = await _link(browser)
    async with session_scope(learners.sessions) as session:
        await session.execute(
            update(SignInToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    expired = await browser.http.get(link)

    assert expired.status_code == 410
    assert expired.headers["x-error-code"] == "token_expired"
    assert "expiré" in Page(expired.text).text


async def test_a_made_up_token_is_refused(browser: Browser) -> None:
    response = await browser.http.get("/connexion/lien?jeton=inventé")

    assert response.status_code == 400
    assert response.headers["x-error-code"] == "token_unknown"
    assert "token_unknown" in response.text


async def test_the_link_is_stored_only_as_its_hash(
    browser: Browser, learners: Learners, known_learner: str
) -> None:
    link = await _link(browser)
    token = link.split("jeton=")[1]

    async with session_scope(learners.sessions) as session:
        ids = (await session.scalars(select(SignInToken.id))).all()
        count = await session.scalar(select(func.count()).select_from(SignInToken))
    assert count == 1
    assert ids == [signin.token_hash(token)]
    assert token not in ids


# --------------------------------------------------------------------------- CSRF


async def test_a_form_without_its_token_is_refused(browser: Browser, known_learner: str) -> None:
    await browser.http.get("/connexion")

    response = await browser.http.post("/connexion", data={"email": KNOWN})

    assert response.status_code == 403
    assert response.headers["x-error-code"] == "csrf_invalid"
    await browser.run_jobs()
    assert browser.outbox() == []


async def test_a_confirmation_without_its_token_is_refused(
    browser: Browser, known_learner: str
) -> None:
    link = await _link(browser)

    response = await browser.http.post("/connexion/lien", data={"jeton": link.split("jeton=")[1]})

    assert response.status_code == 403
    assert sessions.COOKIE not in response.headers.get("set-cookie", "")
    assert (await browser.confirm(link)).status_code == 303  # the token was not used


async def test_a_sign_out_without_its_token_is_refused(
    browser: Browser, known_learner: str
) -> None:
    await browser.sign_in(KNOWN)

    response = await browser.http.post("/deconnexion", data={})

    assert response.status_code == 403
    assert (await browser.http.get(PREFERENCES)).status_code == 200


async def test_a_form_posted_from_another_site_is_refused(
    browser: Browser, known_learner: str
) -> None:
    token = await browser.form_token("/connexion")

    response = await browser.http.post(
        "/connexion",
        data={"csrf_token": token, "email": KNOWN},
        headers={"Origin": "https://evil.example"},
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("headers", "accepted"),
    [
        # What a browser sends with the form of a page under Referrer-Policy: no-referrer.
        ({"Origin": "null", "Sec-Fetch-Site": "same-origin"}, True),
        ({"Sec-Fetch-Site": "same-origin"}, True),
        ({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, False),
        ({"Origin": "null", "Sec-Fetch-Site": "same-site"}, False),
        ({"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, False),
        ({"Origin": "null"}, True),  # an old browser: the signed token decides
    ],
)
async def test_the_browser_says_where_a_form_comes_from(
    browser: Browser, known_learner: str, headers: dict[str, str], accepted: bool
) -> None:
    token = await browser.form_token("/connexion")

    response = await browser.http.post(
        "/connexion", data={"csrf_token": token, "email": KNOWN}, headers=headers
    )

    assert (response.status_code == 200) is accepted, response.text
    assert (response.status_code == 403) is not accepted


# --------------------------------------------------------------------------- next


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/espace",
        "/\\evil.example",
        "javascript:alert(1)",
        "espace",
        "/espace\r\nSet-Cookie: x=y",
    ],
)
async def test_next_never_leads_to_another_site(
    browser: Browser, known_learner: str, target: str
) -> None:
    form = await browser.http.get("/connexion", params={"next": target})
    assert [i for i in Page(form.text).all("input") if i.get("name") == "next"] == []

    signed_in = await browser.sign_in(KNOWN, next_path=target)

    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/espace"


def test_next_keeps_paths_of_this_site() -> None:
    assert signin.safe_next("/espace/badges?tri=date") == "/espace/badges?tri=date"
    assert signin.safe_next("/") == "/"
    assert signin.safe_next("//evil.example") is None
    assert signin.safe_next("https://evil.example") is None
    assert signin.safe_next("/\\evil.example") is None
    assert signin.safe_next("/" + "a" * signin.MAX_NEXT_CHARS) is None


async def test_an_overlong_token_or_next_gets_the_page_not_a_technical_error(
    browser: Browser,
) -> None:
    token = await browser.http.get("/connexion/lien", params={"jeton": "x" * 1000})
    form = await browser.http.get("/connexion", params={"next": "/" + "a" * signin.MAX_NEXT_CHARS})

    assert token.status_code == 400
    assert token.headers["content-type"].startswith("text/html")
    assert form.status_code == 200
    assert [i for i in Page(form.text).all("input") if i.get("name") == "next"] == []


async def test_what_the_reader_typed_is_shown_back_escaped(browser: Browser) -> None:
    typed = '"><script>alert(1)</script>'

    response = await browser.ask_for_link(typed)

    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.text
    assert Page(response.text).by_id("email")["value"] == typed


async def test_erasing_a_learner_drops_their_links_and_emails_not_yet_sent(
    browser: Browser, learners: Learners, known_learner: str
) -> None:
    async with session_scope(learners.sessions) as session:
        await signin.create_token(session, known_learner, None)
        message = compose_text(
            name="sign_in",
            language="fr",
            context={"link": "http://127.0.0.1:8000/connexion/lien?jeton=x", "minutes": 15},
            to=KNOWN,
            sender="badges@normandie.example",
        )
        await mail.queue(session, learners.kek, message, kind="sign_in", learner_id=known_learner)

    async with session_scope(learners.sessions) as session:
        await learner_service.erase(session, known_learner, actor="test")
    await browser.run_jobs()

    assert browser.outbox() == []
    async with session_scope(learners.sessions) as session:
        assert await session.scalar(select(func.count()).select_from(SignInToken)) == 0
        assert await session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


async def test_a_signed_in_learner_is_told_so_on_the_sign_in_page(
    browser: Browser, known_learner: str
) -> None:
    before = await browser.http.get("/connexion")
    await browser.sign_in(KNOWN)

    after = await browser.http.get("/connexion")

    assert "Votre session est déjà ouverte." not in Page(before.text).text
    assert "Votre session est déjà ouverte." in Page(after.text).text
