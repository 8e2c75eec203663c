"""Background jobs of the embedded (SQLite) job engine.

On PostgreSQL the distributed engine (procrastinate) keeps its own tables; this
table serves the in-process runner of the embedded default, with the same contract:
a job enqueued in the transaction that records the work, at-least-once execution
(a lease that expires if the process dies mid-task), retries with backoff and a
dead-letter state (``failed``) after ``max_attempts``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from issuer_api.models.base import Base


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_status_scheduled_at", "status", "scheduled_at"),
        # At most one waiting job per queueing lock (same rule as procrastinate).
        Index(
            "uq_job_queueing_lock_todo",
            "queueing_lock",
            unique=True,
            sqlite_where=text("status = 'todo'"),
            postgresql_where=text("status = 'todo'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    task: Mapped[str] = mapped_column(String(128))
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    queueing_lock: Mapped[str | None] = mapped_column(String(200), default=None)
    # Jobs sharing a lock never run at the same time (same rule as procrastinate).
    lock: Mapped[str | None] = mapped_column(String(200), default=None, index=True)
    # todo | doing | succeeded | failed
    status: Mapped[str] = mapped_column(String(16), default="todo")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    scheduled_at: Mapped[datetime] = mapped_column()
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    worker: Mapped[str | None] = mapped_column(String(100), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
