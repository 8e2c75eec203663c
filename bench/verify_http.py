"""Verification throughput of the real service: ``POST /verify`` over HTTP.

For each worker count (1, then 2) the benchmark:

1. makes a throw-away data directory and runs ``obhub migrate``;
2. starts ``uvicorn issuer_api.app:create_app --factory --workers N`` on 127.0.0.1 and a
   free port, and waits for ``/readyz``;
3. for each input — (a) an OB 3.0 credential (~3 KB) with an eddsa-rdfc-2022 proof,
   (b) the same credential as a VC-JWT (EdDSA), both signed by a did:key so they
   resolve offline — checks that the first answer says ``verdict: valid``, warms
   every worker up, then sends a fixed number of requests from the load generator's
   own process (:mod:`bench.loadgen`), and stops the server.

It reports requests per second (completed requests / wall time) and the p50/p99
latency seen by the client. An error is any answer other than 200 (the first answer
of each input is checked ``valid``; the load generator reads status codes only). The
reference is the verification pipeline's rate on one core (the full report, measured
by :mod:`bench.core` in the same run): one worker must answer at least 70 % of it.
The load generator shares the machine's CPUs with the server. ``OBHUB_BENCH_REQUESTS``
overrides the request count (3,000).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from bench import loadgen
from bench.fixtures import regional_credential
from bench.issuance import (
    _environment,
    _free_port,
    _obhub,
    _stop,
    _unpin,
    _wait_ready,
    start_server,
)
from bench.report import Figure, Target
from obcore import did
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity, vcjwt

REQUESTS = int(os.environ.get("OBHUB_BENCH_REQUESTS", "3000"))
CONCURRENCIES = (16,)
# target: one worker's /verify rate / the verification pipeline's rate on one core
PER_WORKER_OF_PIPELINE = 0.7
WORKER_COUNTS = (1, 2)
WARMUP_PER_WORKER = 20
REQUEST_TIMEOUT_S = 60.0


class InputNotValidError(Exception):
    """A benchmark input was not answered 200 ``valid``: the figures would mean nothing."""


@dataclass(frozen=True)
class Input:
    name: str
    content_type: str
    body: bytes


@dataclass
class Result:
    workers: int
    input: str
    concurrency: int
    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def inputs() -> list[Input]:
    """The two badges, signed by a did:key (verified with no network)."""
    key = KeyPair.from_ed25519_seed(bytes(range(32)))
    key = key.with_ids(did.did_key_vm_id(key.public), did.did_key_for(key.public))
    credential = regional_credential()
    credential["issuer"]["id"] = key.controller
    signed = dataintegrity.add_proof(credential, key)
    token = vcjwt.sign_vc_jwt(credential, key)
    return [
        Input(
            "eddsa-rdfc-2022 (JSON)",
            "application/json",
            json.dumps(signed, ensure_ascii=False).encode("utf-8"),
        ),
        Input("VC-JWT EdDSA (text)", "text/plain", token.encode("ascii")),
    ]


def _migrate(data_dir: Path) -> None:
    subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [*_obhub(), "migrate"],
        env=_environment(data_dir),
        check=True,
        capture_output=True,
        timeout=120,
    )


async def _check_first(client: httpx.AsyncClient, item: Input) -> None:
    response = await client.post(
        "/verify", content=item.body, headers={"content-type": item.content_type}
    )
    if response.status_code != 200:
        raise InputNotValidError(
            f"{item.name}: answered {response.status_code}: {response.text[:300]}"
        )
    report = response.json()
    if report.get("verdict") != "valid":
        failing = [
            (c.get("id"), c.get("code"))
            for c in report.get("checks", [])
            if c.get("status") not in ("valid", "skipped")
        ]
        raise InputNotValidError(f"{item.name}: verdict {report.get('verdict')}: {failing}")


async def _drive(base_url: str, workers: int, requests: int) -> list[Result]:
    host, _, port = base_url.removeprefix("http://").partition(":")
    results: list[Result] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
        for item in inputs():
            await _check_first(client, item)
            request = loadgen.request_bytes(
                "POST", "/verify", f"{host}:{port}", item.body, {"content-type": item.content_type}
            )
            for concurrency in CONCURRENCIES:
                # the warm-up reaches every worker (contexts, schemas, connection pools)
                outcome = await asyncio.to_thread(
                    loadgen.run,
                    host,
                    int(port),
                    [request],
                    total=requests,
                    warmup=WARMUP_PER_WORKER * workers,
                    concurrency=concurrency,
                    expected=(200,),
                )
                results.append(
                    Result(
                        workers=workers,
                        input=item.name,
                        concurrency=concurrency,
                        requests=outcome.requests,
                        seconds=outcome.seconds,
                        requests_per_s=outcome.requests_per_s,
                        p50_ms=outcome.p50_ms,
                        p99_ms=outcome.p99_ms,
                        errors=outcome.errors,
                    )
                )
    return results


def run_one(workers: int, requests: int) -> list[Result]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"obhub-bench-verify-{workers}w-"))
    try:
        _migrate(data_dir)
        port = _free_port()
        env = _environment(data_dir)
        server = start_server(env, port, workers, data_dir / f"uvicorn-{workers}.log")
        try:

            async def main() -> list[Result]:
                base_url = f"http://127.0.0.1:{port}"
                async with httpx.AsyncClient(base_url=base_url, timeout=5) as probe:
                    await _wait_ready(probe, server)
                return await _drive(base_url, workers, requests)

            return asyncio.run(main())
        finally:
            _stop(server)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def figures(results: list[Result], pipeline: dict[str, float]) -> list[Figure]:
    """Per worker vs the verification pipeline's rate (same run), 2 workers vs 1."""
    group = (
        f"verification over HTTP — POST /verify, did:key issuer (offline), "
        f"{CONCURRENCIES[0]} in flight; {os.cpu_count()} CPU(s) shared with the load generator"
    )
    out: list[Figure] = []
    ones = {r.input: r for r in results if r.workers == 1}
    for result in results:
        note = f"p50 {result.p50_ms} ms, p99 {result.p99_ms} ms, {result.errors} errors"
        workers = f"{result.workers} worker{'s' if result.workers > 1 else ''}"
        out.append(
            Figure(
                group,
                f"{result.input} per worker, {workers}",
                result.requests_per_s / result.workers,
                "req/s",
                "verification pipeline, one core",
                pipeline[result.input],
                Target("ratio_at_least", PER_WORKER_OF_PIPELINE) if result.workers == 1 else None,
                note=note,
            )
        )
        if result.workers > 1:
            out.append(
                Figure(
                    group,
                    f"{result.input}, {workers} / 1 worker",
                    result.requests_per_s,
                    "req/s",
                    "the same, 1 worker",
                    ones[result.input].requests_per_s,
                )
            )
        out.append(
            Figure(
                group,
                f"{result.input} errors, {workers}",
                result.errors,
                "",
                target=Target("at_most", 0),
            )
        )
    return out


def run_all(*, requests: int, pipeline: dict[str, float]) -> tuple[list[Figure], list[Result]]:
    """1 and 2 workers; ``pipeline``: the core's full-report rate per input name."""
    _unpin()
    results = [r for workers in WORKER_COUNTS for r in run_one(workers, requests)]
    os.makedirs(".benchmarks", exist_ok=True)
    with open(".benchmarks/verify_http.json", "w", encoding="utf-8") as handle:
        json.dump({"results": [asdict(r) for r in results]}, handle, indent=2)
    return figures(results, pipeline), results
