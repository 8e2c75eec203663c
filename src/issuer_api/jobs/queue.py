"""Enqueue a job in the caller's transaction, on either engine.

The job row is written by the same transaction as the work it stands for (a delivery
in the inbox, a changed learner record): it exists if and only if that transaction
commits — no job for work that was rolled back, no work without its job.

* SQLite (embedded default): a row in the ``job`` table, run by the in-process runner.
* PostgreSQL: a procrastinate job, written through procrastinate's own versioned SQL
  function (``procrastinate_defer_jobs_v1``; under a queueing lock, through
  ``obhub_defer_job_once``, which writes the same row under ``ON CONFLICT`` on the
  lock's unique index) on our connection, so any worker process on any machine picks
  it up. That function writes procrastinate's table itself: a procrastinate upgrade
  that changes ``procrastinate_jobs`` or its queueing-lock index needs a revision of it
  too. It relies on READ COMMITTED, the isolation level of every obhub transaction
  (under REPEATABLE READ a lock taken by a concurrent commit would be a serialization
  error, not NULL).

``queueing_lock``: at most one *waiting* job per lock (a second enqueue is a no-op).
``lock``: jobs sharing it never run at the same time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import DateTime, String, bindparam, cast, event, func, null, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from issuer_api.models import Job

QUEUE: Final = "obhub"
"""The procrastinate queue every obhub job goes to."""

_DEFER: Final = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW("
    ":queue, :task, 0, :lock, :queueing_lock, CAST(:args AS jsonb), "
    "CAST(:scheduled_at AS timestamptz))::procrastinate_job_to_defer_v1])"
)

_DEFER_ONCE: Final = text(
    "SELECT obhub_defer_job_once(:queue, :task, :lock, :queueing_lock, "
    "CAST(:args AS jsonb), CAST(:scheduled_at AS timestamptz))"
)


async def enqueue(
    session: AsyncSession,
    task: str,
    args: dict[str, Any],
    *,
    queueing_lock: str | None = None,
    lock: str | None = None,
    delay: timedelta | None = None,
) -> bool:
    """Write the job in ``session``'s transaction; False if ``queueing_lock`` was taken."""
    now = datetime.now(UTC)
    scheduled_at = now + delay if delay else None
    if session.get_bind().dialect.name == "postgresql":
        return await _defer_procrastinate(session, task, args, queueing_lock, lock, scheduled_at)
    values = {
        "task": task,
        "args": args,
        "queueing_lock": queueing_lock,
        "lock": lock,
        "status": "todo",
        "attempts": 0,
        "max_attempts": 0,  # 0: the task's own setting, read when the job runs
        "scheduled_at": scheduled_at or now,
        "created_at": now,
    }
    statement: Any = sqlite.insert(Job).values(**values)
    if queueing_lock is not None:
        statement = statement.on_conflict_do_nothing(
            index_elements=["queueing_lock"], index_where=text("status = 'todo'")
        )
    result = await session.execute(statement.returning(Job.__table__.c.id))
    inserted = result.first() is not None
    if inserted:
        _wake_after_commit(session)
    return inserted


async def _defer_procrastinate(  # noqa: PLR0917 - enqueue's own arguments, passed on
    session: AsyncSession,
    task: str,
    args: dict[str, Any],
    queueing_lock: str | None,
    lock: str | None,
    scheduled_at: datetime | None,
) -> bool:
    params = {
        "queue": QUEUE,
        "task": task,
        "lock": lock,
        "queueing_lock": queueing_lock,
        "args": json.dumps(args),
        "scheduled_at": scheduled_at,
    }
    if queueing_lock is None:
        await session.execute(_DEFER, params)
        return True
    # A taken queueing lock would be a unique violation in procrastinate's function:
    # obhub_defer_job_once (revisions 0005, 0018) inserts under ON CONFLICT on the
    # lock's unique index and says NULL, so the caller's transaction goes on with no
    # savepoint round trips.
    return await session.scalar(_DEFER_ONCE, params) is not None


# --------------------------------------------------------------------------- in a statement


@dataclass(frozen=True)
class Deferral:
    """A job to enqueue, as :func:`enqueue` would."""

    task: str
    args: dict[str, Any]
    queueing_lock: str | None = None  # None: no lock, the job is always enqueued
    lock: str | None = None

    async def enqueue(self, session: AsyncSession) -> bool:
        """:func:`enqueue` this job in ``session``'s transaction."""
        return await enqueue(
            session, self.task, self.args, queueing_lock=self.queueing_lock, lock=self.lock
        )

    def parameters(self, prefix: str) -> dict[str, Any]:
        """The values of :func:`deferral_call`'s parameters named ``prefix…``."""
        return {
            f"{prefix}queue": QUEUE,
            f"{prefix}task": self.task,
            f"{prefix}lock": self.lock,
            f"{prefix}queueing_lock": self.queueing_lock,
            f"{prefix}args": json.dumps(self.args),
        }


def deferral_call(prefix: str) -> ColumnElement[Any]:
    """PostgreSQL: ``obhub_defer_job_once(…)`` with bound parameters named ``prefix…``
    (:meth:`Deferral.parameters`), to put in a statement that enqueues a job only for
    the rows it writes — the enqueue of :func:`enqueue` without a round trip of its own.
    Its value is the job's id, or NULL if the queueing lock was taken."""
    return func.obhub_defer_job_once(
        bindparam(f"{prefix}queue"),
        bindparam(f"{prefix}task"),
        bindparam(f"{prefix}lock"),
        bindparam(f"{prefix}queueing_lock"),
        cast(bindparam(f"{prefix}args", type_=String), postgresql.JSONB),
        cast(null(), DateTime(timezone=True)),
    )


# --------------------------------------------------------------------------- wake-up

_WAITERS: Final[list[Any]] = []


def add_waker(callback: Any) -> None:
    """Call ``callback()`` after any transaction that enqueued a local job commits
    (the in-process runner uses it to start at once instead of at its next poll)."""
    _WAITERS.append(callback)


def remove_waker(callback: Any) -> None:
    if callback in _WAITERS:
        _WAITERS.remove(callback)


def _wake(_session: Any) -> None:
    for callback in list(_WAITERS):
        callback()


def _wake_after_commit(session: AsyncSession) -> None:
    if not event.contains(session.sync_session, "after_commit", _wake):
        event.listen(session.sync_session, "after_commit", _wake, once=True)
