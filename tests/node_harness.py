"""Install a pinned Node.js test harness (``npm ci``) into ``.cache/``, once per lock file.

Shared by the interoperability tests (interop/xverify) and the browser tests
(tests/web/e2e). Missing tools fail the run with a clear message: these tests
are part of CI and are never skipped.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

STAMP_NAME = ".package-lock.sha256"
NPM_CI = ("ci", "--no-audit", "--no-fund", "--ignore-scripts")
NPM_TIMEOUT_S = 300
NODE_TIMEOUT_S = 60


def require(tool: str, purpose: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(
            f"`{tool}` is not on PATH: {purpose} need Node.js >= 20 and npm "
            "(they are part of CI and are never skipped)",
            pytrace=False,
        )
    return path


def require_node_20(node: str, purpose: str) -> None:
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
            f"{purpose} need Node.js >= 20, found {version or proc.stderr!r}", pytrace=False
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


def _install(target: Path, npm: str, purpose: str) -> None:
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
            f"`npm {' '.join(NPM_CI)}` failed in {target} (exit {proc.returncode}); "
            f"{purpose} need the npm registry for this first install.\n"
            f"{proc.stdout}\n{proc.stderr}",
            pytrace=False,
        )
    stamp.write_text(lock_digest + "\n")


def install(source: Path, cache: Path, purpose: str) -> str:
    """Sync ``source`` into ``cache``, ``npm ci`` if its lock changed; return the node path."""
    node = require("node", purpose)
    npm = require("npm", purpose)
    cache.mkdir(parents=True, exist_ok=True)
    with (cache.parent / f"{cache.name}.lock").open("w") as lock:  # parallel sessions
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _sync_sources(source, cache)
            _install(cache, npm, purpose)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    require_node_20(node, purpose)
    return node
