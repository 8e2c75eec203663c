"""Simulating a draft référentiel on the data of the day, then publishing it from there.

A simulation evaluates every learner under the draft exactly as the evaluation job
does after a publication (:mod:`issuer_api.regional.flows`: cascade until stable with
the configured policy, then mint what is newly satisfied), through the same decision
code, but the steps that write — suspend, restore, claim an award, sign — only change
the run's view of the awards. Nothing is minted, suspended, notified or queued.

Per regional badge it counts the learners who would **gain** it (not active before,
active after: minted, re-minted or restored), **lose** it (active before, suspended or
revoked after) or **keep** it (active before and after), with a few pseudonymous
learner ids as examples (never an email or a name).

The result is stored (:class:`~issuer_api.models.ReferentialSimulation`) with the
draft's canonical document and digest and ``data_state``: a digest of everything the
evaluation reads (partner badges with their status and end of validity, awards,
approved mappings, partners' states, learners, the active version, the cascade policy
and the day). :func:`publish` refuses a simulation whose data changed since
(:class:`SimulationOutdatedError`), and one that would withdraw badges unless the
number of badges lost is confirmed (:class:`LossesNotConfirmedError`); it then goes
through :func:`issuer_api.regional.service.load`, as ``PUT /referential`` does (the
learners are re-evaluated by the jobs: awards and suspensions follow).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation.referential import Referential
from aggregation.rules import AchievementResult
from issuer_api.audit import add_audit_event
from issuer_api.models import (
    AchievementMapping,
    Learner,
    Partner,
    PartnerBadge,
    ReferentialSimulation,
    ReferentialVersion,
    RegionalAward,
)
from issuer_api.models.base import new_id
from issuer_api.regional import repository, service
from issuer_api.regional.flows import Outcome, _Award, _Run
from issuer_api.settings import Settings

SIMULATION_TARGET: Final = "referential_simulation"
EXAMPLES: Final = 5
PAGE: Final = 500
SIMULATED_LEARNER: Final = repository.LockedLearner(language=None, notify_email=False)
"""A simulation sends nothing: the learner's email choices do not matter."""
DRAFT_ID: Final = "draft"


class SimulationError(Exception):
    """Why the console cannot go on with a simulation (``code``: machine-readable)."""

    code: str = "simulation_error"


class SimulationNotFoundError(SimulationError):
    code = "simulation_not_found"


class SimulationOutdatedError(SimulationError):
    """The data (or the active version) changed since the simulation: simulate again."""

    code = "simulation_outdated"


class SimulationPublishedError(SimulationError):
    code = "simulation_already_published"


class LossesNotConfirmedError(SimulationError):
    """Badges would be lost and the number lost was not confirmed."""

    code = "losses_not_confirmed"


# --------------------------------------------------------------------------- data state


async def data_state(session: AsyncSession, settings: Settings, now: datetime) -> str:
    """A digest of everything an evaluation of every learner reads, and the day."""
    digest = hashlib.sha256()

    def feed(*values: object) -> None:
        digest.update(("\x1f".join("" if v is None else str(v) for v in values) + "\x1e").encode())

    active = await repository.active_version(session)
    feed("version", active.digest if active is not None else None, now.date().isoformat())
    feed("policy", service.cascade_policy(settings))
    for row in await session.execute(select(Learner.id).order_by(Learner.id)):
        feed("learner", row.id)
    badges = select(
        PartnerBadge.id,
        PartnerBadge.learner_id,
        PartnerBadge.status,
        PartnerBadge.valid_until,
        PartnerBadge.partner_id,
    ).order_by(PartnerBadge.id)
    for badge in await session.execute(badges):
        feed("badge", *badge)
    awards = select(
        RegionalAward.id,
        RegionalAward.learner_id,
        RegionalAward.achievement_code,
        RegionalAward.state,
    ).order_by(RegionalAward.id)
    for award in await session.execute(awards):
        feed("award", *award)
    mappings = (
        select(AchievementMapping.id)
        .where(AchievementMapping.state == "approved")
        .order_by(AchievementMapping.id)
    )
    for row in await session.execute(mappings):
        feed("mapping", row.id)
    partners = select(Partner.id, Partner.state).order_by(Partner.id)
    for partner in await session.execute(partners):
        feed("partner", *partner)
    return digest.hexdigest()


# --------------------------------------------------------------------------- one learner


@dataclass
class _Simulated(_Run):
    """An evaluation run whose writing steps only change its view of the awards."""

    async def lost(self, award: _Award) -> bool:
        if self.policy == "keep":
            if not award.explanation.get("unsupported_since"):
                award.explanation["unsupported_since"] = self.now.isoformat()
                self.outcome.unsupported.append(award.code)
            return False
        target = "revoked" if self.policy == "revoke" else "suspended"
        award.state = target
        (self.outcome.revoked if target == "revoked" else self.outcome.suspended).append(award.code)
        return True

    async def supported_again(self, award: _Award) -> None:
        award.explanation.pop("unsupported_since", None)

    async def restore(self, award: _Award) -> bool:
        award.state = "active"
        self.outcome.restored.append(award.code)
        return True

    async def mint_new(self, achieved: AchievementResult) -> None:
        award = _Award(new_id(), achieved.code, "active", None, [], {})
        self.awards[award.code] = award
        self.outcome.minted.append(award.code)

    async def mint_again(self, award: _Award, achieved: AchievementResult) -> None:
        award.state = "active"
        self.outcome.minted.append(award.code)


# --------------------------------------------------------------------------- tally


@dataclass
class _Tally:
    gain: int = 0
    lose: int = 0
    keep: int = 0
    examples: dict[str, list[str]] = field(
        default_factory=lambda: {"gain": [], "lose": [], "keep": []}
    )

    def add(self, kind: str, learner_id: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples[kind]) < EXAMPLES:
            self.examples[kind].append(learner_id)


def _codes(referential: Referential, seen: Iterable[str]) -> list[str]:
    ordered = [achievement.code for achievement in referential.achievements]
    return ordered + sorted(set(seen) - set(ordered))


async def run(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    referential: Referential,
    *,
    now: datetime,
) -> dict[str, Any]:
    """What publishing ``referential`` would change for every learner (writes nothing)."""
    active = await service.active_referential(session, settings, kek)
    draft_version = ReferentialVersion(
        id=DRAFT_ID,
        number=active.version.number + 1,
        code=referential.code,
        version=referential.version,
        digest=referential.digest(),
        document=referential.to_document(),
        active=False,
    )
    draft = service.Active(draft_version, referential)
    policy = service.cascade_policy(settings)
    tallies: dict[str, _Tally] = {}
    learners = 0
    after: str | None = None
    while True:
        page = await repository.learner_ids_after(session, after, PAGE)
        for learner_id in page:
            learners += 1
            state = await service.snapshot(session, draft, learner_id)
            before = state.active_codes()
            simulated = _Simulated(
                session=session,
                settings=settings,
                kek=kek,
                state=state,
                learner=SIMULATED_LEARNER,
                now=now,
                policy=policy,
                outcome=Outcome(learner_id),
            )
            await simulated.cascade()
            await simulated.mint()
            after_codes = simulated.held()
            for code in before | after_codes:
                kind = (
                    "keep"
                    if code in before and code in after_codes
                    else "lose"
                    if code in before
                    else "gain"
                )
                tallies.setdefault(code, _Tally()).add(kind, learner_id)
        if len(page) < PAGE:
            break
        after = page[-1]
    badges = []
    for code in _codes(referential, tallies):
        tally = tallies.get(code, _Tally())
        try:
            name = referential.achievement(code).name.to_dict()
        except KeyError:
            name = {"fr": code, "en": code}
        badges.append(
            {
                "code": code,
                "name": name,
                "in_draft": code in {a.code for a in referential.achievements},
                "gain": tally.gain,
                "lose": tally.lose,
                "keep": tally.keep,
                "examples": tally.examples,
            }
        )
    return {
        "learners": learners,
        "at": now.isoformat(),
        "badges": badges,
        "gained": sum(b["gain"] for b in badges),
        "lost": sum(b["lose"] for b in badges),
    }


async def simulate(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    referential: Referential,
    *,
    actor: str,
) -> ReferentialSimulation:
    """Simulate ``referential`` on today's data and store the simulation (audited)."""
    now = service.now_utc()
    active = await service.active_referential(session, settings, kek)
    state = await data_state(session, settings, now)
    result = await run(session, settings, kek, referential, now=now)
    row = ReferentialSimulation(
        id=new_id(),
        digest=referential.digest(),
        code=referential.code[:64],
        version=referential.version[:64],
        document=referential.to_document(),
        base_number=active.version.number,
        data_state=state,
        policy=service.cascade_policy(settings),
        result=result,
        created_by=actor[:64],
        created_at=now,
    )
    session.add(row)
    add_audit_event(
        session,
        actor=actor,
        action="referential.simulated",
        target_type=SIMULATION_TARGET,
        target_id=row.id,
        data={
            "digest": row.digest,
            "code": row.code,
            "version": row.version,
            "base_number": row.base_number,
            "learners": result["learners"],
            "gained": result["gained"],
            "lost": result["lost"],
        },
    )
    await session.flush()
    return row


async def get(session: AsyncSession, simulation_id: str) -> ReferentialSimulation:
    found = await session.get(ReferentialSimulation, simulation_id)
    if found is None:
        raise SimulationNotFoundError()
    return found


async def recent(session: AsyncSession, limit: int = 10) -> list[ReferentialSimulation]:
    rows = await session.scalars(
        select(ReferentialSimulation)
        .order_by(ReferentialSimulation.created_at.desc(), ReferentialSimulation.id)
        .limit(limit)
    )
    return list(rows)


def draft_of(simulation: ReferentialSimulation) -> Referential:
    """The draft exactly as simulated (its stored canonical document)."""
    return service.read_inline(simulation.document)


async def is_current(
    session: AsyncSession, settings: Settings, simulation: ReferentialSimulation
) -> bool:
    """The data is still the data the simulation ran on (and it is still today)."""
    state = await data_state(session, settings, service.now_utc())
    return state == simulation.data_state


async def publish(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    simulation_id: str,
    *,
    actor: str,
    confirmed_losses: int | None,
) -> service.Loaded:
    """Publish the draft of a current simulation (the losses confirmed if any)."""
    simulation = await get(session, simulation_id)
    if simulation.published_at is not None:
        raise SimulationPublishedError()
    if not await is_current(session, settings, simulation):
        raise SimulationOutdatedError()
    lost = int(simulation.result.get("lost", 0))
    if lost > 0 and confirmed_losses != lost:
        raise LossesNotConfirmedError()
    referential = draft_of(simulation)
    if referential.digest() != simulation.digest:  # pragma: no cover - stored canonical
        raise SimulationOutdatedError()
    loaded = await service.load(session, settings, kek, referential, actor=actor)
    simulation.published_at = service.now_utc()
    simulation.published_number = loaded.version.number
    add_audit_event(
        session,
        actor=actor,
        action="referential.published",
        target_type=SIMULATION_TARGET,
        target_id=simulation.id,
        data={
            "number": loaded.version.number,
            "digest": simulation.digest,
            "changed": loaded.changed,
            "gained": simulation.result.get("gained", 0),
            "lost": lost,
            "confirmed_losses": confirmed_losses,
        },
    )
    await session.flush()
    return loaded
