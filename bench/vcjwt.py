"""VC-JWT throughput per algorithm: obhub's direct path against jwcrypto (and Node ``jose``).

``python -m bench.vcjwt`` (pinned to one core) signs and
verifies the ~3 KB regional credential as a VC-JWT with EdDSA, ES256 and RS256:

* ``obhub``: :func:`obcore.proofs.vcjwt.sign_vc_jwt` / :func:`verify_vc_jwt`,
  the verification including key resolution (did:key for EdDSA and ES256,
  did:jwk for RS256) and the claim checks;
* ``jwcrypto``: :class:`jwcrypto.jws.JWS` with the same header and payload,
  the key already imported and ``allowed_algs`` pinned; the verification
  only checks the signature and parses the payload (a floor for a jwcrypto
  based verifier, which would still have to resolve the key and check claims);
* the full verification report of the EdDSA token (:func:`verify.pipeline.verify`).

With ``--node`` (or ``OBHUB_BENCH_NODE=1``) it also compares with Node ``jose``
(``interop/jose-bench``, ``npm ci`` into ``.cache/jose-bench`` on first use):
the harness runs pinned to the same core and answers batch requests, so each
obhub batch is followed by a jose batch of the same operation and both see the
same machine load; the obhub/jose ratio is the median of per-batch ratios, on
CPU time (and printed on wall-clock time). Separate runs one after the other
gave ratios that moved by a factor of two on a shared machine.
``bench/__main__.py`` can call :func:`main` like the other modules (add
``vcjwt.main()`` to the ``max(...)`` of statuses); it returns 1 when the Node
comparison ran and a ratio of :data:`TARGETS` was missed (absolute figures
depend too much on the machine to be floors).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jwcrypto import jwk as jose_jwk
from jwcrypto import jws as jose_jws

from bench.fixtures import regional_credential
from obcore import did
from obcore.keys import KeyPair, KeyType
from obcore.proofs import vcjwt
from obcore.resolve import LocalResolver
from verify.pipeline import VerifyOptions, verify

ROOT = Path(__file__).resolve().parent.parent
NODE_HARNESS = ROOT / "interop" / "jose-bench"
NODE_CACHE = ROOT / ".cache" / "jose-bench"

ALGS: dict[KeyType, str] = {"ed25519": "EdDSA", "p256": "ES256", "rsa": "RS256"}

# obhub / Node jose ops/s targets (EdDSA, same core): sign >= 2x, verify >= 1.5x.
TARGETS = {"EdDSA sign": 2.0, "EdDSA verify": 1.5}


@dataclass
class Result:
    """One operation's median wall-clock time per operation, its rate and an optional floor."""

    name: str
    median_ms: float
    ops_per_s: float
    floor: float | None

    @property
    def ok(self) -> bool:
        return self.floor is None or self.ops_per_s >= self.floor


def pin_to_one_core() -> int | None:
    """Run on the last CPU this process may use; which one (``None``: could not pin)."""
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


@dataclass
class Timing(Result):
    """A :class:`Result` that also keeps the median CPU time per operation.

    The machine running the benchmark may be shared: wall-clock time then
    includes waiting for the core, while the process's CPU time (``cpu_ms``,
    all its threads) counts only its own work. Ratios against Node ``jose``
    are taken on CPU time, and printed on wall-clock time too.
    """

    cpu_ms: float = 0.0


def measure(name: str, fn: Callable[[], object], *, batch: int, batches: int = 30) -> Timing:
    """The median over ``batches`` batches of wall-clock and CPU time per operation."""
    for _ in range(max(5, batch)):
        fn()
    samples, cpu_samples = [], []
    for _ in range(batches):
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(batch):
            fn()
        cpu_samples.append((time.process_time() - cpu_start) / batch)
        samples.append((time.perf_counter() - start) / batch)
    median = statistics.median(samples)
    return Timing(name, median * 1000, 1 / median, None, statistics.median(cpu_samples) * 1000)


def _key(key_type: KeyType) -> KeyPair:
    pair = KeyPair.generate(key_type)
    if key_type == "rsa":
        controller = did.did_jwk_for(pair.public)
        return pair.with_ids(f"{controller}#0", controller)
    return pair.with_ids(did.did_key_vm_id(pair.public), did.did_key_for(pair.public))


def _credential(pair: KeyPair) -> dict[str, Any]:
    credential = regional_credential()
    credential["issuer"]["id"] = pair.controller
    return credential


@dataclass
class Case:
    """One algorithm's inputs: the operations to time and what the Node harness needs."""

    alg: str
    batch: int
    ops: dict[str, Callable[[], object]]
    node: dict[str, Any]


def _case(key_type: KeyType, resolver: LocalResolver) -> Case:
    alg = ALGS[key_type]
    pair = _key(key_type)
    credential = _credential(pair)
    token = vcjwt.sign_vc_jwt(credential, pair)
    header_b64, payload_b64, _ = token.split(".")
    header = json.loads(jose_jws.base64url_decode(header_b64))
    payload = jose_jws.base64url_decode(payload_b64)
    private = jose_jwk.JWK(**pair.private_jwk())
    public = jose_jwk.JWK(**pair.public.to_jwk())

    def obhub_sign() -> str:
        return vcjwt.sign_vc_jwt(credential, pair)

    def obhub_verify() -> vcjwt.JwtResult:
        return vcjwt.verify_vc_jwt(token, resolver)

    def jwcrypto_sign() -> str:
        signer = jose_jws.JWS(payload)
        signer.add_signature(private, None, protected=json.dumps(header))
        return str(signer.serialize(compact=True))

    def jwcrypto_verify() -> Any:
        checker = jose_jws.JWS()
        checker.allowed_algs = [alg]
        checker.deserialize(token)
        checker.verify(public, alg)
        return json.loads(checker.payload)

    if obhub_verify().credential != credential or jwcrypto_verify() != json.loads(payload):
        raise SystemExit("benchmark inputs do not verify")
    jose_jws.JWS().deserialize(jwcrypto_sign())
    ops: dict[str, Callable[[], object]] = {
        f"obhub VC-JWT {alg} sign": obhub_sign,
        f"obhub VC-JWT {alg} verify": obhub_verify,
        f"jwcrypto JWS {alg} sign": jwcrypto_sign,
        f"jwcrypto JWS {alg} verify": jwcrypto_verify,
    }
    if key_type == "ed25519":
        options = VerifyOptions(resolver=resolver)

        def full_report() -> object:
            return verify(token, options)

        ops["full report, VC-JWT EdDSA (all checks)"] = full_report
    batch = 200 if key_type != "rsa" else 40
    node = {
        "alg": alg,
        "token": token,
        "header": header,
        "payload": json.loads(payload),
        "privateJwk": pair.private_jwk(),
        "publicJwk": pair.public.to_jwk(),
    }
    return Case(alg, batch, ops, node)


def run() -> tuple[list[Timing], list[Case]]:
    """Measure every operation of every algorithm."""
    resolver = LocalResolver()
    cases = [_case(key_type, resolver) for key_type in ALGS]
    results = [
        measure(name, fn, batch=case.batch if "report" not in name else 40)
        for case in cases
        for name, fn in case.ops.items()
    ]
    return results, cases


@dataclass
class Ratio:
    """obhub against Node jose for one operation, from interleaved batches."""

    name: str
    obhub_cpu_ms: float
    jose_cpu_ms: float
    cpu_ratio: float  # median of per-batch jose/obhub CPU time ratios
    wall_ratio: float  # the same on wall-clock time


def _start_node(core: int | None, cases: list[Case]) -> subprocess.Popen[str] | str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return "node/npm not on PATH"
    NODE_CACHE.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json", "bench.mjs"):
        shutil.copyfile(NODE_HARNESS / name, NODE_CACHE / name)
    if not (NODE_CACHE / "node_modules" / "jose").is_dir():
        subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=NODE_CACHE,
            check=True,
            capture_output=True,
            timeout=300,
        )
    inputs = NODE_CACHE / "inputs.json"
    inputs.write_text(json.dumps({"cases": [case.node for case in cases]}), encoding="utf-8")
    command = [node, str(NODE_CACHE / "bench.mjs"), str(inputs)]
    if core is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(core), *command]
    return subprocess.Popen(  # noqa: S603 - fixed command
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def _node_batch(proc: subprocess.Popen[str], case: int, op: str, n: int) -> tuple[float, float]:
    """Ask the harness to run ``n`` operations; (wall, CPU) ms per operation."""
    if proc.stdin is None or proc.stdout is None:  # pragma: no cover - set by Popen
        raise RuntimeError("the Node harness has no pipes")
    proc.stdin.write(json.dumps({"case": case, "op": op, "n": n}) + "\n")
    proc.stdin.flush()
    answer = json.loads(proc.stdout.readline())
    return float(answer["wall_ms"]), float(answer["cpu_ms"])


def _obhub_batch(fn: Callable[[], object], n: int) -> tuple[float, float]:
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(n):
        fn()
    cpu = time.process_time() - cpu_start
    return (time.perf_counter() - start) * 1000 / n, cpu * 1000 / n


def run_node(cases: list[Case], core: int | None, batches: int = 30) -> list[Ratio] | str:
    """Node ``jose`` on the same tokens and keys, batches interleaved with obhub's.

    Each obhub batch is followed by a jose batch of the same size on the same
    core, so both see the same machine load; the ratio is the median of the
    per-batch ratios. A reason string is returned when Node cannot run.
    """
    proc = _start_node(core, cases)
    if isinstance(proc, str):
        return proc
    ratios = []
    try:
        for index, case in enumerate(cases):
            for op in ("sign", "verify"):
                fn = case.ops[f"obhub VC-JWT {case.alg} {op}"]
                for _ in range(3):  # warm-up on both sides
                    _obhub_batch(fn, case.batch)
                    _node_batch(proc, index, op, case.batch)
                ours, theirs = [], []
                for _ in range(batches):
                    ours.append(_obhub_batch(fn, case.batch))
                    theirs.append(_node_batch(proc, index, op, case.batch))
                ratios.append(
                    Ratio(
                        f"{case.alg} {op}",
                        statistics.median(c for _, c in ours),
                        statistics.median(c for _, c in theirs),
                        statistics.median(t[1] / o[1] for o, t in zip(ours, theirs, strict=True)),
                        statistics.median(t[0] / o[0] for o, t in zip(ours, theirs, strict=True)),
                    )
                )
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=60)
    return ratios


def print_cpu(results: list[Timing]) -> None:
    print(f"{'CPU time (median)':44s} {'ms':>10s} {'ops/s':>10s}")
    for r in results:
        print(f"{r.name:44s} {r.cpu_ms:10.3f} {1000 / r.cpu_ms:10.0f}")


def print_ratios(ratios: list[Ratio]) -> bool:
    """Print obhub/jose ratios; whether the targets (on CPU time) are met."""
    met = True
    print(
        "\nobhub / Node jose, interleaved batches on the same core "
        "(ops per CPU second; ratio on CPU time; on wall clock):"
    )
    for r in ratios:
        target = TARGETS.get(r.name)
        mark = ""
        if target is not None:
            ok = r.cpu_ratio >= target
            met = met and ok
            mark = f"  target {target:.1f}x " + ("ok" if ok else "MISSED")
        print(
            f"  {r.name:14s} {1000 / r.obhub_cpu_ms:7.0f} / {1000 / r.jose_cpu_ms:7.0f}  "
            f"{r.cpu_ratio:.2f}x; {r.wall_ratio:.2f}x{mark}"
        )
    return met


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    core = pin_to_one_core()
    status = 0
    results, cases = run()
    print(f"VC-JWT per algorithm — one process pinned to core {core}")
    print_results(results)
    print_cpu(results)
    ratios: list[Ratio] = []
    if "--node" in argv or os.environ.get("OBHUB_BENCH_NODE") == "1":
        node = run_node(cases, core)
        if isinstance(node, str):
            print(f"\nNode jose comparison skipped: {node}")
        else:
            ratios = node
            status = 0 if print_ratios(ratios) else 1
    os.makedirs(".benchmarks", exist_ok=True)
    with open(".benchmarks/vcjwt.json", "w", encoding="utf-8") as handle:
        report = {"results": [r.__dict__ for r in results], "jose": [r.__dict__ for r in ratios]}
        json.dump(report, handle, indent=2)
    return status


if __name__ == "__main__":
    sys.exit(main())
