"""The badge a wallet receives verifies with the project's independent verifier too (the
Digital Bazaar harness of ``interop/xverify``, which shares no code with obhub), status
list included: valid when delivered, refused once the learner's badge is suspended —
the copy in the wallet follows the original's status entry."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import node_harness
from espace.helpers import Space
from interop.conftest import HARNESS_CACHE, HARNESS_SOURCE, Xverify
from issuer_api.credentials import repository as credential_repository
from issuer_api.credentials import service as credentials
from wallet.helpers import Holder, offer
from wallet.oid4vci_wallet import Wallet

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def xverify() -> Xverify:
    node = node_harness.install(HARNESS_SOURCE, HARNESS_CACHE, "the interop tests")
    return Xverify(HARNESS_CACHE, node)


async def independent_verdict(
    space: Space, xverify: Xverify, credential: dict[str, Any], workdir: Path
) -> tuple[str, str]:
    """``verify.mjs`` on ``credential``, given the status list the hub publishes now."""
    url = credential["credentialStatus"]["statusListCredential"]
    published = await space.http.get("/status/" + url.rsplit("/status/", 1)[1])
    assert published.status_code == 200, published.text
    (workdir / "list.json").write_text(published.text, encoding="utf-8")
    (workdir / "credential.json").write_text(json.dumps(credential), encoding="utf-8")
    run = xverify.run(
        "verify.mjs",
        str(workdir / "credential.json"),
        "--json",
        "--now",
        datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "--status-list",
        f"{url}={workdir / 'list.json'}",
    )
    out = json.loads(run.stdout)
    return str(out["status"]), str(out["reason"])


async def test_the_wallet_copy_verifies_independently_and_follows_the_badge_status(
    space: Space, holder: Holder, xverify: Xverify, tmp_path: Path
) -> None:
    page = await offer(space, holder)
    wallet = Wallet(space.http)
    credential = (await wallet.receive(page.deep_link, page.pin)).credential
    assert credential["credentialSubject"]["id"] == wallet.did

    assert await independent_verdict(space, xverify, credential, tmp_path) == (
        "VALID",
        "DataIntegrityProof/eddsa-rdfc-2022",
    )
    hub_report = await space.verify(credential)
    assert hub_report.verified, hub_report.to_dict("en")

    async with space.sessions() as session:
        issued = await credential_repository.get(session, holder.credential_id)
        assert issued is not None
        await credentials.change_status(session, issued, "suspend", actor="test", reason=None)
        await session.commit()

    status, reason = await independent_verdict(space, xverify, credential, tmp_path)
    assert status == "INVALID"
    assert "suspension set" in reason
    assert not (await space.verify(credential)).verified
