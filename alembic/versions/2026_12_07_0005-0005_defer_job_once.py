"""enqueue under a queueing lock in one statement (PostgreSQL only)

A job enqueued under a queueing lock (one *waiting* job per lock: a learner's next
regional evaluation) is refused by procrastinate's unique index when one already
waits. Containing that refusal cost a savepoint and its release around every such
enqueue: three round trips where one does. ``obhub_defer_job_once`` calls
procrastinate's own ``procrastinate_defer_jobs_v1`` in a PL/pgSQL exception block (the
same subtransaction, on the server) and returns the new job's id, or NULL when the
queueing lock is taken (looked up first: the exception path is for races only). Any
other error is raised as it is.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CREATE = """
CREATE FUNCTION obhub_defer_job_once(
    p_queue character varying,
    p_task character varying,
    p_lock text,
    p_queueing_lock text,
    p_args jsonb,
    p_scheduled_at timestamp with time zone
)
    RETURNS bigint
    LANGUAGE plpgsql
AS $$
DECLARE
    violated text;
BEGIN
    -- The usual case under load: a job already waits under this lock (its unique
    -- partial index answers); the exception block below settles the races.
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
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "DROP FUNCTION obhub_defer_job_once("
        "character varying, character varying, text, text, jsonb, timestamp with time zone)"
    )
