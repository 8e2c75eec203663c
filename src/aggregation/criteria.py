"""The criteria of a regional badge in plain words, generated from its rule.

Rules are data: a new badge of the référentiel gets its words from its rule, never
from text written for it. Every word comes from the message catalogue
(:mod:`obhub_i18n`); the names of competencies, levels and badges come from the
référentiel, in the reader's language (French when the référentiel has no other).

:func:`criteria` gives a :class:`Criteria`: a lead ("Awarded automatically to a
person who holds:") and one :class:`Criterion` per condition, each with its
sub-conditions for ``all`` / ``any``. Two shapes read better than the rule's
literal form and are recognised:

* ``all`` of ``badges`` conditions on one competency, one of them the count and the
  others a level among them: "at least 3 recognised partner badges in “Organising”,
  at least 1 of them at level “I master”, from at least 2 different organisations";
* ``n_of`` regional badges all of one level, one per competency: "level “I master” in
  at least 3 of the 4 competencies: Organising, Adapting, …".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from aggregation.model import AchievementRef, Level, Text
from aggregation.referential import Achievement, Referential
from aggregation.rules import (
    AllOf,
    AnyOf,
    BadgesCondition,
    Condition,
    Duration,
    NOfCondition,
    RegionalCondition,
)
from obhub_i18n import N_, Language, gettext, ngettext

__all__ = [
    "Criteria",
    "Criterion",
    "counting_conditions",
    "counts_toward",
    "criteria",
    "duration_words",
    "quoted",
]

LEAD: Final = N_("Awarded automatically to a person who holds:")
QUOTE: Final = N_("“{text}”")
LIST_SEPARATOR: Final = N_(", ")
ALL_OF: Final = N_("all of the following:")
ANY_OF: Final = N_("at least one of the following:")
LEVEL: Final = N_("at level {level}")
MIN_LEVEL: Final = N_("at level {level} or above")
WITHIN: Final = N_("earned within the last {period}")
OF_WHICH: Final = N_("at least {count} of them {level}")
AND: Final = N_("{first} and {last}")


# Messages with a plural: each written out in its ngettext call, where extraction finds
# both forms.


def _partner_badges(lang: Language, count: int) -> str:
    text = ngettext(
        lang,
        "at least {count} recognised partner badge",
        "at least {count} recognised partner badges",
        count,
    )
    return text.format(count=count)


def _partner_badges_in(lang: Language, count: int, competency: str) -> str:
    text = ngettext(
        lang,
        "at least {count} recognised partner badge in {competency}",
        "at least {count} recognised partner badges in {competency}",
        count,
    )
    return text.format(count=count, competency=competency)


def _among(lang: Language, count: int) -> str:
    text = ngettext(
        lang,
        "among {count} designated partner badge",
        "among {count} designated partner badges",
        count,
    )
    return text.format(count=count)


def _issuers(lang: Language, count: int) -> str:
    text = ngettext(
        lang,
        "from at least {count} different organisation",
        "from at least {count} different organisations",
        count,
    )
    return text.format(count=count)


def _regional(lang: Language, count: int, names: str) -> str:
    text = ngettext(lang, "the regional badge {names}", "the regional badges {names}", count)
    return text.format(names=names)


def _n_of_badges(lang: Language, n: int, count: int, names: str) -> str:
    text = ngettext(
        lang,
        "at least {n} of this regional badge: {names}",
        "at least {n} of these {count} regional badges: {names}",
        count,
    )
    return text.format(n=n, count=count, names=names)


def _n_of_competencies(lang: Language, level: str, n: int, count: int, names: str) -> str:
    text = ngettext(
        lang,
        "level {level} in at least {n} competency: {names}",
        "level {level} in at least {n} of the {count} competencies: {names}",
        count,
    )
    return text.format(level=level, n=n, count=count, names=names)


def _unit(lang: Language, index: int, count: int) -> str:
    if index == 0:
        text = ngettext(lang, "{count} year", "{count} years", count)
    elif index == 1:
        text = ngettext(lang, "{count} month", "{count} months", count)
    elif index == 2:
        text = ngettext(lang, "{count} week", "{count} weeks", count)
    else:
        text = ngettext(lang, "{count} day", "{count} days", count)
    return text.format(count=count)


@dataclass(frozen=True, slots=True)
class Criterion:
    """One condition in words, with its sub-conditions (``all`` / ``any``)."""

    text: str
    parts: tuple[Criterion, ...] = ()


@dataclass(frozen=True, slots=True)
class Criteria:
    """What a person must hold to be awarded a regional badge."""

    lead: str
    items: tuple[Criterion, ...]

    def plain(self) -> str:
        """Everything on one line (for a summary or a test)."""
        return " ".join([self.lead, *(_flat(item) for item in self.items)])


def _flat(item: Criterion) -> str:
    if not item.parts:
        return item.text
    return " ".join([item.text, *(_flat(part) for part in item.parts)])


def criteria(referential: Referential, achievement: Achievement, lang: Language) -> Criteria:
    """The criteria of ``achievement`` in plain words, in ``lang``."""
    words = _Words(referential, lang)
    rule = achievement.rule
    if isinstance(rule, AllOf) and words.merged(rule) is None:
        items = tuple(words.condition(part) for part in rule.conditions)
    else:
        items = (words.condition(rule),)
    return Criteria(gettext(lang, LEAD), items)


def quoted(lang: Language, text: str) -> str:
    """``text`` between the quotation marks of ``lang`` (« … » in French)."""
    return _format(gettext(lang, QUOTE), text=text)


def duration_words(lang: Language, duration: Duration) -> str:
    """``3 ans``, ``1 an et 6 mois`` / ``3 years``, ``1 year and 6 months``."""
    values = (duration.years, duration.months, duration.weeks, duration.days)
    parts = [_unit(lang, index, value) for index, value in enumerate(values) if value]
    if not parts:
        return _unit(lang, 3, 0)
    if len(parts) == 1:
        return parts[0]
    separator = gettext(lang, LIST_SEPARATOR)
    return _format(gettext(lang, AND), first=separator.join(parts[:-1]), last=parts[-1])


def _format(template: str, **values: object) -> str:
    return template.format(**values)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Words:
    def __init__(self, referential: Referential, lang: Language) -> None:
        self.referential = referential
        self.lang = lang

    def text(self, value: Text) -> str:
        return value.get(self.lang)

    def quoted(self, value: Text) -> str:
        return quoted(self.lang, self.text(value))

    def joined(self, parts: Sequence[str]) -> str:
        return gettext(self.lang, LIST_SEPARATOR).join(parts)

    def condition(self, condition: Condition) -> Criterion:
        if isinstance(condition, BadgesCondition):
            return Criterion(_capitalised(self.badges(condition)))
        if isinstance(condition, AllOf):
            merged = self.merged(condition)
            if merged is not None:
                return Criterion(_capitalised(merged))
            return Criterion(
                _capitalised(gettext(self.lang, ALL_OF)),
                tuple(self.condition(part) for part in condition.conditions),
            )
        if isinstance(condition, AnyOf):
            return Criterion(
                _capitalised(gettext(self.lang, ANY_OF)),
                tuple(self.condition(part) for part in condition.conditions),
            )
        if isinstance(condition, RegionalCondition):
            names = self.names(condition.achievements)
            return Criterion(_capitalised(_regional(self.lang, len(condition.achievements), names)))
        return Criterion(_capitalised(self.n_of(condition)))

    def names(self, refs: Sequence[AchievementRef]) -> str:
        return self.joined([self.quoted(ref.name) for ref in refs])

    def level(self, condition: BadgesCondition) -> str | None:
        if condition.level is not None:
            return _format(gettext(self.lang, LEVEL), level=self.quoted(condition.level.name))
        if condition.min_level is not None:
            return _format(
                gettext(self.lang, MIN_LEVEL), level=self.quoted(condition.min_level.name)
            )
        return None

    def count(self, condition: BadgesCondition) -> str:
        if condition.competency is None:
            return _partner_badges(self.lang, condition.min_count)
        competency = self.quoted(condition.competency.name)
        return _partner_badges_in(self.lang, condition.min_count, competency)

    def qualifiers(self, condition: BadgesCondition) -> list[str]:
        """What narrows the badges counted: designated badges, a window."""
        parts: list[str] = []
        if condition.achievements:
            parts.append(_among(self.lang, len(condition.achievements)))
        if condition.within is not None:
            period = duration_words(self.lang, condition.within)
            parts.append(_format(gettext(self.lang, WITHIN), period=period))
        return parts

    def issuers(self, count: int) -> list[str]:
        return [_issuers(self.lang, count)] if count > 1 else []

    def badges(self, condition: BadgesCondition) -> str:
        head = self.count(condition)
        level = self.level(condition)
        if level is not None:
            head = f"{head} {level}"
        parts = [head, *self.qualifiers(condition), *self.issuers(condition.min_issuers)]
        return self.joined(parts)

    def merged(self, condition: AllOf) -> str | None:
        """One sentence for "N badges in a competency, M of them at a level", if it is one."""
        parts = condition.conditions
        if len(parts) < 2 or not all(isinstance(part, BadgesCondition) for part in parts):
            return None
        badges = [part for part in parts if isinstance(part, BadgesCondition)]
        counts = [part for part in badges if part.level is None and part.min_level is None]
        if len(counts) != 1:
            return None
        main = counts[0]
        subsets = [part for part in badges if part is not main]
        for part in subsets:
            if (
                part.competency != main.competency
                or part.achievements != main.achievements
                or part.within != main.within
                or part.min_count > main.min_count
            ):
                return None
        text = self.count(main)
        pieces = [text, *self.qualifiers(main)]
        for part in subsets:
            level = self.level(part)
            if level is not None:
                pieces.append(
                    _format(gettext(self.lang, OF_WHICH), count=part.min_count, level=level)
                )
        issuers = max(part.min_issuers for part in badges)
        pieces.extend(self.issuers(issuers))
        return self.joined(pieces)

    def n_of(self, condition: NOfCondition) -> str:
        targets = [self.referential.achievement(ref.code) for ref in condition.of]
        levels: set[Level | None] = {target.level for target in targets}
        competencies = [target.competency for target in targets]
        level = next(iter(levels)) if len(levels) == 1 else None
        one_per_competency = all(c is not None for c in competencies) and len(
            {c.code for c in competencies if c is not None}
        ) == len(competencies)
        if level is not None and one_per_competency:
            names = self.joined([self.text(c.name) for c in competencies if c is not None])
            level_name = self.quoted(level.name)
            return _n_of_competencies(self.lang, level_name, condition.n, len(targets), names)
        return _n_of_badges(self.lang, condition.n, len(targets), self.names(condition.of))


def counting_conditions(referential: Referential, code: str) -> tuple[BadgesCondition, ...]:
    """The ``badges`` conditions whose partner badges count toward regional badge ``code``:
    those of its rule and, through ``regional`` and ``n_of``, of the regional badges it
    needs (each regional badge visited once)."""
    found: list[BadgesCondition] = []
    seen: set[str] = set()

    def visit(condition: Condition) -> None:
        if isinstance(condition, BadgesCondition):
            found.append(condition)
        elif isinstance(condition, AllOf | AnyOf):
            for part in condition.conditions:
                visit(part)
        else:
            refs = (
                condition.achievements if isinstance(condition, RegionalCondition) else condition.of
            )
            for ref in refs:
                needed(ref.code)

    def needed(needed_code: str) -> None:
        if needed_code in seen:
            return
        seen.add(needed_code)
        visit(referential.achievement(needed_code).rule)

    needed(code)
    return tuple(found)


def counts_toward(
    referential: Referential,
    conditions: Sequence[BadgesCondition],
    *,
    achievement_id: str,
    competency: str,
    level: str,
) -> bool:
    """Whether a partner achievement recognised in ``competency`` at ``level`` (an
    approved mapping) meets one of ``conditions``."""
    found = referential.find_level(level)
    rank = found.rank if found is not None else 0
    for condition in conditions:
        if condition.competency is not None and condition.competency.code != competency:
            continue
        if condition.achievements and achievement_id not in condition.achievements:
            continue
        if condition.level is not None and condition.level.code != level:
            continue
        if condition.min_level is not None and rank < condition.min_level.rank:
            continue
        return True
    return False
