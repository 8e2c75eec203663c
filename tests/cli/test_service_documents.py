"""``obhub verify --service URL``: the running service's own documents are fetched from
its loopback address, and from nowhere else under that exception: not another port of
the same host, not the target of a redirect out of the service's origin."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

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


def test_a_loopback_alias_of_the_service_is_read_from_the_service(service: LocalServer) -> None:
    """A badge issued from a browser on http://localhost:8000 names that host; the
    service given as http://127.0.0.1:8000 is the same one."""
    service.routes["/status/1"] = Reply(body=DID_DOCUMENT)
    port = urlsplit(service.base).port
    alias = f"http://localhost:{port}/status/1?v=2"

    documents = ServiceDocuments.at(service.base)
    found = documents.get(alias)

    assert documents.serves(alias)
    assert found is not None
    assert found.status == 200
    assert found.url == alias  # answered for the URL asked
    assert [hit.path for hit in service.hits] == ["/status/1"]


@pytest.mark.parametrize(
    "url",
    [
        "http://example.test:{port}/status/1",  # not a loopback name
        "https://localhost:{port}/status/1",  # another scheme
        "http://localhost:1/status/1",  # another port
        "http://user@localhost:{port}/status/1",  # credentials
        "http://[oops:{port}/status/1",  # not a URL
    ],
    ids=["other-host", "other-scheme", "other-port", "credentials", "not-a-url"],
)
def test_only_loopback_names_of_the_same_port_and_scheme_are_aliases(
    service: LocalServer, url: str
) -> None:
    port = urlsplit(service.base).port
    documents = ServiceDocuments.at(service.base)

    assert documents.get(url.format(port=port)) is None
    assert service.hits == []
