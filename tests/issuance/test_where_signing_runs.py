"""Where a credential is signed: on the event loop when it is short (cheaper than a
thread hop), in a worker thread when it is long (the loop keeps serving meanwhile)."""

from __future__ import annotations

from typing import Any

import pytest

from issuance.helpers import EMAIL, Api, record_thread_hops

pytestmark = pytest.mark.anyio


@pytest.fixture
def thread_hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return record_thread_hops(monkeypatch)


async def _issue(api: Api, evidence: list[dict[str, str]]) -> dict[str, Any]:
    await api.region()
    admin = await api.headers("admin")
    achievement = await api.achievement("region", admin)
    response = await api.issue(
        "region",
        admin,
        {"achievement_id": achievement, "recipient": {"email": EMAIL}, "evidence": evidence},
    )
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


async def test_a_short_credential_is_signed_without_a_thread(
    api: Api, thread_hops: list[str]
) -> None:
    record = await _issue(api, [{"narrative": "Évaluation pratique réussie."}])
    assert thread_hops == []
    assert (await api.verify(record["credential"])).verdict == "valid"


async def test_a_long_credential_is_signed_in_a_thread(api: Api, thread_hops: list[str]) -> None:
    observed = "mise en situation professionnelle observée et validée par le tuteur ; " * 8
    evidence = [{"narrative": f"Séance {n} : {observed}"} for n in range(1, 51)]  # ~30 KB
    record = await _issue(api, evidence)
    assert len(thread_hops) == 1
    assert len(record["credential"]["evidence"]) == 50
    assert (await api.verify(record["credential"])).verdict == "valid"
