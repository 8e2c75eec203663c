"""Sending a message over SMTP (aiosmtplib): where to, how secured, what failed.

``OBHUB_SMTP_URL`` names the server:

* ``smtp://user:password@host:587``: STARTTLS, required (credentials never travel in
  clear); the port defaults to 587.
* ``smtps://user:password@host:465``: implicit TLS; the port defaults to 465.
* ``smtp://host:25``: no authentication; STARTTLS used when the server offers it.

User and password are percent-decoded. The certificate is always verified (system
CAs, plus ``OBHUB_SMTP_CA_FILE``). Errors name the failure, never the password or the
recipients.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

import aiosmtplib

DEFAULT_PORTS: Final = {"smtp": 587, "smtps": 465}


class SmtpUrlError(ValueError):
    """``OBHUB_SMTP_URL`` is not a usable SMTP address (the message never echoes it)."""


class SmtpDeliveryError(Exception):
    """The server could not be reached or refused the message (a transient failure as
    far as the sender knows: the job tries again later)."""


@dataclass(frozen=True)
class SmtpTarget:
    hostname: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def start_tls(self) -> bool | None:
        """STARTTLS: not with implicit TLS; required with credentials; else if offered."""
        if self.implicit_tls:
            return False
        return True if self.username is not None else None


def parse_smtp_url(url: str) -> SmtpTarget:
    """The server of ``url``; :class:`SmtpUrlError` (saying what is wrong) otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise SmtpUrlError("OBHUB_SMTP_URL is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise SmtpUrlError("OBHUB_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise SmtpUrlError("OBHUB_SMTP_URL names no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise SmtpUrlError("OBHUB_SMTP_URL takes no path, query or fragment")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and username is None:
        raise SmtpUrlError("OBHUB_SMTP_URL gives a password without a user")
    return SmtpTarget(
        hostname=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        implicit_tls=scheme == "smtps",
        username=username,
        password=password if username is not None else None,
    )


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Verifying context: the system's CAs, and ``ca_file``'s when given."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


async def send(
    target: SmtpTarget, message: EmailMessage, *, ca_file: Path | None, timeout: float
) -> None:
    """Hand ``message`` to the server; :class:`SmtpDeliveryError` when it fails."""
    try:
        await aiosmtplib.send(
            message,
            hostname=target.hostname,
            port=target.port,
            username=target.username,
            password=target.password,
            use_tls=target.implicit_tls,
            start_tls=target.start_tls,
            tls_context=tls_context(ca_file),
            timeout=timeout,
        )
    except aiosmtplib.SMTPResponseException as exc:
        # The server's text may quote a recipient: only its code is kept.
        raise SmtpDeliveryError(f"{type(exc).__name__}: SMTP {exc.code}") from None
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise SmtpDeliveryError(type(exc).__name__) from None
