"""An email's wire text: what ``outgoing_mail`` seals and the delivery job sends.

Written with the ``email`` package's compat32 classes (fast); read back by the standard
parser, it must say exactly what the templates say, with only its headers encoded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_string
from email.message import EmailMessage
from email.policy import default

import pytest

from issuer_api.i18n import Language
from issuer_api.mail.compose import compose_text
from issuer_api.region.identity import DEFAULT_IDENTITY
from issuer_api.web.templating import render_text

SENDER = "La Normandie badge les compétences <ne-pas-repondre@localhost>"
AWARD = {
    "badge_name": "Je maîtrise — Organiser",
    "badge_url": "https://badges.example.fr/credentials/1?vue=carte",
    "space_url": "https://badges.example.fr/espace",
    "preferences_url": "https://badges.example.fr/espace/preferences",
}
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def sign_in_text(
    *, to: str = "camille.martin@example.fr", sender: str = SENDER, language: Language = "fr"
) -> str:
    """The sign-in email's wire text."""
    return compose_text(
        name="sign_in",
        language=language,
        context={"link": "https://badges.example/connexion/lien?jeton=abc", "minutes": 15},
        to=to,
        sender=sender,
    )


def _read(text: str) -> EmailMessage:
    message = message_from_string(text, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def test_an_award_email_reads_back_as_its_templates_say() -> None:
    text = compose_text(
        name="badge_awarded",
        language="fr",
        context=AWARD,
        to="camille.martin@example.fr",
        sender=SENDER,
        now=NOW,
    )
    message = _read(text)
    values = {"site_name": DEFAULT_IDENTITY.scheme_name, "region": DEFAULT_IDENTITY, **AWARD}

    assert text.isascii()  # every non-ASCII header and body is encoded
    assert message["Subject"] == "Vous avez un nouveau badge régional : Je maîtrise — Organiser"
    assert message["From"].addresses[0].display_name == "La Normandie badge les compétences"
    assert message["From"].addresses[0].addr_spec == "ne-pas-repondre@localhost"
    assert message["To"] == "camille.martin@example.fr"
    assert message["Date"].datetime == NOW
    assert message["Message-ID"].endswith("@localhost>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "fr"
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content() == render_text(  # type: ignore[union-attr]
        "fr", "mail/badge_awarded.txt", values
    )
    assert message.get_body(("html",)).get_content() == render_text(  # type: ignore[union-attr]
        "fr", "mail/badge_awarded.html", values
    )
    assert text.count("MIME-Version") == 1
    assert {part["Content-Transfer-Encoding"] for part in message.iter_parts()} == {
        "quoted-printable"  # the stored text stays readable
    }


def test_an_ascii_subject_and_sender_are_written_as_they_are() -> None:
    text = sign_in_text(sender="Badges <badges@normandie.example>", language="en")
    assert "\nFrom: Badges <badges@normandie.example>\n" in text
    assert _read(text)["Subject"].startswith("Your sign-in link")


@pytest.mark.parametrize(
    "to",
    ["camille@example.fr\r\nBcc: everyone@example.fr", "a@example.fr, b@example.fr", "personne"],
    ids=["header-injection", "two-addresses", "not-an-address"],
)
def test_a_recipient_that_is_not_one_address_is_refused(to: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the email package's own errors
        sign_in_text(to=to)


@pytest.mark.parametrize(
    "sender",
    [
        "Badges <badges@normandie.example>\r\nBcc: everyone@example.fr",
        "badges@normandie.example, everyone@example.fr",
    ],
    ids=["two-lines", "two-addresses"],
)
def test_a_sender_that_is_not_one_address_is_refused(sender: str) -> None:
    with pytest.raises(ValueError, match="not one address"):
        sign_in_text(sender=sender)


def test_an_internationalised_domain_goes_through_the_email_policy() -> None:
    text = sign_in_text(to="camille@exämple.fr")
    message = _read(text)
    assert message["To"].addresses[0].domain == "exämple.fr"
    assert message["Subject"].startswith("Votre lien de connexion")
