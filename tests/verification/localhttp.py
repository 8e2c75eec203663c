"""A local HTTP server for the fetcher and resolver tests (127.0.0.1, random port).

Routes map a path to a :class:`Reply` (or a function of the request returning
one). Every request is recorded (path and headers) in :attr:`LocalServer.hits`.
Slow replies wait on an event that :meth:`LocalServer.stop` sets, so stopping
never waits for a sleeping handler.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = "application/json"
    delay: float = 0.0  # before the status line
    chunk_delay: float = 0.0  # between body chunks (a slow drip)
    content_length: bool = True  # False: close-delimited body


@dataclass
class Hit:
    path: str
    headers: dict[str, str]


Route = Reply | Callable[["Hit"], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    routes: dict[str, Route]
    hits: list[Hit]
    stopping: threading.Event


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        hit = Hit(path, {k.lower(): v for k, v in self.headers.items()})
        self.server.hits.append(hit)
        route = self.server.routes.get(path)
        reply = (route(hit) if callable(route) else route) if route is not None else Reply(404)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError):
            self._send(reply)

    def _send(self, reply: Reply) -> None:
        stop = self.server.stopping
        if reply.delay and stop.wait(reply.delay):
            return
        chunks: list[bytes] | Iterator[bytes]
        chunks = [reply.body] if isinstance(reply.body, bytes) else iter(reply.body)
        self.send_response(reply.status)
        if reply.content_type is not None:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.content_length and isinstance(reply.body, bytes):
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        for chunk in chunks:
            if stop.is_set():
                return
            self.wfile.write(chunk)
            self.wfile.flush()
            if reply.chunk_delay and stop.wait(reply.chunk_delay):
                return


class LocalServer:
    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.routes = {}
        self._server.hits = []
        self._server.stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def routes(self) -> dict[str, Route]:
        return self._server.routes

    @property
    def hits(self) -> list[Hit]:
        return self._server.hits

    def url(self, path: str) -> str:
        return self.base + path

    def stop(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
