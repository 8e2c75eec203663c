"""Jobs of the regional aggregation (imported by :func:`issuer_api.jobs.registry.load_tasks`).

* ``regional.evaluate_learner`` ``{"learner_id"}`` — evaluate one learner: mint what
  is newly earned, cascade what lost its support (:mod:`issuer_api.regional.flows`).
  Enqueued by the ingestion after every change to the learner's partner badges (one
  waiting job per learner: queueing lock ``evaluate:<id>``). Idempotent: running it
  twice, or on two workers at once, mints nothing twice.
* ``regional.evaluate_batch`` ``{"reason", "after"?, "achievement_id"?, "issuer_id"?}``
  — enqueue ``regional.evaluate_learner`` for every learner (after a référentiel load)
  or for the holders of one partner achievement (after a mapping approval),
  :data:`BATCH_SIZE` learners per job, each job enqueuing the next.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.db import session_scope
from issuer_api.jobs import JobContext, enqueue, task
from issuer_api.regional import flows, repository
from issuer_api.regional.service import BATCH_TASK, EVALUATE_TASK

logger = logging.getLogger(__name__)

BATCH_SIZE: Final = 500
EVALUATE_MAX_ATTEMPTS: Final = 6


async def queue_learner(session: AsyncSession, learner_id: str) -> bool:
    """Enqueue the evaluation of one learner (one waiting job per learner)."""
    queued: bool = await enqueue(
        session,
        EVALUATE_TASK,
        {"learner_id": learner_id},
        queueing_lock=f"evaluate:{learner_id}",
        lock=f"learner:{learner_id}",
    )
    return queued


@task(EVALUATE_TASK, max_attempts=EVALUATE_MAX_ATTEMPTS)
async def evaluate_learner(ctx: JobContext, /, **args: Any) -> None:
    outcome = await flows.evaluate_learner(
        ctx.sessions, ctx.settings, ctx.kek, str(args["learner_id"])
    )
    if outcome.changed:
        logger.info(
            "regional badges changed",
            extra={
                "learner": outcome.learner_id,
                "minted": outcome.minted,
                "suspended": outcome.suspended,
                "restored": outcome.restored,
                "revoked": outcome.revoked,
            },
        )


@task(BATCH_TASK, max_attempts=EVALUATE_MAX_ATTEMPTS)
async def evaluate_batch(ctx: JobContext, /, **args: Any) -> None:
    after = args.get("after")
    achievement_id = args.get("achievement_id")
    issuer_id = args.get("issuer_id")
    async with session_scope(ctx.sessions) as session:
        learner_ids = await repository.learner_ids_after(
            session,
            str(after) if after is not None else None,
            BATCH_SIZE,
            achievement_id=str(achievement_id) if achievement_id is not None else None,
            issuer_id=str(issuer_id) if issuer_id is not None else None,
        )
        for learner_id in learner_ids:
            await queue_learner(session, learner_id)
        if len(learner_ids) == BATCH_SIZE:
            following = {**args, "after": learner_ids[-1]}
            await enqueue(
                session,
                BATCH_TASK,
                following,
                queueing_lock=f"evaluate-batch:{args.get('reason')}:{learner_ids[-1]}",
            )
