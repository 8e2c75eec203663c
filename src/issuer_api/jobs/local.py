"""The embedded job engine: the ``job`` table, run in-process (SQLite default).

Contract (the same as the distributed engine's): at-least-once execution, retries
with exponential backoff, a dead-letter state (``failed``) after the task's
``max_attempts``, and no job lost when a process dies mid-task — a claimed job holds
a *lease*; when the lease runs out without the job finishing, any runner takes it
again. Jobs sharing a ``lock`` never run at the same time. Finished jobs are deleted;
dead-lettered ones stay, for inspection.

Claiming is one ``UPDATE … RETURNING`` statement, atomic under SQLite's single
writer (and correct on PostgreSQL too, where the distributed engine is used instead).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from croniter import croniter
from sqlalchemy import bindparam, delete, text, update

from issuer_api.db import session_scope
from issuer_api.jobs.queue import add_waker, enqueue, remove_waker
from issuer_api.jobs.registry import (
    JobContext,
    Registry,
    RetryLater,
    attempts_before,
    backoff_seconds,
    error_text,
)
from issuer_api.models import Job
from issuer_api.models.base import UTCDateTime

logger = logging.getLogger(__name__)

_CLAIM: Final = text(
    """
    UPDATE job
       SET status = 'doing', attempts = attempts + 1, lease_until = :lease_until,
           worker = :worker
     WHERE id = (
        SELECT j.id FROM job AS j
         WHERE ((j.status = 'todo' AND j.scheduled_at <= :now)
                OR (j.status = 'doing' AND j.lease_until < :now))
           AND (j.lock IS NULL OR NOT EXISTS (
                SELECT 1 FROM job AS other
                 WHERE other.lock = j.lock AND other.id <> j.id
                   AND other.status = 'doing' AND other.lease_until >= :now))
         ORDER BY j.scheduled_at, j.id
         LIMIT 1)
    RETURNING id, task, args, attempts, max_attempts
    """
).bindparams(
    bindparam("now", type_=UTCDateTime()),
    bindparam("lease_until", type_=UTCDateTime()),
)


@dataclass(frozen=True)
class Claimed:
    id: int
    task: str
    args: dict[str, Any]
    attempts: int
    max_attempts: int


class LocalRunner:
    """Runs jobs of the ``job`` table: ``run_pending()`` once, or ``start()`` a loop."""

    def __init__(
        self,
        registry: Registry,
        make_context: Callable[[], JobContext],
        *,
        worker_id: str,
        concurrency: int = 2,
        lease: timedelta = timedelta(minutes=5),
        backoff_first: float = 2.0,
        poll_interval: float = 1.0,
    ) -> None:
        self.registry = registry
        self.make_context = make_context
        self.worker_id = worker_id
        self.concurrency = concurrency
        self.lease = lease
        self.backoff_first = backoff_first
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._next_tick: dict[str, datetime] = {}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        add_waker(self._notify)
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._loop(), name=f"obhub-jobs-{i}")
            for i in range(self.concurrency)
        ]
        self._tasks.append(asyncio.create_task(self._periodic_loop(), name="obhub-periodic"))

    async def stop(self) -> None:
        self._stopping = True
        remove_waker(self._notify)
        self._wake.set()
        for running in self._tasks:
            running.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def _notify(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                ran = await self.run_one()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("job runner error; retrying shortly")
                ran = False
            if not ran:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)

    async def _periodic_loop(self) -> None:
        while not self._stopping:
            try:
                await self.enqueue_due_periodic()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("periodic scheduling failed")
            await asyncio.sleep(max(self.poll_interval, 1.0))

    # ------------------------------------------------------------------ running

    async def run_pending(self) -> int:
        """Run due jobs until none is left (jobs enqueued meanwhile included)."""
        count = 0
        while await self.run_one():
            count += 1
        return count

    async def enqueue_due_periodic(self, now: datetime | None = None) -> None:
        """Enqueue each periodic task whose tick has come (one job per tick, whatever the
        number of runners: the tick is the job's queueing lock)."""
        now = now or datetime.now(UTC)
        context = self.make_context()
        for spec in self.registry.periodic.values():
            due = self._next_tick.get(spec.name)
            if due is None:
                due = croniter(spec.cron, now).get_next(datetime)
                self._next_tick[spec.name] = due
            if due <= now:
                async with session_scope(context.sessions) as session:
                    await enqueue(
                        session,
                        spec.name,
                        {},
                        queueing_lock=f"periodic:{spec.name}:{int(due.timestamp())}",
                    )
                self._next_tick[spec.name] = croniter(spec.cron, now).get_next(datetime)

    async def run_one(self) -> bool:
        """Claim and run one due job; False when there is none."""
        context = self.make_context()
        now = datetime.now(UTC)
        async with session_scope(context.sessions) as session:
            row = (
                await session.execute(
                    _CLAIM,
                    {"now": now, "lease_until": now + self.lease, "worker": self.worker_id},
                )
            ).first()
        if row is None:
            return False
        claimed = Claimed(row.id, row.task, _as_dict(row.args), row.attempts, row.max_attempts)
        await self._execute(claimed, context)
        return True

    async def _execute(self, job: Claimed, context: JobContext) -> None:
        periodic = self.registry.periodic.get(job.task)
        spec = self.registry.tasks.get(job.task)
        max_attempts = job.max_attempts or (spec.max_attempts if spec else 1)
        context.attempt = job.attempts + attempts_before(job.args)
        context.max_attempts = max_attempts
        context.job_id = f"local:{job.id}"
        try:
            if periodic is not None:
                await periodic.fn(context)
            elif spec is not None:
                await spec.fn(context, **job.args)
            else:
                _unknown_task(job.task)
        except Exception as exc:
            await self._failed(job, context, exc)
            return
        async with session_scope(context.sessions) as session:
            await session.execute(delete(Job).where(Job.id == job.id))

    async def _failed(self, job: Claimed, context: JobContext, exc: Exception) -> None:
        error = error_text(exc)
        now = datetime.now(UTC)
        # The context decides: it counts the attempts made before the job too.
        if not context.is_last_attempt:
            wait = backoff_seconds(context.attempt, self.backoff_first)
            level = logging.INFO if isinstance(exc, RetryLater) else logging.WARNING
            logger.log(
                level,
                "job failed; retrying",
                extra={"task": job.task, "job": job.id, "attempt": job.attempts, "retry_in": wait},
            )
            async with session_scope(context.sessions) as session:
                await session.execute(
                    update(Job)
                    .where(Job.id == job.id)
                    .values(
                        status="todo",
                        scheduled_at=now + timedelta(seconds=wait),
                        lease_until=None,
                        last_error=error,
                    )
                )
            return
        logger.error(
            "job dead-lettered after its last attempt",
            extra={"task": job.task, "job": job.id, "attempts": job.attempts},
        )
        spec = self.registry.tasks.get(job.task)
        if spec is not None and spec.on_dead is not None:
            try:
                await spec.on_dead(context, error, **job.args)
            except Exception:
                logger.exception("dead-letter handler failed", extra={"task": job.task})
        async with session_scope(context.sessions) as session:
            await session.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(status="failed", lease_until=None, last_error=error, finished_at=now)
            )


def _unknown_task(name: str) -> None:
    raise LookupError(f"no task is registered as {name!r}")


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):  # SQLite returns JSON as text through a raw statement
        decoded = json.loads(value)
        return decoded if isinstance(decoded, dict) else {}
    return dict(value or {})
