"""The acceptance tests drive the real application over HTTP and check its output with
the independent Digital Bazaar verifier: the ``xverify`` fixture of the interop tests,
re-exported here (same session fixture, installed once). ``hub``: the service as
``make run`` starts it, one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from acceptance.hub import HubOnDefaults, hub_on_defaults
from interop.conftest import xverify

__all__ = ["hub", "xverify"]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubOnDefaults]:
    """``make run`` in a fresh directory: ``obhub serve --migrate`` (on a free port)."""
    with hub_on_defaults(tmp_path_factory.mktemp("make-run")) as running:
        yield running
