"""Composing an email from templates: subject, plain text and HTML, in one language.

A message ``name`` is three templates of ``issuer_api/web/templates/mail/``:
``<name>.subject.txt`` (one line), ``<name>.txt`` (the plain-text body, not escaped)
and ``<name>.html`` (the HTML body, autoescaped). Texts go through the gettext
catalogue like every page's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any, Final

from issuer_api.i18n import Language
from issuer_api.region.identity import DEFAULT_IDENTITY, RegionIdentity
from issuer_api.web.templating import render_text

NO_REPLY: Final = "ne-pas-repondre@localhost"


def compose(
    *,
    name: str,
    language: Language,
    context: Mapping[str, Any],
    to: str,
    sender: str,
    identity: RegionIdentity = DEFAULT_IDENTITY,
    now: datetime | None = None,
) -> EmailMessage:
    """The message ``name`` to ``to``, from ``sender``, as text and HTML alternatives,
    in the colours and with the name and footer of the Region's ``identity``."""
    values = {"site_name": identity.scheme_name, "region": identity, **context}
    subject = " ".join(render_text(language, f"mail/{name}.subject.txt", values).split())
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = Address(addr_spec=to)
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_text(language, f"mail/{name}.txt", values))
    message.add_alternative(render_text(language, f"mail/{name}.html", values), subtype="html")
    message["Content-Language"] = language  # after the body: set_content clears Content-*
    return message


def sender_of(mail_from: str | None, identity: RegionIdentity) -> str:
    """The configured ``From`` (``OBHUB_MAIL_FROM``), else the scheme's name at
    :data:`NO_REPLY`."""
    if mail_from:
        return mail_from
    return str(Address(display_name=identity.scheme_name, addr_spec=NO_REPLY))


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def language_of(chosen: str | None, fallback: object) -> Language:
    """The learner's chosen language, else ``fallback`` if it is one, else French."""
    for candidate in (chosen, fallback):
        if candidate == "en":
            return "en"
        if candidate == "fr":
            return "fr"
    return "fr"
