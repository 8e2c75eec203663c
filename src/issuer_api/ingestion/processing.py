"""Processing partner deliveries, and re-checking the status of the badges kept.

A delivery (stored by :mod:`issuer_api.ingestion.inbox`) is processed by
:func:`process_delivery` — first in a batch of the inbox
(:mod:`issuer_api.ingestion.batches`), then, if it must be retried, by its own
``ingest.process_delivery`` job — one item at a time, each in its own unit of work::

    read the pending item, unseal payload and recipient        (short read)
      → partner suspended? recipient given? → verifier input
      → universal verifier, off the event loop (network: DID documents, status lists,
        hosted OB 2.0 Assertions)                                (no transaction open)
        made out to the item's recipient — or, for a claim a learner makes from their
        space (client ``learner:{id}``), to any of that learner's emails and DIDs
      → acceptance rules (:mod:`issuer_api.ingestion.acceptance`)
      → reject | retry later | keep: learner, partner badge, event, evaluation job
        — written with the item's outcome in one transaction that starts by claiming the
        item (``UPDATE … WHERE outcome = 'pending'``)
    every item final → the delivery is ``done``

A worker dying mid-delivery loses nothing: finished items are committed, the delivery is
processed again (its batch's lease passes, or its job runs again) and they are skipped;
an item claimed by a concurrent run of the same job is skipped
too (its claim update finds no pending row). Checks that could not be done (network)
leave the item pending and :func:`process_delivery` raises
:class:`~issuer_api.jobs.RetryLater`; on the last attempt they are recorded as
``verification_unavailable``. A delivery that fails every attempt is dead-lettered
(:func:`dead_delivery`).

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
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal, cast

from sqlalchemy import Table, and_, bindparam, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from issuer_api import verification
from issuer_api.db import session_scope
from issuer_api.ingestion import acceptance
from issuer_api.ingestion.acceptance import Reason, TrustedIssuer, reason
from issuer_api.ingestion.inbox import claiming_learner
from issuer_api.jobs import JobContext, RetryLater
from issuer_api.learners import repository as learner_repository
from issuer_api.learners import service as learners
from issuer_api.models import Delivery, DeliveryItem, Partner, PartnerTrustedIssuer
from issuer_api.own_documents import OwnDocuments
from issuer_api.privacy import IdentifierKind, identifier_lookup, normalize, unseal_pii
from verify.cache import HttpCache, MemoryOnlySource, RequestSource
from verify.pipeline import verify
from verify.report import Report
from verify.resolvers import network_options, network_source
from verify.sources import DocumentSource, Fetched, LocalDocuments, LocalFirstSource

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
    data: bytes | str,
    allowlist: Sequence[str],
    cache: HttpCache | None,
    recipient: str | None,
    *,
    aliases: Sequence[str] = (),
    own: LocalDocuments | None = None,
    deadline: float = 10.0,
    inline: bool = False,
) -> Verified:
    """The universal verifier with network options, recording what it fetched (blocking).

    The credential must be made out to ``recipient`` or to one of its ``aliases`` (other
    identifiers of the same learner). ``own`` answers for this service's own documents
    before the network; each other document is fetched at most once, all of them within
    ``deadline`` seconds. ``inline``: on the event loop's thread, the documents come from
    ``cache`` alone (:class:`~verify.sources.WouldBlock` for any other; see
    :mod:`issuer_api.verification`).
    """
    network: DocumentSource = (
        MemoryOnlySource(cache if cache is not None else HttpCache())
        if inline
        else RequestSource(network_source(allowlist, cache=cache), deadline)
    )
    source = RecordingSource(network if own is None else LocalFirstSource(own, network))
    options = network_options(source=source, recipient=recipient, recipient_aliases=tuple(aliases))
    return Verified(verify(data, verification.attempt_options(options, inline)), source.served)


async def run_verifier(
    ctx: JobContext, data: bytes | str, recipient: str | None, aliases: Sequence[str] = ()
) -> Verified:
    """The universal verifier with network options: on the event loop when the badge is
    small and its documents are in memory, in a worker thread otherwise."""
    own = OwnDocuments.here(ctx.settings, ctx.sessions, ctx.kek)

    def attempt(inline: bool) -> Verified:
        return verify_on_network(
            data,
            ctx.settings.fetch_allowlist,
            ctx.http_cache,
            recipient,
            aliases=aliases,
            own=own,
            deadline=ctx.settings.verify_deadline_seconds,
            inline=inline,
        )

    return await verification.run_verification(attempt, len(data))


# --------------------------------------------------------------------------- delivery state

# Core tables: the hot path's statements skip the ORM's machinery (identity map, bulk
# update synchronisation), which costs more than the queries themselves.
_DELIVERY: Final = cast(Table, Delivery.__table__)
_ITEM: Final = cast(Table, DeliveryItem.__table__)
_PARTNER: Final = cast(Table, Partner.__table__)
_TRUSTED: Final = cast(Table, PartnerTrustedIssuer.__table__)

_ITEM_COLUMNS: Final = (
    _ITEM.c.id,
    _ITEM.c.delivery_id,
    _ITEM.c.payload_kind,
    _ITEM.c.payload_sealed,
    _ITEM.c.recipient_kind,
    _ITEM.c.recipient_sealed,
)

# The statements of the hot path are built once, with bound parameters: building and
# hashing a statement per execution costs more than running it. Parameters named
# ``p_…`` are conditions; the others are the columns written.
_START: Final = (
    _DELIVERY.update()
    .where(_DELIVERY.c.id == bindparam("p_delivery"), _DELIVERY.c.status == "queued")
    .returning(_DELIVERY.c.partner_id, _DELIVERY.c.channel, _DELIVERY.c.client_id)
)
_PENDING: Final = (
    select(*_ITEM_COLUMNS)
    .where(_ITEM.c.delivery_id == bindparam("p_delivery"), _ITEM.c.outcome == "pending")
    .order_by(_ITEM.c.position)
)
_ONE_PENDING: Final = (
    select(*_ITEM_COLUMNS, _DELIVERY.c.partner_id, _DELIVERY.c.channel, _DELIVERY.c.client_id)
    .join(_DELIVERY, _DELIVERY.c.id == _ITEM.c.delivery_id)
    .where(_ITEM.c.id == bindparam("p_item"), _ITEM.c.outcome == "pending")
)
_COMPLETE: Final = (
    _DELIVERY.update()
    .where(
        _DELIVERY.c.id == bindparam("p_delivery"),
        _DELIVERY.c.status == "queued",
        ~select(_ITEM.c.id)
        .where(_ITEM.c.delivery_id == bindparam("p_delivery"), _ITEM.c.outcome == "pending")
        .exists(),
    )
    .returning(_DELIVERY.c.id)
)
_NOTE: Final = _DELIVERY.update().where(_DELIVERY.c.id == bindparam("p_delivery"))
# The outcome of an item: only of a pending one.
_FINISH: Final = (
    _ITEM.update()
    .where(_ITEM.c.id == bindparam("p_item"), _ITEM.c.outcome == "pending")
    .returning(_ITEM.c.id)
)
# The claim, first write of an item's transaction, reads the recipient's learner too
# (``:p_kind``, ``:p_lookup``): one statement less per item.
_CLAIM: Final = (
    _ITEM.update()
    .where(_ITEM.c.id == bindparam("p_item"), _ITEM.c.outcome == "pending")
    .returning(_ITEM.c.id, learner_repository.LEARNER_BY_LOOKUP.label("learner_id"))
)
# On PostgreSQL, a run starts with one statement: the attempt recorded (a data-modifying
# CTE), the delivery's pending items and its partner's state and trusted issuers — one
# row per pending item, or a single row with no item when none is pending.
_STARTED: Final = (
    _DELIVERY.update()
    .where(_DELIVERY.c.id == bindparam("p_delivery"), _DELIVERY.c.status == "queued")
    .values(attempts=bindparam("attempts"))
    .returning(_DELIVERY.c.partner_id, _DELIVERY.c.channel, _DELIVERY.c.client_id)
    .cte("started")
)
_START_AND_READ: Final = (
    select(
        _STARTED.c.partner_id.label("sender_id"),
        _STARTED.c.channel,
        _STARTED.c.client_id,
        select(_PARTNER.c.state)
        .where(_PARTNER.c.id == _STARTED.c.partner_id)
        .scalar_subquery()
        .label("sender_state"),
        select(func.array_agg(aggregate_order_by(_TRUSTED.c.identifier, _TRUSTED.c.id)))
        .where(_TRUSTED.c.partner_id == _STARTED.c.partner_id)
        .scalar_subquery()
        .label("sender_trusted"),
        *_ITEM_COLUMNS,
    )
    .select_from(
        _STARTED.outerjoin(
            _ITEM,
            and_(_ITEM.c.delivery_id == bindparam("p_delivery"), _ITEM.c.outcome == "pending"),
        )
    )
    .order_by(_ITEM.c.position)
)
# On PostgreSQL, the outcome of the run's last item and the completion of its delivery
# are one statement too (``finished``: the item was pending; ``completed``: the delivery
# is done — no other item of it is pending).
_FINISHED: Final = (
    _ITEM.update()
    .where(_ITEM.c.id == bindparam("p_item"), _ITEM.c.outcome == "pending")
    .values(
        outcome=bindparam("outcome"),
        reasons=bindparam("reasons", type_=_ITEM.c.reasons.type),
        learner_id=bindparam("learner_id"),
        partner_badge_id=bindparam("partner_badge_id"),
        processed_at=bindparam("processed_at", type_=_ITEM.c.processed_at.type),
    )
    .returning(_ITEM.c.id)
    .cte("finished")
)
_COMPLETED: Final = (
    _DELIVERY.update()
    .where(
        _DELIVERY.c.id == bindparam("p_delivery"),
        _DELIVERY.c.status == "queued",
        select(_FINISHED.c.id).exists(),
        ~select(_ITEM.c.id)
        .where(
            _ITEM.c.delivery_id == bindparam("p_delivery"),
            _ITEM.c.outcome == "pending",
            _ITEM.c.id != bindparam("p_item"),
        )
        .exists(),
    )
    .values(
        status="done",
        completed_at=bindparam("completed_at", type_=_DELIVERY.c.completed_at.type),
        last_error=None,
    )
    .returning(_DELIVERY.c.id)
    .cte("completed")
)
_FINISH_AND_COMPLETE: Final = select(
    select(_FINISHED.c.id).exists().label("finished"),
    select(_COMPLETED.c.id).exists().label("completed"),
)
_SENDER: Final = (
    select(_PARTNER.c.state, _TRUSTED.c.partner_id, _TRUSTED.c.identifier)
    .select_from(_PARTNER.outerjoin(_TRUSTED, _TRUSTED.c.partner_id == _PARTNER.c.id))
    .where(_PARTNER.c.id == bindparam("p_partner"))
    .order_by(_TRUSTED.c.id)
)
_TRUSTED_BY_ACTIVE: Final = (
    select(_TRUSTED.c.partner_id, _TRUSTED.c.identifier)
    .join(_PARTNER, _PARTNER.c.id == _TRUSTED.c.partner_id)
    .where(_PARTNER.c.state == "active")
    .order_by(_PARTNER.c.created_at, _PARTNER.c.id, _TRUSTED.c.id)
)


@dataclass(frozen=True)
class _Started:
    partner_id: str | None
    claimant: str | None  # the learner who made the claim from their space


async def _start(
    session: AsyncSession | AsyncConnection, delivery_id: str, attempt: int
) -> _Started | None:
    """Record the attempt (a write first: SQLite takes its lock now) and read the
    delivery's partner; None when the delivery is done, dead or gone."""
    result = await session.execute(_START, {"p_delivery": delivery_id, "attempts": attempt})
    row = result.first()
    if row is None:
        return None
    return _Started(row.partner_id, claiming_learner(row.channel, row.client_id))


@dataclass(frozen=True)
class _Sealed:
    """A pending item as stored: payload and recipient still sealed."""

    id: str
    delivery_id: str
    payload_kind: str
    payload_sealed: dict[str, Any] | None
    recipient_kind: str | None
    recipient_sealed: dict[str, Any] | None


def _sealed(row: Any) -> _Sealed:
    return _Sealed(
        row.id,
        row.delivery_id,
        row.payload_kind,
        row.payload_sealed,
        row.recipient_kind,
        row.recipient_sealed,
    )


async def _pending_items(
    session: AsyncSession | AsyncConnection, delivery_id: str
) -> list[_Sealed]:
    result = await session.execute(_PENDING, {"p_delivery": delivery_id})
    return [_sealed(row) for row in result]


async def _complete(session: AsyncSession, delivery_id: str, now: datetime) -> bool:
    """Mark the delivery done if none of its items is pending any more."""
    result = await session.execute(
        _COMPLETE,
        {"p_delivery": delivery_id, "status": "done", "completed_at": now, "last_error": None},
    )
    return result.first() is not None


async def _note(session: AsyncSession, delivery_id: str, message: str) -> None:
    await session.execute(_NOTE, {"p_delivery": delivery_id, "last_error": message})


@dataclass(frozen=True)
class _Claimed:
    learner_id: str | None  # the learner holding the recipient's identifier, if any


async def _claim(
    session: AsyncSession, item_id: str, now: datetime, kind: IdentifierKind, lookup: str
) -> _Claimed | None:
    """Take the item for this transaction unless it is final already (row lock held),
    and find the learner holding the recipient's identifier ``(kind, lookup)``."""
    result = await session.execute(
        _CLAIM, {"p_item": item_id, "processed_at": now, "p_kind": kind, "p_lookup": lookup}
    )
    row = result.first()
    return _Claimed(row.learner_id) if row is not None else None


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
        _FINISH,
        {
            "p_item": item_id,
            "outcome": outcome,
            "reasons": [dict(r) for r in reasons],
            "learner_id": learner_id,
            "partner_badge_id": badge_id,
            "processed_at": now,
        },
    )
    return result.first() is not None


async def _finish_alone(
    ctx: JobContext, item: _Item, outcome: str, reasons: Sequence[Reason]
) -> None:
    async with _unit(ctx) as session:
        await _conclude(session, item, outcome, reasons, now_utc())


async def _sender(
    session: AsyncSession | AsyncConnection, partner_id: str | None, claimant: str | None = None
) -> _Sender:
    """The sending partner's state and trusted issuers (one query); for a claim (no
    partner), the trusted issuers of every active partner (oldest first) — and, for a
    claim a learner made from their space, that learner's identifiers (sealed)."""
    if partner_id is None:
        result = await session.execute(_TRUSTED_BY_ACTIVE)
        trusted = [TrustedIssuer(row.partner_id, row.identifier) for row in result]
        identifiers = (
            await learner_repository.sealed_identifiers(session, claimant)
            if claimant is not None
            else []
        )
        return _Sender(None, suspended=False, trusted=trusted, claimant=tuple(identifiers))
    rows = (await session.execute(_SENDER, {"p_partner": partner_id})).all()
    return _Sender(
        partner_id,
        suspended=bool(rows) and rows[0].state != "active",
        trusted=[
            TrustedIssuer(row.partner_id, row.identifier)
            for row in rows
            if row.identifier is not None
        ],
    )


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
    claimant: tuple[dict[str, Any], ...] = ()  # sealed identifiers of the claiming learner


@dataclass
class _Run:
    """One run of :func:`process_delivery`: its connection (every unit of work of the
    run is a transaction on it), the pending items read at its start, and whether the
    last item's transaction may complete the delivery (no earlier item waits)."""

    connection: AsyncConnection | None
    sender: _Sender | None = None
    rows: dict[str, _Sealed] = field(default_factory=dict)
    last_item_id: str | None = None
    waiting: int = 0
    completed: bool = False


_RUN: Final[ContextVar[_Run | None]] = ContextVar("obhub_ingestion_run", default=None)


@asynccontextmanager
async def _unit(ctx: JobContext) -> AsyncIterator[AsyncSession]:
    """One unit of work: on the run's connection when there is one, else its own."""
    run = _RUN.get()
    if run is None or run.connection is None:
        async with session_scope(ctx.sessions) as session:
            yield session
        return
    async with ctx.sessions(bind=run.connection) as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def _conclude(
    session: AsyncSession,
    item: _Item,
    outcome: str,
    reasons: Sequence[Reason],
    now: datetime,
    *,
    learner_id: str | None = None,
    badge_id: str | None = None,
) -> None:
    """Record the item's outcome (if it is still pending) and, in the transaction
    finishing the run's last item, complete the delivery too — unless an earlier item
    waits for a retry. On PostgreSQL both are one statement."""
    run = _RUN.get()
    last = run is not None and run.last_item_id == item.id and not run.waiting
    if not last:
        await _finish(
            session, item.id, outcome, reasons, now, learner_id=learner_id, badge_id=badge_id
        )
        return
    assert run is not None  # noqa: S101 - implied by ``last``, for the type checker
    # ``run.completed``: the completion was tried with the outcome; when the item was
    # no longer pending (a concurrent run finished it), the run tries at its end.
    if session.get_bind().dialect.name == "postgresql":
        result = await session.execute(
            _FINISH_AND_COMPLETE,
            {
                "p_item": item.id,
                "p_delivery": item.delivery_id,
                "outcome": outcome,
                "reasons": [dict(r) for r in reasons],
                "learner_id": learner_id,
                "partner_badge_id": badge_id,
                "processed_at": now,
                "completed_at": now,
            },
        )
        run.completed = bool(result.one().finished)
        return
    if await _finish(
        session, item.id, outcome, reasons, now, learner_id=learner_id, badge_id=badge_id
    ):
        await _complete(session, item.delivery_id, now)
        run.completed = True


def _item_of(ctx: JobContext, row: _Sealed) -> _Item:
    kind = row.recipient_kind
    return _Item(
        id=row.id,
        delivery_id=row.delivery_id,
        payload_kind=row.payload_kind,
        payload=(
            unseal_pii(ctx.kek, row.payload_sealed) if row.payload_sealed is not None else None
        ),
        recipient_kind="email" if kind == "email" else "did" if kind == "did" else None,
        recipient=(
            unseal_pii(ctx.kek, row.recipient_sealed) if row.recipient_sealed is not None else None
        ),
    )


async def _read_item(ctx: JobContext, item_id: str) -> tuple[_Item, _Sender] | None:
    run = _RUN.get()
    if run is not None and run.sender is not None:
        row = run.rows.pop(item_id, None)
        if row is not None:
            return _item_of(ctx, row), run.sender
    async with _unit(ctx) as session:
        found = (await session.execute(_ONE_PENDING, {"p_item": item_id})).first()
        if found is None:
            return None
        claimant = claiming_learner(found.channel, found.client_id)
        sender = await _sender(session, found.partner_id, claimant)
    return _item_of(ctx, _sealed(found)), sender


def _aliases(ctx: JobContext, item: _Item, sender: _Sender) -> list[str]:
    """The other identifiers the badge may be made out to: for a claim a learner made
    from their space, each of that learner's emails and DIDs; else none."""
    aliases: list[str] = []
    for sealed in sender.claimant:
        value = unseal_pii(ctx.kek, sealed)
        if value != item.recipient and value not in aliases:
            aliases.append(value)
    return aliases


async def process_item(ctx: JobContext, item_id: str) -> bool:
    """Process one pending item; False when it must wait for a retry (network)."""
    read = await _read_item(ctx, item_id)
    if read is None:
        return True
    item, sender = read
    if item.payload is None:
        await _finish_alone(ctx, item, "failed", [reason(acceptance.PAYLOAD_ERASED)])
        return True
    if sender.suspended:
        await _finish_alone(ctx, item, "rejected", [reason(acceptance.PARTNER_SUSPENDED)])
        return True
    if item.recipient is None or item.recipient_kind is None:
        await _finish_alone(ctx, item, "rejected", [reason(acceptance.RECIPIENT_MISSING)])
        return True
    try:
        data = verifier_input(item.payload_kind, item.payload)
    except PayloadError:
        rejection = reason(acceptance.NOT_VERIFIED, check="parse", check_code="invalid_base64")
        await _finish_alone(ctx, item, "rejected", [rejection])
        return True
    verified = await run_verifier(ctx, data, item.recipient, _aliases(ctx, item, sender))
    decision = acceptance.decide(
        verified.report,
        sender=sender.partner_id,
        trusted=sender.trusted,
        last_attempt=ctx.attempt >= ctx.max_attempts,
    )
    if decision.action == "retry":
        return False
    if decision.action == "reject":
        await _finish_alone(ctx, item, "rejected", decision.reason_list)
        return True
    facts = acceptance.badge_facts(
        verified.report, digest=digest_of(data), badge_class=verified.badge_class()
    )
    try:
        await _keep(ctx, item, facts, decision.partner_id, verified.report)
    except learners.RecipientConflictError:
        await _finish_alone(ctx, item, "rejected", [reason(acceptance.RECIPIENT_CONFLICT)])
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
    lookup = identifier_lookup(ctx.kek, item.recipient_kind, item.recipient)
    async with _unit(ctx) as session:
        claimed = await _claim(session, item.id, now, item.recipient_kind, lookup)
        if claimed is None:
            return
        learner_id = claimed.learner_id or await learners.create_or_find(
            session, ctx.kek, item.recipient_kind, item.recipient, now, lookup=lookup
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
        await _conclude(
            session,
            item,
            kept.outcome,
            kept.reasons,
            now,
            learner_id=learner_id,
            badge_id=kept.badge_id,
        )


# --------------------------------------------------------------------------- the delivery


@asynccontextmanager
async def _connection(ctx: JobContext) -> AsyncIterator[AsyncConnection | None]:
    """The run's connection: one pool checkout per job instead of one per transaction."""
    bind = ctx.sessions.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        yield None
        return
    async with bind.connect() as connection:
        yield connection


async def process_delivery(ctx: JobContext, delivery_id: str) -> None:
    """Process every pending item of the delivery; mark it done when all are final.

    Raises :class:`RetryLater` when some items could not be verified yet.
    """
    async with _connection(ctx) as connection:
        run = _Run(connection)
        token = _RUN.set(run)
        try:
            await _process(ctx, run, delivery_id)
        finally:
            _RUN.reset(token)


async def _read_delivery(
    executor: AsyncSession | AsyncConnection, run: _Run, delivery_id: str, attempt: int
) -> list[_Sealed] | None:
    """Record the attempt, read the pending items and the sender; None if not queued."""
    delivery = await _start(executor, delivery_id, attempt)
    if delivery is None:  # done, dead, or gone
        return None
    rows = await _pending_items(executor, delivery_id)
    if rows:
        run.sender = await _sender(executor, delivery.partner_id, delivery.claimant)
    return rows


async def _start_and_read(
    connection: AsyncConnection, run: _Run, delivery_id: str, attempt: int
) -> list[_Sealed] | None:
    """:func:`_read_delivery` in one statement (PostgreSQL), but for a claim (no partner:
    its sender is read apart)."""
    result = await connection.execute(
        _START_AND_READ, {"p_delivery": delivery_id, "attempts": attempt}
    )
    found = result.all()
    if not found:  # done, dead, or gone
        return None
    first = found[0]
    rows = [_sealed(row) for row in found if row.id is not None]
    if not rows:
        return rows
    if first.sender_id is None:
        claimant = claiming_learner(first.channel, first.client_id)
        run.sender = await _sender(connection, None, claimant)
    else:
        run.sender = _Sender(
            first.sender_id,
            suspended=first.sender_state not in {None, "active"},
            trusted=[
                TrustedIssuer(first.sender_id, identifier)
                for identifier in first.sender_trusted or ()
            ],
        )
    return rows


async def _begin(ctx: JobContext, run: _Run, delivery_id: str) -> list[_Sealed] | None:
    connection = run.connection
    if connection is None or connection.dialect.name != "postgresql":
        async with _unit(ctx) as session:
            return await _read_delivery(session, run, delivery_id, ctx.attempt)
    # On PostgreSQL each statement commits on its own: the attempt is recorded before
    # anything is verified, as in one transaction (whose reads, in READ COMMITTED, see
    # no more consistent a state), without its BEGIN and COMMIT round trips.
    await connection.execution_options(isolation_level="AUTOCOMMIT")
    rows = await _start_and_read(connection, run, delivery_id, ctx.attempt)
    await connection.commit()  # ends the connection-level transaction (no round trip)
    await connection.execution_options(isolation_level=connection.default_isolation_level)
    return rows


async def _process(ctx: JobContext, run: _Run, delivery_id: str) -> None:
    rows = await _begin(ctx, run, delivery_id)
    if rows is None:
        return
    run.rows = {row.id: row for row in rows}
    run.last_item_id = rows[-1].id if rows else None
    for row in rows:
        if not await process_item(ctx, row.id):
            run.waiting += 1
    if run.completed:
        return
    async with _unit(ctx) as session:
        if run.waiting:
            await _note(session, delivery_id, _waiting_message(run.waiting))
        else:
            await _complete(session, delivery_id, now_utc())
    if run.waiting:
        raise RetryLater(_waiting_message(run.waiting))


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
            _ITEM.update()
            .where(_ITEM.c.delivery_id == delivery_id, _ITEM.c.outcome == "pending")
            .values(
                outcome="failed",
                reasons=[reason(acceptance.PROCESSING_FAILED)],
                processed_at=now,
            )
        )
        await session.execute(
            _DELIVERY.update()
            .where(_DELIVERY.c.id == delivery_id, _DELIVERY.c.status == "queued")
            .values(
                status="dead",
                attempts=ctx.attempt,
                completed_at=now,
                last_error=f"processing failed after {ctx.attempt} attempt(s): {error_type}",
            )
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
