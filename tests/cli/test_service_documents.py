"""``obhub verify --service URL``: the running service's own documents are fetched from
its loopback address, and from nowhere else under that exception: not another port of
the same host, not the target of a redirect out of the service's origin."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from issuer_api.cli import ServiceDocuments
from obcore.errors import ResolutionError
from verification.localhttp import LocalServer, Reply

DID_DOCUMENT = json.dumps({"id": "did:web:127.0.0.1"}).encode()


@pytest.fixture
def service() -> Iterator[LocalServer]:
    local = LocalServer()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture
def neighbour() -> Iterator[LocalServer]:
    """Another server on the same host, another port."""
    local = LocalServer()
    try:
        yield local
    finally:
        local.stop()


def test_the_services_documents_are_fetched_from_its_address(service: LocalServer) -> None:
    service.routes["/.well-known/did.json"] = Reply(body=DID_DOCUMENT)

    found = ServiceDocuments.at(service.base).get(service.url("/.well-known/did.json"))

    assert found is not None
    assert found.status == 200


def test_another_port_of_the_same_host_is_not_the_service(
    service: LocalServer, neighbour: LocalServer
) -> None:
    assert ServiceDocuments.at(service.base).get(neighbour.url("/.well-known/did.json")) is None
    assert neighbour.hits == []


def test_a_redirect_from_the_service_to_another_port_is_refused(
    service: LocalServer, neighbour: LocalServer
) -> None:
    service.routes["/issuers/region"] = Reply(302, headers={"Location": neighbour.url("/internal")})
    neighbour.routes["/internal"] = Reply(body=DID_DOCUMENT)

    with pytest.raises(ResolutionError) as raised:
        ServiceDocuments.at(service.base).get(service.url("/issuers/region"))

    assert raised.value.code == "fetch_forbidden"
    assert neighbour.hits == []
