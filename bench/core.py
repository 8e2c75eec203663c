"""Credential core throughput: eddsa-rdfc-2022 and VC-JWT, against raw Ed25519.

Single process, pinned to one core. Each figure is the median over batches
(per-operation time = batch time / batch size), reported as ms/op and ops/s.
The issue floors are checked; the run fails (exit 1) if one is missed.

Canonicalization (:func:`canonicalization_main`): eddsa-rdfc-2022 sign and
verify time against credential size (10 to 640 evidence items), and the same
operations by Digital Bazaar's libraries (``interop/xverify/bench.mjs``, Node,
on the same core, in the same run) for ratios. Both sides are timed by the wall
clock and in CPU time of their process; the ratio targets are checked on CPU
time, which other load on a shared machine disturbs least.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.fixtures import credential_with_evidence, regional_credential
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


# ---- canonicalization: time against size, and Digital Bazaar in the same run -----

SCALING_EVIDENCE = (10, 40, 160, 640)
# Ratio targets (obhub ops/s over Digital Bazaar ops/s, CPU time, one core each).
RATIO_TARGETS = {
    "sign (regional credential)": 15.0,
    "verify (regional credential)": 12.0,
    "verify (160 evidence items)": 10.0,
}
_ROOT = Path(__file__).resolve().parents[1]
XVERIFY_SOURCE = _ROOT / "interop" / "xverify"
# Installed by the interoperability tests (tests/node_harness.py: npm ci, once).
XVERIFY_INSTALLED = _ROOT / ".cache" / "xverify"
NODE_TIMEOUT_S = 600


@dataclass
class Timing:
    """Median ms per eddsa-rdfc-2022 sign and verify of one credential, wall and CPU."""

    label: str
    signed_bytes: int
    sign_ms: float
    verify_ms: float
    sign_cpu_ms: float
    verify_cpu_ms: float


def measure_both(fn: Callable[[], object], *, batch: int, batches: int = 9) -> tuple[float, float]:
    """Median ms per call of ``fn`` by the wall clock and in this process's CPU time."""
    for _ in range(max(3, batch)):
        fn()
    wall = []
    cpu = []
    for _ in range(batches):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(batch):
            fn()
        cpu.append((time.process_time() - start_cpu) / batch)
        wall.append((time.perf_counter() - start) / batch)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def time_credential(label: str, credential: dict[str, Any], *, batch: int) -> Timing:
    """obhub's eddsa-rdfc-2022 sign and verify (``verify_document``) of ``credential``."""
    key = KeyPair.generate("ed25519")
    key = key.with_ids(did.did_key_vm_id(key.public), did.did_key_for(key.public))
    credential = {**credential, "issuer": {**credential["issuer"], "id": key.controller}}
    resolver = LocalResolver()
    signed = dataintegrity.add_proof(credential, key)
    if dataintegrity.overall(dataintegrity.verify_document(signed, resolver)) != "valid":
        raise SystemExit(f"benchmark input {label!r} does not verify")
    sign_ms, sign_cpu_ms = measure_both(
        lambda: dataintegrity.add_proof(credential, key), batch=batch
    )
    verify_ms, verify_cpu_ms = measure_both(
        lambda: dataintegrity.verify_document(signed, resolver), batch=batch
    )
    size = len(json.dumps(signed, ensure_ascii=False).encode("utf-8"))
    return Timing(label, size, sign_ms, verify_ms, sign_cpu_ms, verify_cpu_ms)


def size_scaling(counts: Sequence[int] = SCALING_EVIDENCE) -> list[Timing]:
    """Sign and verify time of the regional credential with ``counts`` evidence items."""
    return [
        time_credential(f"{n} evidence items", credential_with_evidence(n), batch=max(2, 400 // n))
        for n in counts
    ]


def digital_bazaar(label: str, credential: dict[str, Any], *, batch: int) -> Timing | None:
    """The same operations by Digital Bazaar's libraries, or None when Node is not set up.

    Runs ``interop/xverify/bench.mjs`` in the harness the interoperability tests
    install (``.cache/xverify``); the child process inherits this one's CPU affinity.
    """
    node = shutil.which("node")
    if node is None or not (XVERIFY_INSTALLED / "node_modules").is_dir():
        return None
    shutil.copyfile(XVERIFY_SOURCE / "bench.mjs", XVERIFY_INSTALLED / "bench.mjs")
    source = XVERIFY_INSTALLED / f"bench-input-{os.getpid()}.json"
    source.write_text(json.dumps(credential, ensure_ascii=False), "utf-8")
    try:
        completed = subprocess.run(  # noqa: S603 - node from PATH, our own script
            [node, "bench.mjs", source.name, "--batch", str(batch), "--batches", "7"],
            cwd=XVERIFY_INSTALLED,
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT_S,
            check=True,
        )
    finally:
        source.unlink(missing_ok=True)
    result = json.loads(completed.stdout)
    return Timing(
        label,
        int(result["bytes"]),
        float(result["sign_ms"]),
        float(result["verify_ms"]),
        float(result["sign_cpu_ms"]),
        float(result["verify_cpu_ms"]),
    )


@dataclass
class Comparison:
    obhub: Timing
    reference: Timing | None

    def ratio(self, operation: str, *, cpu: bool = True) -> float | None:
        """obhub's speed over Digital Bazaar's for ``operation`` ("sign" or "verify")."""
        if self.reference is None:
            return None
        field = f"{operation}_cpu_ms" if cpu else f"{operation}_ms"
        return float(getattr(self.reference, field)) / float(getattr(self.obhub, field))


def compare_with_digital_bazaar(evidence_counts: Sequence[int] = (160,)) -> list[Comparison]:
    """The regional credential, then with each of ``evidence_counts`` evidence items."""
    inputs = [("regional credential", regional_credential(), 20)] + [
        (f"{n} evidence items", credential_with_evidence(n), max(2, 200 // n))
        for n in evidence_counts
    ]
    return [
        Comparison(
            time_credential(label, credential, batch=batch),
            digital_bazaar(label, credential, batch=max(2, batch // 4)),
        )
        for label, credential, batch in inputs
    ]


def print_scaling(rows: Sequence[Timing]) -> None:
    """Time against size: ms per operation and µs per signed KB (flat when linear)."""
    print(
        f"{'credential':24s} {'signed B':>9s} {'sign ms':>9s} {'verify ms':>10s} "
        f"{'verify cpu ms':>14s} {'cpu µs/KB':>10s}"
    )
    for r in rows:
        per_kb = r.verify_cpu_ms * 1000 / (r.signed_bytes / 1024)
        print(
            f"{r.label:24s} {r.signed_bytes:9d} {r.sign_ms:9.2f} {r.verify_ms:10.2f} "
            f"{r.verify_cpu_ms:14.2f} {per_kb:10.1f}"
        )


def ratio_results(comparisons: Sequence[Comparison]) -> dict[str, float | None]:
    """The ratios :data:`RATIO_TARGETS` names (None when Digital Bazaar did not run)."""
    by_label = {c.obhub.label: c for c in comparisons}
    found: dict[str, float | None] = {}
    for name in RATIO_TARGETS:
        operation, _, label = name.partition(" (")
        comparison = by_label.get(label.rstrip(")"))
        found[name] = comparison.ratio(operation) if comparison else None
    return found


def print_comparison(comparisons: Sequence[Comparison]) -> None:
    """obhub against Digital Bazaar: ms per operation (CPU / wall) and ratios."""
    print(
        f"{'credential':24s} {'op':7s} {'obhub cpu/wall ms':>19s} "
        f"{'DB cpu/wall ms':>17s} {'ratio cpu':>10s} {'ratio wall':>11s}"
    )
    for c in comparisons:
        for operation in ("sign", "verify"):
            ours = (getattr(c.obhub, f"{operation}_cpu_ms"), getattr(c.obhub, f"{operation}_ms"))
            if c.reference is None:
                theirs, ratios = "not run", ""
            else:
                ref = c.reference
                cpu_ms = getattr(ref, f"{operation}_cpu_ms")
                wall_ms = getattr(ref, f"{operation}_ms")
                theirs = f"{cpu_ms:7.2f}/{wall_ms:7.2f}"
                ratios = f"{c.ratio(operation):9.1f}x {c.ratio(operation, cpu=False):10.1f}x"
            print(
                f"{c.obhub.label:24s} {operation:7s} {ours[0]:9.3f}/{ours[1]:9.3f} "
                f"{theirs:>17s} {ratios}"
            )


def canonicalization_main() -> int:
    """Time against size and the comparison with Digital Bazaar; 1 if a ratio target is missed."""
    core = pin_to_one_core()
    print(f"\neddsa-rdfc-2022 time against size — one process pinned to core {core}")
    print_scaling(size_scaling())
    comparisons = compare_with_digital_bazaar()
    print("\nobhub against Digital Bazaar (Node), same core, same run")
    print_comparison(comparisons)
    status = 0
    for name, ratio in ratio_results(comparisons).items():
        target = RATIO_TARGETS[name]
        if ratio is None:
            print(f"{name}: Digital Bazaar not run (Node harness not installed: run tests/interop)")
            continue
        ok = ratio >= target
        status = status if ok else 1
        print(f"{name}: {ratio:.1f}x (target {target:.0f}x){'' if ok else '  BELOW TARGET'}")
    return status
