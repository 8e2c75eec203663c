"""Processing partner deliveries, and re-checking the status of the badges kept.

A delivery (stored by :mod:`issuer_api.ingestion.inbox`) is processed by the
``ingest.process_delivery`` job, one item at a time, each in its own unit of work::

    read the pending item, unseal payload and recipient        (short read)
      → partner suspended? recipient given? → verifier input
      → universal verifier, off the event loop (network: DID documents, status lists,
        hosted OB 2.0 Assertions)                                (no transaction open)
      → acceptance rules (:mod:`issuer_api.ingestion.acceptance`)
      → reject | retry later | keep: learner, partner badge, event, evaluation job
        — written with the item's outcome in one transaction that starts by claiming the
        item (``UPDATE … WHERE outcome = 'pending'``)
    every item final → the delivery is ``done``

A worker dying mid-delivery loses nothing: finished items are committed, the job runs
again and skips them; an item claimed by a concurrent run of the same job is skipped
too (its claim update finds no pending row). Checks that could not be done (network)
leave the item pending and the job raises :class:`~issuer_api.jobs.RetryLater`; on the
last attempt they are recorded as ``verification_unavailable``. A job that fails every
attempt dead-letters the delivery (:func:`dead_delivery`).

Re-checks (:func:`recheck_statuses`) verify kept badges again, oldest check first, to
find revocations, suspensions and expiries; a status that cannot be read (network) is
left as it is and tried again on the next run.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final, Literal

import anyio.to_thread
from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.db import session_scope
from issuer_api.ingestion import acceptance
from issuer_api.ingestion.acceptance import Reason, TrustedIssuer, reason
from issuer_api.jobs import JobContext, RetryLater
from issuer_api.learners import repository as learner_repository
from issuer_api.learners import service as learners
from issuer_api.models import Delivery, DeliveryItem, Partner, PartnerTrustedIssuer
from issuer_api.privacy import IdentifierKind, normalize, unseal_pii
from verify.cache import HttpCache
from verify.pipeline import verify
from verify.report import Report
from verify.resolvers import network_options, network_source
from verify.sources import DocumentSource, Fetched

logger = logging.getLogger(__name__)

RECHECK_BATCH_SIZE: Final = 100
"""Badges read per batch by a re-check run."""
RECHECK_MAX_PER_RUN: Final = 2000
"""At most this many badges are verified again by one run (the next run goes on)."""
REPORT_LANGUAGE: Final[Literal["fr", "en"]] = "en"


def now_utc() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- verifier input


class PayloadError(ValueError):
    """The payload cannot be given to the verifier (an image that is not base64)."""


_DATA_URI: Final = re.compile(r"^data:[^,]{0,100};base64,", re.IGNORECASE)


def verifier_input(payload_kind: str, payload: str) -> bytes | str:
    """What the verifier is given for a payload: JSON as its bytes, a JWT or a URL as
    text (the verifier fetches the URL: OB 2.0 hosted Assertions), an image decoded."""
    if payload_kind == "image":
        text = _DATA_URI.sub("", payload.strip(), count=1)
        try:
            return base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PayloadError("the image is not valid base64") from exc
    if payload_kind == "json":
        return payload.encode("utf-8")
    return payload.strip()


def digest_of(data: bytes | str) -> str:
    """SHA-256 (hex) of the badge as received (for an image: of the image bytes)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def kind_of_format(report_format: str) -> str:
    """The payload kind a kept badge's original has, from the verifier's format."""
    return "image" if report_format.startswith("baked-") else "text"


class RecordingSource:
    """A document source that remembers what it served (the OB 2.0 BadgeClass)."""

    def __init__(self, inner: DocumentSource) -> None:
        self.inner = inner
        self.served: dict[str, Fetched] = {}

    def get(self, url: str, *, accept: str = "application/json") -> Fetched:
        fetched = self.inner.get(url, accept=accept)
        self.served[url] = fetched
        return fetched


def served_badge_class(report: Report, served: Mapping[str, Fetched]) -> Mapping[str, Any] | None:
    """The OB 2.0 BadgeClass the verifier fetched (in ``served``), if the badge is OB 2.0."""
    if not acceptance.is_ob2(report):
        return None
    badge = (report.credential or {}).get("badge")
    fetched = served.get(badge) if isinstance(badge, str) else None
    if fetched is None or fetched.status != 200:
        return None
    try:
        document = json.loads(fetched.body)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


@dataclass(frozen=True)
class Verified:
    report: Report
    served: Mapping[str, Fetched]

    def badge_class(self) -> Mapping[str, Any] | None:
        """The OB 2.0 BadgeClass the verifier fetched, if the badge is an OB 2.0 one."""
        return served_badge_class(self.report, self.served)


def verify_on_network(
    data: bytes | str, allowlist: Sequence[str], cache: HttpCache | None, recipient: str | None
) -> Verified:
    """The universal verifier with network options, recording what it fetched (blocking)."""
    source = RecordingSource(network_source(allowlist, cache=cache))
    options = network_options(source=source, recipient=recipient)
    return Verified(verify(data, options), source.served)


async def run_verifier(ctx: JobContext, data: bytes | str, recipient: str | None) -> Verified:
    """The universal verifier with network options, in a worker thread."""
    return await anyio.to_thread.run_sync(
        partial(verify_on_network, data, ctx.settings.fetch_allowlist, ctx.http_cache, recipient)
    )


# --------------------------------------------------------------------------- delivery state


async def _start(session: AsyncSession, delivery_id: str, attempt: int) -> Delivery | None:
    """Record the attempt (a write first: SQLite takes its lock now) and read the delivery."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == "queued")
        .values(attempts=attempt)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    if result.first() is None:
        return None
    return await session.get(Delivery, delivery_id, populate_existing=True)


async def _pending_item_ids(session: AsyncSession, delivery_id: str) -> list[str]:
    result = await session.execute(
        select(DeliveryItem.id)
        .where(DeliveryItem.delivery_id == delivery_id, DeliveryItem.outcome == "pending")
        .order_by(DeliveryItem.position)
    )
    return list(result.scalars())


async def _complete(session: AsyncSession, delivery_id: str, now: datetime) -> bool:
    """Mark the delivery done if none of its items is pending any more."""
    still_pending = exists().where(
        DeliveryItem.delivery_id == delivery_id, DeliveryItem.outcome == "pending"
    )
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == "queued", ~still_pending)
        .values(status="done", completed_at=now, last_error=None)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


async def _note(session: AsyncSession, delivery_id: str, message: str) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(last_error=message)
        .execution_options(synchronize_session=False)
    )


async def _claim(session: AsyncSession, item_id: str, now: datetime) -> bool:
    """Take the item for this transaction unless it is final already (row lock held)."""
    result = await session.execute(
        update(DeliveryItem)
        .where(DeliveryItem.id == item_id, DeliveryItem.outcome == "pending")
        .values(processed_at=now)
        .returning(DeliveryItem.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


async def _finish(
    session: AsyncSession,
    item_id: str,
    outcome: str,
    reasons: Sequence[Reason],
    now: datetime,
    *,
    learner_id: str | None = None,
    badge_id: str | None = None,
) -> bool:
    result = await session.execute(
        update(DeliveryItem)
        .where(DeliveryItem.id == item_id, DeliveryItem.outcome == "pending")
        .values(
            outcome=outcome,
            reasons=[dict(r) for r in reasons],
            learner_id=learner_id,
            partner_badge_id=badge_id,
            processed_at=now,
        )
        .returning(DeliveryItem.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


async def _finish_alone(
    ctx: JobContext, item_id: str, outcome: str, reasons: Sequence[Reason]
) -> None:
    async with session_scope(ctx.sessions) as session:
        await _finish(session, item_id, outcome, reasons, now_utc())


async def _trusted(session: AsyncSession, partner_id: str | None) -> list[TrustedIssuer]:
    """The sender's trusted issuers; for a claim, every active partner's (oldest first)."""
    query = select(PartnerTrustedIssuer.partner_id, PartnerTrustedIssuer.identifier).join(
        Partner, Partner.id == PartnerTrustedIssuer.partner_id
    )
    if partner_id is not None:
        query = query.where(PartnerTrustedIssuer.partner_id == partner_id)
    else:
        query = query.where(Partner.state == "active")
    result = await session.execute(
        query.order_by(Partner.created_at, Partner.id, PartnerTrustedIssuer.id)
    )
    return [TrustedIssuer(row.partner_id, row.identifier) for row in result]


# --------------------------------------------------------------------------- one item


@dataclass(frozen=True)
class _Item:
    id: str
    delivery_id: str
    payload_kind: str
    payload: str | None
    recipient_kind: IdentifierKind | None
    recipient: str | None


@dataclass(frozen=True)
class _Sender:
    partner_id: str | None
    suspended: bool
    trusted: list[TrustedIssuer]


async def _read_item(ctx: JobContext, item_id: str) -> tuple[_Item, _Sender] | None:
    async with session_scope(ctx.sessions) as session:
        row = await session.scalar(
            select(DeliveryItem).where(
                DeliveryItem.id == item_id, DeliveryItem.outcome == "pending"
            )
        )
        if row is None:
            return None
        delivery = await session.get(Delivery, row.delivery_id)
        partner_id = delivery.partner_id if delivery is not None else None
        partner = await session.get(Partner, partner_id) if partner_id is not None else None
        sender = _Sender(
            partner_id,
            suspended=partner is not None and partner.state != "active",
            trusted=await _trusted(session, partner_id),
        )
        kind = row.recipient_kind
        item = _Item(
            id=row.id,
            delivery_id=row.delivery_id,
            payload_kind=row.payload_kind,
            payload=(
                unseal_pii(ctx.kek, row.payload_sealed) if row.payload_sealed is not None else None
            ),
            recipient_kind="email" if kind == "email" else "did" if kind == "did" else None,
            recipient=(
                unseal_pii(ctx.kek, row.recipient_sealed)
                if row.recipient_sealed is not None
                else None
            ),
        )
    return item, sender


async def process_item(ctx: JobContext, item_id: str) -> bool:
    """Process one pending item; False when it must wait for a retry (network)."""
    read = await _read_item(ctx, item_id)
    if read is None:
        return True
    item, sender = read
    if item.payload is None:
        await _finish_alone(ctx, item.id, "failed", [reason(acceptance.PAYLOAD_ERASED)])
        return True
    if sender.suspended:
        await _finish_alone(ctx, item.id, "rejected", [reason(acceptance.PARTNER_SUSPENDED)])
        return True
    if item.recipient is None or item.recipient_kind is None:
        await _finish_alone(ctx, item.id, "rejected", [reason(acceptance.RECIPIENT_MISSING)])
        return True
    try:
        data = verifier_input(item.payload_kind, item.payload)
    except PayloadError:
        rejection = reason(acceptance.NOT_VERIFIED, check="parse", check_code="invalid_base64")
        await _finish_alone(ctx, item.id, "rejected", [rejection])
        return True
    verified = await run_verifier(ctx, data, item.recipient)
    decision = acceptance.decide(
        verified.report,
        sender=sender.partner_id,
        trusted=sender.trusted,
        last_attempt=ctx.attempt >= ctx.max_attempts,
    )
    if decision.action == "retry":
        return False
    if decision.action == "reject":
        await _finish_alone(ctx, item.id, "rejected", decision.reason_list)
        return True
    facts = acceptance.badge_facts(
        verified.report, digest=digest_of(data), badge_class=verified.badge_class()
    )
    try:
        await _keep(ctx, item, facts, decision.partner_id, verified.report)
    except learners.RecipientConflictError:
        await _finish_alone(ctx, item.id, "rejected", [reason(acceptance.RECIPIENT_CONFLICT)])
    return True


async def _keep(
    ctx: JobContext,
    item: _Item,
    facts: acceptance.BadgeFacts,
    partner_id: str | None,
    report: Report,
) -> None:
    """Learner, badge, event, evaluation job and the item's outcome: one transaction."""
    if item.payload is None or item.recipient is None or item.recipient_kind is None:
        raise ValueError("only a complete item can be kept")  # pragma: no cover - checked above
    now = now_utc()
    async with session_scope(ctx.sessions) as session:
        if not await _claim(session, item.id, now):
            return
        learner_id = await learners.find_or_create(
            session, ctx.kek, item.recipient_kind, item.recipient, now
        )
        envelope = (item.recipient_kind, normalize(item.recipient_kind, item.recipient))
        for kind, value in facts.extra_identifiers:
            if (kind, value) != envelope:
                await learners.link_identifier(session, ctx.kek, learner_id, kind, value, now=now)
        kept = await learners.keep_partner_badge(
            session,
            ctx.kek,
            learner_id=learner_id,
            facts=facts,
            provenance=learners.Provenance(partner_id, item.delivery_id, item.id),
            original=item.payload,
            report=acceptance.stored_report(report, REPORT_LANGUAGE),
            now=now,
        )
        await _finish(
            session,
            item.id,
            kept.outcome,
            kept.reasons,
            now,
            learner_id=learner_id,
            badge_id=kept.badge_id,
        )


# --------------------------------------------------------------------------- the delivery


async def process_delivery(ctx: JobContext, delivery_id: str) -> None:
    """Process every pending item of the delivery; mark it done when all are final.

    Raises :class:`RetryLater` when some items could not be verified yet.
    """
    async with session_scope(ctx.sessions) as session:
        delivery = await _start(session, delivery_id, ctx.attempt)
        if delivery is None:  # done, dead, or gone
            return
        item_ids = await _pending_item_ids(session, delivery_id)
    waiting = 0
    for item_id in item_ids:
        if not await process_item(ctx, item_id):
            waiting += 1
    async with session_scope(ctx.sessions) as session:
        if waiting:
            await _note(session, delivery_id, _waiting_message(waiting))
        else:
            await _complete(session, delivery_id, now_utc())
    if waiting:
        raise RetryLater(_waiting_message(waiting))


def _waiting_message(count: int) -> str:
    return f"{count} item(s) could not be verified yet (a document could not be fetched)"


_ERROR_TYPE: Final = re.compile(r"^[A-Za-z_][\w.]{0,200}")


async def dead_delivery(ctx: JobContext, error: str, delivery_id: str) -> None:
    """After the last failed attempt: pending items fail, the delivery is dead.

    ``last_error`` keeps the exception type only: messages may quote personal data.
    """
    match = _ERROR_TYPE.match(error.strip())
    error_type = match.group(0) if match else "error"
    now = now_utc()
    async with session_scope(ctx.sessions) as session:
        await session.execute(
            update(DeliveryItem)
            .where(DeliveryItem.delivery_id == delivery_id, DeliveryItem.outcome == "pending")
            .values(
                outcome="failed",
                reasons=[reason(acceptance.PROCESSING_FAILED)],
                processed_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == "queued")
            .values(
                status="dead",
                attempts=ctx.attempt,
                completed_at=now,
                last_error=f"processing failed after {ctx.attempt} attempt(s): {error_type}",
            )
            .execution_options(synchronize_session=False)
        )


# --------------------------------------------------------------------------- re-checks


@dataclass(frozen=True)
class _KeptBadge:
    id: str
    learner_id: str
    status: str
    format: str
    original: str | None


@dataclass
class RecheckSummary:
    checked: int = 0
    changed: int = 0
    unavailable: int = 0


async def recheck_statuses(ctx: JobContext, *, learner_id: str | None = None) -> RecheckSummary:
    """Verify kept badges again (active and suspended ones, oldest check first) and record
    what changed: revoked, suspended, reinstated, expired."""
    started = now_utc()
    summary = RecheckSummary()
    seen: list[str] = []  # each badge at most once per run, whatever happens to it
    while len(seen) < RECHECK_MAX_PER_RUN:
        async with session_scope(ctx.sessions) as session:
            rows = await learner_repository.badges_to_recheck(
                session,
                limit=min(RECHECK_BATCH_SIZE, RECHECK_MAX_PER_RUN - len(seen)),
                checked_before=started,
                learner_id=learner_id,
                exclude=seen,
            )
            batch = [
                _KeptBadge(
                    row.id,
                    row.learner_id,
                    row.status,
                    row.format,
                    unseal_pii(ctx.kek, row.original_sealed)
                    if row.original_sealed is not None
                    else None,
                )
                for row in rows
            ]
        if not batch:
            break
        for badge in batch:
            seen.append(badge.id)
            outcome = await _recheck_one(ctx, badge)
            if outcome is None:
                summary.unavailable += 1
                continue
            summary.checked += 1
            summary.changed += int(outcome)
    if summary.changed or summary.unavailable:
        logger.info(
            "partner badge statuses re-checked",
            extra={
                "checked": summary.checked,
                "changed": summary.changed,
                "unavailable": summary.unavailable,
            },
        )
    return summary


async def _recheck_one(ctx: JobContext, badge: _KeptBadge) -> bool | None:
    """Whether the badge's status changed; None when it could not be told."""
    if badge.original is None:
        return None
    kind = kind_of_format(badge.format)
    try:
        data = verifier_input("image" if kind == "image" else "text", badge.original)
    except PayloadError:
        return None
    verified = await run_verifier(ctx, data, None)
    new = acceptance.status_after_recheck(verified.report)
    if new is None:
        return None
    now = now_utc()
    async with session_scope(ctx.sessions) as session:
        if new == badge.status:
            await learner_repository.stamp_checked(session, badge.id, now)
            return False
        return await learners.change_badge_status(
            session,
            badge_id=badge.id,
            learner_id=badge.learner_id,
            previous=badge.status,
            new=new,
            now=now,
        )
