"""Fixtures of the API tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from verification.localhttp import LocalServer


@pytest.fixture
def local() -> Iterator[LocalServer]:
    """A local HTTP server on 127.0.0.1 (a remote host the service may fetch from)."""
    server = LocalServer()
    try:
        yield server
    finally:
        server.stop()
