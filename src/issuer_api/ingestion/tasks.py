"""Jobs of partner ingestion (imported by :func:`issuer_api.jobs.registry.load_tasks`).

* ``ingest.process_delivery`` — verify and keep the badges of a delivery (enqueued by
  the inbox in the transaction that stored it); up to eight attempts, then the
  delivery is dead-lettered.
* ``ingest.recheck_statuses`` — every hour: the status of kept partner badges
  (revoked, suspended, expired), oldest check first.
* ``ingest.recheck_learner`` — the same for one learner's badges (admin request).
"""

from __future__ import annotations

from typing import Any, Final

from issuer_api.ingestion import processing
from issuer_api.ingestion.inbox import PROCESS_TASK
from issuer_api.jobs import JobContext, periodic, task
from issuer_api.learners.service import RECHECK_TASK

PROCESS_MAX_ATTEMPTS: Final = 8
RECHECK_PERIODIC: Final = "ingest.recheck_statuses"


async def _dead_delivery(ctx: JobContext, error: str, /, **args: Any) -> None:
    await processing.dead_delivery(ctx, error, str(args["delivery_id"]))


@task(PROCESS_TASK, max_attempts=PROCESS_MAX_ATTEMPTS, on_dead=_dead_delivery)
async def process_delivery(ctx: JobContext, /, **args: Any) -> None:
    await processing.process_delivery(ctx, str(args["delivery_id"]))


@periodic(RECHECK_PERIODIC, cron="17 * * * *")
async def recheck_statuses(ctx: JobContext) -> None:
    await processing.recheck_statuses(ctx)


@task(RECHECK_TASK, max_attempts=3)
async def recheck_learner(ctx: JobContext, /, **args: Any) -> None:
    await processing.recheck_statuses(ctx, learner_id=str(args["learner_id"]))
