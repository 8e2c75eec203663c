"""The acceptance tests drive the real application over HTTP and check its output with
the independent Digital Bazaar verifier: the ``xverify`` fixture of the interop tests,
re-exported here (same session fixture, installed once)."""

from __future__ import annotations

from interop.conftest import xverify

__all__ = ["xverify"]
