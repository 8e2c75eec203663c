"""A real SMTP server in process (aiosmtpd), as the mail tests' recipient.

:class:`Mailbox` is the server's handler: it keeps every message accepted, and can be
told to refuse the next ``n`` messages with a transient ``451``.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tls_certs import TlsFiles

USER = "obhub"
PASSWORD = "s3cret:p@ss/word"


@dataclass
class Mailbox:
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse_next: int = 0
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == USER
            and auth_data.password.decode() == PASSWORD
        ):
            self.logins.append(mechanism)
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server(
    mailbox: Mailbox, *, tls: TlsFiles | None = None, implicit_tls: bool = False
) -> Iterator[int]:
    """Serve ``mailbox`` on 127.0.0.1; yields the port. With ``tls``: STARTTLS and
    authentication required (AUTH only after STARTTLS), as a submission server does;
    with ``implicit_tls`` too: TLS from the first byte (``smtps``), then AUTH."""
    kwargs: dict[str, Any] = {}
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(tls.cert), str(tls.key))
        kwargs = {
            "tls_context": context,
            "require_starttls": True,
            "auth_required": True,
            "auth_require_tls": True,
            "authenticator": mailbox.authenticate,
        }
        if implicit_tls:
            kwargs = {
                "ssl_context": context,
                "auth_required": True,
                # aiosmtpd counts only STARTTLS as TLS: this connection is TLS throughout.
                "auth_require_tls": False,
                "authenticator": mailbox.authenticate,
            }
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
