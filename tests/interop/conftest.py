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

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
HARNESS_SOURCE = REPO_ROOT / "interop" / "xverify"
HARNESS_CACHE = REPO_ROOT / ".cache" / "xverify"
STAMP_NAME = ".package-lock.sha256"
NPM_CI = ("ci", "--no-audit", "--no-fund", "--ignore-scripts")
NPM_TIMEOUT_S = 300
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


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(
            f"`{tool}` is not on PATH: the interop tests need Node.js >= 20 and npm "
            "(they are part of CI and are never skipped; see interop/README.md)",
            pytrace=False,
        )
    return path


def _require_node_20(node: str) -> None:
    proc = subprocess.run(  # noqa: S603 - node from PATH with a fixed argument
        [node, "--version"], capture_output=True, text=True, timeout=NODE_TIMEOUT_S, check=False
    )
    version = proc.stdout.strip()
    try:
        major = int(version.lstrip("v").split(".", 1)[0])
    except ValueError:
        major = 0
    if proc.returncode != 0 or major < 20:
        pytest.fail(
            f"the interop tests need Node.js >= 20, found {version or proc.stderr!r}", pytrace=False
        )


def _sync_sources(source: Path, target: Path) -> None:
    """Copy the harness files (never node_modules) over the cached copy.

    Contents only, no permission bits: the cached copy stays writable even when
    the source checkout is read-only.
    """
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if "node_modules" in relative.parts or not path.is_file():
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()
        if not destination.is_file() or destination.read_bytes() != data:
            destination.write_bytes(data)


def _install(target: Path, npm: str) -> None:
    lock_digest = hashlib.sha256((target / "package-lock.json").read_bytes()).hexdigest()
    stamp = target / STAMP_NAME
    modules = target / "node_modules"
    if modules.is_dir() and stamp.is_file() and stamp.read_text().strip() == lock_digest:
        return
    stamp.unlink(missing_ok=True)
    try:
        proc = subprocess.run(  # noqa: S603 - npm from PATH with fixed arguments
            [npm, *NPM_CI],
            cwd=target,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`npm ci` in {target} timed out after {NPM_TIMEOUT_S}s", pytrace=False)
    if proc.returncode != 0:
        pytest.fail(
            f"`npm {' '.join(NPM_CI)}` failed in {target} (exit {proc.returncode}); the "
            f"interop tests need the npm registry for this first install.\n"
            f"{proc.stdout}\n{proc.stderr}",
            pytrace=False,
        )
    stamp.write_text(lock_digest + "\n")


@pytest.fixture(scope="session")
def xverify() -> Xverify:
    """The harness, installed and ready (``node`` and ``npm`` are required)."""
    node = _require("node")
    npm = _require("npm")
    HARNESS_CACHE.parent.mkdir(parents=True, exist_ok=True)
    lock_path = HARNESS_CACHE.parent / "xverify.lock"
    with lock_path.open("w") as lock:  # parallel sessions (xdist) install once
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _sync_sources(HARNESS_SOURCE, HARNESS_CACHE)
            _install(HARNESS_CACHE, npm)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    _require_node_20(node)
    harness = Xverify(HARNESS_CACHE, node)
    smoke = harness.run("verify.mjs")  # usage error (exit 2) once every import has loaded
    if smoke.returncode != 2:
        pytest.fail(f"the xverify harness does not start:\n{smoke.describe()}", pytrace=False)
    return harness
