"""The outbox: with no SMTP server configured, each message becomes an ``.eml`` file.

Files live in ``OBHUB_DATA_DIR/outbox/``, readable by the service's user only (0600),
named ``<UTC timestamp to the microsecond>Z-<mail id>.eml``: they sort by time, and a
retried delivery rewrites the same file. Any mail client opens them; the sign-in links
are in them.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Final

FOLDER: Final = "outbox"


def folder(data_dir: Path) -> Path:
    return data_dir / FOLDER


def file_name(created_at: datetime, mail_id: str) -> str:
    return f"{created_at:%Y%m%dT%H%M%S.%f}Z-{mail_id}.eml"


def write(directory: Path, name: str, message: EmailMessage) -> Path:
    """Write ``message`` as ``directory/name`` (mode 0600), atomically."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / name
    tmp = directory / f".{name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


@dataclass(frozen=True)
class OutboxEntry:
    """What ``obhub outbox`` lists: no address, only the file, its date and subject."""

    name: str
    size: int
    subject: str


def entries(directory: Path) -> list[OutboxEntry]:
    """The outbox's messages, oldest first."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob("*.eml")):
        with path.open("rb") as handle:
            headers = BytesParser(policy=default).parse(handle, headersonly=True)
        found.append(OutboxEntry(path.name, path.stat().st_size, str(headers["Subject"] or "")))
    return found
