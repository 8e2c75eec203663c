"""A learner's progress per competency: the data behind ``GET /learners/{id}/progress``.

:func:`progress` reads an evaluation :class:`~aggregation.rules.Result` and gives, for
each competency of the référentiel (declaration order): the highest level awarded, the
partner badges that count in the competency, the regional badges of its ladder and
what is missing for the next level. Regional badges certifying no competency (the
general badge) are listed apart with what they lack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aggregation.model import Competency, Level
from aggregation.rules import Missing, Result, fact_status

__all__ = ["AchievementProgress", "CompetencyProgress", "Progress", "progress"]


@dataclass(frozen=True, slots=True)
class AchievementProgress:
    """One regional badge as the learner stands: awarded? what is missing?"""

    code: str
    level: Level | None
    satisfied: bool
    held: bool
    missing: tuple[Missing, ...]

    @property
    def awarded(self) -> bool:
        return self.satisfied or self.held

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "level": self.level.code if self.level else None,
            "awarded": self.awarded,
            "held": self.held,
            "missing": [missing.to_dict() for missing in self.missing],
        }


@dataclass(frozen=True, slots=True)
class CompetencyProgress:
    """Where the learner stands in one competency.

    ``level`` / ``achievement``: the highest level awarded and its regional badge
    (``None``: none yet). ``counted``: ids of the partner badges that count in the
    competency now (most recent first); ``counts``: how many per level code.
    ``next_level`` / ``next_achievement`` / ``missing``: the next rung of the ladder
    and what it lacks (``None`` and empty at the top). ``steps``: every regional badge
    of the competency, by level.
    """

    competency: Competency
    level: Level | None
    achievement: str | None
    counted: tuple[str, ...]
    counts: tuple[tuple[str, int], ...]
    next_level: Level | None
    next_achievement: str | None
    missing: tuple[Missing, ...]
    steps: tuple[AchievementProgress, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "competency": self.competency.code,
            "name": self.competency.name.to_dict(),
            "uri": self.competency.uri,
            "level": self.level.code if self.level else None,
            "level_name": self.level.name.to_dict() if self.level else None,
            "achievement": self.achievement,
            "counted": list(self.counted),
            "counts": dict(self.counts),
            "next_level": self.next_level.code if self.next_level else None,
            "next_achievement": self.next_achievement,
            "missing": [missing.to_dict() for missing in self.missing],
            "steps": [step.to_dict() for step in self.steps],
        }


@dataclass(frozen=True, slots=True)
class Progress:
    """Progress in every competency, plus the badges that certify none (``others``)."""

    referential_code: str
    referential_version: str
    competencies: tuple[CompetencyProgress, ...]
    others: tuple[AchievementProgress, ...]

    def competency(self, code: str) -> CompetencyProgress:
        """The progress in competency ``code`` (:class:`KeyError` if unknown)."""
        for item in self.competencies:
            if item.competency.code == code:
                return item
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "referential": {"code": self.referential_code, "version": self.referential_version},
            "competencies": [item.to_dict() for item in self.competencies],
            "others": [item.to_dict() for item in self.others],
        }


def progress(result: Result) -> Progress:
    """Per-competency progress from an evaluation result."""
    ref = result.referential
    counted: dict[str, list[str]] = {c.code: [] for c in ref.competencies}
    counts: dict[str, dict[str, int]] = {c.code: {} for c in ref.competencies}
    seen: set[tuple[str, str, str]] = set()
    for fact in result.facts:  # most recent first
        if fact_status(fact, result.now) is not None:
            continue
        pairs = result.classification.get(fact.id, frozenset())
        for code in sorted({pair.competency for pair in pairs}):
            key = (code, fact.issuer_id, fact.achievement_id)
            if key in seen:
                continue
            seen.add(key)
            counted[code].append(fact.id)
            for pair in pairs:
                if pair.competency == code:
                    per_level = counts[code]
                    per_level[pair.level] = per_level.get(pair.level, 0) + 1

    def step(code: str) -> AchievementProgress:
        outcome = result.get(code)
        return AchievementProgress(
            code, outcome.achievement.level, outcome.satisfied, outcome.held, outcome.missing
        )

    items = []
    for competency in ref.competencies:
        steps = tuple(step(a.code) for a in ref.achievements_for(competency.code))
        reached = [s for s in steps if s.awarded]
        top = reached[-1] if reached else None
        above = [s for s in steps if not s.awarded and (top is None or _rank(s) > _rank(top))]
        following = above[0] if above else None
        items.append(
            CompetencyProgress(
                competency=competency,
                level=top.level if top else None,
                achievement=top.code if top else None,
                counted=tuple(counted[competency.code]),
                counts=tuple(
                    (level.code, counts[competency.code].get(level.code, 0)) for level in ref.levels
                ),
                next_level=following.level if following else None,
                next_achievement=following.code if following else None,
                missing=following.missing if following else (),
                steps=steps,
            )
        )
    others = tuple(step(a.code) for a in ref.achievements if a.competency is None)
    return Progress(ref.code, ref.version, tuple(items), others)


def _rank(step: AchievementProgress) -> int:
    return step.level.rank if step.level else 0
