"""The HTTP load generator of the benchmarks: a process of its own, bare sockets.

An HTTP client library costs more CPU per request than a small endpoint of the server
it measures; on a 2-core machine it would take the core the server needs and the
figures would describe the client. This generator runs in a separate process (its CPU
is its own, measurable and out of the server's), on uvloop when installed, and speaks
just enough HTTP/1.1: requests are complete byte strings prepared before the clock
starts, sent over ``concurrency`` keep-alive connections (each sends its next request
when the previous answer is complete: a closed loop), answers are read by their
``content-length`` (or chunked encoding). Latency is measured per request from the
write to the last byte of the answer. With a ``rate``, the loop is open instead:
requests are due at a fixed pace and latency counts from when each was due.

``run(...)`` starts ``python -m bench.loadgen`` with the requests in a temporary file
and returns its :class:`Outcome`.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast


@dataclass
class Outcome:
    """What one load run measured (latencies in milliseconds)."""

    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    statuses: dict[str, int] = field(default_factory=dict)
    warmup_statuses: dict[str, int] = field(default_factory=dict)
    client_cpu_s: float = 0.0


def request_bytes(
    method: str, path: str, host: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> bytes:
    """One complete HTTP/1.1 request, ready to send on a keep-alive connection."""
    lines = [f"{method} {path} HTTP/1.1", f"host: {host}", f"content-length: {len(body)}"]
    lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _Connection(asyncio.Protocol):
    """One keep-alive connection sending requests one after the other."""

    def __init__(self, next_request: _Feed, done: asyncio.Future[None]) -> None:
        self._feed = next_request
        self._done = done
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._started = 0.0
        self._expect: int | None = None  # total bytes of the current answer, once known
        self._chunked = False
        self._status = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are no subclass of asyncio.Transport, only alike
        self._transport = cast("asyncio.Transport", transport)
        self._send()

    def _send(self) -> None:
        item = self._feed.next()
        if item is None:
            assert self._transport is not None
            self._transport.close()
            if not self._done.done():
                self._done.set_result(None)
            return
        request, due = item
        wait = due - time.perf_counter()
        if wait > 0:  # open loop: not due yet
            asyncio.get_running_loop().call_later(wait, self._write, request, due)
        else:
            self._write(request, due)

    def _write(self, request: bytes, due: float) -> None:
        self._buffer.clear()
        self._expect = None
        self._chunked = False
        # From when the request was due: in an open loop, the time it waited for a free
        # connection is part of its latency (no coordinated omission).
        self._started = due
        assert self._transport is not None
        self._transport.write(request)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if self._expect is None and not self._chunked:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._buffer[:end]).split(b"\r\n")
            self._status = int(head[0].split(b" ", 2)[1])
            length = None
            for line in head[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding" and b"chunked" in value.lower():
                    self._chunked = True
            if not self._chunked:
                self._expect = end + 4 + (length or 0)
        if self._chunked:
            if not self._buffer.endswith(b"0\r\n\r\n"):
                return
        elif self._expect is None or len(self._buffer) < self._expect:
            return
        self._feed.record(self._status, time.perf_counter() - self._started)
        self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        # A request left unanswered is counted as an error (sent - answered), with no
        # latency: a lost connection would otherwise skew the percentiles.
        if not self._done.done():
            self._done.set_result(None)


class _Feed:
    """The requests to send (cycled), what came back, and when measuring starts."""

    def __init__(
        self, requests: list[bytes], total: int, warmup: int, rate: float | None = None
    ) -> None:
        self._requests = requests
        self._rate = rate
        self._total = total + warmup
        self._warmup = warmup
        self._sent = 0
        self._answered = 0
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.warmup_statuses: Counter[int] = Counter()
        self._opened = time.perf_counter()
        self.started = self._opened  # moved to the end of the warm-up, if any
        self.ended = self.started

    def next(self) -> tuple[bytes, float] | None:
        """The next request and when it is due (now in a closed loop)."""
        if self._sent >= self._total:
            return None
        request = self._requests[self._sent % len(self._requests)]
        now = time.perf_counter()
        due = now if self._rate is None else self._opened + self._sent / self._rate
        self._sent += 1
        return request, due

    def record(self, status: int, seconds: float) -> None:
        self._answered += 1
        if self._answered <= self._warmup:
            self.warmup_statuses[status] += 1
            if self._answered == self._warmup:
                self.started = time.perf_counter()
            return
        self.latencies.append(seconds)
        self.statuses[status] += 1
        self.ended = time.perf_counter()


async def _drive(
    host: str,
    port: int,
    requests: list[bytes],
    *,
    total: int,
    warmup: int,
    concurrency: int,
    rate: float | None = None,
) -> tuple[_Feed, float]:
    loop = asyncio.get_running_loop()
    feed = _Feed(requests, total, warmup, rate)
    cpu = time.process_time()
    finished = []
    for _ in range(concurrency):
        done: asyncio.Future[None] = loop.create_future()
        await loop.create_connection(lambda d=done: _Connection(feed, d), host, port)  # type: ignore[misc]
        finished.append(done)
    await asyncio.gather(*finished)
    return feed, time.process_time() - cpu


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _main() -> None:
    spec = json.loads(sys.argv[1])
    raw = Path(spec["requests_file"]).read_bytes()
    requests: list[bytes] = []
    offset = 0
    while offset < len(raw):
        (size,) = struct.unpack_from(">I", raw, offset)
        requests.append(raw[offset + 4 : offset + 4 + size])
        offset += 4 + size
    runner: Any = asyncio.run
    try:
        import uvloop  # noqa: PLC0415 - optional, the standard loop works too

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        pass
    feed, cpu = runner(
        _drive(
            spec["host"],
            spec["port"],
            requests,
            total=spec["total"],
            warmup=spec["warmup"],
            concurrency=spec["concurrency"],
            rate=spec.get("rate"),
        )
    )
    expected = set(spec["expected"])
    seconds = max(feed.ended - feed.started, 1e-9)
    measured = len(feed.latencies)
    outcome = Outcome(
        requests=measured,
        seconds=round(seconds, 4),
        requests_per_s=round(measured / seconds, 1),
        p50_ms=round(_quantile(feed.latencies, 0.5) * 1000, 2),
        p99_ms=round(_quantile(feed.latencies, 0.99) * 1000, 2),
        errors=sum(n for status, n in feed.statuses.items() if status not in expected)
        + (spec["total"] - measured),
        statuses={str(status): n for status, n in sorted(feed.statuses.items())},
        warmup_statuses={str(status): n for status, n in sorted(feed.warmup_statuses.items())},
        client_cpu_s=round(cpu, 3),
    )
    print(json.dumps(asdict(outcome)))


def run(
    host: str,
    port: int,
    requests: list[bytes],
    *,
    total: int,
    warmup: int = 0,
    concurrency: int = 16,
    expected: tuple[int, ...] = (200, 201, 202),
    timeout_s: float = 900.0,
    rate: float | None = None,
) -> Outcome:
    """Send ``warmup`` then ``total`` requests (``requests`` cycled) from a separate
    process; the figures cover the ``total`` requests after the warm-up.

    Closed loop by default (each connection sends when its previous answer is in); with
    ``rate``, an open loop: a request is due every ``1 / rate`` seconds whatever the
    answers, sent on the first free connection, and its latency counts from when it was
    due (waiting for a connection included) — the latency users see at that load.
    """
    with tempfile.NamedTemporaryFile("wb", suffix=".requests", delete=False) as handle:
        for request in requests:
            handle.write(struct.pack(">I", len(request)) + request)
        path = handle.name
    try:
        spec = {
            "host": host,
            "port": port,
            "requests_file": path,
            "total": total,
            "warmup": warmup,
            "concurrency": concurrency,
            "rate": rate,
            "expected": list(expected),
        }
        done = subprocess.run(  # noqa: S603 - this interpreter, this module
            [sys.executable, "-m", "bench.loadgen", json.dumps(spec)],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    finally:
        os.unlink(path)
    return Outcome(**json.loads(done.stdout))


if __name__ == "__main__":
    _main()
