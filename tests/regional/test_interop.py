"""A regional credential verifies with an independent implementation (the Digital Bazaar
harness of ``interop/xverify``, which shares no code with obhub), its status list
included: valid when minted, refused once the cascade has suspended it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import node_harness
from ingestion.factory import PartnerIssuer
from interop.conftest import HARNESS_CACHE, HARNESS_SOURCE, Xverify
from issuer_api.learners import service as learners
from regional.helpers import RegionalHub, aligned

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def xverify() -> Xverify:
    node = node_harness.install(HARNESS_SOURCE, HARNESS_CACHE, "the interop tests")
    return Xverify(HARNESS_CACHE, node)


async def verdict(
    hub: RegionalHub, xverify: Xverify, credential: dict[str, Any], workdir: Path
) -> tuple[str, str]:
    """``verify.mjs`` on the credential, given the status list the hub publishes now."""
    url = credential["credentialStatus"]["statusListCredential"]
    published = await hub.http.get("/status/" + url.rsplit("/status/", 1)[1])
    assert published.status_code == 200, published.text
    (workdir / "list.json").write_text(published.text, encoding="utf-8")
    (workdir / "credential.json").write_text(json.dumps(credential), encoding="utf-8")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    run = xverify.run(
        "verify.mjs",
        str(workdir / "credential.json"),
        "--json",
        "--now",
        now,
        "--status-list",
        f"{url}={workdir / 'list.json'}",
    )
    out = json.loads(run.stdout)
    return str(out["status"]), str(out["reason"])


async def test_the_regional_credential_verifies_with_an_independent_verifier(
    hub: RegionalHub, campus: PartnerIssuer, xverify: Xverify, tmp_path: Path
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(partner, aligned(campus, "ORG"), aligned(campus, "ORG"))
    issued = await hub.credential_of("ORG-I")

    status, reason = await verdict(hub, xverify, issued.document, tmp_path)
    assert (status, reason) == ("VALID", "DataIntegrityProof/eddsa-rdfc-2022")

    badge = (await hub.badges())[0]
    async with hub.sessions() as session:
        await learners.change_badge_status(
            session,
            badge_id=badge.id,
            learner_id=badge.learner_id,
            previous="active",
            new="revoked",
            now=datetime.now(UTC),
        )
        await session.commit()
    await hub.run_jobs()
    assert await hub.award_states() == {"ORG-I": "suspended"}

    status, reason = await verdict(hub, xverify, issued.document, tmp_path)
    assert status == "INVALID"
    assert "suspension set" in reason
