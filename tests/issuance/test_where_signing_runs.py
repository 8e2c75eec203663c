"""Where a credential is signed: on the event loop when it is short (cheaper than a
thread hop), in a worker thread when it is long (the loop keeps serving meanwhile)."""

from __future__ import annotations

import pytest

from issuance.helpers import Api, record_thread_hops

pytestmark = pytest.mark.anyio


@pytest.fixture
def thread_hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return record_thread_hops(monkeypatch)


async def test_a_short_credential_is_signed_without_a_thread(
    api: Api, thread_hops: list[str]
) -> None:
    record = await api.regional_record(evidence=[{"narrative": "Évaluation pratique réussie."}])
    assert thread_hops == []
    assert (await api.verify(record["credential"])).verdict == "valid"


async def test_a_long_credential_is_signed_in_a_thread(api: Api, thread_hops: list[str]) -> None:
    observed = "mise en situation professionnelle observée et validée par le tuteur ; " * 8
    evidence = [{"narrative": f"Séance {n} : {observed}"} for n in range(1, 51)]  # ~30 KB
    record = await api.regional_record(evidence=evidence)
    assert len(thread_hops) == 1
    assert len(record["credential"]["evidence"]) == 50
    assert (await api.verify(record["credential"])).verdict == "valid"
