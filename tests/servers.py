"""A real ``obhub serve`` in a subprocess, on a free port of 127.0.0.1.

Shared by the tests that need the server as deployed (TLS, request-head limits,
start-up checks, the browser tests, the acceptance run on defaults): start it, wait
until it answers over HTTP or HTTPS, and always stop it (terminate, then kill).
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

STOP_TIMEOUT_S = 10


def free_port() -> int:
    """A TCP port of 127.0.0.1 free at the time of the call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def obhub_command() -> list[str]:
    """The ``obhub`` console script of the running environment (or the module if absent)."""
    script = Path(sys.executable).with_name("obhub")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from issuer_api.cli import main; sys.exit(main())"]


@dataclass(frozen=True)
class LiveServer:
    """A running ``obhub serve``: its process, base URL and log file."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    https: bool = False

    @property
    def base_url(self) -> str:
        return f"{'https' if self.https else 'http'}://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_until_answering(
        self,
        path: str,
        timeout_s: float,
        *,
        verify: ssl.SSLContext | bool = True,
        accept: Callable[[httpx.Response], bool] = lambda _answer: True,
    ) -> httpx.Response | None:
        """Poll ``GET path`` until an answer ``accept`` takes; None if the server exits
        or the time runs out first."""
        deadline = time.monotonic() + timeout_s
        with httpx.Client(trust_env=False, timeout=1, verify=verify) as client:
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    answer = client.get(f"{self.base_url}{path}")
                except httpx.TransportError:
                    answer = None
                if answer is not None and accept(answer):
                    return answer
                time.sleep(0.1)
        return None


@contextmanager
def obhub_serve(
    *args: str,
    log_path: Path,
    https: bool = False,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Iterator[LiveServer]:
    """``obhub serve --host 127.0.0.1 --port <free> *args``, output in ``log_path``;
    stopped on exit (terminate, then kill after 10 s)."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own entry point, fixed arguments
            [*obhub_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=None if env is None else dict(env),
            cwd=cwd,
        )
    try:
        yield LiveServer(process, port, log_path, https)
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)
