"""Credential core against Digital Bazaar (Node): eddsa-rdfc-2022 and VC-JWT, same run.

Two documents: the OB 3.0 credential of :func:`bench.fixtures.regional_credential`
(3.7 KB signed, pretty-printed) and the same credential with 160 evidence items. For
each: eddsa-rdfc-2022 sign and verify, VC-JWT (EdDSA) sign and verify, on obhub
(``obcore``) and on the Node reference (``interop/xverify/bench.mjs``: ``@digitalbazaar/vc``
with the eddsa-rdfc-2022 cryptosuite, ``jose``), same key, same documents.

Python and Node runs are interleaved, each pinned to the same single core, for
``rounds`` rounds; each figure is the median over the rounds of operations per second
(each round runs an operation for ``seconds`` after a warm-up). The figure judged is
the ratio obhub / Node. The full verification report (every check of ``POST
/verify``) is measured as well: it is the reference of the service figures.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from bench import node
from bench.fixtures import regional_credential
from bench.report import Figure, Target
from obcore import did
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity, vcjwt
from obcore.resolve import LocalResolver
from verify.pipeline import VerifyOptions, verify

GROUP = "credential core — obhub vs Digital Bazaar / jose (Node), one core each, interleaved"
SEED = bytes(range(32))
SMALL = "credential"
LARGE = "160 evidence"
DI_SIGN = "eddsa-rdfc-2022 sign"
DI_VERIFY = "eddsa-rdfc-2022 verify"
JWT_SIGN = "VC-JWT EdDSA sign"
JWT_VERIFY = "VC-JWT EdDSA verify"
TARGETS = {
    (SMALL, DI_SIGN): 15.0,
    (SMALL, DI_VERIFY): 12.0,
    (LARGE, DI_VERIFY): 10.0,
    (SMALL, JWT_SIGN): 2.0,
    (SMALL, JWT_VERIFY): 1.5,
}


@dataclass(frozen=True)
class CoreRates:
    """The core rates the service figures are compared with (ops/s, one core)."""

    di_sign: float
    report_di: float
    report_jwt: float


def documents() -> dict[str, dict[str, Any]]:
    """The two unsigned credentials, by name."""
    small = regional_credential()
    large = copy.deepcopy(small)
    evidence = small["evidence"]
    large["evidence"] = [
        {**evidence[number % 2], "id": f"urn:uuid:00000000-0000-4000-8000-{number:012d}"}
        for number in range(160)
    ]
    return {SMALL: small, LARGE: large}


def per_second(fn: Callable[[], object], seconds: float) -> float:
    """Operations per second of ``fn`` over about ``seconds``, after a short warm-up."""
    warm_until = time.perf_counter() + min(0.3, seconds * 0.3)
    while True:
        fn()
        if time.perf_counter() >= warm_until:
            break
    count = 0
    start = time.perf_counter()
    until = start + seconds
    while True:
        fn()
        count += 1
        now = time.perf_counter()
        if now >= until:
            return count / (now - start)


def pin(cpu: int | None) -> None:
    """Run on ``cpu`` only (``None``: on every CPU again)."""
    try:
        os.sched_setaffinity(0, range(os.cpu_count() or 1) if cpu is None else {cpu})
    except (AttributeError, OSError):
        return


def _python_round(docs: dict[str, dict[str, Any]], seconds: float) -> dict[str, float]:
    key = KeyPair.from_ed25519_seed(SEED)
    key = key.with_ids(did.did_key_vm_id(key.public), did.did_key_for(key.public))
    resolver = LocalResolver()
    options = VerifyOptions(resolver=resolver)
    rates: dict[str, float] = {}
    for name, unsigned in docs.items():
        credential = copy.deepcopy(unsigned)
        credential["issuer"]["id"] = key.controller
        signed = dataintegrity.add_proof(credential, key)
        token = vcjwt.sign_vc_jwt(credential, key)
        if dataintegrity.overall(dataintegrity.verify_document(signed, resolver)) != "valid":
            raise SystemExit(f"{name}: obhub does not verify its own proof")
        operations: dict[str, Callable[[], object]] = {
            DI_SIGN: partial(dataintegrity.add_proof, credential, key),
            DI_VERIFY: partial(dataintegrity.verify_document, signed, resolver),
            JWT_SIGN: partial(vcjwt.sign_vc_jwt, credential, key),
            JWT_VERIFY: partial(vcjwt.verify_vc_jwt, token, resolver),
        }
        for operation, fn in operations.items():
            rates[f"{name} {operation}"] = per_second(fn, seconds)
        if name == SMALL:
            rates["report di"] = per_second(partial(verify, signed, options), seconds)
            rates["report jwt"] = per_second(partial(verify, token, options), seconds)
    return rates


def _signed_size(unsigned: dict[str, Any]) -> int:
    key = KeyPair.from_ed25519_seed(SEED)
    key = key.with_ids(did.did_key_vm_id(key.public), did.did_key_for(key.public))
    credential = copy.deepcopy(unsigned)
    credential["issuer"]["id"] = key.controller
    signed = dataintegrity.add_proof(credential, key)
    return len(json.dumps(signed, indent=2, ensure_ascii=False).encode("utf-8"))


def run(*, rounds: int, seconds: float, cpu: int = 0) -> tuple[list[Figure], CoreRates, list[str]]:
    """Measure; return the figures, the core rates and notes (a missing reference…)."""
    docs = documents()
    notes: list[str] = []
    try:
        node_path: str | None = node.install()
    except node.NodeUnavailableError as exc:
        node_path = None
        notes.append(f"no Node reference: {exc}")
    python_rounds: list[dict[str, float]] = []
    node_rounds: list[dict[str, float]] = []
    pin(cpu)
    try:
        for _ in range(rounds):
            python_rounds.append(_python_round(docs, seconds))
            if node_path is not None:
                try:
                    node_rounds.append(node.run(node_path, docs, SEED, seconds, cpu))
                except node.NodeUnavailableError as exc:
                    notes.append(str(exc))
                    node_path = None
    finally:
        pin(None)
    python = {name: statistics.median(r[name] for r in python_rounds) for name in python_rounds[0]}
    reference = (
        {name: statistics.median(r[name] for r in node_rounds) for name in node_rounds[0]}
        if node_rounds
        else {}
    )
    sizes = {name: _signed_size(doc) for name, doc in docs.items()}
    figures: list[Figure] = []
    for name in docs:
        for operation in (DI_SIGN, DI_VERIFY, JWT_SIGN, JWT_VERIFY):
            label = f"{name} {operation}"
            target = TARGETS.get((name, operation))
            library = "jose" if operation.startswith("VC-JWT") else "Digital Bazaar vc"
            figures.append(
                Figure(
                    GROUP,
                    label,
                    python[label],
                    "op/s",
                    f"{library} (Node) {operation.split()[-1]}",
                    reference.get(label),
                    Target("ratio_at_least", target) if target else None,
                )
            )
    small_kb, large_kb = sizes[SMALL] / 1000, sizes[LARGE] / 1000
    per_kb_small = 1 / python[f"{SMALL} {DI_VERIFY}"] / small_kb
    per_kb_large = 1 / python[f"{LARGE} {DI_VERIFY}"] / large_kb
    figures.append(
        Figure(
            GROUP,
            "DI verify time per KB, large / small",
            per_kb_large / per_kb_small,
            "x",
            note=f"signed sizes {small_kb:.1f} KB and {large_kb:.1f} KB; 1.00 is linear",
        )
    )
    figures.append(
        Figure(GROUP, "full verification report, DI (pipeline)", python["report di"], "op/s")
    )
    figures.append(
        Figure(GROUP, "full verification report, VC-JWT (pipeline)", python["report jwt"], "op/s")
    )
    rates = CoreRates(
        di_sign=python[f"{SMALL} {DI_SIGN}"],
        report_di=python["report di"],
        report_jwt=python["report jwt"],
    )
    notes.append(
        f"core: {rounds} interleaved rounds of {seconds:g} s per operation, medians; "
        f"signed credential {sizes[SMALL]} B, {sizes[LARGE]} B with 160 evidence items"
    )
    return figures, rates, notes
