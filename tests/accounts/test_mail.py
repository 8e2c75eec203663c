"""Emails really sent: over SMTP (STARTTLS with authentication, or plain on a relay)
to a real server running in the test, or, with no SMTP configured, written to the
outbox. Delivery is a job: a failing server is tried again, nothing is lost; no
address or password ever reaches a log or a job's arguments."""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.conftest import KNOWN
from accounts.helpers import Browser, Learners, browser_for, html_part, sign_in_path, text_part
from accounts.smtpd import PASSWORD, USER, Mailbox, smtp_server
from ingestion.helpers import hub_settings
from issuer_api.db import session_scope
from issuer_api.mail import outbox
from issuer_api.mail.smtp import SmtpUrlError, parse_smtp_url
from issuer_api.mail.tasks import MAX_ATTEMPTS
from issuer_api.models import Learner, OutgoingMail
from issuer_api.settings import Settings
from tls_certs import TlsFiles, write_self_signed

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """The SMTP server's self-signed certificate for 127.0.0.1 (trusted through
    ``OBHUB_SMTP_CA_FILE``)."""
    return write_self_signed(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def submission_server(mailbox: Mailbox, certificate: TlsFiles) -> Iterator[int]:
    """A submission server: STARTTLS then AUTH required. Yields its port."""
    with smtp_server(mailbox, tls=certificate) as port:
        yield port


@pytest.fixture
def implicit_tls_server(mailbox: Mailbox, certificate: TlsFiles) -> Iterator[int]:
    """A submission server speaking TLS from the first byte (smtps). Yields its port."""
    with smtp_server(mailbox, tls=certificate, implicit_tls=True) as port:
        yield port


@pytest.fixture
def relay(mailbox: Mailbox) -> Iterator[int]:
    """A relay on the local network: no TLS, no authentication. Yields its port."""
    with smtp_server(mailbox) as port:
        yield port


async def _outgoing(sessions: async_sessionmaker[AsyncSession]) -> list[OutgoingMail]:
    async with session_scope(sessions) as session:
        return list((await session.scalars(select(OutgoingMail))).all())


async def _ask_and_deliver(browser: Browser, sessions: async_sessionmaker[AsyncSession]) -> None:
    await Learners(browser.app, sessions).with_email(KNOWN)
    await browser.ask_for_link(KNOWN)
    await browser.run_jobs()


# --------------------------------------------------------------------------- SMTP


async def test_a_sign_in_email_goes_through_starttls_with_authentication(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: Mailbox,
    submission_server: int,
    certificate: TlsFiles,
) -> None:
    settings = hub_settings(
        db_settings,
        smtp_url=f"smtp://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{submission_server}",
        smtp_ca_file=certificate.cert,
        mail_from="Région Normandie <badges@normandie.example>",
    )
    async with browser_for(settings) as browser:
        await _ask_and_deliver(browser, sessions)

        (message,) = mailbox.received
        assert mailbox.logins  # authenticated, after STARTTLS (the server requires both)
        assert mailbox.envelopes == [("badges@normandie.example", [KNOWN])]
        assert message["To"] == KNOWN
        assert message["From"] == "Région Normandie <badges@normandie.example>"
        assert message.get_content_type() == "multipart/alternative"
        assert "/connexion/lien?jeton=" in text_part(message)
        assert "/connexion/lien?jeton=" in html_part(message)
        assert (await browser.confirm(sign_in_path(message))).status_code == 303
        assert browser.outbox() == []
        (mail,) = await _outgoing(sessions)
        assert (mail.state, mail.attempts) == ("sent", 1)


# aiosmtpd counts only STARTTLS as TLS and warns about AUTH on this server, which is TLS
# from its first byte.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_smtps_speaks_tls_from_the_first_byte(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: Mailbox,
    implicit_tls_server: int,
    certificate: TlsFiles,
) -> None:
    settings = hub_settings(
        db_settings,
        smtp_url=f"smtps://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{implicit_tls_server}",
        smtp_ca_file=certificate.cert,
    )
    async with browser_for(settings) as browser:
        await _ask_and_deliver(browser, sessions)

    (message,) = mailbox.received
    assert message["To"] == KNOWN
    assert mailbox.logins


async def test_a_server_whose_certificate_is_not_trusted_gets_nothing(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: Mailbox,
    submission_server: int,
) -> None:
    settings = hub_settings(
        db_settings,
        smtp_url=f"smtp://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{submission_server}",
    )
    async with browser_for(settings) as browser:
        await _ask_and_deliver(browser, sessions)

    assert mailbox.received == []
    assert mailbox.logins == []
    (mail,) = await _outgoing(sessions)
    assert mail.state == "dead"


async def test_a_relay_without_tls_or_authentication_is_used_as_it_is(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: Mailbox,
    relay: int,
) -> None:
    settings = hub_settings(db_settings, smtp_url=f"smtp://127.0.0.1:{relay}")
    async with browser_for(settings) as browser:
        await _ask_and_deliver(browser, sessions)

    (message,) = mailbox.received
    assert message["To"] == KNOWN
    assert mailbox.logins == []


async def test_credentials_are_never_sent_to_a_server_that_offers_no_starttls(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: Mailbox,
    relay: int,
) -> None:
    settings = hub_settings(
        db_settings, smtp_url=f"smtp://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{relay}"
    )
    async with browser_for(settings) as browser:
        await _ask_and_deliver(browser, sessions)

    assert mailbox.received == []
    assert mailbox.logins == []
    (mail,) = await _outgoing(sessions)
    assert mail.state == "dead"
    assert mail.attempts == MAX_ATTEMPTS
    assert PASSWORD not in (mail.last_error or "")


async def test_a_server_that_fails_for_a_while_gets_the_message_once_it_recovers(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: Mailbox,
    relay: int,
) -> None:
    mailbox.refuse_next = 2
    settings = hub_settings(db_settings, smtp_url=f"smtp://127.0.0.1:{relay}")
    async with browser_for(settings) as browser:
        await _ask_and_deliver(browser, sessions)

    assert len(mailbox.received) == 1
    (mail,) = await _outgoing(sessions)
    assert (mail.state, mail.attempts) == ("sent", 3)
    assert mail.last_error == "SMTPDataError: SMTP 451"


async def test_a_message_the_server_never_takes_is_kept_as_dead_not_lost(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: Mailbox,
    relay: int,
) -> None:
    mailbox.refuse_next = MAX_ATTEMPTS
    settings = hub_settings(db_settings, smtp_url=f"smtp://127.0.0.1:{relay}")
    async with browser_for(settings) as browser:
        await _ask_and_deliver(browser, sessions)

    assert mailbox.received == []
    (mail,) = await _outgoing(sessions)
    assert (mail.state, mail.attempts) == ("dead", MAX_ATTEMPTS)


async def test_an_unreachable_server_is_retried_and_nothing_is_logged_about_the_recipient(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    closed_port = 9  # discard: nothing listens there
    settings = hub_settings(db_settings, smtp_url=f"smtp://{USER}:secret@127.0.0.1:{closed_port}")
    caplog.set_level(logging.DEBUG)
    async with browser_for(settings) as browser:
        await _ask_and_deliver(browser, sessions)

    (mail,) = await _outgoing(sessions)
    assert mail.attempts == MAX_ATTEMPTS
    assert mail.state == "dead"
    assert "will retry" in caplog.text
    assert KNOWN not in caplog.text
    assert "secret" not in caplog.text


# --------------------------------------------------------------------------- outbox


async def test_with_no_smtp_each_message_is_a_private_eml_file_whose_path_is_logged(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    async with browser_for(hub_settings(db_settings)) as browser:
        await _ask_and_deliver(browser, sessions)

    (path,) = outbox.folder(db_settings.data_dir).glob("*.eml")
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f-]{36}\.eml", path.name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert KNOWN in path.read_text(encoding="utf-8")
    logged = [r for r in caplog.records if r.getMessage() == "email written to the outbox"]
    assert [getattr(r, "path", None) for r in logged] == [str(path)]
    assert KNOWN not in caplog.text
    (entry,) = outbox.entries(outbox.folder(db_settings.data_dir))
    assert entry.name == path.name
    assert "lien de connexion" in entry.subject.lower()


async def test_the_email_is_in_the_language_the_learner_chose(
    db_settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with browser_for(hub_settings(db_settings)) as browser:
        learner_id = await Learners(browser.app, sessions).with_email(KNOWN)
        async with session_scope(sessions) as session:
            learner = await session.get(Learner, learner_id)
            assert learner is not None
            learner.language = "en"
        await browser.ask_for_link(KNOWN)  # asked from a French page
        await browser.run_jobs()
        (message,) = browser.outbox()

    assert message["Subject"].startswith("Your sign-in link")
    assert message["Content-Language"] == "en"
    assert "The link works once, for 15 minutes." in text_part(message)
    assert '<html lang="en" dir="ltr">' in html_part(message)


# --------------------------------------------------------------------------- settings


def test_smtp_urls_name_the_server_its_security_and_its_credentials() -> None:
    submission = parse_smtp_url("smtp://user%40mail:p%3Ass@smtp.example.fr:587")
    assert (submission.hostname, submission.port) == ("smtp.example.fr", 587)
    assert (submission.username, submission.password) == ("user@mail", "p:ss")
    assert submission.start_tls is True
    assert submission.implicit_tls is False

    implicit = parse_smtp_url("smtps://user:pw@smtp.example.fr")
    assert (implicit.port, implicit.implicit_tls, implicit.start_tls) == (465, True, False)

    relay = parse_smtp_url("smtp://relay.local:25")
    assert (relay.username, relay.password, relay.start_tls) == (None, None, None)
    assert "pw" not in repr(implicit)


@pytest.mark.parametrize(
    "url",
    ["http://smtp.example.fr", "smtp://", "smtp://:pw@host", "smtp://host/path", "smtp://h:x"],
)
def test_a_wrong_smtp_url_is_refused_without_echoing_it(url: str) -> None:
    with pytest.raises(SmtpUrlError) as refused:
        parse_smtp_url(url)
    assert url not in str(refused.value)


def test_the_smtp_password_stays_out_of_the_settings_repr(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, smtp_url="smtp://u:hunter2@smtp.example.fr:587")

    assert "hunter2" not in repr(settings)
    assert settings.smtp_url is not None
    with pytest.raises(ValidationError) as refused:
        Settings(data_dir=tmp_path, smtp_url="ftp://u:hunter2@smtp.example.fr")
    assert "hunter2" not in str(refused.value)
