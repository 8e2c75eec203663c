"""The pinned Digital Bazaar harness (``interop/xverify``) as a session fixture.

The harness is copied to ``.cache/xverify`` (gitignored) and its dependencies
are installed there with ``npm ci`` when ``node_modules`` is missing or
``package-lock.json`` changed (a stamp file holds the lock's SHA-256). A
missing ``node``/``npm`` or a failed install FAILS the session: CI must run
interop, so these tests never skip.

Every node start costs a few hundred milliseconds, so callers hand over
batches (:meth:`Xverify.verify_many`, :meth:`Xverify.sign_many`) that run
concurrently.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import node_harness

REPO_ROOT = Path(__file__).resolve().parents[2]
HARNESS_SOURCE = REPO_ROOT / "interop" / "xverify"
HARNESS_CACHE = REPO_ROOT / ".cache" / "xverify"
NODE_TIMEOUT_S = 60
# verify.mjs evaluates validity dates at this instant (every fixture is valid then).
VERIFY_NOW = "2025-06-01T00:00:00Z"
VERDICTS = frozenset({"VALID", "INVALID", "NEEDS_NETWORK"})


@dataclass(frozen=True)
class NodeRun:
    """One finished ``node`` process."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"node {' '.join(self.args)} -> exit {self.returncode}\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        )


@dataclass(frozen=True)
class Verdict:
    """The ``--json`` answer of ``verify.mjs`` for one file."""

    status: str  # VALID, INVALID or NEEDS_NETWORK
    reason: str
    notes: tuple[str, ...]
    run: NodeRun


@dataclass(frozen=True)
class SignJob:
    """Arguments of one ``sign.mjs`` run (see ``interop/xverify/sign.mjs``)."""

    unsigned: Path
    seed_hex: str
    created: str
    format: str = "di"  # "di" or "jwt"
    suite: str = "eddsa-rdfc-2022"  # or "Ed25519Signature2020" (di only)
    key_out: Path | None = None


class Xverify:
    """Runs the harness scripts with a clean environment and a timeout."""

    def __init__(self, root: Path, node: str) -> None:
        self.root = root
        self.node = node
        env = {k: v for k, v in os.environ.items() if not k.startswith("XVERIFY_")}
        self._env: dict[str, str] = env
        self._workers = max(2, min(8, 2 * (os.cpu_count() or 1)))

    def run(self, script: str, *args: str, env: Mapping[str, str] | None = None) -> NodeRun:
        argv = (str(self.root / script), *args)
        try:
            proc = subprocess.run(  # noqa: S603 - fixed interpreter, harness script, our paths
                [self.node, *argv],
                cwd=self.root,
                env={**self._env, **(env or {})},
                capture_output=True,
                text=True,
                encoding="utf-8",
                timeout=NODE_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"node {' '.join(argv)} timed out after {NODE_TIMEOUT_S}s: {exc}")
        return NodeRun((script, *args), proc.returncode, proc.stdout, proc.stderr)

    def run_many(
        self,
        jobs: Sequence[tuple[str, Sequence[str]]],
        env: Mapping[str, str] | None = None,
    ) -> list[NodeRun]:
        """Run ``(script, args)`` jobs concurrently; results in job order."""
        with ThreadPoolExecutor(max_workers=self._workers) as pool:
            return list(pool.map(lambda job: self.run(job[0], *job[1], env=env), jobs))

    def verify_many(self, files: Sequence[Path], *, did_docs: Path | None = None) -> list[Verdict]:
        """``verify.mjs FILE --json --now VERIFY_NOW`` for each file.

        ``did_docs`` is passed as ``XVERIFY_DID_DOCS`` ({did: DID document}).
        """
        env = {"XVERIFY_DID_DOCS": str(did_docs)} if did_docs is not None else None
        runs = self.run_many(
            [("verify.mjs", (str(f), "--json", "--now", VERIFY_NOW)) for f in files], env=env
        )
        return [_verdict(run) for run in runs]

    def sign_many(self, jobs: Sequence[SignJob]) -> list[str]:
        """``sign.mjs`` for each job; returns what it printed (JSON or a compact JWS)."""
        argvs: list[tuple[str, Sequence[str]]] = []
        for job in jobs:
            args = [
                str(job.unsigned),
                "--seed",
                job.seed_hex,
                "--created",
                job.created,
                "--format",
                job.format,
            ]
            if job.format == "di":
                args += ["--suite", job.suite]
            if job.key_out is not None:
                args += ["--key-out", str(job.key_out)]
            argvs.append(("sign.mjs", args))
        runs = self.run_many(argvs)
        for run in runs:
            if run.returncode != 0 or not run.stdout.strip():
                pytest.fail(f"sign.mjs failed:\n{run.describe()}")
        return [run.stdout for run in runs]

    def verify_jwts_with_jwk(
        self, jobs: Sequence[Mapping[str, Any]], workdir: Path
    ) -> list[dict[str, Any]]:
        """``verify-jwt-jwk.mjs`` on ``[{token, jwk, alg}]`` in one node start."""
        jobs_file = workdir / "jwt-jwk-jobs.json"
        jobs_file.write_text(json.dumps(list(jobs)), encoding="utf-8")
        run = self.run("verify-jwt-jwk.mjs", str(jobs_file))
        if run.returncode != 0:
            pytest.fail(f"verify-jwt-jwk.mjs failed:\n{run.describe()}")
        results: list[dict[str, Any]] = json.loads(run.stdout)
        assert len(results) == len(jobs), run.describe()
        return results


def _verdict(run: NodeRun) -> Verdict:
    try:
        out = json.loads(run.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"verify.mjs did not print JSON:\n{run.describe()}")
    status = out.get("status") if isinstance(out, dict) else None
    if status not in VERDICTS:
        pytest.fail(f"verify.mjs printed no verdict:\n{run.describe()}")
    expected_exit = {"VALID": 0, "INVALID": 1, "NEEDS_NETWORK": 3}[status]
    if run.returncode != expected_exit:
        pytest.fail(f"verify.mjs exit code disagrees with its verdict:\n{run.describe()}")
    return Verdict(status, str(out.get("reason", "")), tuple(out.get("notes", ())), run)


# ---- installation -----------------------------------------------------------------


@pytest.fixture(scope="session")
def xverify() -> Xverify:
    """The harness, installed and ready (``node`` and ``npm`` are required)."""
    node = node_harness.install(HARNESS_SOURCE, HARNESS_CACHE, "the interop tests")
    harness = Xverify(HARNESS_CACHE, node)
    smoke = harness.run("verify.mjs")  # usage error (exit 2) once every import has loaded
    if smoke.returncode != 2:
        pytest.fail(f"the xverify harness does not start:\n{smoke.describe()}", pytrace=False)
    return harness
