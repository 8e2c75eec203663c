"""The HTTP/1.1 protocol ``obhub serve`` runs: uvicorn's httptools parser, with bounded heads.

uvicorn picks the ``httptools`` parser (llhttp, in C) when it is installed, and that
parser puts no limit on a request's head: a client could send a 64 MiB header and the
server would buffer it and hand it to the application. The pure-Python ``h11`` parser
bounds the head (``h11_max_incomplete_event_size``) but answers a bare
``400 Invalid HTTP request received.`` in plain text, and parses every request in
Python (slower). :class:`BoundedHttpToolsProtocol` keeps httptools and adds the limits:

* at most :data:`MAX_HEADER_BYTES` bytes for the request target and the header lines
  together, and at most :data:`MAX_HEADERS` header lines;
* past either, ``431 request_header_fields_too_large`` with the API's error body (and
  ``X-Request-ID``), then the connection is closed. The application never sees the
  request.

The byte budget is also applied to the raw bytes received while a head is still
incomplete, so a head that never ends (or a huge header value that httptools would
buffer until its end) is cut as soon as it passes the limit: memory stays bounded.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any, Final

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from issuer_api.errors import REQUEST_ID_HEADER
from issuer_api.i18n import messages

logger = logging.getLogger(__name__)

MAX_HEADER_BYTES: Final = 64 * 1024
MAX_HEADERS: Final = 100
HEAD_TOO_LARGE_CODE: Final = "request_header_fields_too_large"


class _HeadTooLargeError(Exception):
    """Raised from a parser callback: the head passed a limit."""


def head_too_large_response() -> bytes:
    """The whole ``431`` HTTP response (status line, headers, JSON error body)."""
    request_id = uuid.uuid4().hex
    texts = messages(
        HEAD_TOO_LARGE_CODE, {"max_header_bytes": MAX_HEADER_BYTES, "max_headers": MAX_HEADERS}
    )
    body = json.dumps(
        {
            "error": {
                "code": HEAD_TOO_LARGE_CODE,
                "message": texts["fr"],
                "messages": texts,
                "status": 431,
                "request_id": request_id,
                "details": {"max_header_bytes": MAX_HEADER_BYTES, "max_headers": MAX_HEADERS},
            }
        },
        ensure_ascii=False,
    ).encode("utf-8")
    head = (
        "HTTP/1.1 431 Request Header Fields Too Large\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        f"{REQUEST_ID_HEADER.lower()}: {request_id}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with bounded request heads (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = False  # between the start of a request and the end of its head
        self._head_bytes = 0  # raw bytes received while the current head is incomplete
        self._counted = 0  # bytes of the target and header lines parsed so far
        self._refused = False
        # After the head: raw bytes received since the last body bytes. Chunk-size lines
        # and the trailer section after the last chunk give no body; a trailer that never
        # ends would otherwise be buffered by the parser without limit.
        self._in_message = False
        self._body_seen = False
        self._since_body = 0

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._in_message = True
        self._head_bytes = 0
        self._counted = 0
        self._since_body = 0

    def on_body(self, body: bytes) -> None:
        self._body_seen = True
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._in_message = False
        super().on_message_complete()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)  # ": " and CRLF
        if len(self.headers) >= MAX_HEADERS:
            self._refused = True
            raise _HeadTooLargeError
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def _count(self, size: int) -> None:
        self._counted += size
        if self._counted > MAX_HEADER_BYTES:
            self._refused = True
            raise _HeadTooLargeError

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        self._unset_keepalive_if_required()
        continued = self._in_head  # this chunk goes on with a head begun before it
        self._body_seen = False
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError:
            if self._over_limit():  # set by a callback while parsing
                self._send_431()
            else:
                logger.warning("Invalid HTTP request received.")
                self.send_400_response("Invalid HTTP request received.")
            return
        if continued and self._in_head:  # and the head is still not complete
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEADER_BYTES:
                self._refused = True
                self._send_431()
        elif self._in_message and not self._in_head:
            self._since_body = 0 if self._body_seen else self._since_body + len(data)
            if self._since_body > MAX_HEADER_BYTES:  # framing or trailers, never body
                self._refused = True
                self._send_431()

    def _over_limit(self) -> bool:
        return self._refused

    def _send_431(self) -> None:
        logger.warning(
            "request head too large: refused",
            extra={"max_header_bytes": MAX_HEADER_BYTES, "max_headers": MAX_HEADERS},
        )
        self.transport.write(head_too_large_response())
        self.transport.close()
