"""Queueing an email: sealed in ``outgoing_mail``, its delivery job in the same transaction.

A message exists for the job if and only if the transaction that decided to send it
commits: a badge awarded and its notification, a sign-in link and its token. The
message (which names its recipient) is stored sealed under the KEK and the job's
arguments hold only its id, so no address sits in clear at rest.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, Final, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.jobs.queue import Deferral, deferral_call
from issuer_api.mail import compose
from issuer_api.models import OutgoingMail
from issuer_api.models.base import new_id
from issuer_api.privacy import seal_pii, unseal_pii

DELIVER_TASK: Final = "mail.deliver"

_MAIL: Final = cast(Table, OutgoingMail.__table__)

# PostgreSQL: the message and its delivery job in one statement.
_QUEUE: Final = select(
    postgresql.insert(_MAIL)
    .values({c.name: bindparam(f"m_{c.name}", type_=c.type) for c in _MAIL.columns})
    .returning(_MAIL.c.id)
    .cte("mail")
    .c.id,
    deferral_call("j_"),
)


async def queue(
    session: AsyncSession,
    kek: bytes,
    message: str,
    *,
    kind: str,
    learner_id: str | None,
    now: datetime | None = None,
) -> str:
    """Store ``message`` (its wire text, :func:`issuer_api.mail.compose.compose_text`)
    sealed and enqueue its delivery (the caller's transaction)."""
    mail_id = new_id()
    values: dict[str, Any] = {
        "id": mail_id,
        "learner_id": learner_id,
        "kind": kind[:32],
        "sealed": seal_pii(kek, message),
        "state": "pending",
        "attempts": 0,
        "last_error": None,
        "sent_at": None,
        "created_at": now or datetime.now(UTC),
    }
    job = Deferral(DELIVER_TASK, {"mail_id": mail_id})
    if session.get_bind().dialect.name == "postgresql":
        parameters = {f"m_{name}": value for name, value in values.items()}
        await session.execute(_QUEUE, {**parameters, **job.parameters("j_")})
    else:
        await session.execute(insert(_MAIL).values(**values))
        await job.enqueue(session)
    return mail_id


def open_message(kek: bytes, row: OutgoingMail) -> EmailMessage:
    return compose.read(unseal_pii(kek, row.sealed))


async def pending(session: AsyncSession, mail_id: str) -> OutgoingMail | None:
    row = await session.get(OutgoingMail, mail_id)
    return row if row is not None and row.state == "pending" else None


async def record_failure(session: AsyncSession, mail_id: str, error: str) -> None:
    await session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id)
        .values(attempts=OutgoingMail.attempts + 1, last_error=error[:500])
    )


async def mark_sent(session: AsyncSession, mail_id: str, now: datetime) -> bool:
    result = await session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, OutgoingMail.state == "pending")
        .values(state="sent", sent_at=now, attempts=OutgoingMail.attempts + 1)
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_dead(session: AsyncSession, mail_id: str) -> bool:
    result = await session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, OutgoingMail.state == "pending")
        .values(state="dead")
    )
    return bool(getattr(result, "rowcount", 0))
