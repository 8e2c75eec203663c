"""The Node reference: ``interop/xverify/bench.mjs`` (Digital Bazaar, jose), pinned by npm.

The harness is installed exactly as the interoperability tests install it
(``tests/node_harness.py``): ``interop/xverify`` is copied into ``.cache/xverify`` and
``npm ci --no-audit --no-fund --ignore-scripts`` runs there, again only when
``package-lock.json`` changes (same stamp file, so the two share one install).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "interop" / "xverify"
CACHE = ROOT / ".cache" / "xverify"
STAMP_NAME = ".package-lock.sha256"
NPM_CI = ("ci", "--no-audit", "--no-fund", "--ignore-scripts")
NPM_TIMEOUT_S = 300
RUN_TIMEOUT_S = 600


class NodeUnavailableError(RuntimeError):
    """Node.js or npm is missing, or the harness cannot be installed or run."""


def _sync_sources() -> None:
    for path in sorted(SOURCE.rglob("*")):
        relative = path.relative_to(SOURCE)
        if "node_modules" in relative.parts or not path.is_file():
            continue
        destination = CACHE / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()
        if not destination.is_file() or destination.read_bytes() != data:
            destination.write_bytes(data)


def install() -> str:
    """Install the pinned harness if needed; return the ``node`` executable."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise NodeUnavailableError("Node.js >= 20 and npm must be on PATH for the references")
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE.parent / f"{CACHE.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _sync_sources()
            digest = hashlib.sha256((CACHE / "package-lock.json").read_bytes()).hexdigest()
            stamp = CACHE / STAMP_NAME
            current = stamp.is_file() and stamp.read_text().strip() == digest
            if not ((CACHE / "node_modules").is_dir() and current):
                stamp.unlink(missing_ok=True)
                proc = subprocess.run(  # noqa: S603 - npm from PATH with fixed arguments
                    [npm, *NPM_CI],
                    cwd=CACHE,
                    capture_output=True,
                    text=True,
                    timeout=NPM_TIMEOUT_S,
                    check=False,
                )
                if proc.returncode != 0:
                    raise NodeUnavailableError(
                        f"npm ci failed in {CACHE} (exit {proc.returncode}): {proc.stderr[-500:]}"
                    )
                stamp.write_text(digest + "\n")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return node


def run(
    node: str, documents: dict[str, dict[str, Any]], seed: bytes, seconds: float, cpu: int | None
) -> dict[str, float]:
    """One round of ``bench.mjs`` on ``documents``: operations per second by name."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as handle:
        json.dump({"seed": seed.hex(), "documents": documents}, handle, ensure_ascii=False)
        handle.flush()
        command = [node, str(CACHE / "bench.mjs"), handle.name, "--seconds", str(seconds)]
        taskset = shutil.which("taskset")
        if cpu is not None and taskset is not None:
            command = [taskset, "-c", str(cpu), *command]
        proc = subprocess.run(  # noqa: S603 - node from PATH, our own script
            command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
        )
    if proc.returncode != 0:
        raise NodeUnavailableError(f"bench.mjs failed (exit {proc.returncode}): {proc.stderr}")
    results: dict[str, dict[str, float]] = json.loads(proc.stdout)
    return {name: figures["per_s"] for name, figures in results.items()}
