"""Issuance throughput of the real service: ``POST /issuers/region/credentials`` over HTTP.

For each worker count (1, then 2) the benchmark:

1. makes a throw-away data directory (embedded SQLite, generated key-encryption key),
   runs ``obhub migrate`` (schema and Region issuer) and ``obhub clients create``;
2. starts ``uvicorn issuer_api.app:create_app --factory --workers N`` on 127.0.0.1 and a
   free port, and waits for ``/readyz``;
3. gets a token, creates an achievement, warms every worker up, then sends a fixed
   number of issuance requests (eddsa-rdfc-2022, email recipient) with bounded
   concurrency from one asyncio client, and stops the server.

It reports requests per second (completed requests / wall time) and the p50/p99
latency seen by the client. There is no floor yet. The load generator runs on the same
machine as the server and competes with it for CPU: the figures are a floor of what
the service does, not a ceiling. ``OBHUB_BENCH_REQUESTS`` and
``OBHUB_BENCH_CONCURRENCY`` override the defaults (2,000 requests, 16 in flight).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

REQUESTS = int(os.environ.get("OBHUB_BENCH_REQUESTS", "2000"))
CONCURRENCY = int(os.environ.get("OBHUB_BENCH_CONCURRENCY", "16"))
WORKER_COUNTS = (1, 2)
WARMUP_PER_WORKER = 20
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 60.0


@dataclass
class Result:
    workers: int
    requests: int
    concurrency: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _obhub() -> list[str]:
    script = Path(sys.executable).with_name("obhub")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "issuer_api.cli"]


def _environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBHUB_")}
    env.update(OBHUB_DATA_DIR=str(data_dir), OBHUB_LOG_LEVEL="WARNING")
    return env


def _prepare(data_dir: Path) -> tuple[str, str]:
    """Migrate the database and create an admin client; return its id and secret."""
    env = _environment(data_dir)
    subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [*_obhub(), "migrate"], env=env, check=True, capture_output=True, timeout=120
    )
    created = subprocess.run(  # noqa: S603
        [*_obhub(), "clients", "create", "--name", "bench", "--scope", "admin", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    data = json.loads(created.stdout)
    return data["client_id"], data["client_secret"]


def start_server(
    env: dict[str, str], port: int, workers: int, log: Path
) -> subprocess.Popen[bytes]:
    """uvicorn serving obhub on 127.0.0.1:``port`` with ``workers`` workers, output to ``log``."""
    return subprocess.Popen(  # noqa: S603 - uvicorn from this interpreter, fixed arguments
        [
            sys.executable,
            "-m",
            "uvicorn",
            "issuer_api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _start(data_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    return start_server(_environment(data_dir), port, workers, data_dir / f"uvicorn-{workers}.log")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


async def _wait_ready(client: httpx.AsyncClient, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode}")
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit("the server did not become ready in time")


async def _drive(base_url: str, client_id: str, secret: str, workers: int) -> Result:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=base_url, timeout=REQUEST_TIMEOUT_S, limits=limits
    ) as client:
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        token = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        achievement = await client.post(
            "/issuers/region/achievements",
            json={
                "name": "Sauveteur secouriste du travail",
                "description": "Intervenir face à une situation d'accident du travail.",
                "criteria": {"narrative": "Formation de 14 heures et évaluation réussie."},
                "achievementType": "Certificate",
            },
            headers=headers,
        )
        achievement.raise_for_status()
        body: dict[str, Any] = {
            "achievement_id": achievement.json()["id"],
            "recipient": {"email": "camille.martin@example.fr"},
            "evidence": [{"narrative": "Évaluation pratique réussie."}],
        }

        async def one() -> tuple[float, bool]:
            started = time.perf_counter()
            response = await client.post("/issuers/region/credentials", json=body, headers=headers)
            return time.perf_counter() - started, response.status_code == 201

        # Warm up every worker (contexts, key unsealing, connection pools).
        await asyncio.gather(*(one() for _ in range(WARMUP_PER_WORKER * workers)))

        semaphore = asyncio.Semaphore(CONCURRENCY)

        async def bounded() -> tuple[float, bool]:
            async with semaphore:
                return await one()

        started = time.perf_counter()
        outcomes = await asyncio.gather(*(bounded() for _ in range(REQUESTS)))
        elapsed = time.perf_counter() - started
    latencies = sorted(seconds for seconds, _ in outcomes)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Result(
        workers=workers,
        requests=REQUESTS,
        concurrency=CONCURRENCY,
        seconds=round(elapsed, 3),
        requests_per_s=round(REQUESTS / elapsed, 1),
        p50_ms=round(statistics.median(latencies) * 1000, 2),
        p99_ms=round(cuts[98] * 1000, 2),
        errors=sum(1 for _, ok in outcomes if not ok),
    )


def run_one(workers: int) -> Result:
    data_dir = Path(tempfile.mkdtemp(prefix=f"obhub-bench-{workers}w-"))
    try:
        client_id, secret = _prepare(data_dir)
        port = _free_port()
        server = _start(data_dir, port, workers)
        try:

            async def main() -> Result:
                base_url = f"http://127.0.0.1:{port}"
                async with httpx.AsyncClient(base_url=base_url, timeout=5) as probe:
                    await _wait_ready(probe, server)
                return await _drive(base_url, client_id, secret, workers)

            return asyncio.run(main())
        finally:
            _stop(server)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _unpin() -> None:
    """Undo ``bench.core``'s pinning: the server's workers must see every CPU."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, range(os.cpu_count() or 1))


def main() -> int:
    _unpin()
    results = [run_one(workers) for workers in WORKER_COUNTS]
    print()
    print(
        f"obhub issuance over HTTP — uvicorn on 127.0.0.1, embedded SQLite, "
        f"eddsa-rdfc-2022; {os.cpu_count()} CPU(s) shared with the load generator"
    )
    print(
        f"{'workers':>7s} {'requests':>9s} {'in flight':>9s} {'req/s':>8s} "
        f"{'p50 ms':>8s} {'p99 ms':>8s} {'errors':>7s}"
    )
    for r in results:
        print(
            f"{r.workers:7d} {r.requests:9d} {r.concurrency:9d} {r.requests_per_s:8.1f} "
            f"{r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.errors:7d}"
        )
    os.makedirs(".benchmarks", exist_ok=True)
    with open(".benchmarks/issuance.json", "w", encoding="utf-8") as handle:
        json.dump({"results": [asdict(r) for r in results]}, handle, indent=2)
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
