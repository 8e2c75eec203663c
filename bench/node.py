"""The Node reference: ``interop/xverify/bench.mjs`` (Digital Bazaar, jose), pinned by npm.

The harness is installed by the very code the interoperability tests use
(``tests/node_cache.py``, loaded by path): ``interop/xverify`` is copied into
``.cache/xverify`` and ``npm ci --no-audit --no-fund --ignore-scripts`` runs there, again
only when ``package-lock.json`` changes (same stamp and lock, so the two share one install).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "interop" / "xverify"
CACHE = ROOT / ".cache" / "xverify"
RUN_TIMEOUT_S = 600


def _load_node_cache() -> ModuleType:
    """``tests/node_cache.py``, the install the tests use (``tests`` is not a package)."""
    path = ROOT / "tests" / "node_cache.py"
    spec = importlib.util.spec_from_file_location("obhub_tests_node_cache", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_node_cache = _load_node_cache()


class NodeUnavailableError(RuntimeError):
    """Node.js or npm is missing, or the harness cannot be installed or run."""


def install() -> str:
    """Install the pinned harness if needed; return the ``node`` executable."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise NodeUnavailableError("Node.js >= 20 and npm must be on PATH for the references")
    try:
        _node_cache.install(SOURCE, CACHE, npm)
    except _node_cache.NpmCiError as failed:
        raise NodeUnavailableError(f"{failed}: {failed.output[-500:]}") from failed
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
