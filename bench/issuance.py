"""Issuance throughput of the real service: ``POST /issuers/region/credentials`` over HTTP.

For each database (embedded SQLite; PostgreSQL when the server answers) and each
worker count (1, then 2) the benchmark:

1. makes a throw-away data directory (and database), runs ``obhub migrate`` (schema
   and Region issuer) and ``obhub clients create``;
2. starts ``uvicorn issuer_api.app:create_app --factory --workers N`` on 127.0.0.1 and a
   free port, and waits for ``/readyz``;
3. gets a token, creates an achievement, warms every worker up, then sends a fixed
   number of issuance requests (eddsa-rdfc-2022, email recipient) with bounded
   concurrency from the load generator's own process (:mod:`bench.loadgen`), and stops the server.

The reference, measured in the same run with the same load generator and uvicorn
settings: a trivial FastAPI endpoint receiving the same body
(:mod:`bench.reference_app`). Targets: one worker issues at least half as many
credentials per second as the core signs on one core (:mod:`bench.core`, same run);
two workers at least 1.7 times one. The load generator shares the machine's CPUs
with the server. ``OBHUB_BENCH_REQUESTS`` and ``OBHUB_BENCH_CONCURRENCY`` override the
defaults (3,000 requests, 16 in flight).
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
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import loadgen
from bench.report import Figure, Target

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("OBHUB_BENCH_REQUESTS", "3000"))
CONCURRENCY = int(os.environ.get("OBHUB_BENCH_CONCURRENCY", "16"))
WORKER_COUNTS = (1, 2)
# targets: one worker's issuance rate / the core signing rate; 2 workers / 1 worker
PER_WORKER_OF_CORE = 0.5
SCALING_FLOOR = 1.7
WARMUP_PER_WORKER = 20
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 60.0


@dataclass
class Result:
    label: str
    workers: int
    requests: int
    concurrency: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu_ms: float | None = None  # CPU of the server (every worker) per request
    postgres_cpu_ms: float | None = None  # CPU of the PostgreSQL server per request


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


def _prepare(env: dict[str, str]) -> tuple[str, str]:
    """Migrate the database and create an admin client; return its id and secret."""
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
    env: dict[str, str],
    port: int,
    workers: int,
    log: Path,
    app: str = "issuer_api.app:create_app",
) -> subprocess.Popen[bytes]:
    """uvicorn serving ``app`` on 127.0.0.1:``port`` with ``workers`` workers, output to ``log``.

    ``app`` is obhub unless told otherwise (:mod:`bench.reference_app`): the reference
    is served with exactly the same settings.
    """
    return subprocess.Popen(  # noqa: S603 - uvicorn from this interpreter, fixed arguments
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
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
        cwd=ROOT,
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


def load(
    base_url: str,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str],
    *,
    requests: int,
    warmup: int,
    expected: int = 201,
    meter: _CpuMeter | None = None,
) -> tuple[float, float, float, int]:
    """``requests`` POSTs of ``body`` to ``path``, ``CONCURRENCY`` in flight, from the
    load generator's own process (:mod:`bench.loadgen`), after ``warmup`` unmeasured
    ones; returns requests/s, p50 and p99 (ms), errors. ``meter`` is started once the
    warm-up is over (the caller stops it)."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    request = loadgen.request_bytes(
        "POST",
        path,
        f"{host}:{port}",
        json.dumps(body, ensure_ascii=False).encode("utf-8"),
        {"content-type": "application/json", **headers},
    )
    if warmup:
        loadgen.run(host, int(port), [request], total=warmup, concurrency=CONCURRENCY)
    if meter is not None:
        meter.start()
    outcome = loadgen.run(
        host, int(port), [request], total=requests, concurrency=CONCURRENCY, expected=(expected,)
    )
    return outcome.requests_per_s, outcome.p50_ms, outcome.p99_ms, outcome.errors


def _client(base_url: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    return httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S, limits=limits)


def _result(
    label: str,
    workers: int,
    requests: int,
    measured: tuple[float, float, float, int],
    cpu: tuple[float | None, float | None] = (None, None),
) -> Result:
    rate, p50, p99, errors = measured
    server_cpu, postgres_cpu = (
        round(1000 * seconds / requests, 2) if seconds is not None else None for seconds in cpu
    )
    return Result(
        label=label,
        workers=workers,
        requests=requests,
        concurrency=CONCURRENCY,
        requests_per_s=round(rate, 1),
        p50_ms=round(p50, 2),
        p99_ms=round(p99, 2),
        errors=errors,
        server_cpu_ms=server_cpu,
        postgres_cpu_ms=postgres_cpu,
    )


class _CpuMeter:
    """CPU time of the server (its process tree) and of the local PostgreSQL server
    between :meth:`start` and :meth:`stop`, read from ``/proc``: unlike requests per
    second, CPU per request hardly depends on what else the machine runs."""

    def __init__(self, server_pid: int, postgres: bool) -> None:
        # bench.ingestion imports this module: its /proc readers are imported late.
        from bench import ingestion  # noqa: PLC0415 - see above

        self._ingestion = ingestion
        self._pid = server_pid
        self._postgres = postgres
        self._server = 0.0
        self._database: float | None = None

    def start(self) -> None:
        self._server = self._ingestion._tree_cpu_seconds(self._pid)
        self._database = self._ingestion._postgres_cpu_seconds() if self._postgres else None

    def stop(self) -> tuple[float | None, float | None]:
        server = self._ingestion._tree_cpu_seconds(self._pid) - self._server
        database = self._ingestion._postgres_cpu_since(self._database) if self._postgres else None
        return server, database


async def _drive(
    base_url: str,
    client_id: str,
    secret: str,
    workers: int,
    requests: int,
    *,
    meter: _CpuMeter,
) -> Result:
    async with _client(base_url) as client:
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
        body = issuance_body(achievement.json()["id"])
        measured = load(
            base_url,
            "/issuers/region/credentials",
            body,
            headers,
            requests=requests,
            warmup=WARMUP_PER_WORKER * workers,
            meter=meter,
        )
    return _result("obhub", workers, requests, measured, meter.stop())


def issuance_body(achievement_id: str) -> dict[str, Any]:
    """The body of every issuance request (and of the reference endpoint's requests)."""
    return {
        "achievement_id": achievement_id,
        "recipient": {"email": "camille.martin@example.fr"},
        "evidence": [{"narrative": "Évaluation pratique réussie."}],
    }


def reference(workers: int, requests: int, data_dir: Path) -> Result:
    """The trivial FastAPI endpoint (:mod:`bench.reference_app`), same body, same load."""
    port = _free_port()
    env = _environment(data_dir)
    server = start_server(
        env, port, workers, data_dir / f"reference-{workers}.log", "bench.reference_app:create_app"
    )
    try:

        async def main() -> Result:
            base_url = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base_url, timeout=5) as probe:
                await _wait_ready(probe, server)
            body = issuance_body(str(uuid.uuid4()))
            measured = load(
                base_url, "/echo", body, {}, requests=requests, warmup=WARMUP_PER_WORKER * workers
            )
            return _result("reference", workers, requests, measured)

        return asyncio.run(main())
    finally:
        _stop(server)


def _postgres_database(server: str) -> tuple[str, Callable[[], None]]:
    """A fresh database on ``server``; its URL and how to drop it."""
    name = f"obhub_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server).set(database=name).render_as_string(hide_password=False), drop


def run_one(workers: int, requests: int, postgres: str | None = None) -> Result:
    """Issuance with ``workers`` workers on SQLite, or on a fresh database of ``postgres``."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"obhub-bench-{workers}w-"))
    drop: Callable[[], None] | None = None
    try:
        env = _environment(data_dir)
        if postgres is not None:
            url, drop = _postgres_database(postgres)
            env["OBHUB_DATABASE_URL"] = url
        client_id, secret = _prepare(env)
        port = _free_port()
        server = start_server(env, port, workers, data_dir / f"uvicorn-{workers}.log")
        try:

            async def main() -> Result:
                base_url = f"http://127.0.0.1:{port}"
                async with httpx.AsyncClient(base_url=base_url, timeout=5) as probe:
                    await _wait_ready(probe, server)
                meter = _CpuMeter(server.pid, postgres is not None)
                return await _drive(base_url, client_id, secret, workers, requests, meter=meter)

            return asyncio.run(main())
        finally:
            _stop(server)
    finally:
        if drop is not None:
            drop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _unpin() -> None:
    """Undo ``bench.core``'s pinning: the server's workers must see every CPU."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, range(os.cpu_count() or 1))


def _plural(workers: int) -> str:
    return f"{workers} worker{'s' if workers > 1 else ''}"


def figures(
    database: str, results: dict[int, Result], references: dict[int, Result], core_sign: float
) -> list[Figure]:
    """Per worker vs the core signing rate, 2 workers vs 1, and vs the trivial endpoint."""
    group = (
        f"issuance over HTTP ({database}) — POST /issuers/region/credentials, eddsa-rdfc-2022, "
        f"{CONCURRENCY} in flight; {os.cpu_count()} CPU(s) shared with the load generator"
    )
    out: list[Figure] = []
    one = results[1]
    for workers, result in results.items():
        note = f"p50 {result.p50_ms} ms, p99 {result.p99_ms} ms, {result.errors} errors"
        if result.server_cpu_ms is not None:
            note += f"; server CPU {result.server_cpu_ms} ms/request"
        if result.postgres_cpu_ms is not None:
            note += f", PostgreSQL CPU {result.postgres_cpu_ms} ms/request"
        out.append(
            Figure(
                group,
                f"{database} issuance per worker, {_plural(workers)}",
                result.requests_per_s / workers,
                "req/s",
                "core eddsa-rdfc-2022 sign",
                core_sign,
                Target("ratio_at_least", PER_WORKER_OF_CORE) if workers == 1 else None,
                note=note,
            )
        )
        if workers > 1:
            out.append(
                Figure(
                    group,
                    f"{database} issuance, {_plural(workers)} / 1 worker",
                    result.requests_per_s,
                    "req/s",
                    f"{database} issuance, 1 worker",
                    one.requests_per_s,
                    Target("ratio_at_least", SCALING_FLOOR),
                )
            )
        if workers in references:
            out.append(
                Figure(
                    group,
                    f"{database} issuance vs trivial endpoint, {_plural(workers)}",
                    result.requests_per_s,
                    "req/s",
                    "trivial FastAPI POST, same load",
                    references[workers].requests_per_s,
                    note=f"trivial endpoint p99 {references[workers].p99_ms} ms",
                )
            )
        out.append(
            Figure(
                group,
                f"{database} errors, {_plural(workers)}",
                result.errors,
                "",
                target=Target("at_most", 0),
            )
        )
    return out


def run_all(
    *, requests: int, core_sign: float, postgres: str | None
) -> tuple[list[Figure], list[Result]]:
    """SQLite (and PostgreSQL when given), 1 and 2 workers, the trivial endpoint too."""
    _unpin()
    data_dir = Path(tempfile.mkdtemp(prefix="obhub-bench-reference-"))
    try:
        references = {w: reference(w, requests, data_dir) for w in WORKER_COUNTS}
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    out: list[Figure] = []
    raw = list(references.values())
    databases: dict[str, str | None] = {"SQLite": None}
    if postgres is not None:
        databases["PostgreSQL"] = postgres
    for database, server in databases.items():
        results = {w: run_one(w, requests, server) for w in WORKER_COUNTS}
        raw.extend(results.values())
        out.extend(figures(database, results, references, core_sign))
    os.makedirs(".benchmarks", exist_ok=True)
    with open(".benchmarks/issuance.json", "w", encoding="utf-8") as handle:
        json.dump([asdict(r) for r in raw], handle, indent=2)
    return out, raw
