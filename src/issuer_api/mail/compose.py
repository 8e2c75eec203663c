"""Composing an email from templates: subject, plain text and HTML, in one language.

A message ``name`` is three templates of ``issuer_api/web/templates/mail/``:
``<name>.subject.txt`` (one line), ``<name>.txt`` (the plain-text body, not escaped)
and ``<name>.html`` (the HTML body, autoescaped). Texts go through the gettext
catalogue like every page's.

:func:`compose_text` writes the message as its wire text with the ``email`` package's
``compat32`` classes (:mod:`email.mime`): 1 ms a message with its templates rendered,
where building an :class:`~email.message.EmailMessage` and writing it under the SMTP
policy took 2.8 ms (measured on one shared core), inside the transaction of every badge
awarded. Header values are encoded only where needed (RFC 2047: a non-ASCII subject or
display name). An address that is not ASCII (an internationalised mailbox) goes through
``EmailMessage`` and its policy, which know them. :func:`read` gives the message as an
``EmailMessage``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email import message_from_string
from email.charset import QP, Charset
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import SMTP, default
from email.utils import format_datetime, formataddr, getaddresses, make_msgid
from typing import Any, Final

from issuer_api.i18n import Language
from issuer_api.region.identity import DEFAULT_IDENTITY, RegionIdentity
from issuer_api.web.templating import render_text

NO_REPLY: Final = "ne-pas-repondre@localhost"
_UTF8: Final = "utf-8"
_UTF8_QP: Final = Charset(_UTF8)
_UTF8_QP.body_encoding = QP


def compose_text(
    *,
    name: str,
    language: Language,
    context: Mapping[str, Any],
    to: str,
    sender: str,
    identity: RegionIdentity = DEFAULT_IDENTITY,
    now: datetime | None = None,
) -> str:
    """The message ``name`` to ``to``, from ``sender``, as text and HTML alternatives,
    in the colours and with the name and footer of the Region's ``identity``: its wire
    text (RFC 5322, MIME; what :func:`issuer_api.mail.service.queue` stores)."""
    values = {"site_name": identity.scheme_name, "region": identity, **context}
    subject = " ".join(render_text(language, f"mail/{name}.subject.txt", values).split())
    text = render_text(language, f"mail/{name}.txt", values)
    html = render_text(language, f"mail/{name}.html", values)
    date = format_datetime(now or datetime.now(UTC))
    recipient = Address(addr_spec=to)  # refuses what is not one address (CR, LF, lists)
    senders = getaddresses([sender])
    if "\r" in sender or "\n" in sender or len(senders) != 1 or not senders[0][1]:
        raise ValueError("the sender is not one address")
    display, mailbox = senders[0]
    message_id = make_msgid(domain=_domain(mailbox))
    if not (recipient.addr_spec.isascii() and mailbox.isascii()):
        return _policy_text(
            subject,
            text,
            html,
            to=to,
            sender=sender,
            date=date,
            message_id=message_id,
            language=language,
        )
    message: Message[Any, Any] = MIMEMultipart("alternative")  # headers: str or Header
    message["Subject"] = subject if subject.isascii() else Header(subject, _UTF8)
    message["From"] = formataddr((display, mailbox), charset=_UTF8)
    message["To"] = recipient.addr_spec
    message["Date"] = date
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = language
    for body, subtype in ((text, "plain"), (html, "html")):
        part = MIMENonMultipart("text", subtype)
        part.set_payload(body, _UTF8_QP)  # quoted-printable: text stays readable
        del part["MIME-Version"]  # once, on the message
        message.attach(part)
    return message.as_string()


def read(text: str) -> EmailMessage:
    """A message's wire text (:func:`compose_text`, a sealed ``outgoing_mail``) as an
    :class:`~email.message.EmailMessage`."""
    return message_from_string(text, policy=default)


def _policy_text(
    subject: str,
    text: str,
    html: str,
    *,
    to: str,
    sender: str,
    date: str,
    message_id: str,
    language: Language,
) -> str:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = Address(addr_spec=to)
    message["Date"] = date
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = language  # after the body: set_content clears Content-*
    return message.as_string(policy=SMTP)


def sender_of(mail_from: str | None, identity: RegionIdentity) -> str:
    """The configured ``From`` (``OBHUB_MAIL_FROM``), else the scheme's name at
    :data:`NO_REPLY`."""
    if mail_from:
        return mail_from
    return str(Address(display_name=identity.scheme_name, addr_spec=NO_REPLY))


def _domain(mailbox: str) -> str:
    return mailbox.rpartition("@")[2] or "localhost"


def language_of(chosen: str | None, fallback: object) -> Language:
    """The learner's chosen language, else ``fallback`` if it is one, else French."""
    for candidate in (chosen, fallback):
        if candidate == "en":
            return "en"
        if candidate == "fr":
            return "fr"
    return "fr"
