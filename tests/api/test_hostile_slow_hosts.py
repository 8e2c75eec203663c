"""Slow hosts: one deadline per verification, each document fetched once, bounded fetching.

* A document a verification needs twice (the issuer's key document, for the
  credential's proof and for its status list's) is fetched once: counted at the server.
* The whole verification has one time budget (``verify_deadline_seconds``), not one per
  fetch: two slow status lists cost the budget once, and the checks that could not be
  done are "could not be checked" (indeterminate), never invalid.
* Many verifications stuck on one slow host do not delay an unrelated one: fetches to a
  host are bounded (``fetch_max_per_host``), and a fetch that cannot start in time
  gives up at once instead of holding a worker thread.

The slow host is a real HTTP server on 127.0.0.1 (allow-listed here).
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import time
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from obcore import did as did_mod
from obcore.did import did_key_for, did_key_vm_id
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity as di
from verification.localhttp import LocalServer, Reply

from .helpers import open_badge, signed_status_list, status_entry, verifying_service

pytestmark = pytest.mark.anyio

SEED = bytes([23]) * 32
# An empty list: 16 KB of zeros, gzip-compressed, base64url ("u" multibase prefix).
EMPTY_LIST = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(16384))).rstrip(b"=").decode()


def _key(base: str | None = None) -> KeyPair:
    key = KeyPair.from_ed25519_seed(SEED)
    if base is None:
        return key.with_ids(did_key_vm_id(key.public), did_key_for(key.public))
    return key.with_ids(f"{base}#key-1", base)


def _badge(issuer: str, **members: Any) -> dict[str, Any]:
    return open_badge(issuer, "Slow Test Issuer", **members)


def _status_entry(url: str) -> dict[str, Any]:
    return status_entry(url, 7)


def _check(report: dict[str, Any], check_id: str) -> tuple[str, str]:
    check = next(c for c in report["checks"] if c["id"] == check_id)
    return check["status"], check["code"]


def _service(tmp_path: Path, **settings: Any) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    return verifying_service(
        tmp_path / "data", timeout=120, fetch_allowlist=["127.0.0.1/32"], **settings
    )


async def _verify(client: httpx.AsyncClient, credential: dict[str, Any]) -> httpx.Response:
    return await client.post(
        "/verify", content=json.dumps(credential), headers={"content-type": "application/json"}
    )


async def test_the_issuer_document_needed_twice_is_fetched_once(
    tmp_path: Path, local: LocalServer
) -> None:
    """The key document signs the credential and its status list; the server forbids
    caching it (``no-store``): one verification still asks for it once."""
    base = local.url("/issuer")
    key = _key(base)
    vm = did_mod.multikey_method(f"{base}#key-1", base, key.public)
    controller = {
        "@context": [did_mod.DID_CONTEXT, did_mod.MULTIKEY_CONTEXT],
        "id": base,
        "verificationMethod": [vm],
        "assertionMethod": [vm["id"]],
    }
    no_store = {"Cache-Control": "no-store"}
    local.routes["/issuer"] = Reply(body=json.dumps(controller).encode(), headers=no_store)
    status_url = local.url("/status/1")
    local.routes["/status/1"] = Reply(
        body=json.dumps(signed_status_list(status_url, key, EMPTY_LIST)).encode(),
        headers=no_store,
        content_type="application/vc+ld+json",
    )
    credential = di.add_proof(_badge(base, credentialStatus=_status_entry(status_url)), key)

    async with _service(tmp_path) as client:
        response = await _verify(client, credential)

    report = response.json()
    assert _check(report, "proof") == ("valid", "proof_valid"), report
    assert _check(report, "status")[0] == "valid", report
    assert [hit.path for hit in local.hits].count("/issuer") == 1
    assert [hit.path for hit in local.hits].count("/status/1") == 1


async def test_a_slow_key_document_and_a_slow_status_list_share_one_deadline(
    tmp_path: Path, local: LocalServer
) -> None:
    """Two documents on a host that never answers: one budget of 2 s for both, not 2 x 10 s."""
    local.routes["/issuer"] = Reply(delay=30.0, body=b"{}")
    local.routes["/status/slow"] = Reply(delay=30.0, body=b"{}")
    base = local.url("/issuer")
    entry = _status_entry(local.url("/status/slow"))
    credential = di.add_proof(_badge(base, credentialStatus=entry), _key(base))

    async with _service(tmp_path, verify_deadline_seconds=2.0) as client:
        started = time.monotonic()
        response = await _verify(client, credential)
        elapsed = time.monotonic() - started

    assert elapsed < 3.5, f"{elapsed:.1f} s: more than one deadline of 2 s"
    report = response.json()
    assert _check(report, "proof") == ("indeterminate", "fetch_timeout")
    status = next(c for c in report["checks"] if c["id"] == "status")
    assert (status["status"], status["code"]) == ("indeterminate", "status_not_checked")
    assert "time budget (2 s)" in status["detail"]
    assert report["verdict"] == "indeterminate"  # could not be checked, not invalid


async def test_45_verifications_stuck_on_a_slow_host_do_not_delay_an_unrelated_one(
    tmp_path: Path, local: LocalServer
) -> None:
    local.routes["/status/slow"] = Reply(delay=9.0, body=b"{}")
    key = _key()
    stuck = di.add_proof(
        _badge(did_key_for(key.public), credentialStatus=_status_entry(local.url("/status/slow"))),
        key,
    )
    self_contained = di.add_proof(_badge(did_key_for(key.public)), key)

    async with _service(tmp_path) as client:
        slow_calls = [asyncio.create_task(_verify(client, stuck)) for _ in range(45)]
        await asyncio.sleep(0.5)  # they have all started, their fetches are under way
        started = time.monotonic()
        unrelated = await _verify(client, self_contained)
        waited = time.monotonic() - started
        slow = await asyncio.gather(*slow_calls)

    assert unrelated.json()["verdict"] == "valid"
    assert waited < 3.0, f"the unrelated verification waited {waited:.1f} s"
    assert all(r.status_code == 200 for r in slow)
    assert {r.json()["verdict"] for r in slow} == {"indeterminate"}
    hits = [hit.path for hit in local.hits].count("/status/slow")
    assert hits <= 4, f"{hits} fetches to the slow host at once (per-host limit: 4)"
