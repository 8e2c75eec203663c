"""The distributed engine takes the next job by walking its index, whatever the statistics.

procrastinate's fetch function orders waiting jobs by ``priority DESC, id ASC`` and
takes the first free one. When the table's statistics say that few jobs wait (a new
database; a quiet queue, then a burst), PostgreSQL would otherwise scan every waiting
job, probe each one's lock and sort them all — for every job taken. Revision 0004
leaves the ordered index scan as the only plan (``enable_sort`` off for the function).

The scenario below is that burst: statistics taken on an empty queue, then thousands
of waiting jobs, some with locks, in the same transaction (so no ANALYZE can run in
between), rolled back at the end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from issuer_api.db import sync_url
from issuer_api.jobs.queue import QUEUE

WAITING = 3000
WITH_LOCK = 600
FETCH = "procrastinate_fetch_job_v2(character varying[], bigint)"


@pytest.fixture
def burst(database_url: str) -> Iterator[Connection]:
    """A connection inside a transaction holding a burst of waiting jobs, stale stats."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the distributed job engine runs on PostgreSQL only")
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection, connection.begin() as transaction:
        connection.execute(text("DELETE FROM procrastinate_jobs"))
        connection.execute(text("ANALYZE procrastinate_jobs"))
        connection.execute(
            text(
                "SELECT procrastinate_defer_jobs_v1(array_agg(ROW("
                ":queue, 'test.jobs.burst', 0, "
                "CASE WHEN n > :plain THEN 'learner:' || n END, "
                "CASE WHEN n > :plain THEN 'evaluate:' || n END, "
                "jsonb_build_object('n', n), NULL)::procrastinate_job_to_defer_v1)) "
                "FROM generate_series(1, :total) AS n"
            ),
            {"queue": QUEUE, "plain": WAITING, "total": WAITING + WITH_LOCK},
        )
        yield connection
        transaction.rollback()
    engine.dispose()


def _function_settings(connection: Connection) -> list[str]:
    config = connection.scalar(
        text("SELECT proconfig FROM pg_proc WHERE oid = CAST(:f AS regprocedure)"), {"f": FETCH}
    )
    return list(config or [])


def _candidate_query(connection: Connection) -> str:
    """The job-choosing query of procrastinate's own fetch function, as installed."""
    source = str(
        connection.scalar(
            text("SELECT prosrc FROM pg_proc WHERE oid = CAST(:f AS regprocedure)"), {"f": FETCH}
        )
    )
    match = re.search(r"WITH candidate AS \((.*?)\)\s*UPDATE procrastinate_jobs", source, re.S)
    assert match is not None, "procrastinate's fetch function changed shape"
    return match.group(1).replace("target_queue_names", "CAST(NULL AS varchar[])")


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def test_the_fetch_function_runs_without_sorting(burst: Connection) -> None:
    assert "enable_sort=off" in _function_settings(burst)


def test_a_burst_after_stale_statistics_is_fetched_in_index_order(burst: Connection) -> None:
    for setting in _function_settings(burst):
        name, _, value = setting.partition("=")
        burst.execute(text(f"SET LOCAL {name} = {value}"))
    plan = burst.scalar(text("EXPLAIN (FORMAT JSON) " + _candidate_query(burst)))
    nodes = list(_nodes(plan[0]["Plan"]))
    kinds = [node["Node Type"] for node in nodes]
    assert "Sort" not in kinds
    scans = [node for node in nodes if node.get("Alias") == "jobs"]
    assert [(s["Node Type"], s.get("Index Name")) for s in scans] == [
        ("Index Scan", "procrastinate_jobs_priority_idx_v1")
    ]


def test_the_burst_is_taken_oldest_first_and_locks_still_hold(burst: Connection) -> None:
    def fetch() -> Any:
        return burst.execute(
            text("SELECT id, lock, args FROM procrastinate_fetch_job_v2(NULL, NULL)")
        ).one()

    first = fetch()
    assert first.args == {"n": 1}
    back = text("UPDATE procrastinate_jobs SET status = 'todo' WHERE id = :id")
    burst.execute(back, {"id": first.id})
    # A job whose lock is held by a running job waits; the next free one is taken.
    burst.execute(
        text("UPDATE procrastinate_jobs SET status = 'doing' WHERE lock IS NULL"),
    )
    burst.execute(
        text(
            "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, 'test.jobs.burst', 0, "
            "'learner:' || :last, NULL, '{\"n\": \"again\"}', NULL)"
            "::procrastinate_job_to_defer_v1])"
        ),
        {"queue": QUEUE, "last": WAITING + 1},
    )
    taken = fetch()
    assert taken.lock == f"learner:{WAITING + 1}"
    assert taken.args == {"n": WAITING + 1}
    following = fetch()
    assert following.lock == f"learner:{WAITING + 2}"
