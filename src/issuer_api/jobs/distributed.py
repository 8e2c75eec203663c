"""The distributed job engine on PostgreSQL: procrastinate.

Every registered task becomes a procrastinate task of the same name in the ``obhub``
queue; any number of ``obhub worker`` processes, on any number of machines, share
the work through PostgreSQL (``SELECT … FOR UPDATE SKIP LOCKED`` in procrastinate's
fetch function, ``LISTEN/NOTIFY`` to start at once).

* Retries: procrastinate's :class:`~procrastinate.RetryStrategy` with exponential
  backoff, up to the task's ``max_attempts`` runs; after the last one the job is
  ``failed`` (the dead-letter state) and the task's ``on_dead`` handler has run.
* A worker killed mid-task stops its heartbeat; the ``jobs.retry_stalled`` periodic
  task (twice per ``stalled_after``, on whichever worker) hands jobs of workers silent for longer
  than ``stalled_after`` back to the queue. Tasks are idempotent, so a job that ran
  partly and runs again does no harm.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final

import psycopg
import psycopg_pool
from procrastinate import App, BaseRetryStrategy, PsycopgConnector, RetryDecision
from procrastinate import JobContext as ProcrastinateContext
from procrastinate.jobs import Job
from sqlalchemy.engine import make_url

from issuer_api.db import closed_by_server
from issuer_api.jobs.queue import QUEUE
from issuer_api.jobs.registry import (
    JobContext,
    PeriodicSpec,
    Registry,
    TaskSpec,
    attempts_before,
    backoff_seconds,
    error_text,
)

logger = logging.getLogger(__name__)

RETRY_STALLED_TASK: Final = "jobs.retry_stalled"


def conninfo(database_url: str) -> str:
    """The libpq connection string of an SQLAlchemy PostgreSQL URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def build_app(
    registry: Registry,
    database_url: str,
    make_context: Callable[[], JobContext],
    *,
    stalled_after: float = 30.0,
    backoff_first: int = 2,
) -> App:
    """A procrastinate app running ``registry``'s tasks with ``make_context()`` contexts."""
    connector = PsycopgConnector(
        conninfo=conninfo(database_url), pool_factory=_pool, configure=_autocommit
    )
    app = App(connector=connector)
    for spec in registry.tasks.values():
        _register_task(app, spec, make_context, backoff_first)
    for periodic in registry.periodic.values():
        _register_periodic(app, periodic, make_context)

    # Checked twice per stalled_after (croniter's sixth field counts seconds).
    every = max(1, min(59, int(stalled_after // 2)))

    @app.periodic(cron=f"* * * * * */{every}", periodic_id=RETRY_STALLED_TASK)
    @app.task(name=RETRY_STALLED_TASK, queue=QUEUE, queueing_lock=RETRY_STALLED_TASK)
    async def retry_stalled(timestamp: int) -> None:
        stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after)
        for job in stalled:
            logger.warning(
                "job of a silent worker handed back to the queue",
                extra={"task": job.task_name, "job": job.id},
            )
            await app.job_manager.retry_job(job)

    return app


def _pool(**options: Any) -> psycopg_pool.AsyncConnectionPool:
    """procrastinate's connection pool, checking a connection without a round trip.

    procrastinate asks for :meth:`~psycopg_pool.AsyncConnectionPool.check_connection`,
    which runs an empty query, switching autocommit on and off around it, at every
    checkout: with the commit that ends each of its (single-statement) queries, three
    round trips per query — fetching and finishing a job cost six. On autocommit
    connections (:func:`_autocommit`) checked by :func:`closed_by_server`, one each.
    """
    options["check"] = _check
    return psycopg_pool.AsyncConnectionPool(**options)


async def _autocommit(connection: psycopg.AsyncConnection[Any]) -> None:
    """Every query procrastinate runs is one statement (its SQL functions): none needs
    a transaction of its own around it."""
    await connection.set_autocommit(True)


async def _check(connection: psycopg.AsyncConnection[Any]) -> None:
    """Refuse a connection the server closed. It is closed on this side too: the pool
    discards a closed connection (and opens another), but would hand a merely refused
    one out again."""
    if closed_by_server(connection):
        await connection.close()
        raise psycopg.OperationalError("the server closed this pooled connection")


def _register_task(
    app: App, spec: TaskSpec, make_context: Callable[[], JobContext], backoff_first: int
) -> None:
    async def run(job_context: ProcrastinateContext, /, **args: Any) -> None:
        context = make_context()
        job = job_context.job
        context.attempt = job.attempts + 1 + attempts_before(args)
        context.max_attempts = spec.max_attempts
        context.job_id = f"procrastinate:{job.id}"
        try:
            await spec.fn(context, **args)
        except Exception as exc:
            if context.is_last_attempt and spec.on_dead is not None:
                logger.error(  # noqa: TRY400 - the failure is in the job's record
                    "job dead-lettered after its last attempt",
                    extra={"task": spec.name, "job": job.id, "attempts": context.attempt},
                )
                try:
                    await spec.on_dead(context, error_text(exc), **args)
                except Exception:
                    logger.exception("dead-letter handler failed", extra={"task": spec.name})
            raise

    app.task(
        name=spec.name,
        queue=QUEUE,
        pass_context=True,
        retry=_Backoff(max_attempts=spec.max_attempts - 1, first=backoff_first)
        if spec.max_attempts > 1
        else False,
    )(run)


class _Backoff(BaseRetryStrategy):
    """At most ``max_attempts`` retries, exponential backoff from ``first`` seconds
    (doubling, capped at 10 minutes, ±20 % jitter); attempts made before the job
    (:data:`~issuer_api.jobs.registry.ATTEMPTS_BEFORE`) count."""

    def __init__(self, *, max_attempts: int, first: int) -> None:
        self.max_attempts = max_attempts
        self.first = first

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        made = job.attempts + attempts_before(job.task_kwargs)  # before this failed one
        if made >= self.max_attempts:
            return None
        wait = backoff_seconds(made + 1, float(self.first)) if self.first else 0.0
        return RetryDecision(retry_in={"seconds": round(wait)})


def _register_periodic(
    app: App, spec: PeriodicSpec, make_context: Callable[[], JobContext]
) -> None:
    async def run(timestamp: int) -> None:
        await spec.fn(make_context())

    task = app.task(name=spec.name, queue=QUEUE, queueing_lock=spec.name)(run)
    app.periodic(cron=spec.cron, periodic_id=spec.name)(task)
