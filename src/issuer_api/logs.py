"""Logging of every obhub process: JSON lines on stderr.

Its own module, light to import: ``obhub worker`` configures logging with it without
importing the web application (whose import costs more CPU than a worker spends on
hundreds of jobs).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Final, TextIO

_RECORD_ATTRIBUTES: Final = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))
) | {"message", "asctime", "taskName", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, ``message``, then any
    ``extra=`` fields, then ``exc_info`` (the formatted traceback) if there is one."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class _JsonStderrHandler(logging.StreamHandler[TextIO]):
    """Writes to the current ``sys.stderr`` (which test runners swap) in JSON."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: str) -> None:
    """Send every log record, uvicorn's included, to stderr as JSON lines at ``level``.

    Idempotent. uvicorn's own access log is silenced (:class:`RequestContextMiddleware`
    writes the request line, with the request id), and so are httpx's INFO lines, which
    carry full outbound URLs, and Authlib's DEBUG lines, which carry issued tokens.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _JsonStderrHandler)]:
        root.removeHandler(handler)
    root.addHandler(_JsonStderrHandler())
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # httpx logs every outbound URL, query string included, at INFO.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # Authlib logs every token it issues, in full, at DEBUG ("Issue token %r to %r").
    logging.getLogger("authlib").setLevel(logging.WARNING)
