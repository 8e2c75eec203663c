"""Jobs of partner ingestion (imported by :func:`issuer_api.jobs.registry.load_tasks`).

* ``ingest.drain_inbox`` — verify and keep the badges of the queued deliveries, in
  batches (:mod:`issuer_api.ingestion.batches`); enqueued by the inbox in the
  transaction that stores a delivery (at most one waits), by a full batch, and every
  minute (deliveries left by a worker that died are taken again).
* ``ingest.process_delivery`` — one delivery on its own: the retries of a delivery its
  batch could not finish (a document could not be fetched, an error), up to eight
  attempts in all, then the delivery is dead-lettered.
* ``ingest.recheck_statuses`` — every hour: the status of kept partner badges
  (revoked, suspended, expired), oldest check first.
* ``ingest.recheck_learner`` — the same for one learner's badges (admin request).
"""

from __future__ import annotations

from typing import Any, Final

from issuer_api.ingestion import batches, processing
from issuer_api.ingestion.batches import PROCESS_MAX_ATTEMPTS
from issuer_api.ingestion.inbox import DRAIN_TASK, PROCESS_TASK
from issuer_api.jobs import JobContext, periodic, task
from issuer_api.learners.service import RECHECK_TASK

RECHECK_PERIODIC: Final = "ingest.recheck_statuses"
DRAIN_PERIODIC: Final = "ingest.drain_inbox_every_minute"


async def _dead_delivery(ctx: JobContext, error: str, /, **args: Any) -> None:
    await processing.dead_delivery(ctx, error, str(args["delivery_id"]))


@task(DRAIN_TASK, max_attempts=1)
async def drain_inbox(ctx: JobContext, /, **args: Any) -> None:
    await batches.drain(ctx)


@periodic(DRAIN_PERIODIC, cron="* * * * *")
async def drain_inbox_every_minute(ctx: JobContext) -> None:
    await batches.drain(ctx)


@task(PROCESS_TASK, max_attempts=PROCESS_MAX_ATTEMPTS, on_dead=_dead_delivery)
async def process_delivery(ctx: JobContext, /, **args: Any) -> None:
    # ``ctx.attempt`` goes on from the batch's (the job's ``attempts_before``).
    await processing.process_delivery(ctx, str(args["delivery_id"]))


@periodic(RECHECK_PERIODIC, cron="17 * * * *")
async def recheck_statuses(ctx: JobContext) -> None:
    await processing.recheck_statuses(ctx)


@task(RECHECK_TASK, max_attempts=3)
async def recheck_learner(ctx: JobContext, /, **args: Any) -> None:
    await processing.recheck_statuses(ctx, learner_id=str(args["learner_id"]))
