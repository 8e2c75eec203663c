"""Where ``POST /verify`` verifies: on the event loop when the badge is small and needs no
document it would have to wait for (cheaper than a thread hop); in a worker thread when a
document must be read (one of this service's, from its database) or the badge is large.
Either way the report is the same."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from issuance.helpers import Api, record_thread_hops
from issuer_api import verification
from obcore import did
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity
from verify.sources import WouldBlock

pytestmark = pytest.mark.anyio

VALID_DI = Path(__file__).parent.parent / "fixtures" / "vectors" / "dcc-v2-di-didkey-basicOBv3.json"


@pytest.fixture
def thread_hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The verifications handed to a worker thread (signing a status list is another hop)."""
    return record_thread_hops(monkeypatch, only="attempt")


async def _post(api: Api, body: bytes) -> dict[str, Any]:
    response = await api.http.post(
        "/verify", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def test_a_small_did_key_badge_is_verified_on_the_loop(
    api: Api, thread_hops: list[str]
) -> None:
    report = await _post(api, VALID_DI.read_bytes())
    assert report["verdict"] == "valid"
    assert thread_hops == []


async def test_a_badge_with_a_status_list_of_ours_is_verified_in_a_thread(
    api: Api, thread_hops: list[str]
) -> None:
    issued = await api.regional_record()

    report = await _post(api, json.dumps(issued["credential"]).encode())

    assert report["verdict"] == "valid"
    status = next(check for check in report["checks"] if check["id"] == "status")
    assert status["status"] == "valid"  # the list was read from the database
    assert thread_hops == ["attempt"]


async def test_a_large_badge_is_verified_in_a_thread_and_concludes_the_same(
    api: Api, thread_hops: list[str]
) -> None:
    small = VALID_DI.read_bytes()
    large = small + b" " * verification.INLINE_MAX_BYTES  # same badge, past the limit

    on_loop = await _post(api, small)
    in_thread = await _post(api, large)

    assert thread_hops == ["attempt"]
    assert in_thread == on_loop


async def test_a_run_that_would_block_starts_again_in_a_worker_thread() -> None:
    loop_thread = threading.current_thread()
    runs: list[tuple[bool, bool]] = []

    def attempt(inline: bool) -> str:
        runs.append((inline, threading.current_thread() is loop_thread))
        if inline:
            raise WouldBlock("https://issuer.example/status/1")
        return "report"

    assert await verification.run_verification(attempt, 100) == "report"
    assert runs == [(True, True), (False, False)]


def _signed(**changes: Any) -> bytes:
    """The Teamwork badge, signed again by a did:key of the test with ``changes``."""
    key = KeyPair.from_ed25519_seed(bytes(range(32)))
    key = key.with_ids(did.did_key_vm_id(key.public), did.did_key_for(key.public))
    credential = json.loads(VALID_DI.read_text(encoding="utf-8"))
    del credential["proof"]
    credential["issuer"]["id"] = key.controller
    credential.update(changes)
    return json.dumps(dataintegrity.add_proof(credential, key)).encode()


async def test_canonicalization_past_the_loops_budget_is_done_again_in_a_thread(
    api: Api, thread_hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two identical evidence entries are blank nodes only the costly step of RDFC-1.0 can
    tell apart: on the loop it may spend at most the budget (none here), never decide."""
    twins = _signed(evidence=[{"type": ["Evidence"], "name": "Mise en situation"}] * 2)
    monkeypatch.setattr(verification, "INLINE_CANONICALIZATION_SECONDS", 0.0)

    report = await _post(api, twins)

    assert report["verdict"] == "valid"
    assert thread_hops == ["attempt"]


async def test_a_status_list_url_that_is_no_url_is_reported_not_a_server_error(
    api: Api,
) -> None:
    status = {
        "id": "https://[oops/list#3",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "3",
        "statusListCredential": "https://[oops/list",
    }

    report = await _post(api, _signed(credentialStatus=status))

    assert report["verdict"] in ("invalid", "indeterminate")
    assert next(check for check in report["checks"] if check["id"] == "status")["status"] != (
        "valid"
    )
