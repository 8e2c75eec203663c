"""``obhub_defer_job_once`` (revisions 0005, 0018): one waiting job per queueing lock,
decided on the server in one statement by the lock's unique index, even between
transactions that race for the lock."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from issuer_api.db import sync_url
from issuer_api.jobs.queue import QUEUE

DEFER_ONCE = text(
    "SELECT obhub_defer_job_once(:queue, 'test.jobs.once', NULL, :lock, CAST('{}' AS jsonb), NULL)"
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    if not database_url.startswith("postgresql"):
        pytest.skip("the distributed job engine runs on PostgreSQL only")
    engine = create_engine(sync_url(database_url))
    yield engine
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM procrastinate_jobs WHERE task_name = 'test.jobs.once'")
        )
    engine.dispose()


def _waiting(engine: Engine, lock: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_jobs "
                    "WHERE queueing_lock = :lock AND status = 'todo'"
                ),
                {"lock": lock},
            )
            or 0
        )


def test_a_second_job_under_a_waiting_lock_is_refused_in_the_same_transaction(
    engine: Engine,
) -> None:
    with engine.begin() as connection:
        first = connection.scalar(DEFER_ONCE, {"queue": QUEUE, "lock": "once:a"})
        second = connection.scalar(DEFER_ONCE, {"queue": QUEUE, "lock": "once:a"})
        other = connection.scalar(DEFER_ONCE, {"queue": QUEUE, "lock": "once:b"})
    assert first is not None
    assert second is None
    assert other is not None
    assert _waiting(engine, "once:a") == _waiting(engine, "once:b") == 1


def race(engine: Engine, lock: str, *, holder_commits: bool) -> list[object]:
    """A first transaction queues under ``lock``; a second one tries while the first is
    open, then the first commits or rolls back: what the second said, then whether its
    transaction was still usable."""
    answers: list[object] = []

    def second() -> None:
        with engine.begin() as connection:
            answers.append(connection.scalar(DEFER_ONCE, {"queue": QUEUE, "lock": lock}))
            answers.append(connection.scalar(text("SELECT 'still usable'")))

    with engine.connect() as first:
        first.begin()
        assert first.scalar(DEFER_ONCE, {"queue": QUEUE, "lock": lock}) is not None
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive()  # waiting for the first transaction's outcome
        if holder_commits:
            first.commit()
        else:
            first.rollback()
    racer.join(timeout=10)
    return answers


def test_of_two_racing_transactions_one_queues_and_the_other_goes_on(engine: Engine) -> None:
    """The second transaction cannot see the first's uncommitted job: its insert waits on
    the unique index, then says NULL, and the transaction stays usable."""
    assert race(engine, "once:race", holder_commits=True) == [None, "still usable"]
    assert _waiting(engine, "once:race") == 1


def test_when_the_lock_holder_rolls_back_the_racing_transaction_queues_its_job(
    engine: Engine,
) -> None:
    """The waiting insert learns the holder's outcome: rolled back, the lock is free."""
    queued, usable = race(engine, "once:undone", holder_commits=False)
    assert queued is not None
    assert usable == "still usable"
    assert _waiting(engine, "once:undone") == 1


def test_a_taken_lock_is_refused_among_many_waiting_jobs(engine: Engine) -> None:
    """Thousands of jobs waiting under other locks change nothing: a taken lock is
    refused, a free one queues, in the caller's transaction."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, queueing_lock, args) "
                "SELECT :queue, 'test.jobs.once', 'once:many:' || n, '{}'::jsonb "
                "FROM generate_series(1, 2000) AS n"
            ),
            {"queue": QUEUE},
        )
        taken = [
            connection.scalar(DEFER_ONCE, {"queue": QUEUE, "lock": f"once:many:{n}"})
            for n in (1, 1000, 2000)
        ]
        free = connection.scalar(DEFER_ONCE, {"queue": QUEUE, "lock": "once:many:2001"})
    assert taken == [None, None, None]
    assert free is not None
    assert _waiting(engine, "once:many:1000") == _waiting(engine, "once:many:2001") == 1


def test_the_lock_is_settled_by_its_unique_index_not_by_a_lookup_first(engine: Engine) -> None:
    """Revision 0018: the function inserts under ON CONFLICT on the queueing lock's
    partial unique index. A lookup planned apart (revision 0005's EXISTS) could walk
    every waiting job when its plan was made on a near-empty table."""
    with engine.connect() as connection:
        definition = str(
            connection.scalar(
                text(
                    "SELECT pg_get_functiondef(p.oid) FROM pg_proc AS p "
                    "WHERE p.proname = 'obhub_defer_job_once'"
                )
            )
        )
    body = " ".join(definition.split())
    assert "ON CONFLICT (queueing_lock) WHERE status = 'todo' DO NOTHING" in body
    assert "EXISTS" not in definition
    assert "EXCEPTION" not in definition
