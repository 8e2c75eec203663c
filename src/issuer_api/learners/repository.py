"""Every query on learners, their identifiers, partner badges and badge events, and on
the delivery items and regional awards that concern a learner. No rules here: see service."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import Table, bindparam, delete, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from issuer_api.jobs.queue import Deferral, deferral_call
from issuer_api.models import (
    Delivery,
    DeliveryItem,
    Learner,
    LearnerIdentifier,
    OutboundMessage,
    PartnerBadge,
    PartnerBadgeEvent,
    RegionalAward,
    WalletDelivery,
)
from issuer_api.sql import insert_or_ignore

# Core tables of the ingestion's hot path: statements on them skip the ORM's
# machinery (identity map, bulk-update synchronisation), which costs more than the query.
_LEARNER: Final = cast(Table, Learner.__table__)
_IDENTIFIER: Final = cast(Table, LearnerIdentifier.__table__)
_BADGE: Final = cast(Table, PartnerBadge.__table__)
_EVENT: Final = cast(Table, PartnerBadgeEvent.__table__)

# Statements built once, with bound parameters (``p_…`` in conditions, column names for
# the values written): building and hashing a statement costs more than running it.
_LOOKUP: Final = select(_IDENTIFIER.c.learner_id).where(
    _IDENTIFIER.c.kind == bindparam("p_kind"), _IDENTIFIER.c.lookup == bindparam("p_lookup")
)
LEARNER_BY_LOOKUP: Final = _LOOKUP.scalar_subquery()
"""The learner holding the identifier ``(:p_kind, :p_lookup)``, to embed in a statement
(the ingestion reads it in the statement that claims an item)."""
_TOUCH: Final = _LEARNER.update().where(_LEARNER.c.id == bindparam("p_learner"))
_BADGE_BY_KEY: Final = (
    select(
        _BADGE.c.id,
        _BADGE.c.learner_id,
        _BADGE.c.valid_from,
        _BADGE.c.status,
        _BADGE.c.status_changed_at,
    )
    .where(_BADGE.c.equality_key == bindparam("p_key"))
    .with_for_update()
)
_UPDATE_BADGE: Final = _BADGE.update().where(_BADGE.c.id == bindparam("p_badge"))


# --------------------------------------------------------------------------- learners


async def get(session: AsyncSession, learner_id: str) -> Learner | None:
    return await session.get(Learner, learner_id, populate_existing=True)


async def learner_by_lookup(session: AsyncSession, kind: str, lookup: str) -> str | None:
    """The learner holding the identifier ``(kind, lookup)``, as committed now."""
    result = await session.execute(_LOOKUP, {"p_kind": kind, "p_lookup": lookup})
    found: str | None = result.scalar_one_or_none()
    return found


async def insert_learner(session: AsyncSession, learner_id: str, now: datetime) -> None:
    await session.execute(
        _LEARNER.insert(), {"id": learner_id, "created_at": now, "updated_at": now}
    )


def _register_statement() -> Any:
    """PostgreSQL: a new learner and its first identifier in one statement (the
    identifier unless ``(kind, lookup)`` is taken: the learner row is inserted even
    then, and the caller removes it)."""
    learner = (
        _LEARNER.insert()
        .values(
            id=bindparam("l_id"),
            created_at=bindparam("l_at", type_=_LEARNER.c.created_at.type),
            updated_at=bindparam("l_at", type_=_LEARNER.c.updated_at.type),
        )
        .returning(_LEARNER.c.id)
        .cte("registered")
    )
    return (
        postgresql.insert(_IDENTIFIER)
        .from_select(
            ["learner_id", "kind", "lookup", "sealed", "created_at"],
            select(
                learner.c.id,
                bindparam("i_kind", type_=_IDENTIFIER.c.kind.type),
                bindparam("i_lookup", type_=_IDENTIFIER.c.lookup.type),
                bindparam("i_sealed", type_=_IDENTIFIER.c.sealed.type),
                bindparam("l_at", type_=_IDENTIFIER.c.created_at.type),
            ),
        )
        .on_conflict_do_nothing(index_elements=["kind", "lookup"])
        .returning(_IDENTIFIER.c.learner_id)
        .add_cte(learner)
    )


_REGISTER: Final = _register_statement()


async def register_learner(
    session: AsyncSession,
    *,
    learner_id: str,
    kind: str,
    lookup: str,
    sealed: dict[str, Any],
    now: datetime,
) -> bool:
    """Insert a learner holding the identifier ``(kind, lookup)``; False when the
    identifier is someone's already — a concurrent worker registered it first — and the
    learner inserted must be removed (:func:`delete_learner`). One statement on
    PostgreSQL, two on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        await insert_learner(session, learner_id, now)
        return await insert_identifier(
            session, learner_id=learner_id, kind=kind, lookup=lookup, sealed=sealed, now=now
        )
    result = await session.execute(
        _REGISTER,
        {"l_id": learner_id, "l_at": now, "i_kind": kind, "i_lookup": lookup, "i_sealed": sealed},
    )
    return result.first() is not None


async def delete_learner(session: AsyncSession, learner_id: str) -> None:
    await session.execute(delete(Learner).where(Learner.id == learner_id))


async def touch(session: AsyncSession, learner_id: str, now: datetime) -> None:
    await session.execute(_TOUCH, {"p_learner": learner_id, "updated_at": now})


async def insert_identifier(
    session: AsyncSession,
    *,
    learner_id: str,
    kind: str,
    lookup: str,
    sealed: dict[str, Any],
    now: datetime,
) -> bool:
    """Add an identifier unless ``(kind, lookup)`` is taken (by anyone): the unique
    constraint decides between concurrent workers."""
    return await insert_or_ignore(
        session,
        _IDENTIFIER,
        {
            "learner_id": learner_id,
            "kind": kind,
            "lookup": lookup,
            "sealed": sealed,
            "created_at": now,
        },
        ("kind", "lookup"),
    )


async def identifiers_of(session: AsyncSession, learner_id: str) -> list[LearnerIdentifier]:
    result = await session.execute(
        select(LearnerIdentifier)
        .where(LearnerIdentifier.learner_id == learner_id)
        .order_by(LearnerIdentifier.id)
    )
    return list(result.scalars())


_SEALED_OF: Final = (
    select(_IDENTIFIER.c.sealed)
    .where(_IDENTIFIER.c.learner_id == bindparam("p_learner"))
    .order_by(_IDENTIFIER.c.id)
)


async def sealed_identifiers(
    executor: AsyncSession | AsyncConnection, learner_id: str
) -> list[dict[str, Any]]:
    """The learner's identifiers (emails and DIDs), sealed, oldest first."""
    result = await executor.execute(_SEALED_OF, {"p_learner": learner_id})
    return [row.sealed for row in result]


# --------------------------------------------------------------------------- partner badges


async def insert_badge(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Keep a new badge unless one with its equality key is kept already."""
    return await insert_or_ignore(session, _BADGE, values, ("equality_key",))


@functools.cache
def _store_badge_statement(columns: tuple[str, ...], deferring: bool = False) -> Any:
    """PostgreSQL: :func:`store_badge` as one statement — the badge inserted unless its
    equality key is kept already, and, only if it was, its ``stored`` event and the
    learner's ``updated_at`` (data-modifying CTEs on the inserted row). Its parameters
    are named ``b_…`` and ``e_…``: SQLAlchemy would take a parameter named after a column
    of ``learner`` for a value to set in the CTE updating it. ``deferring``: the job
    given to :func:`store_badge` is enqueued for the inserted row (parameters ``j_…``)."""
    kept = (
        postgresql.insert(_BADGE)
        .values({name: bindparam(f"b_{name}", type_=_BADGE.c[name].type) for name in columns})
        .on_conflict_do_nothing(index_elements=["equality_key"])
        .returning(_BADGE.c.id, _BADGE.c.learner_id)
        .cte("kept")
    )
    event = _EVENT.insert().from_select(
        ["partner_badge_id", "learner_id", "kind", "new_status", "at", "detail"],
        select(
            kept.c.id,
            kept.c.learner_id,
            literal("stored"),
            literal("active"),
            bindparam("e_at", type_=_EVENT.c.at.type),
            bindparam("e_detail", type_=_EVENT.c.detail.type),
        ),
    )
    touched = (
        _LEARNER.update()
        .where(_LEARNER.c.id == kept.c.learner_id)
        .values(updated_at=bindparam("e_at", type_=_LEARNER.c.updated_at.type))
    )
    stored = select(kept.c.id, deferral_call("j_")) if deferring else select(kept.c.id)
    return stored.add_cte(event.cte("stored_event"), touched.cte("touched"))


async def store_badge(
    session: AsyncSession,
    values: dict[str, Any],
    *,
    at: datetime,
    detail: dict[str, Any],
    then: Deferral | None = None,
) -> bool:
    """Keep a new badge unless one with its equality key is kept already (False); when
    kept, its ``stored`` event is added, its learner's ``updated_at`` set to ``at`` and
    the job ``then`` enqueued (as :func:`~issuer_api.jobs.enqueue` does).

    One statement on PostgreSQL; three or four on SQLite.
    """
    if session.get_bind().dialect.name == "postgresql":
        statement = _store_badge_statement(tuple(values), deferring=then is not None)
        parameters = {f"b_{name}": value for name, value in values.items()}
        if then is not None:
            parameters.update(then.parameters("j_"))
        result = await session.execute(statement, {**parameters, "e_at": at, "e_detail": detail})
        return result.first() is not None
    if not await insert_badge(session, values):
        return False
    if then is not None:
        await then.enqueue(session)
    await add_event(
        session,
        learner_id=values["learner_id"],
        badge_id=values["id"],
        kind="stored",
        at=at,
        new_status="active",
        detail=detail,
    )
    await touch(session, values["learner_id"], at)
    return True


@dataclass(frozen=True)
class StoredBadge:
    """What the comparison with a credential delivered again needs of the kept badge."""

    id: str
    learner_id: str
    valid_from: datetime | None
    status: str
    status_changed_at: datetime | None


async def badge_by_key(session: AsyncSession, equality_key: str) -> StoredBadge | None:
    """The kept badge with this equality key, locked for the transaction (PostgreSQL)."""
    row = (await session.execute(_BADGE_BY_KEY, {"p_key": equality_key})).first()
    if row is None:
        return None
    return StoredBadge(row.id, row.learner_id, row.valid_from, row.status, row.status_changed_at)


async def get_badge(session: AsyncSession, badge_id: str) -> PartnerBadge | None:
    return await session.get(PartnerBadge, badge_id, populate_existing=True)


async def update_badge(session: AsyncSession, badge_id: str, values: dict[str, Any]) -> None:
    await session.execute(_UPDATE_BADGE, {**values, "p_badge": badge_id})


async def change_badge_status(
    session: AsyncSession, badge_id: str, previous: str, new: str, now: datetime
) -> bool:
    """Move a badge from ``previous`` to ``new`` status unless it changed meanwhile."""
    result = await session.execute(
        _BADGE.update()
        .where(_BADGE.c.id == badge_id, _BADGE.c.status == previous)
        .values(status=new, status_changed_at=now, status_checked_at=now, updated_at=now)
        .returning(_BADGE.c.id)
    )
    return result.first() is not None


async def stamp_checked(session: AsyncSession, badge_id: str, now: datetime) -> None:
    await session.execute(
        _BADGE.update().where(_BADGE.c.id == badge_id).values(status_checked_at=now)
    )


async def badges_of(session: AsyncSession, learner_id: str) -> list[PartnerBadge]:
    result = await session.execute(
        select(PartnerBadge)
        .where(PartnerBadge.learner_id == learner_id)
        .order_by(PartnerBadge.created_at, PartnerBadge.id)
    )
    return list(result.scalars())


async def badges_to_recheck(
    session: AsyncSession,
    *,
    limit: int,
    checked_before: datetime,
    learner_id: str | None = None,
    exclude: Sequence[str] = (),
) -> list[PartnerBadge]:
    """Active and suspended badges not checked since ``checked_before``, never-checked
    and longest-unchecked first."""
    query = select(PartnerBadge).where(
        PartnerBadge.status.in_(("active", "suspended")),
        or_(
            PartnerBadge.status_checked_at.is_(None),
            PartnerBadge.status_checked_at < checked_before,
        ),
    )
    if learner_id is not None:
        query = query.where(PartnerBadge.learner_id == learner_id)
    if exclude:
        query = query.where(PartnerBadge.id.not_in(list(exclude)))
    result = await session.execute(
        query.order_by(
            PartnerBadge.status_checked_at.is_not(None),
            PartnerBadge.status_checked_at,
            PartnerBadge.id,
        ).limit(limit)
    )
    return list(result.scalars())


async def add_event(
    session: AsyncSession,
    *,
    learner_id: str,
    badge_id: str | None,
    kind: str,
    at: datetime,
    previous_status: str | None = None,
    new_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    await session.execute(
        _EVENT.insert(),
        {
            "partner_badge_id": badge_id,
            "learner_id": learner_id,
            "kind": kind,
            "previous_status": previous_status,
            "new_status": new_status,
            "at": at,
            "detail": detail or {},
        },
    )


async def events_of(session: AsyncSession, learner_id: str) -> list[PartnerBadgeEvent]:
    result = await session.execute(
        select(PartnerBadgeEvent)
        .where(PartnerBadgeEvent.learner_id == learner_id)
        .order_by(PartnerBadgeEvent.id)
    )
    return list(result.scalars())


# --------------------------------------------------------------------------- delivery items


def _concerning(learner_id: str, lookups: Sequence[str]) -> Any:
    condition = DeliveryItem.learner_id == learner_id
    if lookups:
        condition = or_(condition, DeliveryItem.recipient_lookup.in_(list(lookups)))
    return condition


async def items_concerning(
    session: AsyncSession, learner_id: str, lookups: Sequence[str]
) -> list[tuple[DeliveryItem, Delivery]]:
    """Delivery items linked to the learner or sent for one of their identifiers."""
    result = await session.execute(
        select(DeliveryItem, Delivery)
        .join(Delivery, Delivery.id == DeliveryItem.delivery_id)
        .where(_concerning(learner_id, lookups))
        .order_by(Delivery.received_at, DeliveryItem.position)
    )
    return [(item, delivery) for item, delivery in result]


ERASED_MESSAGE_ERROR: Final = "not sent: the learner's data was erased"


async def redact_messages(session: AsyncSession, learner_id: str) -> int:
    """Outbound notifications about the learner keep their type and time, not their
    ``data`` (the learner's id, their partner badges); those not sent yet never will be.
    How many were redacted."""
    about = OutboundMessage.payload[("data", "learner_id")].as_string() == learner_id
    messages = list(await session.scalars(select(OutboundMessage).where(about)))
    for message in messages:
        message.payload = {
            "type": message.payload.get("type"),
            "timestamp": message.payload.get("timestamp"),
            "data": {"erased": True},
        }
        if message.status == "pending":
            message.status = "dead"
            message.next_attempt_at = None
            message.last_error = ERASED_MESSAGE_ERROR
    await session.flush()
    return len(messages)


async def wipe_items(session: AsyncSession, learner_id: str, lookups: Sequence[str]) -> int:
    """Erase the personal data of the items concerning a learner; keep their outcome."""
    result = await session.execute(
        update(DeliveryItem)
        .where(_concerning(learner_id, lookups))
        .values(
            payload_sealed=None,
            recipient_sealed=None,
            recipient_lookup=None,
            learner_id=None,
            partner_badge_id=None,
        )
        .returning(DeliveryItem.id)
        .execution_options(synchronize_session=False)
    )
    return len(result.all())


# --------------------------------------------------------------------------- regional awards


async def awards_of(session: AsyncSession, learner_id: str) -> list[RegionalAward]:
    result = await session.execute(
        select(RegionalAward)
        .where(RegionalAward.learner_id == learner_id)
        .order_by(RegionalAward.created_at, RegionalAward.id)
    )
    return list(result.scalars())


# --------------------------------------------------------------------------- erasure


async def wallet_deliveries_of(session: AsyncSession, learner_id: str) -> list[WalletDelivery]:
    """The learner's regional badges put in wallets, oldest first."""
    return list(
        await session.scalars(
            select(WalletDelivery)
            .where(WalletDelivery.learner_id == learner_id)
            .order_by(WalletDelivery.delivered_at)
        )
    )


async def delete_records(session: AsyncSession, learner_id: str) -> dict[str, int]:
    """Delete everything kept about a learner, and the learner; how many of each."""
    counts: dict[str, int] = {}
    for name, model in (
        ("regional_awards", RegionalAward),
        ("events", PartnerBadgeEvent),
        ("partner_badges", PartnerBadge),
        ("identifiers", LearnerIdentifier),
    ):
        total = await session.scalar(
            select(func.count()).select_from(model).where(model.learner_id == learner_id)
        )
        await session.execute(
            delete(model)
            .where(model.learner_id == learner_id)
            .execution_options(synchronize_session=False)
        )
        counts[name] = int(total or 0)
    await delete_learner(session, learner_id)
    return counts
