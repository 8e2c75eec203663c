"""The rule language of regional badges, and its evaluation.

Rules are declared in the référentiel (data, never code). A rule is one of:

``all: [rule, …]``
    every sub-rule holds.
``any: [rule, …]``
    at least one sub-rule holds.
``badges: {competency, level | min_level, min_count, min_issuers, within, achievements}``
    the learner holds at least ``min_count`` (default 1) partner badges that count for
    ``competency`` - at exactly ``level``, at ``min_level`` or above, or at any level
    when neither is given - from at least ``min_issuers`` (default 1) distinct issuing
    organisations, issued within the ``within`` window (ISO 8601 duration such as
    ``P3Y``, ``P18M``, ``P90D``, measured back from ``now``), and, if
    ``achievements`` lists partner achievement ids, among those only (then
    ``competency`` may be left out).
``regional: [code, …]``
    the learner holds every one of these regional badges.
``n_of: {n, of: [code, …]}``
    the learner holds at least ``n`` of these regional badges.

What counts
===========

A partner badge counts if it is ``active``, not expired at ``now`` and not issued after
``now``. The same partner achievement from the same issuer counts once (its most recent
credential): being awarded the same badge twice is not two badges. Badges that would
have counted but do not are listed in the explanation with the reason (``inactive``,
``expired``, ``not_yet_valid``, ``outside_window``, ``duplicate``).

Evaluation
==========

:func:`evaluate` evaluates every regional achievement in dependency order
(:meth:`~aggregation.referential.Referential.evaluation_order`): ``regional`` and
``n_of`` conditions see the badges awarded earlier in the same evaluation and the badges
the learner already ``held``. ``implies`` is closed transitively: when ``ORG-II`` is
awarded, ``ORG-I`` is too (``reason="implied_by"``).

Counted badges are minimal and deterministic: the most recent first (ties by id), and
within an ``all`` the badges chosen by one condition are preferred by the others, so
"3 badges, one of them at level II" counts 3 badges, not 4.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, NamedTuple, TypeAlias

from aggregation.classify import AchievementMapping, BadgeFact, Classifier, CompetencyLevel
from aggregation.model import AchievementRef, Competency, Lang, Level
from aggregation.wording import Say, say, say_plural
from obhub_i18n import N_, Language

if TYPE_CHECKING:
    from aggregation.referential import Achievement, Referential

__all__ = [
    "AchievementResult",
    "AllOf",
    "AnyOf",
    "BadgesCondition",
    "Condition",
    "Duration",
    "Explanation",
    "IgnoredBadge",
    "Missing",
    "NOfCondition",
    "RegionalCondition",
    "Result",
    "evaluate",
    "fact_status",
]

_DURATION: Final = re.compile(r"P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?", re.ASCII)


def _language(lang: Lang | str) -> Language:
    """The language a text is said in: English when asked, French otherwise."""
    return "en" if lang == "en" else "fr"


def _quoted(name: str) -> Say:
    """A name in the quotation marks of the language: ``« Organiser »``, ``“Organising”``."""
    return say(N_("“{name}”"), name=name)


# ---------------------------------------------------------------------------
# Durations
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Duration:
    """An ISO 8601 duration with date parts only: ``P3Y``, ``P18M``, ``P2W``, ``P1Y6M``."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``PnYnMnWnD`` (at least one part). Raises :class:`ValueError`."""
        match = _DURATION.fullmatch(text)
        if match is None:
            raise ValueError(f"not an ISO 8601 duration of years, months, weeks, days: {text!r}")
        years, months, weeks, days = (int(part) if part else 0 for part in match.groups())
        return cls(years, months, weeks, days)

    @property
    def is_zero(self) -> bool:
        return not (self.years or self.months or self.weeks or self.days)

    def iso(self) -> str:
        """The ISO 8601 form (``P0D`` when zero)."""
        parts = [
            f"{value}{unit}"
            for value, unit in (
                (self.years, "Y"),
                (self.months, "M"),
                (self.weeks, "W"),
                (self.days, "D"),
            )
            if value
        ]
        return "P" + ("".join(parts) or "0D")

    def __str__(self) -> str:
        return self.iso()

    def before(self, moment: datetime) -> datetime:
        """``moment`` minus this duration, in calendar terms (31 March - P1M = 28/29 Feb)."""
        lowest = datetime.min.replace(tzinfo=moment.tzinfo)
        months = moment.year * 12 + moment.month - 1 - (self.years * 12 + self.months)
        year, month0 = divmod(months, 12)
        if year < 1:
            return lowest
        day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
        shifted = moment.replace(year=year, month=month0 + 1, day=day)
        try:
            return shifted - timedelta(weeks=self.weeks, days=self.days)
        except OverflowError:
            return lowest

    def describe(self, lang: Lang | str = "fr") -> str:
        """Human form: ``3 ans``, ``1 an et 6 mois`` / ``3 years``, ``1 year and 6 months``."""
        language = _language(lang)
        parts = [
            part(language)
            for value, part in (
                (self.years, say_plural("{n} year", "{n} years", self.years)),
                (self.months, say_plural("{n} month", "{n} months", self.months)),
                (self.weeks, say_plural("{n} week", "{n} weeks", self.weeks)),
                (self.days, say_plural("{n} day", "{n} days", self.days)),
            )
            if value
        ]
        if not parts:
            return say(N_("0 days"))(language)
        if len(parts) == 1:
            return parts[0]
        return say(N_("{parts} and {last}"), parts=", ".join(parts[:-1]), last=parts[-1])(language)


# ---------------------------------------------------------------------------
# Conditions
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BadgesCondition:
    """``badges``: enough partner badges in a competency (see the module docstring)."""

    kind: ClassVar[str] = "badges"

    competency: Competency | None = None
    level: Level | None = None
    min_level: Level | None = None
    min_count: int = 1
    min_issuers: int = 1
    within: Duration | None = None
    achievements: tuple[str, ...] = ()

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        if self.competency is not None:
            doc["competency"] = self.competency.code
        if self.level is not None:
            doc["level"] = self.level.code
        if self.min_level is not None:
            doc["min_level"] = self.min_level.code
        doc["min_count"] = self.min_count
        doc["min_issuers"] = self.min_issuers
        if self.within is not None:
            doc["within"] = self.within.iso()
        if self.achievements:
            doc["achievements"] = list(self.achievements)
        return {"badges": doc}

    def scope(self, lang: Lang | str) -> str:
        """Which badges: `` en « Organiser » au niveau « Je maîtrise », obtenus …``."""
        parts: list[Say] = []
        if self.competency is not None:
            name = _quoted(self.competency.name.get(lang))
            parts.append(say(N_(" in {competency}"), competency=name))
        if self.level is not None:
            name = _quoted(self.level.name.get(lang))
            parts.append(say(N_(" at level {level}"), level=name))
        elif self.min_level is not None:
            name = _quoted(self.min_level.name.get(lang))
            parts.append(say(N_(" at level {level} or above"), level=name))
        if self.achievements:
            count = len(self.achievements)
            parts.append(
                say_plural(", among {n} designated badge", ", among {n} designated badges", count)
            )
        if self.within is not None:
            period = self.within.describe(lang)
            parts.append(say(N_(", earned within {period}"), period=period))
        language = _language(lang)
        return "".join(part(language) for part in parts)

    def describe(self, lang: Lang | str = "fr") -> str:
        language = _language(lang)
        scope = self.scope(lang)
        if self.min_issuers > 1:
            text = say_plural(
                "At least {n} partner badge{scope}, from at least {issuers} different "
                "organisations",
                "At least {n} partner badges{scope}, from at least {issuers} different "
                "organisations",
                self.min_count,
                scope=scope,
                issuers=self.min_issuers,
            )
        else:
            text = say_plural(
                "At least {n} partner badge{scope}",
                "At least {n} partner badges{scope}",
                self.min_count,
                scope=scope,
            )
        return text(language)

    def references(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class AllOf:
    """``all``: every sub-condition holds."""

    kind: ClassVar[str] = "all"

    conditions: tuple[Condition, ...]

    def to_document(self) -> dict[str, Any]:
        return {"all": [condition.to_document() for condition in self.conditions]}

    def describe(self, lang: Lang | str = "fr") -> str:
        return say(N_("All of the following"))(_language(lang))

    def references(self) -> tuple[str, ...]:
        return tuple(code for c in self.conditions for code in c.references())


@dataclass(frozen=True, slots=True)
class AnyOf:
    """``any``: at least one sub-condition holds."""

    kind: ClassVar[str] = "any"

    conditions: tuple[Condition, ...]

    def to_document(self) -> dict[str, Any]:
        return {"any": [condition.to_document() for condition in self.conditions]}

    def describe(self, lang: Lang | str = "fr") -> str:
        return say(N_("At least one of the following"))(_language(lang))

    def references(self) -> tuple[str, ...]:
        return tuple(code for c in self.conditions for code in c.references())


def _names(refs: Iterable[AchievementRef], lang: Lang | str) -> str:
    language = _language(lang)
    return ", ".join(_quoted(ref.name.get(lang))(language) for ref in refs)


@dataclass(frozen=True, slots=True)
class RegionalCondition:
    """``regional``: every listed regional badge is held (prerequisites)."""

    kind: ClassVar[str] = "regional"

    achievements: tuple[AchievementRef, ...]

    def to_document(self) -> dict[str, Any]:
        return {"regional": [ref.code for ref in self.achievements]}

    def describe(self, lang: Lang | str = "fr") -> str:
        text = say_plural(
            "Hold the regional badge {names}",
            "Hold the regional badges {names}",
            len(self.achievements),
            names=_names(self.achievements, lang),
        )
        return text(_language(lang))

    def references(self) -> tuple[str, ...]:
        return tuple(ref.code for ref in self.achievements)


@dataclass(frozen=True, slots=True)
class NOfCondition:
    """``n_of``: at least ``n`` of the listed regional badges are held."""

    kind: ClassVar[str] = "n_of"

    n: int
    of: tuple[AchievementRef, ...]

    def to_document(self) -> dict[str, Any]:
        return {"n_of": {"n": self.n, "of": [ref.code for ref in self.of]}}

    def describe(self, lang: Lang | str = "fr") -> str:
        text = say(
            N_("Hold at least {n} of the {count} regional badges {names}"),
            n=self.n,
            count=len(self.of),
            names=_names(self.of, lang),
        )
        return text(_language(lang))

    def references(self) -> tuple[str, ...]:
        return tuple(ref.code for ref in self.of)


Condition: TypeAlias = AllOf | AnyOf | BadgesCondition | RegionalCondition | NOfCondition
"""A rule or part of a rule."""


# ---------------------------------------------------------------------------
# Explanations
# ---------------------------------------------------------------------------

MissingCode = Literal["missing_badges", "missing_issuers", "missing_regional", "missing_n_of"]
IgnoredReason = Literal["inactive", "expired", "not_yet_valid", "outside_window", "duplicate"]


@dataclass(frozen=True, slots=True)
class Missing:
    """What a condition lacks: ``needed`` more badges, issuers, or regional badges.

    ``achievements`` lists the regional badges not held (``missing_regional``: all
    are required; ``missing_n_of``: ``needed`` of them are).
    """

    code: MissingCode
    needed: int
    condition: BadgesCondition | RegionalCondition | NOfCondition
    achievements: tuple[AchievementRef, ...] = ()

    def message(self, lang: Lang | str = "fr") -> str:
        """Human text in ``lang`` (French unless ``"en"``)."""
        k, language = self.needed, _language(lang)
        condition = self.condition
        if self.code == "missing_badges" and isinstance(condition, BadgesCondition):
            text = say_plural(
                "{n} more partner badge needed{scope}",
                "{n} more partner badges needed{scope}",
                k,
                scope=condition.scope(lang),
            )
            return text(language)
        if self.code == "missing_issuers" and isinstance(condition, BadgesCondition):
            text = say(
                N_("Badges from at least {total} different organisations needed{scope} ({n} more)"),
                total=condition.min_issuers,
                scope=condition.scope(lang),
                n=k,
            )
            return text(language)
        names = _names(self.achievements, lang)
        if self.code == "missing_regional":
            text = say_plural(
                "Missing regional badge: {names}",
                "Missing regional badges: {names}",
                k,
                names=names,
            )
            return text(language)
        text = say_plural(
            "{n} more regional badge needed among {names}",
            "{n} more regional badges needed among {names}",
            k,
            names=names,
        )
        return text(language)

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable form, e.g. ``{"code": "missing_badges", "needed": 1, …}``."""
        doc: dict[str, Any] = {"code": self.code, "needed": self.needed}
        condition = self.condition
        if isinstance(condition, BadgesCondition):
            doc.update(condition.to_document()["badges"])
            doc.pop("min_count")
            doc.pop("min_issuers")
        else:
            doc["achievements"] = [ref.code for ref in self.achievements]
        doc["message"] = {"fr": self.message("fr"), "en": self.message("en")}
        return doc


@dataclass(frozen=True, slots=True)
class IgnoredBadge:
    """A partner badge that matched a condition but does not count, and why."""

    id: str
    reason: IgnoredReason
    status: str | None = None

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"id": self.id, "reason": self.reason}
        if self.status is not None:
            doc["status"] = self.status
        return doc


@dataclass(frozen=True, slots=True)
class Explanation:
    """The evaluation of one condition: the tree mirrors the rule.

    ``counted`` are partner badge ids (most recent first; partial progress when not
    satisfied), ``counted_regional`` regional badge codes, ``missing`` what is lacking
    (for ``all``: every unsatisfied part; for ``any``: the closest alternative),
    ``ignored`` the badges that matched but do not count.
    """

    condition: Condition
    satisfied: bool
    counted: tuple[str, ...] = ()
    counted_regional: tuple[str, ...] = ()
    missing: tuple[Missing, ...] = ()
    ignored: tuple[IgnoredBadge, ...] = ()
    children: tuple[Explanation, ...] = ()

    def text(self, lang: Lang | str = "fr") -> str:
        """What the condition asks, in ``lang``."""
        return self.condition.describe(lang)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``condition`` (kind), ``satisfied``, ``text``, ``counted`` …"""
        doc: dict[str, Any] = {
            "condition": self.condition.kind,
            "satisfied": self.satisfied,
            "text": {"fr": self.text("fr"), "en": self.text("en")},
        }
        if not isinstance(self.condition, AllOf | AnyOf):
            doc["rule"] = self.condition.to_document()[self.condition.kind]
        doc["counted"] = list(self.counted)
        if self.counted_regional:
            doc["counted_regional"] = list(self.counted_regional)
        doc["missing"] = [missing.to_dict() for missing in self.missing]
        if self.ignored:
            doc["ignored"] = [ignored.to_dict() for ignored in self.ignored]
        if self.children:
            doc["children"] = [child.to_dict() for child in self.children]
        return doc


Reason = Literal["rule", "implied_by"]


@dataclass(frozen=True, slots=True)
class AchievementResult:
    """The outcome for one regional achievement.

    * ``satisfied``: its rule holds now, or an awarded achievement implies it
      (``reason`` says which; ``implied_by`` lists the implying codes).
    * ``held``: the learner already holds it (given to :func:`evaluate`).
    * ``counted``: the partner badge ids that justify it (the implying achievements'
      when only implied); when not satisfied, the badges that count so far.
      ``counted_regional``: the regional badges that justify it (``regional``/``n_of``).
    """

    achievement: Achievement
    satisfied: bool
    reason: Reason | None
    implied_by: tuple[str, ...]
    held: bool
    counted: tuple[str, ...]
    counted_regional: tuple[str, ...]
    explanation: Explanation

    @property
    def code(self) -> str:
        return self.achievement.code

    @property
    def awarded(self) -> bool:
        """Satisfied now or already held: counts as a prerequisite."""
        return self.satisfied or self.held

    @property
    def new(self) -> bool:
        """Satisfied and not yet held: a credential to mint."""
        return self.satisfied and not self.held

    @property
    def missing(self) -> tuple[Missing, ...]:
        """What is lacking (empty when satisfied)."""
        return () if self.satisfied else self.explanation.missing

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "satisfied": self.satisfied,
            "reason": self.reason,
            "implied_by": list(self.implied_by),
            "held": self.held,
            "new": self.new,
            "counted": list(self.counted),
            "counted_regional": list(self.counted_regional),
            "missing": [missing.to_dict() for missing in self.missing],
            "explanation": self.explanation.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Result:
    """The evaluation of one learner against a référentiel, at ``now``.

    ``achievements`` are in evaluation (dependency) order; ``classification`` maps every
    fact id to what it counts for; ``ignored_mappings`` are mappings naming a competency
    or level the référentiel does not know.
    """

    referential: Referential
    now: datetime
    facts: tuple[BadgeFact, ...]
    classification: Mapping[str, frozenset[CompetencyLevel]]
    achievements: tuple[AchievementResult, ...]
    ignored_mappings: tuple[AchievementMapping, ...] = ()
    _by_code: dict[str, AchievementResult] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {r.code: r for r in self.achievements})

    def get(self, code: str) -> AchievementResult:
        """The result for regional achievement ``code`` (:class:`KeyError` if unknown)."""
        return self._by_code[code]

    def __getitem__(self, code: str) -> AchievementResult:
        return self._by_code[code]

    @property
    def awarded(self) -> tuple[str, ...]:
        """Codes satisfied or held, in référentiel order."""
        return tuple(a.code for a in self.referential.achievements if self._by_code[a.code].awarded)

    @property
    def new(self) -> tuple[AchievementResult, ...]:
        """Results to mint (satisfied, not held), in evaluation order."""
        return tuple(r for r in self.achievements if r.new)

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the API."""
        ref = self.referential
        return {
            "referential": {"code": ref.code, "version": ref.version, "digest": ref.digest()},
            "now": self.now.isoformat(),
            "awarded": list(self.awarded),
            "new": [r.code for r in self.new],
            "achievements": [r.to_dict() for r in self.achievements],
        }


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def fact_status(fact: BadgeFact, now: datetime) -> IgnoredReason | None:
    """Why ``fact`` cannot count at ``now`` (``None``: it can)."""
    if not fact.active:
        return "inactive"
    if fact.expires is not None and fact.expires <= now:
        return "expired"
    if fact.issued_on > now:
        return "not_yet_valid"
    return None


_Row = tuple[BadgeFact, frozenset[str], int, int, int, "IgnoredBadge | None"]
"""One badge as a condition reads it, from :class:`_Index`: the badge, its levels and
top rank in the competency, its duplicate group (one number per issuer and partner
achievement), its place in recency order, and why it can never count at ``now``
(inactive, expired, not yet valid) or ``None``. A plain tuple: built for every badge."""


class _Pool(NamedTuple):
    """The badges that count for one ``badges`` condition, and those set aside."""

    counted: list[BadgeFact]
    ignored: tuple[IgnoredBadge, ...]
    organisations: int


_NO_LEVELS: Final[frozenset[str]] = frozenset()
_BY_ID: Final = attrgetter("id")
_BY_DATE: Final = attrgetter("issued_on")


@dataclass(slots=True)
class _Index:
    """The learner's badges, classified, grouped and indexed once per evaluation.

    Built in one pass over the badges (most recent first): each badge gets its
    duplicate group (same issuer, same partner achievement), why it cannot count at
    ``now`` if so, and a place in the list of every competency and every
    ``(competency, level)`` it counts for. A ``badges`` condition then reads only its
    own list (:meth:`pool`, cached per condition): the work is linear in the number
    of badges, whatever the number of conditions reading them.
    """

    now: datetime
    rows: list[_Row]
    by_competency: dict[str, list[_Row]]
    by_level: dict[tuple[str, str], list[_Row]]
    awarded: dict[str, bool] = field(default_factory=dict)
    _ranked: dict[tuple[str | None, str | None, int], list[_Row]] = field(default_factory=dict)
    _pools: dict[tuple[Any, ...], _Pool] = field(default_factory=dict)
    _outside_window: dict[int, IgnoredBadge] = field(default_factory=dict)
    _duplicate: dict[int, IgnoredBadge] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        facts: Sequence[BadgeFact],
        classifier: Classifier,
        ranks: Mapping[str, int],
        now: datetime,
    ) -> tuple[_Index, list[BadgeFact], dict[str, frozenset[CompetencyLevel]]]:
        """Index ``facts``; also return them most recent first (ties by id), classified.

        One pass over the badges, most recent first: classification, validity at
        ``now``, duplicate group, place in the lists. Raises :class:`ValueError` if
        two badges share an id.
        """
        # Most recent first, ties by id: two stable sorts, no key tuple per badge.
        ordered = sorted(facts, key=_BY_ID)
        ordered.sort(key=_BY_DATE, reverse=True)
        classification: dict[str, frozenset[CompetencyLevel]] = {}
        groups: dict[tuple[str, str], int] = {}
        rows: list[_Row] = []
        by_competency: dict[str, list[_Row]] = {}
        by_level: dict[tuple[str, str], list[_Row]] = {}
        singles: dict[str, frozenset[str]] = {}
        for position, fact in enumerate(ordered):
            if fact.id in classification:
                raise ValueError(f"two badges share the id {fact.id!r}")
            pairs = classification[fact.id] = classifier.classify(fact)
            key = groups.setdefault((fact.issuer_id, fact.achievement_id), len(groups))
            status = fact_status(fact, now)
            unusable = None if status is None else IgnoredBadge(fact.id, status, fact.status)
            rows.append((fact, _NO_LEVELS, 0, key, position, unusable))
            if not pairs:
                continue
            if len(pairs) == 1:
                ((competency, level),) = pairs
                one = singles.get(level) or singles.setdefault(level, frozenset((level,)))
                single: _Row = (fact, one, ranks[level], key, position, unusable)
                by_competency.setdefault(competency, []).append(single)
                by_level.setdefault((competency, level), []).append(single)
                continue
            per_competency: dict[str, set[str]] = {}
            for competency, level in pairs:
                per_competency.setdefault(competency, set()).add(level)
            for competency, levels in per_competency.items():
                top = max(ranks[level] for level in levels)
                row: _Row = (fact, frozenset(levels), top, key, position, unusable)
                by_competency.setdefault(competency, []).append(row)
                for level in levels:
                    by_level.setdefault((competency, level), []).append(row)
        return cls(now, rows, by_competency, by_level), ordered, classification

    def _rows(self, competency: str | None, level: str | None, min_rank: int) -> list[_Row]:
        """The badges a condition on ``competency``, ``level``, ``min_rank`` looks at."""
        if competency is None:
            # Badges are not levelled outside a competency: a level selects none.
            return self.rows if level is None and min_rank <= 0 else []
        if level is not None:
            rows = self.by_level.get((competency, level), [])
        else:
            rows = self.by_competency.get(competency, [])
        if min_rank <= 0:
            return rows
        key = (competency, level, min_rank)
        ranked = self._ranked.get(key)
        if ranked is None:
            ranked = [row for row in rows if row[2] >= min_rank]
            self._ranked[key] = ranked
        return ranked

    def pool(self, condition: BadgesCondition) -> _Pool:
        """The badges that count for ``condition`` (ordered), and those set aside."""
        key = (
            condition.competency.code if condition.competency else None,
            condition.level.code if condition.level else None,
            condition.min_level.rank if condition.min_level else None,
            condition.within,
            condition.achievements,
        )
        cached = self._pools.get(key)
        if cached is not None:
            return cached
        rows = self._rows(key[0], key[1], condition.min_level.rank if condition.min_level else 0)
        wanted = frozenset(condition.achievements) if condition.achievements else None
        cutoff = condition.within.before(self.now) if condition.within else None
        seen: set[int] = set()
        counted: list[BadgeFact] = []
        ignored: list[IgnoredBadge] = []
        for fact, _, _, group, position, unusable in rows:
            if wanted is not None and fact.achievement_id not in wanted:
                continue
            if unusable is not None:
                ignored.append(unusable)
            elif cutoff is not None and fact.issued_on < cutoff:
                ignored.append(self._set_aside(self._outside_window, position, "outside_window"))
            elif group in seen:
                ignored.append(self._set_aside(self._duplicate, position, "duplicate"))
            else:
                seen.add(group)
                counted.append(fact)
        organisations = len({fact.organisation for fact in counted})
        pool = _Pool(counted, tuple(ignored), organisations)
        self._pools[key] = pool
        return pool

    def _set_aside(
        self, made: dict[int, IgnoredBadge], position: int, reason: IgnoredReason
    ) -> IgnoredBadge:
        """The one :class:`IgnoredBadge` for this badge and reason, shared by conditions."""
        ignored = made.get(position)
        if ignored is None:
            fact = self.rows[position][0]
            ignored = made[position] = IgnoredBadge(fact.id, reason, fact.status)
        return ignored


def _select(
    condition: BadgesCondition, candidates: list[BadgeFact], preferred: frozenset[str]
) -> list[BadgeFact]:
    if preferred:  # those another condition chose first, order kept otherwise
        ordered = [fact for fact in candidates if fact.id in preferred]
        ordered += [fact for fact in candidates if fact.id not in preferred]
    else:
        ordered = candidates
    if condition.min_issuers <= 1:
        return ordered[: condition.min_count]
    sources: set[str] = set()
    first: list[int] = []
    rest: list[int] = []
    for index, fact in enumerate(ordered):
        if len(sources) < condition.min_issuers and fact.organisation not in sources:
            sources.add(fact.organisation)
            first.append(index)
        else:
            rest.append(index)
    chosen = first + rest[: max(0, condition.min_count - len(first))]
    return [ordered[index] for index in sorted(chosen)]


def _badges(condition: BadgesCondition, ctx: _Index, preferred: frozenset[str]) -> Explanation:
    candidates, ignored, organisations = ctx.pool(condition)
    chosen = _select(condition, candidates, preferred)
    missing: list[Missing] = []
    if len(candidates) < condition.min_count:
        missing.append(Missing("missing_badges", condition.min_count - len(candidates), condition))
    if condition.min_issuers > 1 and organisations < condition.min_issuers:
        missing.append(Missing("missing_issuers", condition.min_issuers - organisations, condition))
    return Explanation(
        condition,
        not missing,
        counted=tuple(fact.id for fact in chosen),
        missing=tuple(missing),
        ignored=ignored,
    )


def _priority(condition: Condition, ctx: _Index) -> tuple[int, int]:
    if isinstance(condition, BadgesCondition):
        return (0, len(ctx.pool(condition)[0]))
    if isinstance(condition, AllOf | AnyOf):
        return (1, 0)
    return (2, 0)


def _merge(values: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for value in values for item in value))


def _all(condition: AllOf, ctx: _Index, preferred: frozenset[str]) -> Explanation:
    children = condition.conditions
    order = sorted(range(len(children)), key=lambda i: (_priority(children[i], ctx), i))
    results: dict[int, Explanation] = {}
    chosen = set(preferred)
    for index in order:
        result = _evaluate(children[index], ctx, frozenset(chosen))
        results[index] = result
        chosen.update(result.counted)
    explained = tuple(results[index] for index in range(len(children)))
    return Explanation(
        condition,
        all(child.satisfied for child in explained),
        counted=_merge(child.counted for child in explained),
        counted_regional=_merge(child.counted_regional for child in explained),
        missing=tuple(m for child in explained if not child.satisfied for m in child.missing),
        children=explained,
    )


def _all_needed(explanation: Explanation) -> int:
    return sum(missing.needed for missing in explanation.missing)


def _any(condition: AnyOf, ctx: _Index, preferred: frozenset[str]) -> Explanation:
    explained = tuple(_evaluate(child, ctx, preferred) for child in condition.conditions)
    satisfied = [child for child in explained if child.satisfied]
    if satisfied:
        best = min(satisfied, key=lambda c: len(c.counted) + len(c.counted_regional))
        missing: tuple[Missing, ...] = ()
    else:
        best = min(explained, key=_all_needed)
        missing = best.missing
    return Explanation(
        condition,
        bool(satisfied),
        counted=best.counted,
        counted_regional=best.counted_regional,
        missing=missing,
        children=explained,
    )


def _regional(condition: RegionalCondition, ctx: _Index) -> Explanation:
    held = tuple(ref.code for ref in condition.achievements if ctx.awarded.get(ref.code))
    lacking = tuple(ref for ref in condition.achievements if not ctx.awarded.get(ref.code))
    missing = (Missing("missing_regional", len(lacking), condition, lacking),) if lacking else ()
    return Explanation(condition, not lacking, counted_regional=held, missing=missing)


def _n_of(condition: NOfCondition, ctx: _Index) -> Explanation:
    held = tuple(ref.code for ref in condition.of if ctx.awarded.get(ref.code))
    satisfied = len(held) >= condition.n
    missing: tuple[Missing, ...] = ()
    if not satisfied:
        lacking = tuple(ref for ref in condition.of if not ctx.awarded.get(ref.code))
        missing = (Missing("missing_n_of", condition.n - len(held), condition, lacking),)
    return Explanation(condition, satisfied, counted_regional=held[: condition.n], missing=missing)


def _evaluate(condition: Condition, ctx: _Index, preferred: frozenset[str]) -> Explanation:
    if isinstance(condition, BadgesCondition):
        return _badges(condition, ctx, preferred)
    if isinstance(condition, AllOf):
        return _all(condition, ctx, preferred)
    if isinstance(condition, AnyOf):
        return _any(condition, ctx, preferred)
    if isinstance(condition, RegionalCondition):
        return _regional(condition, ctx)
    return _n_of(condition, ctx)


_NO_PREFERENCE: Final[frozenset[str]] = frozenset()


def evaluate(
    referential: Referential,
    facts: Sequence[BadgeFact],
    now: datetime,
    *,
    held: Iterable[str] = (),
    mappings: Sequence[AchievementMapping] = (),
    classifier: Classifier | None = None,
) -> Result:
    """Evaluate every regional achievement of ``referential`` for one learner.

    ``facts``: the learner's stored partner badges (inactive ones included, for the
    explanations); ``now``: the evaluation time (timezone-aware); ``held``: codes of the
    regional badges the learner already holds (codes the référentiel does not know are
    ignored); ``mappings``: the approved explicit
    mappings (or pass a prepared ``classifier``). Raises :class:`ValueError` if ``now``
    is naive or two facts share an id.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if classifier is None:
        classifier = Classifier(referential, mappings)
    ranks = {level.code: level.rank for level in referential.levels}
    ctx, ordered, classification = _Index.build(facts, classifier, ranks, now)
    held_codes = frozenset(held)
    results: dict[str, AchievementResult] = {}
    for achievement in referential.evaluation_order():
        code = achievement.code
        explanation = _evaluate(achievement.rule, ctx, _NO_PREFERENCE)
        implied_by = tuple(c for c in referential.implied_by(code) if ctx.awarded.get(c))
        is_held = code in held_codes
        if explanation.satisfied:
            reason: Reason | None = "rule"
            counted, regional = explanation.counted, explanation.counted_regional
        elif implied_by:
            reason = "implied_by"
            counted = _merge(results[c].counted for c in implied_by if c in results)
            regional = _merge(results[c].counted_regional for c in implied_by if c in results)
        else:
            reason = None
            counted, regional = explanation.counted, explanation.counted_regional
        satisfied = reason is not None
        ctx.awarded[code] = satisfied or is_held
        results[code] = AchievementResult(
            achievement=achievement,
            satisfied=satisfied,
            reason=reason,
            implied_by=implied_by,
            held=is_held,
            counted=counted,
            counted_regional=regional,
            explanation=explanation,
        )
    return Result(
        referential=referential,
        now=now,
        facts=tuple(ordered),
        classification=classification,
        achievements=tuple(results.values()),
        ignored_mappings=classifier.ignored_mappings,
    )
