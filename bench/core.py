"""Credential core throughput: eddsa-rdfc-2022 and VC-JWT, against raw Ed25519.

Single process, pinned to one core. Each figure is the median over batches
(per-operation time = batch time / batch size), reported as ms/op and ops/s.
The issue floors are checked; the run fails (exit 1) if one is missed.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.fixtures import regional_credential
from obcore import did
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity, vcjwt
from obcore.resolve import LocalResolver
from verify.pipeline import VerifyOptions, verify

# ops/s floors per core
FLOORS = {
    "eddsa-rdfc-2022 sign": 600.0,
    "eddsa-rdfc-2022 verify": 600.0,
    "VC-JWT (EdDSA) sign": 5000.0,
    "VC-JWT (EdDSA) verify": 3000.0,
}


@dataclass
class Result:
    name: str
    median_ms: float
    ops_per_s: float
    floor: float | None

    @property
    def ok(self) -> bool:
        return self.floor is None or self.ops_per_s >= self.floor


def measure(
    name: str,
    fn: Callable[[], object],
    *,
    batch: int,
    batches: int = 30,
    floors: Mapping[str, float] = FLOORS,
) -> Result:
    """Median per-operation time of ``fn`` over ``batches`` batches of ``batch`` calls."""
    for _ in range(max(5, batch)):
        fn()
    samples = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter() - start) / batch)
    median = statistics.median(samples)
    return Result(name, median * 1000, 1 / median, floors.get(name))


def pin_to_one_core() -> int | None:
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[-1]})
    except (AttributeError, OSError):
        return None
    return cpus[-1]


def print_results(results: Sequence[Result]) -> None:
    """The results as a table: median ms, ops/s and the floor, marked when missed."""
    print(f"{'operation':44s} {'median ms':>10s} {'ops/s':>10s} {'floor':>8s}")
    for r in results:
        floor = f"{r.floor:.0f}" if r.floor else "-"
        mark = "" if r.floor is None else ("  ok" if r.ok else "  BELOW FLOOR")
        print(f"{r.name:44s} {r.median_ms:10.3f} {r.ops_per_s:10.0f} {floor:>8s}{mark}")


def run() -> tuple[list[Result], dict[str, Any]]:
    key = KeyPair.generate("ed25519")
    key = key.with_ids(did.did_key_vm_id(key.public), did.did_key_for(key.public))
    credential = regional_credential()
    credential["issuer"]["id"] = key.controller
    resolver = LocalResolver()
    signed = dataintegrity.add_proof(credential, key)
    token = vcjwt.sign_vc_jwt(credential, key)
    message = os.urandom(64)
    signature = key.sign(message)
    checks = dataintegrity.verify_document(signed, resolver)
    if dataintegrity.overall(checks) != "valid" or not key.public.verify(signature, message):
        raise SystemExit("benchmark inputs do not verify")
    options = VerifyOptions(resolver=resolver)
    results = [
        measure("raw Ed25519 sign (64 B)", lambda: key.sign(message), batch=500),
        measure(
            "raw Ed25519 verify (64 B)", lambda: key.public.verify(signature, message), batch=500
        ),
        measure("eddsa-rdfc-2022 sign", lambda: dataintegrity.add_proof(credential, key), batch=20),
        measure(
            "eddsa-rdfc-2022 verify",
            lambda: dataintegrity.verify_document(signed, resolver),
            batch=20,
        ),
        measure("VC-JWT (EdDSA) sign", lambda: vcjwt.sign_vc_jwt(credential, key), batch=200),
        measure("VC-JWT (EdDSA) verify", lambda: vcjwt.verify_vc_jwt(token, resolver), batch=200),
        measure(
            "full report, DI credential (all checks)", lambda: verify(signed, options), batch=20
        ),
        measure("full report, VC-JWT (all checks)", lambda: verify(token, options), batch=20),
    ]
    meta = {
        "credential_bytes": len(json.dumps(credential, ensure_ascii=False).encode("utf-8")),
        "signed_bytes": len(json.dumps(signed, ensure_ascii=False).encode("utf-8")),
        "alignments": len(credential["credentialSubject"]["achievement"]["alignment"]),
        "evidence": len(credential["evidence"]),
    }
    return results, meta


def main() -> int:
    core = pin_to_one_core()
    results, meta = run()
    print(
        f"obhub credential core — one process pinned to core {core}; "
        f"credential {meta['credential_bytes']} B ({meta['signed_bytes']} B signed), "
        f"{meta['alignments']} alignments, {meta['evidence']} evidence items"
    )
    print_results(results)
    by_name = {r.name: r for r in results}
    raw_verify = by_name["raw Ed25519 verify (64 B)"].median_ms
    raw_sign = by_name["raw Ed25519 sign (64 B)"].median_ms
    di_verify = by_name["eddsa-rdfc-2022 verify"].median_ms / raw_verify
    di_sign = by_name["eddsa-rdfc-2022 sign"].median_ms / raw_sign
    print(f"ratio to raw Ed25519: DI verify {di_verify:.1f}x, DI sign {di_sign:.1f}x")
    os.makedirs(".benchmarks", exist_ok=True)
    with open(".benchmarks/core.json", "w", encoding="utf-8") as handle:
        json.dump({"meta": meta, "results": [r.__dict__ for r in results]}, handle, indent=2)
    return 0 if all(r.ok for r in results) else 1
