"""VC-JWT throughput per algorithm: obhub's direct path against jwcrypto (and Node ``jose``).

``python -m bench.vcjwt`` (pinned to one core, like :mod:`bench.core`) signs and
verifies the ~3 KB regional credential as a VC-JWT with EdDSA, ES256 and RS256:

* ``obhub``: :func:`obcore.proofs.vcjwt.sign_vc_jwt` / :func:`verify_vc_jwt`,
  the verification including key resolution (did:key for EdDSA and ES256,
  did:jwk for RS256) and the claim checks;
* ``jwcrypto``: :class:`jwcrypto.jws.JWS` with the same header and payload,
  the key already imported and ``allowed_algs`` pinned; the verification
  only checks the signature and parses the payload (a floor for a jwcrypto
  based verifier, which would still have to resolve the key and check claims);
* the full verification report of the EdDSA token (:func:`verify.pipeline.verify`).

With ``--node`` (or ``OBHUB_BENCH_NODE=1``) it also runs ``interop/jose-bench``
(Node ``jose``, ``npm ci`` into ``.cache/jose-bench`` on first use) on the
same tokens and keys, pinned to the same core, and prints obhub/jose ratios.
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
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jwcrypto import jwk as jose_jwk
from jwcrypto import jws as jose_jws

from bench.core import Result, pin_to_one_core, print_results
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
class Timing(Result):
    """A :class:`bench.core.Result` that also keeps the median CPU time per operation.

    The machine running the benchmark may be shared: wall-clock time then
    includes waiting for the core, while the process's CPU time (``cpu_ms``,
    all its threads) counts only its own work. Ratios against Node ``jose``
    are taken on CPU time, and printed on wall-clock time too.
    """

    cpu_ms: float = 0.0


def measure(name: str, fn: Callable[[], object], *, batch: int, batches: int = 30) -> Timing:
    """Like :func:`bench.core.measure` (median of ``batches`` batches), with CPU time too."""
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


def _measure_case(
    key_type: KeyType, resolver: LocalResolver
) -> tuple[list[Timing], dict[str, Any]]:
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
    batch = 200 if key_type != "rsa" else 40
    results = [
        measure(f"obhub VC-JWT {alg} sign", obhub_sign, batch=batch),
        measure(f"obhub VC-JWT {alg} verify", obhub_verify, batch=batch),
        measure(f"jwcrypto JWS {alg} sign", jwcrypto_sign, batch=batch),
        measure(f"jwcrypto JWS {alg} verify", jwcrypto_verify, batch=batch),
    ]
    if key_type == "ed25519":
        options = VerifyOptions(resolver=resolver)

        def full_report() -> object:
            return verify(token, options)

        results.append(measure("full report, VC-JWT EdDSA (all checks)", full_report, batch=40))
    node_case = {
        "alg": alg,
        "token": token,
        "header": header,
        "payload": json.loads(payload),
        "privateJwk": pair.private_jwk(),
        "publicJwk": pair.public.to_jwk(),
        "batch": batch,
    }
    return results, node_case


def run() -> tuple[list[Timing], dict[str, Any]]:
    """Measure every algorithm; also return the inputs the Node harness needs."""
    resolver = LocalResolver()
    results: list[Timing] = []
    node_inputs: dict[str, Any] = {"cases": []}
    for key_type in ALGS:
        case_results, node_case = _measure_case(key_type, resolver)
        results += case_results
        node_inputs["cases"].append(node_case)
    return results, node_inputs


def run_node(inputs: dict[str, Any], core: int | None) -> list[Timing] | str:
    """Node ``jose`` on the same tokens; a reason string when it cannot run."""
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
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(inputs, handle)
    command = [node, str(NODE_CACHE / "bench.mjs"), handle.name]
    if core is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(core), *command]
    try:
        proc = subprocess.run(  # noqa: S603 - fixed command
            command, check=True, capture_output=True, text=True, timeout=600
        )
    finally:
        os.unlink(handle.name)
    rows = json.loads(proc.stdout)
    return [
        Timing(row["name"], row["median_ms"], 1000 / row["median_ms"], None, row["cpu_ms"])
        for row in rows
    ]


def print_cpu(results: list[Timing]) -> None:
    print(f"{'CPU time (median)':44s} {'ms':>10s} {'ops/s':>10s}")
    for r in results:
        print(f"{r.name:44s} {r.cpu_ms:10.3f} {1000 / r.cpu_ms:10.0f}")


def print_ratios(results: list[Timing], node: list[Timing]) -> bool:
    """Print obhub/jose ratios (CPU time; wall-clock time); whether the CPU targets are met."""
    ours = {r.name: r for r in results}
    theirs = {r.name: r for r in node}
    met = True
    print("\nobhub / Node jose, ops per CPU second on the same core (CPU time; wall clock):")
    for alg in ALGS.values():
        for op in ("sign", "verify"):
            mine, other = ours.get(f"obhub VC-JWT {alg} {op}"), theirs.get(f"jose {alg} {op}")
            if mine is None or other is None:
                continue
            ratio = other.cpu_ms / mine.cpu_ms
            wall_ratio = other.median_ms / mine.median_ms
            target = TARGETS.get(f"{alg} {op}")
            mark = ""
            if target is not None:
                ok = ratio >= target
                met = met and ok
                mark = f"  target {target:.1f}x " + ("ok" if ok else "MISSED")
            print(
                f"  {alg:6s} {op:6s} {1000 / mine.cpu_ms:7.0f} / {1000 / other.cpu_ms:7.0f} = "
                f"{ratio:.2f}x; {wall_ratio:.2f}x{mark}"
            )
    return met


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    core = pin_to_one_core()
    status = 0
    results, inputs = run()
    print(f"VC-JWT per algorithm — one process pinned to core {core}")
    print_results(results)
    print_cpu(results)
    if "--node" in argv or os.environ.get("OBHUB_BENCH_NODE") == "1":
        node = run_node(inputs, core)
        if isinstance(node, str):
            print(f"\nNode jose comparison skipped: {node}")
        else:
            print_results(node)
            print_cpu(node)
            status = 0 if print_ratios(results, node) else 1
            results = results + node
    os.makedirs(".benchmarks", exist_ok=True)
    with open(".benchmarks/vcjwt.json", "w", encoding="utf-8") as handle:
        json.dump({"results": [r.__dict__ for r in results]}, handle, indent=2)
    return status


if __name__ == "__main__":
    sys.exit(main())
