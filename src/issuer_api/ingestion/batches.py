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
      → each delivery processed as its own job would (:func:`processing.process_delivery`,
        attempt = its attempts so far + 1)
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

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final, cast

from sqlalchemy import Table, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.db import session_scope
from issuer_api.ingestion import processing
from issuer_api.ingestion.inbox import DRAIN_TASK, PROCESS_TASK
from issuer_api.jobs import JobContext, RetryLater, enqueue
from issuer_api.jobs.registry import backoff_seconds
from issuer_api.models import Delivery

logger = logging.getLogger(__name__)

PROCESS_MAX_ATTEMPTS: Final = 8
"""Attempts at a delivery (its first, in a batch, counted) before it is dead-lettered."""
DRAIN_BATCH: Final = 20
"""Deliveries taken per statement (and per lease)."""
DRAIN_MAX_PER_RUN: Final = 1000
"""A run stops after taking this many (the next drain, enqueued by a full batch, goes on)."""
_DELIVERY: Final = cast(Table, Delivery.__table__)
_MOMENT: Final = _DELIVERY.c.lease_until.type

# Queued and held by no batch: never attempted and never held, or held by a batch whose
# lease has passed (its worker died). A delivery handed over to its own job (attempts
# made, no lease) is that job's.
_TAKEN: Final = (
    _DELIVERY.update()
    .where(
        _DELIVERY.c.id.in_(
            select(_DELIVERY.c.id)
            .where(
                _DELIVERY.c.status == "queued",
                or_(
                    and_(_DELIVERY.c.lease_until.is_(None), _DELIVERY.c.attempts == 0),
                    _DELIVERY.c.lease_until
                    < bindparam("p_now", type_=_DELIVERY.c.lease_until.type),
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
# before recording it) — no batch takes it again.
_RELEASED: Final = (
    _DELIVERY.update()
    .where(_DELIVERY.c.id == bindparam("p_delivery"), _DELIVERY.c.status == "queued")
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
    """Deliveries taken together, oldest first, held until ``held_until``."""

    taken: list[Taken]
    held_until: datetime


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


async def renew(ctx: JobContext, batch: Batch, remaining: list[Taken]) -> list[Taken]:
    """Hold ``remaining`` for another lease; those still held by this batch."""
    moment = processing.now_utc()
    held_until = moment + lease_of(ctx)
    async with session_scope(ctx.sessions) as session:
        result = await session.execute(
            _RENEWED,
            {
                "p_ids": [taken.id for taken in remaining],
                "p_held_until": batch.held_until,
                "lease_until": held_until,
            },
        )
        renewed = {row.id for row in result}
    batch.held_until = held_until
    return [taken for taken in remaining if taken.id in renewed]


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
    remaining = list(batch.taken)
    half = lease_of(ctx) / 2
    while remaining:
        if processing.now_utc() >= batch.held_until - half:
            remaining = await renew(ctx, batch, remaining)
            if not remaining:
                return
        await _process(ctx, remaining.pop(0))


async def _enqueue_next(ctx: JobContext) -> None:
    async with session_scope(ctx.sessions) as session:
        await enqueue_drain(session)


async def enqueue_drain(session: AsyncSession) -> bool:
    """Enqueue a drain of the inbox unless one waits already (the caller's transaction)."""
    queued: bool = await enqueue(session, DRAIN_TASK, {}, queueing_lock=DRAIN_TASK)
    return queued


async def _process(ctx: JobContext, taken: Taken) -> None:
    attempt = taken.attempts + 1
    context = replace(ctx, attempt=attempt, max_attempts=PROCESS_MAX_ATTEMPTS)
    try:
        await processing.process_delivery(context, taken.id)
    except RetryLater as exc:
        await hand_over(ctx, taken.id, attempt, str(exc))
    except Exception as exc:
        # The type only: an exception's message may quote personal data.
        error = type(exc).__name__
        if context.is_last_attempt:
            logger.error(  # noqa: TRY400 - the message may quote personal data: the type
                "delivery failed on its last attempt",
                extra={"delivery": taken.id, "attempt": attempt, "error": error},
            )
            await processing.dead_delivery(context, error, taken.id)
            return
        logger.warning(
            "delivery failed in its batch; its own job retries it",
            extra={"delivery": taken.id, "attempt": attempt, "error": error},
        )
        await hand_over(ctx, taken.id, attempt, f"attempt {attempt} failed: {error}")


async def hand_over(ctx: JobContext, delivery_id: str, attempt: int, error: str) -> bool:
    """Release the delivery from its batch and enqueue its own job, to run after the
    backoff of attempt ``attempt``; False if it is no longer queued."""
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
            {"delivery_id": delivery_id, "attempts_before": attempt},
            queueing_lock=f"{PROCESS_TASK}:{delivery_id}",
            delay=timedelta(seconds=wait),
        )
    return True


def attempts_before(args: dict[str, object]) -> int:
    """The attempts a delivery's own job was handed over after (0: none, an older job)."""
    value = args.get("attempts_before", 0)
    return value if isinstance(value, int) and value > 0 else 0
