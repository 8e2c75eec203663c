"""The service's verifier reads the documents it publishes itself from its database.

:class:`~issuer_api.own_documents.OwnDocuments` answers for a status list whose
published URL is the one asked for, and for the public documents (DID documents,
profiles) under the service's own base URLs; anything else is not its to answer and
goes to the network, whose SSRF guard stays as it is.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import anyio
import pytest

from issuance.helpers import Api, web_settings
from issuer_api.own_documents import OwnDocuments
from issuer_api.settings import Settings
from issuer_api.statuslists.service import StatusListCache
from obcore.errors import ResolutionError
from verify.messages import message
from verify.sources import Fetched, WouldBlock


def _own(api: Api, *, request_base: str | None = None) -> OwnDocuments:
    return OwnDocuments.here(
        api.settings,
        api.sessions,
        api.kek,
        api.app.state.status_list_cache,
        request_base=request_base,
    )


async def _get(own: OwnDocuments, url: str) -> Fetched | None:
    """As the verifier calls it: from a worker thread."""
    return await anyio.to_thread.run_sync(partial(own.get, url))


async def _issued(api: Api) -> dict[str, Any]:
    admin = await api.headers("admin")
    await api.region()
    achievement = await api.achievement("region", admin)
    response = await api.issue(
        "region",
        {**admin, "Idempotency-Key": "own-documents"},
        {"achievement_id": achievement, "recipient": {"email": "camille.martin@example.fr"}},
    )
    assert response.status_code == 201, response.text
    credential: dict[str, Any] = response.json()["credential"]
    return credential


async def test_a_status_list_of_this_service_is_read_from_the_database(api: Api) -> None:
    credential = await _issued(api)
    entries = credential["credentialStatus"]
    url = (entries[0] if isinstance(entries, list) else entries)["statusListCredential"]

    found = await _get(_own(api, request_base="http://localhost/"), url)

    assert found is not None
    assert found.status == 200
    published = json.loads(found.body)
    assert published["id"] == url
    assert "BitstringStatusListCredential" in published["type"]
    assert published["proof"]["type"] == "DataIntegrityProof"


async def test_documents_under_the_service_base_are_answered_and_others_are_not(
    api: Api,
) -> None:
    await api.region()
    own = _own(api, request_base="http://localhost/")
    region = (await api.http.get("/issuers/region")).json()

    profile = await _get(own, "http://localhost/issuers/region")
    listening = await _get(own, f"{api.settings.local_base_url}issuers/region")
    elsewhere = await _get(own, "http://evil.example/issuers/region")
    unknown_path = await _get(own, "http://localhost/admin/issuers")
    absent = await _get(own, "http://localhost/issuers/no-such-issuer")

    assert profile is not None
    assert json.loads(profile.body)["id"] == region["id"]
    assert listening is not None
    assert listening.status == 200
    assert elsewhere is None  # not ours: the network (and its guard) decides
    assert unknown_path is None
    assert absent is not None
    assert absent.status == 404


async def test_with_a_public_base_url_only_that_base_is_the_service(
    api: Api, db_settings: Settings
) -> None:
    await api.region()
    settings = web_settings(db_settings)
    own = OwnDocuments.here(settings, api.sessions, api.kek, request_base="http://localhost/")

    did_document = await _get(own, "https://badges.example.fr/.well-known/did.json")
    by_host_header = await _get(own, "http://localhost/.well-known/did.json")

    assert did_document is not None
    assert json.loads(did_document.body)["id"] == "did:web:badges.example.fr"
    assert by_host_header is None


async def test_an_own_status_list_that_cannot_be_signed_is_a_resolution_error(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    credential = await _issued(api)
    entries = credential["credentialStatus"]
    url = (entries[0] if isinstance(entries, list) else entries)["statusListCredential"]
    # The issuer's key cannot be unsealed with this key-encryption key (and nothing is
    # cached): publishing the list fails inside the look-up.
    own = OwnDocuments.here(
        api.settings, api.sessions, bytes(32), StatusListCache(), request_base="http://localhost/"
    )

    with pytest.raises(ResolutionError) as raised:
        await _get(own, url)

    assert raised.value.code == "own_document_failed"
    assert message("own_document_failed", "fr") != "own_document_failed"
    assert message("own_document_failed", "en") != "own_document_failed"
    assert "camille.martin" not in caplog.text


async def test_a_spoofed_host_header_does_not_make_its_origin_the_service(api: Api) -> None:
    await api.region()
    own = _own(api, request_base="http://evil.example/")

    did_document = await _get(own, "http://evil.example/.well-known/did.json")
    profile = await _get(own, "http://evil.example/issuers/region")

    assert did_document is None  # the network (and its guard) decides, not the database
    assert profile is None


async def test_a_loopback_request_base_is_the_service_on_any_port(api: Api) -> None:
    await api.region()
    own = _own(api, request_base="http://127.0.0.2:8080/")

    profile = await _get(own, "http://127.0.0.2:8080/issuers/region")

    assert profile is not None
    assert profile.status == 200


async def test_a_status_list_is_answered_only_under_the_service_origins(api: Api) -> None:
    credential = await _issued(api)  # minted under the request's base, http://localhost
    entries = credential["credentialStatus"]
    url = (entries[0] if isinstance(entries, list) else entries)["statusListCredential"]
    assert url.startswith("http://localhost/")

    from_elsewhere = await _get(_own(api, request_base="http://evil.example/"), url)

    assert from_elsewhere is None


async def test_on_the_event_loop_a_document_of_ours_would_block_and_others_are_not_ours(
    api: Api,
) -> None:
    """A verification attempted on the loop (issuer_api.verification) cannot wait for the
    database: a document of ours stops the attempt, which runs again in a worker thread."""
    credential = await _issued(api)
    entries = credential["credentialStatus"]
    url = (entries[0] if isinstance(entries, list) else entries)["statusListCredential"]
    own = _own(api, request_base="http://localhost/")

    with pytest.raises(WouldBlock) as stopped:
        own.get(url)  # on the loop's own thread

    assert stopped.value.url == url
    assert own.get("http://evil.example/issuers/region") is None
    assert own.get("https://[oops/list") is None  # not a URL: not ours either
    assert (await _get(own, url)) is not None  # from a worker thread it is read as before
