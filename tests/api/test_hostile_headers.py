"""Request heads are bounded: ``431 request_header_fields_too_large``, never served.

These tests run the real server (``obhub serve`` in a subprocess, on a free port of
127.0.0.1) and talk to it over a raw socket, since the limits belong to the HTTP
parser, before any application code: at most 64 KiB of request target and header
lines, at most 100 header lines.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from issuer_api.server import MAX_HEADER_BYTES, MAX_HEADERS
from servers import obhub_serve

CEILING = 5.0  # seconds for any answer here


@dataclass(frozen=True)
class Server:
    port: int

    def exchange(self, head: bytes, *, then: Iterable[bytes] = ()) -> tuple[int, bytes]:
        """Send ``head`` (and the chunks of ``then`` while the server reads); the status
        code and the whole answer, read until the server closes or CEILING passes."""
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.port), timeout=CEILING) as sock:
            try:
                sock.sendall(head)
                for chunk in then:
                    sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered and closed while we were still sending
            answer = b""
            try:
                while time.monotonic() - started < CEILING:
                    data = sock.recv(65536)
                    if not data:
                        break
                    answer += data
                    if _complete(answer):
                        break
            except (ConnectionResetError, TimeoutError):
                pass
        assert answer, "no answer"
        return int(answer.split(b" ", 2)[1]), answer


def _complete(answer: bytes) -> bool:
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return False


def _json_body(answer: bytes) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(answer.partition(b"\r\n\r\n")[2])
    return body


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``obhub serve --migrate`` on a free port of 127.0.0.1, stopped after the module."""
    data = tmp_path_factory.mktemp("serve")
    env = {**os.environ, "OBHUB_DATA_DIR": str(data / "data")}
    with obhub_serve("--migrate", log_path=data / "serve.log", env=env) as live:
        assert live.wait_until_answering("/healthz", 20) is not None, live.log()
        yield Server(live.port)


class _Endless:
    """64 MiB of one header value, in 64 KiB pieces, counting what was handed out."""

    def __init__(self) -> None:
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(64 * 16):
            self.sent += 65536
            yield b"a" * 65536


def _request(*headers: bytes) -> bytes:
    return b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(headers) + b"\r\n"


def test_an_ordinary_request_with_a_32_kib_header_is_served(server: Server) -> None:
    status, answer = server.exchange(_request(b"X-Note: " + b"a" * 32_768 + b"\r\n"))
    assert status == 200, answer[:300]


def test_a_1_mib_header_is_refused_with_431_and_the_error_body(server: Server) -> None:
    started = time.monotonic()
    status, answer = server.exchange(_request(b"X-Big: " + b"a" * (1 << 20) + b"\r\n"))
    assert time.monotonic() - started < CEILING
    assert status == 431
    error = _json_body(answer)["error"]
    assert error["code"] == "request_header_fields_too_large"
    assert set(error["messages"]) == {"fr", "en"}
    assert error["details"] == {"max_header_bytes": MAX_HEADER_BYTES, "max_headers": MAX_HEADERS}
    assert f"x-request-id: {error['request_id']}".encode() in answer.lower()


def test_a_64_mib_header_is_cut_off_early_not_buffered(server: Server) -> None:
    """The server answers once the limit is passed: it never reads the 64 MiB."""
    endless = _Endless()
    status, answer = server.exchange(b"GET /healthz HTTP/1.1\r\nX-Huge: ", then=endless)
    assert status == 431, answer[:300]
    assert endless.sent < 32 << 20  # the connection closed long before the end


def test_101_small_headers_are_refused_with_431(server: Server) -> None:
    many = [f"X-H{i}: v\r\n".encode() for i in range(MAX_HEADERS + 1)]
    status, answer = server.exchange(_request(*many))
    assert status == 431
    assert _json_body(answer)["error"]["code"] == "request_header_fields_too_large"


def test_a_64_kib_request_target_is_refused_with_431(server: Server) -> None:
    head = b"GET /healthz?" + b"q" * (MAX_HEADER_BYTES + 10) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    status, _answer = server.exchange(head)
    assert status == 431


def test_a_post_with_a_large_body_on_a_kept_alive_connection_is_not_mistaken_for_a_head(
    server: Server,
) -> None:
    """Body bytes never count against the head budget (one connection, two requests)."""
    body = b"x" * (200 * 1024)
    head = (
        b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    status, answer = server.exchange(head + body)
    assert status == 200, answer[:300]


def test_a_trailer_that_never_ends_is_cut_off_early_not_buffered(server: Server) -> None:
    """Chunked request trailers are head lines too: a trailer field streamed without end
    is refused once the limit is passed, never accumulated by the parser."""
    endless = _Endless()
    head = (
        b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-Trailer: "
    )
    status, answer = server.exchange(head, then=endless)
    assert status == 431, answer[:300]
    assert endless.sent < 32 << 20


def test_a_chunked_body_of_many_chunks_is_served(server: Server) -> None:
    """Chunk framing between body bytes never counts against the head budget."""
    chunk = b"400\r\n" + b"x" * 1024 + b"\r\n"
    body = chunk * 300 + b"0\r\n\r\n"  # 300 KiB of body in 1 KiB chunks
    head = (
        b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    status, answer = server.exchange(head + body)
    assert status != 431, answer[:300]
