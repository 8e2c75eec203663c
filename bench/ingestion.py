"""Partner ingestion under load, on PostgreSQL: signed webhooks in, verified badges out.

1. A fresh PostgreSQL database (``OBHUB_BENCH_PG``, default the local server's
   ``test`` database is used to create ``obhub_bench_<random>``), migrated; a KEK in
   the environment of every process.
2. ``PARTNERS`` partners, each with its own did:key issuer, trusted-issuer entry and
   webhook secret (written straight to the database); ``BADGES`` OB 3.0 credentials
   (eddsa-rdfc-2022, hashed-email recipients, aligned on the Normandie référentiel)
   spread over ``LEARNERS`` learners, signed before the clock starts.
3. **Acknowledgement**: ``uvicorn --workers 2`` serves the API with no job runner; the
   load generator sends one signed webhook per badge (Standard Webhooks headers,
   ``CONCURRENCY`` in flight), plus ``REPLAYS`` replays of already-sent webhook ids
   and ``RESENT`` deliveries of already-sent credentials under new ids; the first
   ``ACK_WARMUP`` (64) are a warm-up, left out of the figures. Half of the rest are sent
   as fast as they are acknowledged (closed loop: deliveries acknowledged per second),
   the other half due at 300 per second whatever the answers (open loop: p50/p99
   acknowledgement latency at that load, from when each was due). Also the CPU
   time the API processes and the PostgreSQL server spent per delivery.
4. **Processing**: the API stops; 1 or 2 ``obhub worker`` processes (procrastinate)
   verify and store every badge, evaluate every learner and mint the regional badges.
   Reported: badges **fully processed** per second (verified, stored, evaluated,
   regional badges minted), from the first badge processed (the database's timestamp;
   the workers' start-up before it is reported apart) until no item is pending and no
   regional evaluation is waiting (polled every 0.1 s), with the CPU time the
   workers and the PostgreSQL server spent per badge (read from ``/proc``, start-up
   included); and, for reference, badges verified and stored per second (from the
   workers' start until no item is pending, evaluations still running).
5. **Accounting**: every delivery acknowledged is in the inbox exactly once; every
   item is final; one stored badge per distinct credential; resent credentials are
   ``duplicate``; nothing lost, nothing duplicated.

The whole run is done with 1 worker, then with 2. Targets (2-core machine, load
generator included): 300 badges/s fully processed with 2 workers and 1.6 times the
1-worker rate, acknowledgement p99 at most 50 ms, 300 deliveries/s acknowledged, zero lost,
zero duplicated.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from bench import loadgen
from bench.issuance import _free_port, _obhub, _stop, _unpin, _wait_ready, start_server
from bench.report import Figure, Target
from issuer_api.regional.service import EVALUATE_TASK
from obcore import did, keywrap
from obcore.identity import make_identity_object
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity

SERVER = os.environ.get("OBHUB_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PARTNERS = int(os.environ.get("OBHUB_BENCH_PARTNERS", "5"))
BADGES = int(os.environ.get("OBHUB_BENCH_BADGES", "3000"))
LEARNERS = int(os.environ.get("OBHUB_BENCH_LEARNERS", "600"))
CONCURRENCY = int(os.environ.get("OBHUB_BENCH_CONCURRENCY", "32"))
WORKERS = int(os.environ.get("OBHUB_BENCH_WORKERS", "2"))
ACK_FLOOR = 300.0
ACK_WARMUP = 64
PROCESSED_FLOOR = 300.0
ACK_P99_CEILING_MS = 50.0
SCALING_FLOOR = 1.6
PROCESS_TIMEOUT_S = 900.0
COMPETENCIES = ("organiser", "s-adapter", "communiquer", "s-integrer")


@dataclass
class Result:
    workers: int
    partners: int
    learners: int
    deliveries_sent: int
    deliveries_acknowledged: int
    ack_seconds: float
    ack_per_s: float
    ack_p50_ms: float  # open loop, ACK_FLOOR deliveries due per second
    ack_p99_ms: float
    ack_saturated_p99_ms: float  # closed loop, CONCURRENCY in flight
    ack_errors: int
    api_cpu_ms_per_delivery: float
    ack_postgres_cpu_ms_per_delivery: float | None
    items: int
    process_seconds: float
    processed_per_s: float
    accepted: int
    duplicate: int
    rejected: int
    failed: int
    pending: int
    stored_badges: int
    distinct_credentials: int
    lost: int
    duplicated: int
    regional_awards: int
    worker_cpu_ms_per_badge: float
    postgres_cpu_ms_per_badge: float | None
    settled_seconds: float
    startup_seconds: float  # the workers' start to the first badge processed
    full_seconds: float  # the first badge processed to no evaluation waiting
    fully_processed_per_s: float
    full_worker_cpu_ms_per_badge: float
    full_postgres_cpu_ms_per_badge: float | None


@dataclass(frozen=True)
class Partner:
    id: str
    key: KeyPair
    secret: str


@dataclass(frozen=True)
class Delivery:
    partner: Partner
    webhook_id: str
    body: bytes


def _database() -> tuple[str, Engine]:
    name = f"obhub_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(SERVER), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    return url, admin


def _environment(data_dir: Path, url: str, kek: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBHUB_")}
    env.update(
        OBHUB_DATA_DIR=str(data_dir),
        OBHUB_DATABASE_URL=url,
        OBHUB_KEK=kek,
        OBHUB_LOG_LEVEL="WARNING",
        OBHUB_RUN_JOBS_IN_PROCESS="false",
    )
    return env


def _partners(engine: Engine, kek: bytes) -> list[Partner]:
    partners = []
    with engine.begin() as connection:
        for number in range(PARTNERS):
            key = KeyPair.from_ed25519_seed(hashlib.sha256(f"partner-{number}".encode()).digest())
            key = key.with_ids(did.did_key_vm_id(key.public), did.did_key_for(key.public))
            partner_id = str(uuid.uuid4())
            secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
            now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
            connection.execute(
                text(
                    "INSERT INTO partner (id, slug, name, state, created_at) "
                    "VALUES (:id, :slug, :name, 'active', :now)"
                ),
                {
                    "id": partner_id,
                    "slug": f"partner-{number}",
                    "name": f"Partner {number}",
                    "now": now,
                },
            )
            connection.execute(
                text(
                    "INSERT INTO partner_trusted_issuer (partner_id, identifier, kind, created_at) "
                    "VALUES (:p, :i, 'did', :now)"
                ),
                {"p": partner_id, "i": key.controller, "now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO partner_webhook_secret (id, partner_id, sealed, hint, created_at) "
                    "VALUES (:id, :p, CAST(:sealed AS jsonb), :hint, :now)"
                ),
                {
                    "id": str(uuid.uuid4()),
                    "p": partner_id,
                    "sealed": json.dumps(keywrap.seal_text(secret, kek, keywrap.SECRET_PURPOSE)),
                    "hint": secret[:10],
                    "now": now,
                },
            )
            partners.append(Partner(partner_id, key, secret))
    return partners


def _credential(partner: Partner, number: int, email: str) -> dict[str, Any]:
    competency = COMPETENCIES[number % len(COMPETENCIES)]
    target = f"https://badges.normandie.fr/referentiel/competences/{competency}"
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": partner.key.controller, "type": ["Profile"], "name": "Partenaire"},
        "validFrom": "2026-09-01T09:00:00Z",
        "name": f"Atelier {number}",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [make_identity_object(email)],
            "achievement": {
                "id": f"https://partner.example/achievements/{number % 40}",
                "type": ["Achievement"],
                "name": f"Atelier {number % 40}",
                "description": "Atelier de mise en situation professionnelle.",
                "criteria": {"narrative": "Participation et production évaluée."},
                "alignment": [
                    {"type": ["Alignment"], "targetName": competency, "targetUrl": target}
                ],
            },
        },
    }
    return dataintegrity.add_proof(document, partner.key)


def _deliveries(partners: list[Partner], badges: int) -> tuple[list[Delivery], list[Delivery], int]:
    rng = random.Random(7)  # noqa: S311 - a reproducible workload
    first: list[Delivery] = []
    bodies: list[tuple[Partner, dict[str, Any]]] = []
    for number in range(badges):
        partner = partners[number % len(partners)]
        email = f"apprenant.{rng.randrange(LEARNERS)}@example.fr"
        badge = {"credential": _credential(partner, number, email), "recipient": {"email": email}}
        bodies.append((partner, badge))
        body = json.dumps({"badges": [badge]}).encode()
        first.append(Delivery(partner, f"msg_{uuid.uuid4().hex}", body))
    extra = [rng.choice(first) for _ in range(badges // 20)]  # same webhook id: replays
    for partner, badge in rng.sample(bodies, badges // 20):  # same credential, new id
        body = json.dumps({"badges": [badge]}).encode()
        extra.append(Delivery(partner, f"msg_{uuid.uuid4().hex}", body))
    return first, extra, badges


def _sign(delivery: Delivery) -> dict[str, str]:
    timestamp = str(int(time.time()))
    key = base64.b64decode(delivery.partner.secret.removeprefix("whsec_"))
    content = f"{delivery.webhook_id}.{timestamp}.".encode() + delivery.body
    signature = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    return {
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": f"v1,{signature}",
        "content-type": "application/json",
    }


def _request_bytes(delivery: Delivery, host: str) -> bytes:
    """The whole HTTP/1.1 request, signed in advance (timestamps stay valid 5 minutes)."""
    lines = [
        f"POST /webhooks/partners/{delivery.partner.id} HTTP/1.1",
        f"host: {host}",
        f"content-length: {len(delivery.body)}",
        *(f"{name}: {value}" for name, value in _sign(delivery).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + delivery.body


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT outcome, count(*) FROM delivery_item GROUP BY outcome")
        ).all()
        counts = {str(outcome): int(n) for outcome, n in rows}
        counts["deliveries"] = int(connection.scalar(text("SELECT count(*) FROM delivery")) or 0)
        counts["stored"] = int(connection.scalar(text("SELECT count(*) FROM partner_badge")) or 0)
        counts["awards"] = int(connection.scalar(text("SELECT count(*) FROM regional_award")) or 0)
    return counts


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int | str) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name; None once it has exited."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:  # gone meanwhile (ProcessLookupError), or no /proc
        return None


def _cpu_seconds(pid: int, *, children: bool = False, fields: list[str] | None = None) -> float:
    """User + system CPU of a process (``children``: of its waited-for children too)."""
    fields = fields or _stat(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / _TICKS


def _tree_cpu_seconds(pid: int) -> float:
    """CPU of a process and of its live descendants (uvicorn and its workers)."""
    total = _cpu_seconds(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(_tree_cpu_seconds(int(child)) for child in children)


def _postgres_cpu_seconds() -> float | None:
    """CPU used by the local PostgreSQL server so far: live processes, plus what ended
    backends left to the postmaster; None where /proc cannot tell (another OS)."""
    if not Path("/proc/self/stat").exists():
        return None
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or _comm(entry.name) not in _POSTGRES:
            continue
        fields = _stat(entry.name)
        if fields is None:
            continue
        is_postmaster = _comm(fields[1]) not in _POSTGRES  # its parent is not postgres
        total += _cpu_seconds(int(entry.name), children=is_postmaster, fields=fields)
    return total


_POSTGRES = ("postgres", "postmaster")


def _comm(pid: int | str) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _evaluations_waiting(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_jobs "
                    "WHERE task_name = :task AND status IN ('todo', 'doing')"
                ),
                {"task": EVALUATE_TASK},
            )
            or 0
        )


@dataclass(frozen=True)
class _Acknowledged:
    p50_ms: float
    p99_ms: float
    acknowledged: int
    errors: int
    seconds: float  # the closed-loop half
    per_s: float  # deliveries acknowledged per second, closed loop
    closed_p99_ms: float  # p99 in the closed loop (saturation: CONCURRENCY / rate)
    api_cpu: float
    postgres_cpu: float | None


@dataclass(frozen=True)
class _Processed:
    seconds: float
    settled_seconds: float
    worker_cpu: float
    postgres_cpu: float | None
    startup_seconds: float
    full_seconds: float
    full_worker_cpu: float
    full_postgres_cpu: float | None


def _first_processed(engine: Engine) -> float | None:
    """When the first item was processed (epoch seconds, the database's timestamp)."""
    with engine.connect() as connection:
        first = connection.scalar(text("SELECT min(processed_at) FROM delivery_item"))
    return first.timestamp() if first is not None else None


def _postgres_cpu_since(before: float | None) -> float | None:
    after = _postgres_cpu_seconds()
    return after - before if before is not None and after is not None else None


def _per(total: float | None, count: int) -> float | None:
    return round(1000 * total / max(count, 1), 2) if total is not None else None


def _acknowledge(env: dict[str, str], data_dir: Path, deliveries: list[Delivery]) -> _Acknowledged:
    """Phase 3: the API alone, every delivery sent; the API stops afterwards."""
    port = _free_port()
    api = start_server(env, port, 2, data_dir / "api.log")

    async def ready() -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as probe:
            await _wait_ready(probe, api)

    try:
        asyncio.run(ready())
        # built and signed before the clock starts (timestamps stay valid 5 minutes)
        requests = [_request_bytes(delivery, f"127.0.0.1:{port}") for delivery in deliveries]
        postgres_before = _postgres_cpu_seconds()
        api_before = _tree_cpu_seconds(api.pid)
        # The first ACK_WARMUP deliveries (sent and stored like the others) are left out
        # of every figure: they measure the processes' start, not the service. Then half
        # of the rest as fast as the API acknowledges them (closed loop: the rate), the
        # other half due at ACK_FLOOR per second (open loop: the latency at that load).
        warmup = min(ACK_WARMUP, len(requests) // 10)
        half = (len(requests) - warmup) // 2
        fastest = loadgen.run(
            "127.0.0.1",
            port,
            requests[: warmup + half],
            total=half,
            warmup=warmup,
            concurrency=CONCURRENCY,
            expected=(202,),
        )
        paced = loadgen.run(
            "127.0.0.1",
            port,
            requests[warmup + half :],
            total=len(requests) - warmup - half,
            concurrency=CONCURRENCY,
            expected=(202,),
            rate=ACK_FLOOR,
        )
        warmup_errors = sum(n for code, n in fastest.warmup_statuses.items() if code != "202")
        return _Acknowledged(
            paced.p50_ms,
            paced.p99_ms,
            fastest.statuses.get("202", 0)
            + fastest.warmup_statuses.get("202", 0)
            + paced.statuses.get("202", 0),
            fastest.errors + warmup_errors + paced.errors,
            seconds=fastest.seconds,
            per_s=fastest.statuses.get("202", 0) / max(fastest.seconds, 1e-9),
            closed_p99_ms=fastest.p99_ms,
            api_cpu=_tree_cpu_seconds(api.pid) - api_before,
            postgres_cpu=_postgres_cpu_since(postgres_before),
        )
    finally:
        _stop(api)


def _process(env: dict[str, str], data_dir: Path, engine: Engine, count: int) -> _Processed:
    """Phase 4: the workers alone, until no item is pending, then no evaluation waits."""
    workers = [
        subprocess.Popen(  # noqa: S603 - our own CLI
            [*_obhub(), "worker", "--concurrency", "4"],
            env=env,
            stdout=(data_dir / f"worker-{n}.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for n in range(count)
    ]
    started = time.monotonic()
    started_at = time.time()
    postgres_before = _postgres_cpu_seconds()
    try:
        while time.monotonic() - started < PROCESS_TIMEOUT_S:
            if _counts(engine).get("pending", 0) == 0:
                break
            time.sleep(0.5)
        seconds = time.monotonic() - started
        worker_cpu = sum(_cpu_seconds(worker.pid) for worker in workers)
        postgres_cpu = _postgres_cpu_since(postgres_before)
        while time.monotonic() - started < PROCESS_TIMEOUT_S and _evaluations_waiting(engine):
            time.sleep(0.1)
        settled = time.monotonic() - started
        full_worker_cpu = sum(_cpu_seconds(worker.pid) for worker in workers)
        full_postgres_cpu = _postgres_cpu_since(postgres_before)
        # A finished job leaves no row (the engine deletes it): the end is when no
        # evaluation is waiting any more, polled every 0.1 s.
        first = _first_processed(engine)
        startup = first - started_at if first is not None else 0.0
        full = settled - startup
        return _Processed(
            seconds,
            settled,
            worker_cpu,
            postgres_cpu,
            startup,
            full,
            full_worker_cpu,
            full_postgres_cpu,
        )
    finally:
        for worker in workers:
            _stop(worker)


def run(*, workers: int = WORKERS, badges: int = BADGES) -> Result:
    kek = keywrap.new_kek()
    url, admin = _database()
    data_dir = Path(tempfile.mkdtemp(prefix="obhub-bench-ingest-"))
    engine = create_engine(url)
    try:
        env = _environment(data_dir, url, kek)
        subprocess.run(  # noqa: S603 - our own CLI
            [*_obhub(), "migrate"], env=env, check=True, capture_output=True, timeout=300
        )
        partners = _partners(engine, keywrap.parse_kek(kek))
        first, extra, distinct = _deliveries(partners, badges)
        deliveries = first + extra
        ack = _acknowledge(env, data_dir, deliveries)
        processed = _process(env, data_dir, engine, workers)
        counts = _counts(engine)
        items = sum(
            counts.get(k, 0) for k in ("accepted", "duplicate", "rejected", "failed", "pending")
        )
        unique_ids = len({d.webhook_id for d in deliveries})
        return Result(
            workers=workers,
            partners=PARTNERS,
            learners=LEARNERS,
            deliveries_sent=len(deliveries),
            deliveries_acknowledged=ack.acknowledged,
            ack_seconds=round(ack.seconds, 2),
            ack_per_s=round(ack.per_s, 1),
            ack_p50_ms=ack.p50_ms,
            ack_p99_ms=ack.p99_ms,
            ack_saturated_p99_ms=ack.closed_p99_ms,
            ack_errors=ack.errors,
            api_cpu_ms_per_delivery=_per(ack.api_cpu, ack.acknowledged) or 0.0,
            ack_postgres_cpu_ms_per_delivery=_per(ack.postgres_cpu, ack.acknowledged),
            items=items,
            process_seconds=round(processed.seconds, 2),
            processed_per_s=round(items / processed.seconds, 1),
            accepted=counts.get("accepted", 0),
            duplicate=counts.get("duplicate", 0),
            rejected=counts.get("rejected", 0),
            failed=counts.get("failed", 0),
            pending=counts.get("pending", 0),
            stored_badges=counts["stored"],
            distinct_credentials=distinct,
            lost=max(0, unique_ids - counts["deliveries"]) + counts.get("pending", 0),
            duplicated=max(0, counts["deliveries"] - unique_ids)
            + max(0, counts["stored"] - distinct),
            regional_awards=counts["awards"],
            worker_cpu_ms_per_badge=_per(processed.worker_cpu, items) or 0.0,
            postgres_cpu_ms_per_badge=_per(processed.postgres_cpu, items),
            settled_seconds=round(processed.settled_seconds, 2),
            startup_seconds=round(processed.startup_seconds, 2),
            full_seconds=round(processed.full_seconds, 2),
            fully_processed_per_s=round(items / processed.full_seconds, 1)
            if processed.full_seconds > 0
            else 0.0,
            full_worker_cpu_ms_per_badge=_per(processed.full_worker_cpu, items) or 0.0,
            full_postgres_cpu_ms_per_badge=_per(processed.full_postgres_cpu, items),
        )
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(
                text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
            )
        admin.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)


def figures(results: list[Result]) -> list[Figure]:
    """Processing rate (absolute and 2 workers / 1), acknowledgement p99, accounting."""
    group = (
        f"partner ingestion on PostgreSQL — signed webhooks, {PARTNERS} partners, "
        f"{results[0].learners} learners, {os.cpu_count()} CPU(s) shared with the load generator"
    )
    out: list[Figure] = []
    one = results[0]
    for result in results:
        label = f"{result.workers} worker{'s' if result.workers > 1 else ''}"
        out.append(
            Figure(
                group,
                f"badges fully processed, {label}",
                result.fully_processed_per_s,
                "/s",
                target=Target("at_least", PROCESSED_FLOOR) if result.workers > 1 else None,
                note=(
                    f"{result.items} items verified, stored, evaluated, "
                    f"{result.regional_awards} regional badges minted in "
                    f"{result.full_seconds} s from the first badge processed (start-up "
                    f"{result.startup_seconds} s before it); worker CPU "
                    f"{result.full_worker_cpu_ms_per_badge} ms/badge, PostgreSQL CPU "
                    f"{result.full_postgres_cpu_ms_per_badge} ms/badge, start-up included"
                ),
            )
        )
        if result is not one:
            out.append(
                Figure(
                    group,
                    f"badges fully processed, {label} / 1 worker",
                    result.fully_processed_per_s,
                    "/s",
                    "badges fully processed, 1 worker",
                    one.fully_processed_per_s,
                    Target("ratio_at_least", SCALING_FLOOR),
                )
            )
        out.append(
            Figure(
                group,
                f"badges verified and stored, {label}",
                result.processed_per_s,
                "/s",
                note=(
                    f"no item pending {result.process_seconds} s after the workers' start "
                    f"(start-up included, evaluations still running); worker CPU "
                    f"{result.worker_cpu_ms_per_badge} ms/badge, PostgreSQL CPU "
                    f"{result.postgres_cpu_ms_per_badge} ms/badge until then"
                ),
            )
        )
        out.append(
            Figure(
                group,
                f"acknowledgement p99 at {ACK_FLOOR:.0f}/s (run with {label})",
                result.ack_p99_ms,
                "ms",
                target=Target("at_most", ACK_P99_CEILING_MS),
                note=(
                    f"{result.deliveries_acknowledged} of {result.deliveries_sent} deliveries "
                    f"acknowledged; p50 {result.ack_p50_ms} ms at {ACK_FLOOR:.0f}/s; at most "
                    f"{result.ack_per_s}/s with {CONCURRENCY} in flight, p99 "
                    f"{result.ack_saturated_p99_ms} ms; {result.ack_errors} errors"
                ),
            )
        )
        out.append(
            Figure(
                group,
                f"deliveries acknowledged (run with {label})",
                result.ack_per_s,
                "/s",
                target=Target("at_least", ACK_FLOOR),
            )
        )
        out.append(
            Figure(
                group,
                f"lost + duplicated (run with {label})",
                result.lost + result.duplicated,
                "",
                target=Target("at_most", 0),
            )
        )
    return out


def run_all(*, badges: int) -> tuple[list[Figure], list[Result]]:
    """One run with 1 worker, one with 2; the figures and the raw results."""
    _unpin()
    results = [run(workers=workers, badges=badges) for workers in (1, 2)]
    os.makedirs(".benchmarks", exist_ok=True)
    with open(".benchmarks/ingestion.json", "w", encoding="utf-8") as handle:
        json.dump([asdict(result) for result in results], handle, indent=2)
    return figures(results), results
