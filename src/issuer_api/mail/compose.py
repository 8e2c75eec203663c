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
from typing import Any

from issuer_api.i18n import Language
from issuer_api.web.templating import SITE_NAME, render_text


def compose(
    *,
    name: str,
    language: Language,
    context: Mapping[str, Any],
    to: str,
    sender: str,
    now: datetime | None = None,
) -> EmailMessage:
    """The message ``name`` to ``to``, from ``sender``, as text and HTML alternatives."""
    values = {"site_name": SITE_NAME, **context}
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
