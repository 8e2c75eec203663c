"""Status lists (``GET /status/{id}``) and revocation (``POST /credentials/{id}/revoke``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import delete, select

from issuance.helpers import EMAIL, Api, error_code
from issuer_api.models import AuditEvent, IssuedCredential, StatusAllocation, StatusList
from issuer_api.statuslists import repository, service
from obcore.proofs import dataintegrity
from obcore.statuslist import MIN_ENTRIES, decode

pytestmark = pytest.mark.anyio


async def _setup(api: Api) -> tuple[dict[str, str], str]:
    await api.region()
    admin = await api.headers("admin")
    return admin, await api.achievement("region", admin)


async def _issue(api: Api, admin: dict[str, str], achievement: str) -> dict[str, Any]:
    response = await api.issue(
        "region", admin, {"achievement_id": achievement, "recipient": {"email": EMAIL}}
    )
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


_LIST_BB = "00000000-0000-4000-8000-0000000000bb"


async def _open_list(
    api: Api, url: str, *, list_id: str = _LIST_BB, size: int = MIN_ENTRIES
) -> None:
    """An open revocation list of the Region at ``url``, numbered 1 (``size`` entries:
    tests shrink it to fill it quickly)."""
    region = await api.region()
    async with api.sessions() as session:
        await repository.insert_list(
            session,
            list_id=list_id,
            issuer_id=region.id,
            purpose="revocation",
            sequence=1,
            url=url,
            size=size,
            now=service.now_utc(),
        )
        await session.commit()


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


async def _revoke(api: Api, headers: dict[str, str], credential_id: str) -> Any:
    return await api.http.post(
        f"/credentials/{credential_id}/revoke",
        json={"reason": "Délivré par erreur."},
        headers=headers,
    )


async def test_the_credential_points_to_a_random_index_of_the_issuers_list(api: Api) -> None:
    admin, achievement = await _setup(api)
    records = [await _issue(api, admin, achievement) for _ in range(12)]
    entries = [r["credential"]["credentialStatus"] for r in records]
    lists = {e["statusListCredential"] for e in entries}
    assert len(lists) == 1
    (url,) = lists
    indexes = [int(e["statusListIndex"]) for e in entries]
    assert len(set(indexes)) == len(indexes)  # never reused
    assert all(0 <= i < MIN_ENTRIES for i in indexes)
    assert indexes != sorted(indexes)  # random, not sequential (1 chance in 12! to fail)
    for entry in entries:
        assert entry["type"] == "BitstringStatusListEntry"
        assert entry["statusPurpose"] == "revocation"
        assert isinstance(entry["statusListIndex"], str)
        assert entry["id"] == f"{url}#{entry['statusListIndex']}"
    async with api.sessions() as session:
        allocations = (await session.execute(select(StatusAllocation))).scalars().all()
    assert sorted(a.status_index for a in allocations) == sorted(indexes)


async def test_one_check_of_the_allocations_serves_many_credentials(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The free indexes one check finds are handed out by the process for a few seconds:
    most issuances read no allocation at all, and every index is still claimed once."""
    admin, achievement = await _setup(api)
    checks = 0
    taken_among = repository.taken_among

    async def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal checks
        checks += 1
        return await taken_among(*args, **kwargs)

    monkeypatch.setattr(repository, "taken_among", counting)
    records = [await _issue(api, admin, achievement) for _ in range(10)]
    indexes = [int(r["credential"]["credentialStatus"]["statusListIndex"]) for r in records]
    assert checks == 1
    assert len(set(indexes)) == 10
    assert indexes != sorted(indexes)


async def test_a_remembered_free_index_claimed_by_another_process_is_never_given_twice(
    api: Api,
) -> None:
    admin, achievement = await _setup(api)
    small = "00000000-0000-4000-8000-0000000000ad"
    await _open_list(api, "http://localhost/status/small", list_id=small, size=64)
    first = await _issue(api, admin, achievement)  # this process remembers free indexes
    mine = int(first["credential"]["credentialStatus"]["statusListIndex"])
    left = sorted(set(range(64)) - {mine})[:3]
    async with api.sessions() as session:  # another process takes every index but three
        for index in set(range(64)) - {mine, *left}:
            await repository.claim(session, small, index, "ailleurs")
        await session.commit()
    records = [await _issue(api, admin, achievement) for _ in range(4)]
    entries = [r["credential"]["credentialStatus"] for r in records]
    assert {int(e["statusListIndex"]) for e in entries[:3]} == set(left)
    assert all(e["statusListCredential"].endswith("/small") for e in entries[:3])
    assert not entries[3]["statusListCredential"].endswith("/small")  # full: the next list


async def test_a_claim_in_a_list_that_is_gone_inserts_nothing(api: Api) -> None:
    async with api.sessions() as session:
        claimed = await repository.claim(session, "00000000-0000-4000-8000-0000000000ff", 7, "x")
        await session.commit()
        rows = (await session.execute(select(StatusAllocation))).scalars().all()
    assert claimed is False
    assert rows == []


async def test_the_status_list_is_a_signed_bitstring_status_list_credential(api: Api) -> None:
    admin, achievement = await _setup(api)
    record = await _issue(api, admin, achievement)
    url = record["credential"]["credentialStatus"]["statusListCredential"]
    response = await api.http.get(_path(url))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vc+ld+json"
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["etag"] == 'W/"1"'
    document = response.json()
    assert document["id"] == url
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["issuer"] == record["credential"]["issuer"]["id"]
    subject = document["credentialSubject"]
    assert subject["id"] == f"{url}#list"
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    bits = decode(subject["encodedList"])
    assert bits.entries == MIN_ENTRIES
    assert not any(bits.to_bytes())
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["proof"]["created"] == document["validFrom"]
    report = await api.verify(document)
    assert {c.id: c.status for c in report.checks}["proof"] == "valid"
    assert {c.id: c.status for c in report.checks}["issuer"] == "valid"
    again = await api.http.get(_path(url))
    assert again.content == response.content


async def test_if_none_match_and_versions(api: Api) -> None:
    admin, achievement = await _setup(api)
    record = await _issue(api, admin, achievement)
    path = _path(record["credential"]["credentialStatus"]["statusListCredential"])
    for tag in ('W/"1"', '"1"', "*", 'W/"7", W/"1"'):
        response = await api.http.get(path, headers={"If-None-Match": tag})
        assert response.status_code == 304, tag
        assert response.headers["etag"] == 'W/"1"'
        assert response.content == b""
    assert (await api.http.get(path, headers={"If-None-Match": 'W/"2"'})).status_code == 200
    assert (await _revoke(api, admin, record["id"])).status_code == 200
    refreshed = await api.http.get(path, headers={"If-None-Match": 'W/"1"'})
    assert refreshed.status_code == 200
    assert refreshed.headers["etag"] == 'W/"2"'


async def test_repeated_reads_are_served_without_signing_again(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, achievement = await _setup(api)
    record = await _issue(api, admin, achievement)
    path = _path(record["credential"]["credentialStatus"]["statusListCredential"])
    signed: list[str] = []
    original = dataintegrity.add_proof

    def counting(document: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        signed.append(str(document.get("type")))
        return original(document, *args, **kwargs)

    monkeypatch.setattr(dataintegrity, "add_proof", counting)
    bodies = {(await api.http.get(path)).content for _ in range(5)}
    assert len(bodies) == 1
    assert len(signed) == 1
    await _revoke(api, admin, record["id"])
    await api.http.get(path)
    await api.http.get(path)
    assert len(signed) == 2


async def test_revocation_sets_the_bit_and_is_final(api: Api) -> None:
    admin, achievement = await _setup(api)
    record = await _issue(api, admin, achievement)
    entry = record["credential"]["credentialStatus"]
    revoker = await api.headers("status")
    response = await _revoke(api, revoker, record["id"])
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "revoked"
    assert response.json()["revoked_at"] is not None
    listed = (await api.http.get(_path(entry["statusListCredential"]))).json()
    bits = decode(listed["credentialSubject"]["encodedList"])
    assert bits.get(int(entry["statusListIndex"])) == 1
    assert sum(bin(b).count("1") for b in bits.to_bytes()) == 1
    report = await api.verify(record["credential"])
    status = next(c for c in report.checks if c.id == "status")
    assert (status.status, status.code) == ("invalid", "revoked")
    again = await _revoke(api, revoker, record["id"])
    assert again.status_code == 409
    assert error_code(again) == "already_revoked"
    async with api.sessions() as session:
        events = (await session.execute(select(AuditEvent))).scalars().all()
    revocations = [e for e in events if e.action == "credential.revoke"]
    assert len(revocations) == 1
    assert revocations[0].target_id == record["id"]
    assert revocations[0].reason == "Délivré par erreur."
    assert revocations[0].actor.startswith("obc_")
    assert revocations[0].data["index"] == int(entry["statusListIndex"])


async def test_a_badge_issued_for_revocation_cannot_be_suspended(api: Api) -> None:
    admin, achievement = await _setup(api)
    record = await _issue(api, admin, achievement)
    assert record["suspendable"] is False
    for action in ("suspend", "unsuspend"):
        response = await api.http.post(
            f"/credentials/{record['id']}/{action}", json={"reason": "contrôle"}, headers=admin
        )
        assert response.status_code == 409
        assert error_code(response) == "suspension_not_available"


async def test_status_changes_need_the_status_scope_and_the_issuer(api: Api) -> None:
    admin, achievement = await _setup(api)
    record = await _issue(api, admin, achievement)
    partner = await api.partner(admin)
    assert (await _revoke(api, await api.headers("issue", "read"), record["id"])).status_code == 403
    outsider = await api.headers("status", issuer_id=partner["id"])
    refused = await _revoke(api, outsider, record["id"])
    assert refused.status_code == 403
    assert error_code(refused) == "forbidden_issuer"
    empty = await api.http.post(
        f"/credentials/{record['id']}/revoke", json={"reason": "  "}, headers=admin
    )
    assert empty.status_code == 422
    missing = await _revoke(api, admin, "00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404


async def test_concurrent_revocations_lose_no_update(api: Api) -> None:
    admin, achievement = await _setup(api)
    records = [await _issue(api, admin, achievement) for _ in range(6)]
    responses = await asyncio.gather(*(_revoke(api, admin, r["id"]) for r in records))
    assert [r.status_code for r in responses] == [200] * 6
    url = records[0]["credential"]["credentialStatus"]["statusListCredential"]
    listed = (await api.http.get(_path(url))).json()
    assert listed["credentialSubject"]["statusPurpose"] == "revocation"
    bits = decode(listed["credentialSubject"]["encodedList"])
    for record in records:
        assert bits.get(int(record["credential"]["credentialStatus"]["statusListIndex"])) == 1
    assert (await api.http.get(_path(url))).headers["etag"] == 'W/"7"'


async def test_concurrent_revocations_of_one_credential_succeed_once(api: Api) -> None:
    admin, achievement = await _setup(api)
    record = await _issue(api, admin, achievement)
    responses = await asyncio.gather(*(_revoke(api, admin, record["id"]) for _ in range(5)))
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409]
    async with api.sessions() as session:
        events = (await session.execute(select(AuditEvent))).scalars().all()
    assert len([e for e in events if e.action == "credential.revoke"]) == 1


async def test_a_full_list_is_closed_and_the_next_one_opened(api: Api) -> None:
    admin, achievement = await _setup(api)
    region = await api.region()
    async with api.sessions() as session:
        # A (test-only) list of 16 entries, every one of them taken.
        await repository.insert_list(
            session,
            list_id="00000000-0000-4000-8000-0000000000aa",
            issuer_id=region.id,
            purpose="revocation",
            sequence=1,
            url="https://old.example/status/full",
            size=16,
            now=service.now_utc(),
        )
        for index in range(16):
            await repository.claim(session, "00000000-0000-4000-8000-0000000000aa", index, "x")
        await session.commit()
    record = await _issue(api, admin, achievement)
    entry = record["credential"]["credentialStatus"]
    assert "old.example" not in entry["statusListCredential"]
    async with api.sessions() as session:
        lists = (await session.execute(select(StatusList).order_by(StatusList.sequence))).scalars()
        found = [(item.sequence, item.size, item.closed_at is not None) for item in lists]
    assert found == [(1, 16, True), (2, MIN_ENTRIES, False)]


async def test_a_remembered_open_list_filled_by_other_processes_is_closed_and_left(
    api: Api,
) -> None:
    """The open list is remembered per process: once others have taken its last free
    indexes, the next credential finds it full, closes it and goes to a new list."""
    admin, achievement = await _setup(api)
    small = "00000000-0000-4000-8000-0000000000ac"
    await _open_list(api, "http://localhost/status/small", list_id=small, size=16)
    first = await _issue(api, admin, achievement)
    assert first["credential"]["credentialStatus"]["statusListCredential"].endswith("/small")
    async with api.sessions() as session:  # as if other processes took every other index
        for index in range(16):
            await repository.claim(session, small, index, "x")
        await session.commit()
    second = await _issue(api, admin, achievement)
    assert not second["credential"]["credentialStatus"]["statusListCredential"].endswith("/small")
    async with api.sessions() as session:
        lists = (await session.execute(select(StatusList).order_by(StatusList.sequence))).scalars()
        found = [(item.sequence, item.size, item.closed_at is not None) for item in lists]
    assert found == [(1, 16, True), (2, MIN_ENTRIES, False)]


async def test_a_remembered_open_list_no_longer_in_the_database_is_forgotten_not_used(
    api: Api,
) -> None:
    """A list this process remembers but the database no longer holds (its rows deleted
    under it) is never allocated from: the next credential reads the lists again."""
    admin, achievement = await _setup(api)
    first = await _issue(api, admin, achievement)
    gone = first["credential"]["credentialStatus"]["statusListCredential"]
    async with api.sessions() as session:  # the database emptied under the process
        for table in (StatusAllocation, IssuedCredential, StatusList):
            await session.execute(delete(table))
        await session.commit()

    second = await _issue(api, admin, achievement)

    assert second["credential"]["credentialStatus"]["statusListCredential"] != gone
    async with api.sessions() as session:
        lists = (await session.execute(select(StatusList))).scalars().all()
    assert [item.closed_at for item in lists] == [None]


async def test_an_unknown_list_is_404(api: Api) -> None:
    response = await api.http.get("/status/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert error_code(response) == "status_list_not_found"


async def test_a_list_published_under_another_base_is_closed_once_a_base_is_configured(
    web_api: Api,
) -> None:
    await _open_list(web_api, "http://localhost/status/00000000-0000-4000-8000-0000000000bb")
    admin, achievement = await _setup(web_api)
    record = await _issue(web_api, admin, achievement)
    url = record["credential"]["credentialStatus"]["statusListCredential"]
    assert url.startswith("https://badges.example.fr/status/")
    async with web_api.sessions() as session:
        old = await session.get(StatusList, "00000000-0000-4000-8000-0000000000bb")
    assert old is not None
    assert old.closed_at is not None
    # Still published (its credentials keep their status), under any host.
    assert (await web_api.http.get(f"/status/{old.id}")).status_code == 200


async def test_without_a_configured_base_an_open_list_is_kept_whatever_its_host(
    api: Api,
) -> None:
    url = "http://127.0.0.1:8000/status/00000000-0000-4000-8000-0000000000bb"
    await _open_list(api, url)
    admin, achievement = await _setup(api)
    record = await _issue(api, admin, achievement)
    assert record["credential"]["credentialStatus"]["statusListCredential"] == url


async def test_an_index_claimed_concurrently_is_drawn_again_and_signed_again(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, achievement = await _setup(api)
    first = await _issue(api, admin, achievement)
    taken = int(first["credential"]["credentialStatus"]["statusListIndex"])
    original = service.choose_slot
    calls: list[int] = []

    async def stale(*args: Any, **kwargs: Any) -> service.Slot:
        slot = await original(*args, **kwargs)
        calls.append(slot.index)
        if len(calls) == 1:  # as if another request claimed it after we chose it
            return service.Slot(slot.list_id, slot.list_url, slot.purpose, taken)
        return slot

    monkeypatch.setattr(service, "choose_slot", stale)
    second = await _issue(api, admin, achievement)
    index = int(second["credential"]["credentialStatus"]["statusListIndex"])
    assert len(calls) == 2
    assert index != taken
    assert (await api.verify(second["credential"])).verified


async def _issue_suspendable(api: Api, admin: dict[str, str], achievement: str) -> dict[str, Any]:
    response = await api.issue(
        "region",
        admin,
        {
            "achievement_id": achievement,
            "recipient": {"email": EMAIL},
            "status_purpose": "suspension",
        },
    )
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


async def _status_check(api: Api, credential: dict[str, Any]) -> tuple[str, str]:
    report = await api.verify(credential)
    status = next(c for c in report.checks if c.id == "status")
    return status.status, status.code


async def test_a_badge_issued_for_suspension_is_suspended_and_restored(api: Api) -> None:
    admin, achievement = await _setup(api)
    record = await _issue_suspendable(api, admin, achievement)
    entry = record["credential"]["credentialStatus"]
    assert entry["statusPurpose"] == "suspension"
    assert record["suspendable"] is True
    credential = record["credential"]
    assert await _status_check(api, credential) == ("valid", "status_active")

    suspended = await api.http.post(
        f"/credentials/{record['id']}/suspend",
        json={"reason": "Badge partenaire révoqué."},
        headers=admin,
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    assert await _status_check(api, credential) == ("invalid", "suspended")

    restored = await api.http.post(
        f"/credentials/{record['id']}/unsuspend", json={"reason": "Soutien rétabli."}, headers=admin
    )
    assert restored.status_code == 200, restored.text
    assert await _status_check(api, credential) == ("valid", "status_active")


async def test_revoking_a_suspendable_badge_suspends_it_for_good(api: Api) -> None:
    admin, achievement = await _setup(api)
    record = await _issue_suspendable(api, admin, achievement)
    revoked = await _revoke(api, admin, record["id"])
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    assert await _status_check(api, record["credential"]) == ("invalid", "suspended")
    again = await api.http.post(
        f"/credentials/{record['id']}/unsuspend", json={"reason": "essai"}, headers=admin
    )
    assert again.status_code == 409
    assert error_code(again) == "already_revoked"
    assert await _status_check(api, record["credential"]) == ("invalid", "suspended")
