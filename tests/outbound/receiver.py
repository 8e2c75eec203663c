"""A webhook receiver for the tests: an HTTP server on 127.0.0.1 (random port) that
records every POST (path, headers, raw body) and answers the statuses it is told to,
in order, then 200 (or :attr:`Receiver.default_status`), after :attr:`Receiver.delay`
seconds, with :attr:`Receiver.reply_headers`. Stopping never waits for a slow answer."""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    receiver: Receiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        receiver = self.server.receiver
        status = receiver.record(
            Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        if receiver.delay and receiver.stopping.wait(receiver.delay):
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(status)
            for name, value in receiver.reply_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.default_status = 200
        self.delay = 0.0
        self.reply_headers: dict[str, str] = {}
        self.stopping = threading.Event()
        self._script: deque[int] = deque()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/hooks/obhub") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, *statuses: int) -> None:
        """Answer these statuses to the next requests, in order."""
        with self._lock:
            self._script.extend(statuses)

    def record(self, request: Received) -> int:
        with self._lock:
            self.received.append(request)
            return self._script.popleft() if self._script else self.default_status

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
