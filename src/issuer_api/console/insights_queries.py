"""The insights' queries: every figure is aggregated in SQL (GROUP BY), raw counts only.

What may be shown of them is decided by :mod:`aggregation.disclosure`, not here.
People are counted as distinct learners; an inbound badge whose learner is not known
(refused before one was found) counts as the person of its recipient (the keyed hash
of the address), and as a person of its own when it has none either — so a refusal
breakdown never counts one person as several nobodies.

A regional badge counts once per learner and regional badge (whatever its state now:
awarded is a fact). Its month is the month it was first awarded; its partners are
those whose badges are in its evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, String, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.console.insights_sql import Dialect
from issuer_api.models import Delivery, DeliveryItem, Partner, PartnerBadge, RegionalAward

REASON_SEPARATOR: Final = "|"
"""Between a reason code and the code of its failed check in a reason key."""

NO_VALUE: Final = ""
"""The group of an award whose regional badge has no competency (or level)."""

DELAY_BUCKETS: Final[tuple[tuple[str, float | None], ...]] = (
    ("hour", 3600.0),
    ("day", 86400.0),
    ("week", 7 * 86400.0),
    ("month", 30 * 86400.0),
    ("longer", None),
)
"""Delay buckets (key, upper bound in seconds, exclusive; None: no bound)."""


@dataclass(frozen=True, slots=True)
class Filters:
    """A period ``[start, end)`` and the regional badges of one competency (or all)."""

    start: datetime | None = None
    end: datetime | None = None
    codes: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    """Regional badge code → competency code, and → level code (from the référentiel)."""

    competency: Mapping[str, str]
    level: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class PartnerActivity:
    partner_id: str
    name: str
    deliveries: int
    badges: int
    accepted: int
    duplicate: int
    refused: int
    failed: int


@dataclass(frozen=True, slots=True)
class Delays:
    """Distinct learners per delay bucket, and every delay (seconds), smallest first."""

    buckets: dict[str, int]
    seconds: list[float]
    learners: int


def _dialect(session: AsyncSession) -> Dialect:
    return Dialect(session.get_bind().dialect.name)


def _mapped(column: Any, mapping: Mapping[str, str]) -> ColumnElement[str]:
    if not mapping:
        return literal(NO_VALUE, type_=String)
    return case(dict(mapping), value=column, else_=literal(NO_VALUE, type_=String))


def _in_period(column: Any, filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.start is not None:
        found.append(column >= filters.start)
    if filters.end is not None:
        found.append(column < filters.end)
    return found


def _awards(filters: Filters) -> list[ColumnElement[bool]]:
    """The conditions on regional badges: awarded in the period, of the competency."""
    conditions = _in_period(RegionalAward.created_at, filters)
    if filters.codes is not None:
        conditions.append(RegionalAward.achievement_code.in_(sorted(filters.codes)))
    return conditions


async def awards_by_competency_and_level(
    session: AsyncSession, filters: Filters, classification: Classification
) -> dict[tuple[str, str], int]:
    """Distinct learners awarded a regional badge, per (competency, level)."""
    competency = _mapped(RegionalAward.achievement_code, classification.competency)
    level = _mapped(RegionalAward.achievement_code, classification.level)
    query = (
        select(competency, level, func.count(RegionalAward.learner_id.distinct()))
        .where(*_awards(filters))
        .group_by(competency, level)
    )
    return {(c, lv): n for c, lv, n in (await session.execute(query)).all()}


async def awards_by_month(session: AsyncSession, filters: Filters) -> dict[str, int]:
    """Distinct learners awarded a regional badge, per month (``YYYY-MM``)."""
    month = _dialect(session).month(RegionalAward.created_at)
    query = select(month, func.count(RegionalAward.learner_id.distinct())).where(*_awards(filters))
    rows = await session.execute(query.group_by(month).order_by(month))
    return dict(rows.all())


async def awards_by_partner(session: AsyncSession, filters: Filters) -> dict[str, int]:
    """Distinct learners awarded a regional badge resting on a partner's badge, per
    partner name."""
    dialect = _dialect(session)
    evidence = dialect.elements(RegionalAward.evidence)
    partner_id = dialect.field(evidence, "partner_id")
    query = (
        select(Partner.name, func.count(RegionalAward.learner_id.distinct()))
        .select_from(RegionalAward)
        .join(evidence, literal(True))
        .join(Partner, Partner.id == partner_id)
        .where(*_awards(filters))
    )
    rows = await session.execute(query.group_by(Partner.id, Partner.name).order_by(Partner.name))
    return dict(rows.all())


def _delay_bucket(seconds: ColumnElement[float]) -> ColumnElement[str]:
    whens = [(seconds < bound, key) for key, bound in DELAY_BUCKETS if bound is not None]
    return case(*whens, else_=DELAY_BUCKETS[-1][0])


async def award_delays(session: AsyncSession, filters: Filters) -> Delays:
    """From the partner badge that completed the rule (the last of the evidence to be
    earned) to the regional badge: distinct learners per bucket, and the delays."""
    dialect = _dialect(session)
    evidence = dialect.elements(RegionalAward.evidence)
    badge_id = dialect.field(evidence, "id")
    # When the learner earned it, as the partner says (else when it was valid from,
    # else when it reached the hub).
    earned = func.coalesce(
        PartnerBadge.awarded_at, PartnerBadge.valid_from, PartnerBadge.created_at
    )
    completed = func.max(earned)
    per_award = (
        select(
            RegionalAward.id.label("award_id"),
            RegionalAward.learner_id.label("learner_id"),
            dialect.seconds_between(RegionalAward.created_at, completed).label("seconds"),
        )
        .select_from(RegionalAward)
        .join(evidence, literal(True))
        .join(
            PartnerBadge,
            and_(
                PartnerBadge.id == badge_id,
                dialect.field(evidence, "kind") == "partner",
            ),
        )
        .where(*_awards(filters))
        .group_by(RegionalAward.id, RegionalAward.learner_id, RegionalAward.created_at)
        .subquery()
    )
    bucket = _delay_bucket(per_award.c.seconds)
    rows = await session.execute(
        select(bucket, func.count(per_award.c.learner_id.distinct())).group_by(bucket)
    )
    buckets = dict.fromkeys((key for key, _ in DELAY_BUCKETS), 0)
    buckets.update(dict(rows.all()))
    learners = (
        await session.execute(select(func.count(per_award.c.learner_id.distinct())))
    ).scalar_one()
    seconds = (
        await session.execute(select(per_award.c.seconds).order_by(per_award.c.seconds))
    ).scalars()
    return Delays(buckets, [max(0.0, float(s)) for s in seconds], learners)


def _reason_key(dialect: Dialect, reasons: Any) -> ColumnElement[str]:
    """A refusal reason as ``code|check_code`` (the failed check, when there is one)."""
    code = func.coalesce(dialect.field(reasons, "code"), literal("unknown", type_=String))
    check = func.coalesce(dialect.field(reasons, "check_code"), literal("", type_=String))
    return (code + literal(REASON_SEPARATOR, type_=String) + check).label("reason")


def _person() -> ColumnElement[str]:
    return func.coalesce(DeliveryItem.learner_id, DeliveryItem.recipient_lookup, DeliveryItem.id)


def _count_outcome(outcome: str) -> ColumnElement[int]:
    return func.count(case((DeliveryItem.outcome == outcome, DeliveryItem.id)))


async def partner_activity(session: AsyncSession, filters: Filters) -> list[PartnerActivity]:
    """Deliveries and badges received per partner, with their outcomes (about badges).

    Every partner is listed, those that delivered nothing in the period with 0: a
    partner that stopped sending is a finding too."""
    query = (
        select(
            Partner.id,
            Partner.name,
            func.count(Delivery.id.distinct()),
            func.count(DeliveryItem.id),
            _count_outcome("accepted"),
            _count_outcome("duplicate"),
            _count_outcome("rejected"),
            _count_outcome("failed"),
        )
        .select_from(Partner)
        .outerjoin(
            Delivery,
            and_(Delivery.partner_id == Partner.id, *_in_period(Delivery.received_at, filters)),
        )
        .outerjoin(DeliveryItem, DeliveryItem.delivery_id == Delivery.id)
        .group_by(Partner.id, Partner.name)
        .order_by(Partner.name)
    )
    return [PartnerActivity(*row) for row in (await session.execute(query)).all()]


async def refusals_by_partner(
    session: AsyncSession, filters: Filters
) -> dict[tuple[str, str], int]:
    """Distinct people whose badge a partner sent was refused, per (partner, reason)."""
    dialect = _dialect(session)
    reasons = dialect.elements(DeliveryItem.reasons)
    code = _reason_key(dialect, reasons)
    query = (
        select(Partner.name, code, func.count(_person().distinct()))
        .select_from(DeliveryItem)
        .join(Delivery, Delivery.id == DeliveryItem.delivery_id)
        .join(Partner, Partner.id == Delivery.partner_id)
        .join(reasons, literal(True))
        .where(DeliveryItem.outcome == "rejected", *_in_period(Delivery.received_at, filters))
        .group_by(Partner.id, Partner.name, code)
        .order_by(Partner.name, code)
    )
    return {(name, c): n for name, c, n in (await session.execute(query)).all()}


async def claims_by_outcome(session: AsyncSession, filters: Filters) -> dict[str, int]:
    """Distinct people per outcome of the badges they claimed (``refused:<code>`` for
    each reason of a refusal)."""
    dialect = _dialect(session)
    base = (
        select(DeliveryItem.outcome, func.count(_person().distinct()))
        .select_from(DeliveryItem)
        .join(Delivery, Delivery.id == DeliveryItem.delivery_id)
        .where(
            Delivery.channel == "claim",
            DeliveryItem.outcome != "rejected",
            *_in_period(Delivery.received_at, filters),
        )
        .group_by(DeliveryItem.outcome)
    )
    found = dict((await session.execute(base)).all())
    reasons = dialect.elements(DeliveryItem.reasons)
    code = _reason_key(dialect, reasons)
    refused = (
        select(code, func.count(_person().distinct()))
        .select_from(DeliveryItem)
        .join(Delivery, Delivery.id == DeliveryItem.delivery_id)
        .join(reasons, literal(True))
        .where(
            Delivery.channel == "claim",
            DeliveryItem.outcome == "rejected",
            *_in_period(Delivery.received_at, filters),
        )
        .group_by(code)
        .order_by(code)
    )
    found.update({f"refused:{c}": n for c, n in (await session.execute(refused)).all()})
    return found
