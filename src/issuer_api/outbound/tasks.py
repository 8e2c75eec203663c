"""The ``outbound.deliver`` job: send one message, log the attempt, retry or settle.

Three short units of work, none held open over the network: read and sign the pending
message; ``POST`` it (:mod:`issuer_api.outbound.sender`); record the attempt and its
outcome (:func:`issuer_api.outbound.service.record_outcome`). A failed attempt raises
:class:`~issuer_api.jobs.RetryLater`: the job engine tries again with exponential
backoff, up to :data:`~issuer_api.outbound.service.MAX_ATTEMPTS`; after the last one,
:func:`message_dead` marks the message ``dead``. Idempotent: a message that is no
longer pending is not sent.
"""

from __future__ import annotations

import logging
from typing import Any

from issuer_api.db import session_scope
from issuer_api.jobs import JobContext, RetryLater, task
from issuer_api.outbound import sender, service
from verify.fetch import Allowlist

logger = logging.getLogger(__name__)


async def message_dead(ctx: JobContext, error: str, /, **args: Any) -> None:
    """The last attempt failed: the message is dead (visible in the delivery log)."""
    message_id = str(args["message_id"])
    async with session_scope(ctx.sessions) as session:
        killed = await service.mark_dead(session, message_id)
    if killed:
        logger.warning(
            "webhook message dead after its last attempt",
            extra={"message": message_id, "attempts": ctx.attempt},
        )


@task(service.DELIVER_TASK, max_attempts=service.MAX_ATTEMPTS, on_dead=message_dead)
async def deliver(ctx: JobContext, /, **args: Any) -> None:
    """Send the message ``args["message_id"]`` once (module doc)."""
    message_id = str(args["message_id"])
    try:
        async with session_scope(ctx.sessions) as session:
            prepared = await service.prepare_delivery(session, ctx.kek, message_id)
    except service.SecretUnavailableError:
        async with session_scope(ctx.sessions) as session:
            await service.record_unavailable_secret(session, message_id)
        raise RetryLater("the endpoint's signing secret cannot be opened") from None
    if prepared is None:
        return
    outcome = await sender.post(
        prepared.url,
        prepared.body,
        prepared.headers,
        allowlist=Allowlist.parse(ctx.settings.fetch_allowlist),
    )
    async with session_scope(ctx.sessions) as session:
        again = await service.record_outcome(
            session,
            prepared,
            outcome,
            attempt=ctx.attempt,
            is_last_attempt=ctx.is_last_attempt,
            backoff_first=float(ctx.settings.job_retry_backoff_seconds),
        )
    logger.info(
        "webhook attempt",
        extra={
            "message": prepared.message_id,
            "endpoint": prepared.endpoint_id,
            "status_code": outcome.status_code,
            "attempt": ctx.attempt,
            "retry": again,
        },
    )
    if again:
        raise RetryLater(outcome.error or f"HTTP {outcome.status_code}")
