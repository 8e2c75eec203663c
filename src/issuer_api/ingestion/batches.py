"""The inbox processed in batches: several deliveries per job.

A delivery is stored with no job of its own (:mod:`issuer_api.ingestion.inbox`): the
transaction that stores it enqueues ``ingest.drain_inbox`` under a queueing lock — at
most one such job waits, however many deliveries arrive. A run of it
(:func:`drain`)::

    take the DRAIN_BATCH oldest queued deliveries no batch holds   (one statement)
      → each is held for a lease (``delivery.lease_until``; ``OBHUB_JOB_LEASE_SECONDS``,
        renewed while the batch runs)
      → a full batch enqueues the next drain: another worker takes the following
        deliveries meanwhile
      → each delivery processed as its own job would (:func:`processing.process_delivery`),
        as its first attempt; one taken again after its batch stopped during that attempt
        (its worker died) is not attempted in a batch again: it goes on in its own job
      → a delivery that must wait (a document could not be fetched) or that failed is
        handed over to a job of its own (``ingest.process_delivery``, attempt numbering
        going on, after the usual backoff): the retries and the dead letter are that
        job's, as for a delivery that was never in a batch
    until the inbox is empty or DRAIN_MAX_PER_RUN deliveries were taken

The job costs of a delivery (fetching and finishing a job: two statements and their
bookkeeping on each side, about a millisecond of the worker's CPU) are paid once per
batch. Nothing is lost when a worker dies mid-batch: the deliveries it held are taken
again once their lease has passed, by the next drain — at the latest the one that runs
every minute (``ingest.drain_inbox_every_minute``). A delivery is taken by one batch at
a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite runs one write at a time); one
processed twice by accident (a batch stalled past its lease) is harmless: each item is
claimed by one transaction, its outcome written once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Final, cast

from sqlalchemy import Table, and_, bindparam, literal_column, or_, select

from issuer_api.db import session_scope
from issuer_api.ingestion import processing
from issuer_api.ingestion.inbox import DRAIN, PROCESS_TASK
from issuer_api.jobs import JobContext, RetryLater, enqueue
from issuer_api.jobs.registry import ATTEMPTS_BEFORE, backoff_seconds
from issuer_api.models import Delivery

logger = logging.getLogger(__name__)

PROCESS_MAX_ATTEMPTS: Final = 8
"""Attempts at a delivery (its first, in a batch, counted) before it is dead-lettered."""
DRAIN_BATCH: Final = 20
"""Deliveries taken per statement (and per lease)."""
BATCH_STOPPED: Final = "BatchStopped"
"""What ``last_error`` says of an attempt its batch never finished."""
DRAIN_MAX_PER_RUN: Final = 1000
"""A run stops after taking this many (the next drain, enqueued by a full batch, goes on)."""
_DELIVERY: Final = cast(Table, Delivery.__table__)
_MOMENT: Final = _DELIVERY.c.lease_until.type

# Queued and held by no batch: never attempted and never held, or held by a batch whose
# lease has passed (its worker died). A delivery handed over to its own job (attempts
# made, no lease) is that job's. 'queued' is written into the statement, not bound: only
# then may the plan use the partial index of the inbox (ix_delivery_inbox_order),
# in its order, stopping at the limit.
_TAKEN: Final = (
    _DELIVERY.update()
    .where(
        _DELIVERY.c.id.in_(
            select(_DELIVERY.c.id)
            .where(
                _DELIVERY.c.status == literal_column("'queued'"),
                or_(
                    and_(_DELIVERY.c.lease_until.is_(None), _DELIVERY.c.attempts == 0),
                    _DELIVERY.c.lease_until < bindparam("p_now", type_=_MOMENT),
                ),
            )
            .order_by(_DELIVERY.c.received_at, _DELIVERY.c.id)
            .limit(bindparam("p_limit"))
            .with_for_update(skip_locked=True)
        )
    )
    .values(lease_until=bindparam("lease_until", type_=_MOMENT))
    .returning(_DELIVERY.c.id, _DELIVERY.c.attempts, _DELIVERY.c.received_at)
)
# A batch longer than half its lease holds its remaining deliveries longer — those it
# still holds (a delivery whose lease passed may be another batch's now).
_RENEWED: Final = (
    _DELIVERY.update()
    .where(
        _DELIVERY.c.id.in_(bindparam("p_ids", expanding=True)),
        _DELIVERY.c.status == "queued",
        _DELIVERY.c.lease_until == bindparam("p_held_until", type_=_MOMENT),
    )
    .values(lease_until=bindparam("lease_until", type_=_MOMENT))
    .returning(_DELIVERY.c.id)
)
# Handed over to its own job: no lease, its attempt recorded (even one that failed
# before recording it) — no batch takes it again. Never back to fewer attempts: a batch
# that stalled past its lease does not undo a later one's.
_RELEASED: Final = (
    _DELIVERY.update()
    .where(
        _DELIVERY.c.id == bindparam("p_delivery"),
        _DELIVERY.c.status == "queued",
        _DELIVERY.c.attempts <= bindparam("attempts"),
    )
    .values(lease_until=None, attempts=bindparam("attempts"), last_error=bindparam("last_error"))
    .returning(_DELIVERY.c.id)
)


@dataclass(frozen=True)
class Taken:
    """A delivery a batch holds: its id and the attempts made at it so far."""

    id: str
    attempts: int
    received_at: datetime


def lease_of(ctx: JobContext) -> timedelta:
    """How long a batch holds its deliveries: the job engine's lease (5 minutes by
    default; twenty badges whose documents each take the whole verification deadline
    fit in it), renewed while the batch runs."""
    return timedelta(seconds=ctx.settings.job_lease_seconds)


@dataclass
class Batch:
    """Deliveries taken together, oldest first, held until ``held_until``; ``held``: the
    ids it still holds (not finished yet, not taken by another batch since)."""

    taken: list[Taken]
    held_until: datetime
    held: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.held = [taken.id for taken in self.taken]


async def take(ctx: JobContext, limit: int, now: datetime | None = None) -> Batch:
    """Hold up to ``limit`` of the oldest deliveries no batch holds (oldest first)."""
    moment = now or processing.now_utc()
    held_until = moment + lease_of(ctx)
    async with session_scope(ctx.sessions) as session:
        result = await session.execute(
            _TAKEN, {"p_now": moment, "p_limit": limit, "lease_until": held_until}
        )
        rows = [Taken(row.id, row.attempts, row.received_at) for row in result]
    rows.sort(key=lambda taken: (taken.received_at, taken.id))
    return Batch(rows, held_until)


async def renew(ctx: JobContext, batch: Batch) -> list[str]:
    """Hold the deliveries the batch still holds for another lease; their ids (one whose
    lease passed and that another batch took meanwhile is that batch's now)."""
    if not batch.held:
        return []
    moment = processing.now_utc()
    held_until = moment + lease_of(ctx)
    async with session_scope(ctx.sessions) as session:
        result = await session.execute(
            _RENEWED,
            {
                "p_ids": list(batch.held),
                "p_held_until": batch.held_until,
                "lease_until": held_until,
            },
        )
        renewed = {row.id for row in result}
    batch.held_until = held_until
    batch.held = [delivery_id for delivery_id in batch.held if delivery_id in renewed]
    return list(batch.held)


async def drain(ctx: JobContext) -> int:
    """Process the inbox in batches (module doc); how many deliveries this run took."""
    total = 0
    while total < DRAIN_MAX_PER_RUN:
        batch = await take(ctx, DRAIN_BATCH)
        if len(batch.taken) == DRAIN_BATCH:
            await _enqueue_next(ctx)
        await _process_batch(ctx, batch)
        total += len(batch.taken)
        if len(batch.taken) < DRAIN_BATCH:
            break
    return total


async def _process_batch(ctx: JobContext, batch: Batch) -> None:
    """Each delivery in turn, while a task renews the lease of those still held every
    half lease — the one being processed included (a delivery of a hundred badges may
    take longer than a lease)."""
    keeper = asyncio.create_task(_keep_held(ctx, batch))
    try:
        for taken in batch.taken:
            if taken.id in batch.held:
                await _process(ctx, taken)
            if taken.id in batch.held:
                batch.held.remove(taken.id)
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper


async def _keep_held(ctx: JobContext, batch: Batch) -> None:
    half = lease_of(ctx).total_seconds() / 2
    while True:
        await asyncio.sleep(half)
        try:
            await renew(ctx, batch)
        except Exception:  # the next try is half a lease later; the lease may pass
            logger.warning("the lease of a batch could not be renewed", exc_info=True)


async def _enqueue_next(ctx: JobContext) -> None:
    async with session_scope(ctx.sessions) as session:
        await DRAIN.enqueue(session)


async def _process(ctx: JobContext, taken: Taken) -> None:
    """The delivery's first attempt; handed over to its own job if it must go on."""
    if taken.attempts > 0:
        await _taken_again(ctx, taken)
        return
    attempt = 1
    context = replace(ctx, attempt=attempt, max_attempts=PROCESS_MAX_ATTEMPTS)
    try:
        await processing.process_delivery(context, taken.id)
    except RetryLater as exc:
        await hand_over(ctx, taken.id, attempt, str(exc))
    except Exception as exc:
        # The type only: an exception's message may quote personal data.
        error = type(exc).__name__
        logger.warning(
            "delivery failed in its batch; its own job retries it",
            extra={"delivery": taken.id, "attempt": attempt, "error": error},
        )
        await hand_over(ctx, taken.id, attempt, f"attempt {attempt} failed: {error}")


async def _taken_again(ctx: JobContext, taken: Taken) -> None:
    """A delivery whose batch stopped during its attempt (its worker died, or stalled
    past the lease) is not attempted in a batch again — a badge that kills its worker
    would take the rest of each batch with it: its own job goes on, counting that
    attempt, or it is dead-lettered if that was its last."""
    if taken.attempts >= PROCESS_MAX_ATTEMPTS:
        context = replace(ctx, attempt=taken.attempts, max_attempts=PROCESS_MAX_ATTEMPTS)
        logger.error(
            "delivery stopped its batch on its last attempt",
            extra={"delivery": taken.id, "attempt": taken.attempts},
        )
        await processing.dead_delivery(context, BATCH_STOPPED, taken.id)
        return
    logger.warning(
        "delivery taken again after its batch stopped; its own job retries it",
        extra={"delivery": taken.id, "attempt": taken.attempts},
    )
    await hand_over(
        ctx, taken.id, taken.attempts, f"attempt {taken.attempts} stopped: {BATCH_STOPPED}"
    )


async def hand_over(ctx: JobContext, delivery_id: str, attempt: int, error: str) -> bool:
    """Release the delivery from its batch and enqueue its own job, to run after the
    backoff of attempt ``attempt``; False if it is no longer queued (or a later attempt
    was made at it meanwhile)."""
    wait = backoff_seconds(attempt, float(ctx.settings.job_retry_backoff_seconds))
    async with session_scope(ctx.sessions) as session:
        released = await session.execute(
            _RELEASED,
            {"p_delivery": delivery_id, "attempts": attempt, "last_error": error[:2000]},
        )
        if released.first() is None:
            return False
        await enqueue(
            session,
            PROCESS_TASK,
            {"delivery_id": delivery_id, ATTEMPTS_BEFORE: attempt},
            queueing_lock=f"{PROCESS_TASK}:{delivery_id}",
            delay=timedelta(seconds=wait),
        )
    return True
