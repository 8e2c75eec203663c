"""The ``mail.deliver`` job ``{"mail_id"}``: hand one queued message to SMTP, or write it
to the outbox; retried with backoff while the server fails.

Idempotent: a message that is no longer pending is not sent again. A failed attempt
records its error (the failure's kind and SMTP code: never an address) and raises
:class:`~issuer_api.jobs.RetryLater`; after the last one the message is ``dead``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Final

from issuer_api.db import session_scope
from issuer_api.jobs import JobContext, RetryLater, task
from issuer_api.mail import outbox, service, smtp

logger = logging.getLogger(__name__)

MAX_ATTEMPTS: Final = 8


async def mail_dead(ctx: JobContext, error: str, /, **args: Any) -> None:
    mail_id = str(args["mail_id"])
    async with session_scope(ctx.sessions) as session:
        killed = await service.mark_dead(session, mail_id)
    if killed:
        logger.warning("email dead after its last attempt", extra={"mail": mail_id})


@task(service.DELIVER_TASK, max_attempts=MAX_ATTEMPTS, on_dead=mail_dead)
async def deliver(ctx: JobContext, /, **args: Any) -> None:
    """Deliver the message ``args["mail_id"]`` once (module doc)."""
    mail_id = str(args["mail_id"])
    async with session_scope(ctx.sessions) as session:
        row = await service.pending(session, mail_id)
        if row is None:
            return
        message = service.open_message(ctx.kek, row)
        kind, created_at = row.kind, row.created_at
    settings = ctx.settings
    if settings.smtp_url is None:
        path = outbox.write(
            outbox.folder(settings.data_dir), outbox.file_name(created_at, mail_id), message
        )
        logger.info(
            "email written to the outbox", extra={"mail": mail_id, "kind": kind, "path": str(path)}
        )
    else:
        target = smtp.parse_smtp_url(settings.smtp_url.get_secret_value())
        try:
            await smtp.send(
                target,
                message,
                ca_file=settings.smtp_ca_file,
                timeout=settings.smtp_timeout_seconds,
            )
        except smtp.SmtpDeliveryError as exc:
            async with session_scope(ctx.sessions) as session:
                await service.record_failure(session, mail_id, str(exc))
            logger.warning(
                "email not delivered, will retry",
                extra={"mail": mail_id, "kind": kind, "attempt": ctx.attempt, "error": str(exc)},
            )
            raise RetryLater(str(exc)) from None
        logger.info("email sent", extra={"mail": mail_id, "kind": kind, "attempt": ctx.attempt})
    async with session_scope(ctx.sessions) as session:
        await service.mark_sent(session, mail_id, datetime.now(UTC))
