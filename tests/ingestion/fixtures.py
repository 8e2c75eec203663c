"""Fixtures shared by the ingestion and regional tests (their conftest modules import
them): the local web server the verifier may fetch from, and partner issuers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ingestion.factory import PartnerIssuer
from verification.localhttp import LocalServer


@pytest.fixture(name="web")
def web_fixture() -> Iterator[LocalServer]:
    """A local HTTP server for status lists and OB 2.0 hosted badges."""
    server = LocalServer()
    yield server
    server.stop()


@pytest.fixture(name="campus", scope="session")
def campus_fixture() -> PartnerIssuer:
    """The issuer of the partner 'campus-caen'."""
    return PartnerIssuer.create("Campus Caen")


@pytest.fixture(name="greta", scope="session")
def greta_fixture() -> PartnerIssuer:
    """The issuer of the partner 'greta-rouen'."""
    return PartnerIssuer.create("GRETA Rouen")


@pytest.fixture(name="stranger", scope="session")
def stranger_fixture() -> PartnerIssuer:
    """An issuer no partner is trusted for."""
    return PartnerIssuer.create("Organisme inconnu")
