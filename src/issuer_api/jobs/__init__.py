"""Background jobs: one task registry, two engines.

* :func:`enqueue` writes a job in the caller's transaction (:mod:`.queue`).
* :func:`task` / :func:`periodic` declare what runs (:mod:`.registry`).
* The embedded engine (SQLite, in-process) is :mod:`.local`; the distributed one
  (PostgreSQL, ``obhub worker`` on any number of machines) is procrastinate,
  :mod:`.distributed`. :mod:`.runtime` picks one for the configured database.
"""

from issuer_api.jobs.queue import enqueue
from issuer_api.jobs.registry import JobContext, RetryLater, periodic, task

__all__ = ["JobContext", "RetryLater", "enqueue", "periodic", "task"]
