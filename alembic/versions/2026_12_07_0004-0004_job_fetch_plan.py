"""job fetch plan independent of table statistics (PostgreSQL only)

procrastinate's ``procrastinate_fetch_job_v2`` takes the next job with
``ORDER BY priority DESC, id ASC LIMIT 1 FOR UPDATE SKIP LOCKED``, and the partial
index ``procrastinate_jobs_priority_idx_v1`` (``status = 'todo'``) is there to serve
that order. But when the table's statistics say few jobs wait — a new database, or a
quiet queue whose last ANALYZE saw none waiting, then a burst — the planner prefers a
bitmap scan of *every* waiting job, the lock anti-join for each of them, and a sort:
each fetch costs O(waiting jobs), draining a backlog costs O(n²). Measured on
PostgreSQL 15 with no statistics: 3,600 waiting jobs (600 with a lock) 10.6 ms per
fetch, 23,000 waiting 343 ms; with the index order, 0.3 to 0.4 ms at both sizes.

With ``enable_sort`` off for the function alone, the only plan left for that
``ORDER BY`` is the ordered index scan, stopped at the first free job, whatever the
statistics say. The function's body, and so its semantics, are procrastinate's.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FETCH_FUNCTION = "procrastinate_fetch_job_v2(character varying[], bigint)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER FUNCTION {FETCH_FUNCTION} SET enable_sort = off")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER FUNCTION {FETCH_FUNCTION} RESET enable_sort")
