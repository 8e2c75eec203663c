"""``obhub_defer_job_once`` (revision 0005): one waiting job per queueing lock, decided
on the server in one statement, even between transactions that race for the lock."""

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


def test_of_two_racing_transactions_one_queues_and_the_other_goes_on(engine: Engine) -> None:
    """The second transaction cannot see the first's uncommitted job: its insert waits on
    the unique index, then the violation is contained and the transaction stays usable."""
    first = engine.connect()
    first.begin()
    assert first.scalar(DEFER_ONCE, {"queue": QUEUE, "lock": "once:race"}) is not None
    answers: list[object] = []

    def second() -> None:
        with engine.begin() as connection:
            answers.append(connection.scalar(DEFER_ONCE, {"queue": QUEUE, "lock": "once:race"}))
            answers.append(connection.scalar(text("SELECT 'still usable'")))

    racer = threading.Thread(target=second)
    racer.start()
    racer.join(timeout=0.5)
    assert racer.is_alive()  # waiting for the first transaction's outcome
    first.commit()
    first.close()
    racer.join(timeout=10)

    assert answers == [None, "still usable"]
    assert _waiting(engine, "once:race") == 1
