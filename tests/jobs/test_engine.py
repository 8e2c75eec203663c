"""The job engine's contract, on whichever engine the test database selects.

SQLite → the embedded engine (``job`` table); PostgreSQL → procrastinate. Both must:
write a job only if the enqueuing transaction commits, run it, retry a failing job
with backoff, dead-letter it after ``max_attempts`` (calling ``on_dead`` once), and
honour queueing locks.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuer_api.db import session_scope
from issuer_api.jobs import JobContext, RetryLater, enqueue, task
from issuer_api.jobs.registry import ATTEMPTS_BEFORE
from issuer_api.jobs.runtime import JobRuntime
from issuer_api.settings import Settings

RUNS: Counter[str] = Counter()
DEAD: list[tuple[str, str]] = []


@task("test.jobs.record")
async def record(ctx: JobContext, key: str) -> None:
    RUNS[key] += 1


@task("test.jobs.flaky", max_attempts=4)
async def flaky(ctx: JobContext, key: str, failures: int) -> None:
    RUNS[key] += 1
    if ctx.attempt <= failures:
        raise RetryLater("the partner's server is down")


async def _dead(ctx: JobContext, error: str, key: str) -> None:
    DEAD.append((key, error))


@task("test.jobs.broken", max_attempts=3, on_dead=_dead)
async def broken(ctx: JobContext, key: str) -> None:
    RUNS[key] += 1
    raise RuntimeError("a bug")


ATTEMPTS_SEEN: dict[str, list[int]] = {}


async def _dead_again(ctx: JobContext, error: str, key: str, **args: Any) -> None:
    DEAD.append((key, error))


@task("test.jobs.broken_again", max_attempts=4, on_dead=_dead_again)
async def broken_again(ctx: JobContext, key: str, **args: Any) -> None:
    ATTEMPTS_SEEN.setdefault(key, []).append(ctx.attempt)
    raise RuntimeError("still a bug")


@pytest.fixture
def runtime(db_settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> JobRuntime:
    settings = db_settings.model_copy(update={"job_retry_backoff_seconds": 0})
    return JobRuntime(settings, sessions, bytes(32))


def new_key() -> str:
    return uuid.uuid4().hex


async def test_a_job_enqueued_in_a_committed_transaction_runs_once(runtime: JobRuntime) -> None:
    key = new_key()
    async with session_scope(runtime.sessions) as session:
        await enqueue(session, "test.jobs.record", {"key": key})

    assert await runtime.run_pending() >= 1
    await runtime.run_pending()

    assert RUNS[key] == 1


async def test_a_job_enqueued_in_a_rolled_back_transaction_never_runs(
    runtime: JobRuntime,
) -> None:
    key = new_key()

    class AbortedError(Exception):
        pass

    async def enqueue_then_fail() -> None:
        async with session_scope(runtime.sessions) as session:
            await enqueue(session, "test.jobs.record", {"key": key})
            raise AbortedError

    with pytest.raises(AbortedError):
        await enqueue_then_fail()

    await runtime.run_pending()
    assert RUNS[key] == 0


async def test_a_transient_failure_is_retried_until_it_succeeds(runtime: JobRuntime) -> None:
    key = new_key()
    async with session_scope(runtime.sessions) as session:
        await enqueue(session, "test.jobs.flaky", {"key": key, "failures": 2})

    for _ in range(5):
        await runtime.run_pending()

    assert RUNS[key] == 3
    assert not [k for k, _ in DEAD if k == key]


async def test_a_job_failing_every_attempt_is_dead_lettered_once(runtime: JobRuntime) -> None:
    key = new_key()
    async with session_scope(runtime.sessions) as session:
        await enqueue(session, "test.jobs.broken", {"key": key})

    for _ in range(5):
        await runtime.run_pending()

    assert RUNS[key] == 3  # max_attempts
    errors = [error for k, error in DEAD if k == key]
    assert len(errors) == 1
    assert "RuntimeError: a bug" in errors[0]
    assert await _failed_jobs(runtime, "test.jobs.broken") >= 1


async def test_attempts_made_before_a_job_was_enqueued_count_towards_its_last(
    runtime: JobRuntime,
) -> None:
    """A delivery tried first in a batch of the inbox goes on in a job of its own: the
    job's attempts follow the batch's, and the dead letter comes at the same total."""
    key = new_key()
    async with session_scope(runtime.sessions) as session:
        await enqueue(session, "test.jobs.broken_again", {"key": key, ATTEMPTS_BEFORE: 1})

    for _ in range(6):
        await runtime.run_pending()

    assert ATTEMPTS_SEEN[key] == [2, 3, 4]  # four attempts in all, the first before the job
    assert len([k for k, _ in DEAD if k == key]) == 1


async def test_a_queueing_lock_keeps_one_waiting_job(runtime: JobRuntime) -> None:
    key, before, after = new_key(), new_key(), new_key()
    async with session_scope(runtime.sessions) as session:
        first = await enqueue(session, "test.jobs.record", {"key": key}, queueing_lock=key)
        await enqueue(session, "test.jobs.record", {"key": before})
        second = await enqueue(session, "test.jobs.record", {"key": key}, queueing_lock=key)
        # The caller's transaction goes on after a taken lock, and keeps what it wrote.
        await enqueue(session, "test.jobs.record", {"key": after})

    assert (first, second) == (True, False)
    await runtime.run_pending()
    assert (RUNS[key], RUNS[before], RUNS[after]) == (1, 1, 1)

    async with session_scope(runtime.sessions) as session:  # the lock is free again
        assert await enqueue(session, "test.jobs.record", {"key": key}, queueing_lock=key)


async def _failed_jobs(runtime: JobRuntime, task_name: str) -> Any:
    async with runtime.sessions() as session:
        if runtime.engine == "distributed":
            query = (
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :t AND status = 'failed'"
            )
        else:
            query = "SELECT count(*) FROM job WHERE task = :t AND status = 'failed'"
        return await session.scalar(text(query), {"t": task_name})
