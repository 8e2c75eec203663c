"""enqueue under a queueing lock through the lock's unique index (PostgreSQL only)

Revision 0005's ``obhub_defer_job_once`` looked for a waiting job under the lock
(``EXISTS``), then inserted in a PL/pgSQL exception block. Its lookup was planned once
per connection, often while the job table was nearly empty: the plan then kept walking
every waiting job (``procrastinate_jobs_priority_idx_v1``) and filtering on the lock.
Measured under the ingestion benchmark (auto_explain): 270 to 370 rows read per call,
1 to 1.8 ms, 0.17 ms on average over 3,969 calls — a cost that grows with the backlog,
where a Region's bulk import needs it flat. The exception block also opened a
subtransaction for every enqueue.

Now the function is one ``INSERT … ON CONFLICT (queueing_lock) WHERE status = 'todo'
DO NOTHING``: the unique partial index ``procrastinate_jobs_queueing_lock_idx_v1``
settles it (no plan to choose, no subtransaction), and a racing transaction waits for
the lock holder's outcome as before: NULL if it committed, the new job if it rolled
back. The row is the one ``procrastinate_defer_jobs_v1`` writes (same columns, same
triggers). Any other error is raised as it is.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HEADER = """
CREATE OR REPLACE FUNCTION obhub_defer_job_once(
    p_queue character varying,
    p_task character varying,
    p_lock text,
    p_queueing_lock text,
    p_args jsonb,
    p_scheduled_at timestamp with time zone
)
    RETURNS bigint
    LANGUAGE plpgsql
AS $$"""

_ON_CONFLICT = "".join(
    (
        _HEADER,
        """
DECLARE
    queued bigint;
BEGIN
    INSERT INTO procrastinate_jobs
        (queue_name, task_name, priority, lock, queueing_lock, args, scheduled_at)
    VALUES (p_queue, p_task, 0, p_lock, p_queueing_lock, p_args, p_scheduled_at)
    ON CONFLICT (queueing_lock) WHERE status = 'todo' DO NOTHING
    RETURNING id INTO queued;
    RETURN queued;
END;
$$;
""",
    )
)

# Revision 0005's body, for the downgrade.
_EXISTS_THEN_INSERT = "".join(
    (
        _HEADER,
        """
DECLARE
    violated text;
BEGIN
    IF EXISTS (
        SELECT 1 FROM procrastinate_jobs
        WHERE queueing_lock = p_queueing_lock AND status = 'todo'
    ) THEN
        RETURN NULL;
    END IF;
    RETURN (procrastinate_defer_jobs_v1(ARRAY[ROW(
        p_queue, p_task, 0, p_lock, p_queueing_lock, p_args, p_scheduled_at
    )::procrastinate_job_to_defer_v1]))[1];
EXCEPTION WHEN unique_violation THEN
    GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME;
    IF violated = 'procrastinate_jobs_queueing_lock_idx_v1' THEN
        RETURN NULL;
    END IF;
    RAISE;
END;
$$;
""",
    )
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_ON_CONFLICT)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_EXISTS_THEN_INSERT)
