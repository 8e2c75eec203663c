"""Install a pinned Node.js test harness (``npm ci``) into ``.cache/``, once per lock file.

Shared by the interoperability tests (interop/xverify) and the browser tests
(tests/web/e2e); the copy and ``npm ci`` are ``node_cache``'s. Missing tools fail the
run with a clear message: these tests are part of CI and are never skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import node_cache

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


def install(source: Path, cache: Path, purpose: str) -> str:
    """Sync ``source`` into ``cache``, ``npm ci`` if its lock changed; return the node path."""
    node = require("node", purpose)
    npm = require("npm", purpose)
    try:
        node_cache.install(source, cache, npm)
    except node_cache.NpmCiError as failed:
        pytest.fail(
            f"{failed}; {purpose} need the npm registry for this first install.\n{failed.output}",
            pytrace=False,
        )
    require_node_20(node, purpose)
    return node
