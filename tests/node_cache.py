"""A pinned Node.js harness copied into ``.cache/`` and ``npm ci``-installed there, again
only when its ``package-lock.json`` changes.

Free of pytest so that both the tests (``tests/node_harness.py``: the interoperability
and browser tests) and the benchmarks (``bench/node.py``, which loads this file by
path) install a harness the same way, sharing one install, one stamp and one lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
from pathlib import Path

STAMP_NAME = ".package-lock.sha256"
NPM_CI = ("ci", "--no-audit", "--no-fund", "--ignore-scripts")
NPM_TIMEOUT_S = 300


class NpmCiError(RuntimeError):
    """``npm ci`` failed or timed out; ``output`` holds what it printed."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def sync_sources(source: Path, target: Path) -> None:
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


def _npm_ci(target: Path, npm: str) -> None:
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
    except subprocess.TimeoutExpired as timed_out:
        raise NpmCiError(f"`npm ci` in {target} timed out after {NPM_TIMEOUT_S}s") from timed_out
    if proc.returncode != 0:
        raise NpmCiError(
            f"`npm {' '.join(NPM_CI)}` failed in {target} (exit {proc.returncode})",
            f"{proc.stdout}\n{proc.stderr}",
        )
    stamp.write_text(lock_digest + "\n")


def install(source: Path, cache: Path, npm: str) -> None:
    """Sync ``source`` into ``cache`` and ``npm ci`` there if its lock file changed,
    under a file lock (parallel runs share the install). Raises ``NpmCiError``."""
    cache.mkdir(parents=True, exist_ok=True)
    with (cache.parent / f"{cache.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            sync_sources(source, cache)
            _npm_ci(cache, npm)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
