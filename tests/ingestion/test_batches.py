"""The inbox processed in batches: one job for many deliveries, nothing lost or doubled.

Deliveries go through the real inbox; batches run through the real job runtime or are
called as a job would call them. A batch holds its deliveries under a lease; a delivery
it cannot finish is handed over to a job of its own, its attempts counted on.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update

from ingestion.factory import PartnerIssuer, json_item
from ingestion.helpers import EMAIL, OTHER_EMAIL, Hub, codes
from issuer_api.ingestion import batches, processing
from issuer_api.ingestion.inbox import DRAIN_TASK, PROCESS_TASK
from issuer_api.jobs import JobContext
from issuer_api.models import Delivery


async def waiting_jobs(hub: Hub, task: str) -> list[dict[str, Any]]:
    """The arguments of the jobs of ``task`` waiting to run, on either engine."""
    async with hub.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            query = text(
                "SELECT args FROM procrastinate_jobs WHERE task_name = :task AND status = 'todo'"
            )
        else:
            query = text("SELECT args FROM job WHERE task = :task AND status = 'todo'")
        rows = (await session.execute(query, {"task": task})).scalars().all()
    return [json.loads(row) if isinstance(row, str) else dict(row) for row in rows]


async def deliver_badges(hub: Hub, campus: PartnerIssuer, count: int) -> list[str]:
    partner = await hub.add_partner(trusts=[campus.did])
    return [
        await hub.deliver(
            partner, json_item(campus.signed_json(campus.credential(email=EMAIL)), email=EMAIL)
        )
        for _ in range(count)
    ]


async def test_one_job_processes_every_delivery_waiting_in_the_inbox(
    hub: Hub, campus: PartnerIssuer
) -> None:
    deliveries = await deliver_badges(hub, campus, 3)

    assert await waiting_jobs(hub, DRAIN_TASK) == [{}]  # one job, however many deliveries
    assert await waiting_jobs(hub, PROCESS_TASK) == []
    await hub.run_jobs()

    for delivery_id in deliveries:
        delivery = await hub.delivery(delivery_id)
        assert (delivery.status, delivery.attempts) == ("done", 1)
        assert (await hub.item(delivery_id)).outcome == "accepted"
    assert len(await hub.badges()) == 3
    assert await waiting_jobs(hub, DRAIN_TASK) == []


async def test_a_full_batch_enqueues_the_next_drain_so_another_worker_can_help(
    hub: Hub, campus: PartnerIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batches, "DRAIN_BATCH", 2)
    taken: list[int] = []
    take = batches.take

    async def spy(ctx: JobContext, limit: int, now: Any = None) -> batches.Batch:
        batch = await take(ctx, limit, now)
        taken.append(len(batch.taken))
        return batch

    monkeypatch.setattr(batches, "take", spy)
    deliveries = await deliver_badges(hub, campus, 5)

    await hub.run_jobs()

    # The first run takes 2, 2, then 1; its first full batch enqueued the next drain,
    # which found the inbox empty (another worker would have shared the work). On
    # PostgreSQL the minute's periodic drain may run too, and find it empty as well.
    assert taken[:3] == [2, 2, 1]
    assert taken[3:]
    assert set(taken[3:]) == {0}
    assert {(await hub.delivery(d)).status for d in deliveries} == {"done"}


async def test_a_delivery_whose_documents_cannot_be_fetched_is_handed_over_to_its_own_job(
    hub: Hub, campus: PartnerIssuer
) -> None:
    partner = await hub.add_partner(trusts=[campus.did])
    waits = await hub.deliver_with_unfetchable_status(partner, campus)
    fine = await hub.deliver(
        partner,
        json_item(campus.signed_json(campus.credential(email=OTHER_EMAIL)), email=OTHER_EMAIL),
    )

    assert await batches.drain(hub.context()) == 2

    assert (await hub.delivery(fine)).status == "done"
    delivery = await hub.delivery(waits)
    assert (delivery.status, delivery.attempts, delivery.lease_until) == ("queued", 1, None)
    assert delivery.last_error is not None
    assert "could not be verified" in delivery.last_error
    assert await waiting_jobs(hub, PROCESS_TASK) == [{"delivery_id": waits, "attempts_before": 1}]
    # Handed over: no batch takes it any more; its own job retries it.
    assert (await batches.take(hub.context(), 10)).taken == []

    for _ in range(10):  # the job's retries are due at once (no backoff in these tests)
        if not await hub.run_jobs():
            break
    delivery = await hub.delivery(waits)
    assert (delivery.status, delivery.attempts) == ("done", 8)  # eight attempts in all
    assert codes(await hub.item(waits)) == ["verification_unavailable"]


async def test_an_error_in_one_delivery_leaves_the_rest_of_its_batch_processed(
    hub: Hub, campus: PartnerIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, broken, last = await deliver_badges(hub, campus, 3)
    process = processing.process_delivery

    async def failing(ctx: JobContext, delivery_id: str) -> None:
        if delivery_id == broken:
            raise RuntimeError("apprenant.dupont@example.fr")  # a message may hold data
        await process(ctx, delivery_id)

    monkeypatch.setattr(processing, "process_delivery", failing)

    assert await batches.drain(hub.context()) == 3

    assert (await hub.delivery(first)).status == "done"
    assert (await hub.delivery(last)).status == "done"
    delivery = await hub.delivery(broken)
    assert delivery.status == "queued"
    assert delivery.last_error == "attempt 1 failed: RuntimeError"  # the type, no message
    assert await waiting_jobs(hub, PROCESS_TASK) == [{"delivery_id": broken, "attempts_before": 1}]

    monkeypatch.setattr(processing, "process_delivery", process)
    await hub.run_jobs()
    delivery = await hub.delivery(broken)
    assert (delivery.status, delivery.attempts) == ("done", 2)


async def test_deliveries_a_dead_worker_held_are_taken_again_once_their_lease_has_passed(
    hub: Hub, campus: PartnerIssuer
) -> None:
    deliveries = await deliver_badges(hub, campus, 2)
    now = processing.now_utc()

    held = await batches.take(hub.context(), 10, now)  # its worker dies here
    assert [taken.id for taken in held.taken] == deliveries

    soon = now + timedelta(seconds=hub.settings.job_lease_seconds - 1)
    assert (await batches.take(hub.context(), 10, soon)).taken == []
    later = now + timedelta(seconds=hub.settings.job_lease_seconds + 1)
    again = await batches.take(hub.context(), 10, later)
    assert [(taken.id, taken.attempts) for taken in again.taken] == [(d, 0) for d in deliveries]


async def test_a_long_batch_renews_the_lease_only_of_the_deliveries_it_still_holds(
    hub: Hub, campus: PartnerIssuer
) -> None:
    first, second = await deliver_badges(hub, campus, 2)
    batch = await batches.take(hub.context(), 10)
    held_until = batch.held_until
    # Its lease passed meanwhile and another batch took the second delivery.
    async with hub.sessions() as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.id == second)
            .values(lease_until=held_until + timedelta(minutes=1))
        )
        await session.commit()

    assert await batches.renew(hub.context(), batch) == [first]

    assert batch.held == [first]
    assert batch.held_until > held_until
    async with hub.sessions() as session:
        leases = dict((await session.execute(select(Delivery.id, Delivery.lease_until))).all())
    assert leases[first] == batch.held_until
    assert leases[second] == held_until + timedelta(minutes=1)


async def held_by_a_batch_that_stopped(hub: Hub, delivery_id: str, attempts: int) -> None:
    """The delivery as a batch whose worker died during its attempt left it."""
    async with hub.sessions() as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id)
            .values(attempts=attempts, lease_until=processing.now_utc() - timedelta(seconds=1))
        )
        await session.commit()


async def test_a_delivery_whose_batch_stopped_during_its_attempt_goes_on_in_its_own_job(
    hub: Hub, campus: PartnerIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A badge that kills its worker must not take the rest of every batch with it."""
    stopper, *others = await deliver_badges(hub, campus, 3)
    await held_by_a_batch_that_stopped(hub, stopper, attempts=1)
    for other in others:  # taken in the same batch, never attempted
        await held_by_a_batch_that_stopped(hub, other, attempts=0)
    attempted: list[str] = []
    process = processing.process_delivery

    async def spy(ctx: JobContext, delivery_id: str) -> None:
        attempted.append(delivery_id)
        await process(ctx, delivery_id)

    monkeypatch.setattr(processing, "process_delivery", spy)

    assert await batches.drain(hub.context()) == 3

    assert attempted == others  # the one that stopped its batch is not tried again there
    assert {(await hub.delivery(other)).status for other in others} == {"done"}
    delivery = await hub.delivery(stopper)
    assert (delivery.status, delivery.attempts, delivery.lease_until) == ("queued", 1, None)
    assert delivery.last_error == "attempt 1 stopped: BatchStopped"
    assert await waiting_jobs(hub, PROCESS_TASK) == [{"delivery_id": stopper, "attempts_before": 1}]

    await hub.run_jobs()
    delivery = await hub.delivery(stopper)
    assert (delivery.status, delivery.attempts) == ("done", 2)


async def test_a_delivery_whose_batch_stopped_during_its_last_attempt_is_dead_lettered(
    hub: Hub, campus: PartnerIssuer
) -> None:
    (delivery_id,) = await deliver_badges(hub, campus, 1)
    await held_by_a_batch_that_stopped(hub, delivery_id, attempts=8)

    assert await batches.drain(hub.context()) == 1

    delivery = await hub.delivery(delivery_id)
    assert (delivery.status, delivery.attempts) == ("dead", 8)
    assert delivery.last_error == "processing failed after 8 attempt(s): BatchStopped"
    assert await waiting_jobs(hub, PROCESS_TASK) == []
    assert codes(await hub.item(delivery_id)) == ["processing_failed"]


async def test_a_batch_reads_the_inbox_in_index_order_and_never_sorts_it(hub: Hub) -> None:
    """However long the inbox, a take reads its partial index in order and stops at its
    limit — no sort of every queued delivery (revision 0019) — also in the generic plan
    PostgreSQL keeps for a statement prepared while the inbox was empty."""
    arguments = {"lease_until": "now()", "attempts_1": "0", "p_now": "now()", "p_limit": "20"}
    async with hub.sessions() as session:
        connection = await session.connection()
        if connection.dialect.name != "postgresql":
            pytest.skip("the embedded database's inbox is small: SQLite may sort it")
        compiled = batches._TAKEN.compile(dialect=connection.dialect)
        names = list(compiled.params)
        assert sorted(names) == sorted(arguments)
        sql = str(compiled)
        for number, name in enumerate(names, start=1):
            sql = sql.replace(f"%({name})s", f"${number}")
        await connection.exec_driver_sql(f"PREPARE take_oldest AS {sql}")
        try:
            await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
            values = ", ".join(arguments[name] for name in names)
            rows = await connection.exec_driver_sql(
                f"EXPLAIN (COSTS OFF) EXECUTE take_oldest({values})"
            )
            plan = "\n".join(str(row[0]) for row in rows)
        finally:
            await connection.exec_driver_sql("DEALLOCATE take_oldest")
    assert "$" in plan  # the generic plan: parameters, not values
    assert "Index Scan using ix_delivery_inbox_order" in plan
    assert "Sort" not in plan
