"""Verification throughput of the real service: ``POST /verify`` over HTTP.

For each worker count (1, then 2) the benchmark:

1. makes a throw-away data directory and runs ``obhub migrate``;
2. starts ``uvicorn issuer_api.app:create_app --factory --workers N`` on 127.0.0.1 and a
   free port, and waits for ``/readyz``;
3. for each input — (a) an OB 3.0 credential (~3 KB) with an eddsa-rdfc-2022 proof,
   (b) the same credential as a VC-JWT (EdDSA), both signed by a did:key so they
   resolve offline — checks that the first answer says ``verdict: valid``, warms
   every worker up, then for each concurrency (8, then 32) sends a fixed number of
   requests from one asyncio client and stops by itself.

It reports requests per second (completed requests / wall time) and the p50/p99
latency seen by the client. An error is any answer other than 200 ``valid``. There
is no floor: ``python -m bench`` reports these figures and never fails on them. The
load generator shares the machine's CPUs with the server: the figures are a floor of
what the service does. ``OBHUB_BENCH_REQUESTS`` overrides the request count (2,000).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.fixtures import regional_credential
from bench.issuance import _environment, _free_port, _obhub, _start, _stop, _unpin, _wait_ready
from obcore import did
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity, vcjwt

REQUESTS = int(os.environ.get("OBHUB_BENCH_REQUESTS", "2000"))
CONCURRENCIES = (8, 32)
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


async def _one(client: httpx.AsyncClient, item: Input) -> tuple[float, bool]:
    started = time.perf_counter()
    response = await client.post(
        "/verify", content=item.body, headers={"content-type": item.content_type}
    )
    elapsed = time.perf_counter() - started
    ok = response.status_code == 200 and response.json().get("verdict") == "valid"
    return elapsed, ok


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


async def _drive(base_url: str, workers: int) -> list[Result]:
    limit = max(CONCURRENCIES)
    limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
    results: list[Result] = []
    async with httpx.AsyncClient(
        base_url=base_url, timeout=REQUEST_TIMEOUT_S, limits=limits
    ) as client:
        for item in inputs():
            await _check_first(client, item)
            # Warm up every worker (contexts, schemas, connection pools).
            await asyncio.gather(*(_one(client, item) for _ in range(WARMUP_PER_WORKER * workers)))
            for concurrency in CONCURRENCIES:
                semaphore = asyncio.Semaphore(concurrency)

                async def bounded(item: Input = item, sem: asyncio.Semaphore = semaphore) -> Any:
                    async with sem:
                        return await _one(client, item)

                started = time.perf_counter()
                outcomes = await asyncio.gather(*(bounded() for _ in range(REQUESTS)))
                elapsed = time.perf_counter() - started
                latencies = sorted(seconds for seconds, _ in outcomes)
                cuts = statistics.quantiles(latencies, n=100, method="inclusive")
                results.append(
                    Result(
                        workers=workers,
                        input=item.name,
                        concurrency=concurrency,
                        requests=REQUESTS,
                        seconds=round(elapsed, 3),
                        requests_per_s=round(REQUESTS / elapsed, 1),
                        p50_ms=round(statistics.median(latencies) * 1000, 2),
                        p99_ms=round(cuts[98] * 1000, 2),
                        errors=sum(1 for _, ok in outcomes if not ok),
                    )
                )
    return results


def run_one(workers: int) -> list[Result]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"obhub-bench-verify-{workers}w-"))
    try:
        _migrate(data_dir)
        port = _free_port()
        server = _start(data_dir, port, workers)
        try:

            async def main() -> list[Result]:
                base_url = f"http://127.0.0.1:{port}"
                async with httpx.AsyncClient(base_url=base_url, timeout=5) as probe:
                    await _wait_ready(probe, server)
                return await _drive(base_url, workers)

            return asyncio.run(main())
        finally:
            _stop(server)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> int:
    """Run and print the table; 1 if any answer was not 200 ``valid`` (no floor)."""
    _unpin()
    try:
        results = [r for workers in WORKER_COUNTS for r in run_one(workers)]
    except InputNotValidError as exc:
        print(f"verify_http: not run, an input does not verify: {exc}", file=sys.stderr)
        return 1
    print()
    print(
        f"obhub verification over HTTP — POST /verify, uvicorn on 127.0.0.1, did:key "
        f"(offline) issuer, ~3 KB OB 3.0 credential; {os.cpu_count()} CPU(s) shared with "
        f"the load generator"
    )
    print(
        f"{'workers':>7s}  {'input':24s} {'in flight':>9s} {'requests':>9s} {'req/s':>8s} "
        f"{'p50 ms':>8s} {'p99 ms':>8s} {'errors':>7s}"
    )
    for r in results:
        print(
            f"{r.workers:7d}  {r.input:24s} {r.concurrency:9d} {r.requests:9d} "
            f"{r.requests_per_s:8.1f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.errors:7d}"
        )
    os.makedirs(".benchmarks", exist_ok=True)
    with open(".benchmarks/verify_http.json", "w", encoding="utf-8") as handle:
        json.dump({"results": [asdict(r) for r in results]}, handle, indent=2)
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
