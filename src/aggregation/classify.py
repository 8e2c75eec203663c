"""Which partner badges count, for which competency and level.

A partner badge (a :class:`BadgeFact`: what the database knows about one stored
credential) counts toward zero or more ``(competency, level)`` pairs
(:class:`CompetencyLevel`) of the référentiel, through:

* **its achievement's OB 3.0 alignments** (:class:`Alignment`):

  - ``targetUrl`` equal to a competency ``uri`` (the competency, no level), or to one
    of its level-specific ``level_uris`` (that level). URLs compare after trimming
    spaces and a trailing ``/``, scheme and host case-insensitively.
  - ``targetCode`` equal to a competency code (``ORG``: no level) or to a
    level-specific code. The convention is ``<competency>-<level>``: ``ORG-II``; the
    level may also be written as its rank (``ORG-2``), and a regional achievement's
    own code names its competency and level. Codes compare case-insensitively, and
    ``.``, ``_``, ``:``, ``/`` and spaces are read as ``-`` (``org.ii``, ``ORG_II``,
    ``ORG II`` all mean ``ORG-II``).
  - One alignment names at most what its URL and code name. If it names a
    competency without a level, it counts at the **lowest** level; if its URL names
    the competency and its code the level (or the reverse), the level wins.

* **an explicit mapping** maintained by the Region (:class:`AchievementMapping`): a
  partner achievement id (optionally restricted to one issuer) counts for a
  competency at a level (the lowest when none is given). Only approved mappings are
  passed in; mappings naming a competency or level the référentiel does not know are
  set aside (:attr:`Classifier.ignored_mappings`).

Classification ignores whether a badge is still valid: :mod:`aggregation.rules`
decides what counts (``active``, expiry, recency) and explains what does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple

from obcore.model import parse_datetime

if TYPE_CHECKING:
    from aggregation.model import Competency, Level
    from aggregation.referential import Referential

__all__ = [
    "AchievementMapping",
    "Alignment",
    "BadgeFact",
    "Classifier",
    "CompetencyLevel",
    "Match",
    "Target",
    "alignments_from_achievement",
    "classify",
    "code_key",
    "code_variants",
    "url_key",
    "url_variants",
]

Target = tuple[str, str | None]
"""A competency code and a level code (``None``: the alignment names no level)."""

_SEPARATORS: Final = re.compile(r"[\s._:/-]+")


@lru_cache(maxsize=8192)
def code_key(code: str) -> str:
    """Normalise a ``targetCode`` for comparison: ``" org.ii "`` -> ``"ORG-II"``."""
    return _SEPARATORS.sub("-", code.strip()).strip("-").upper()


@lru_cache(maxsize=8192)
def url_key(url: str) -> str:
    """Normalise a ``targetUrl`` for comparison (trim, no trailing ``/``, lower-case host)."""
    url = url.strip().rstrip("/")
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


def code_variants(competency: Competency, levels: Sequence[Level]) -> list[tuple[str, Target]]:
    """Every ``targetCode`` key naming ``competency`` (alone, then at each level)."""
    variants: list[tuple[str, Target]] = [(code_key(competency.code), (competency.code, None))]
    for level in levels:
        target = (competency.code, level.code)
        variants.append((code_key(f"{competency.code}-{level.code}"), target))
        variants.append((code_key(f"{competency.code}-{level.rank}"), target))
    return variants


def url_variants(competency: Competency) -> list[tuple[str, Target]]:
    """Every ``targetUrl`` key naming ``competency`` (its URI, then its level URIs)."""
    variants: list[tuple[str, Target]] = [(url_key(competency.uri), (competency.code, None))]
    variants.extend(
        (url_key(uri), (competency.code, level)) for level, uri in competency.level_uris
    )
    return variants


class CompetencyLevel(NamedTuple):
    """A competency code and a level code, e.g. ``("ORG", "II")``."""

    competency: str
    level: str


@dataclass(frozen=True, slots=True)
class Alignment:
    """The parts of an OB 3.0 ``Alignment`` that classification reads."""

    target_url: str | None = None
    target_code: str | None = None
    target_name: str | None = None

    @classmethod
    def from_ob3(cls, alignment: Mapping[str, Any]) -> Alignment:
        """Read an OB 3.0 alignment object (JSON); values of the wrong kind are ignored."""
        url = alignment.get("targetUrl")
        code = alignment.get("targetCode")
        return cls(
            target_url=url if isinstance(url, str) else None,
            target_code=code if isinstance(code, str) else None,
            target_name=_display(alignment.get("targetName")),
        )


def _display(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        chosen = value.get("fr", value.get("@value"))
        if isinstance(chosen, str):
            return chosen
        return next((v for v in value.values() if isinstance(v, str)), None)
    if isinstance(value, list):
        return next((text for text in map(_display, value) if text is not None), None)
    return None


def alignments_from_achievement(achievement: Mapping[str, Any]) -> tuple[Alignment, ...]:
    """The alignments of an OB 3.0 ``Achievement`` (JSON); one object or an array."""
    raw = achievement.get("alignment")
    entries = raw if isinstance(raw, list) else [raw]
    return tuple(Alignment.from_ob3(entry) for entry in entries if isinstance(entry, dict))


@dataclass(frozen=True, slots=True, kw_only=True)
class BadgeFact:
    """What counts about one stored partner badge (one credential held by the learner).

    * ``id``: the stored badge's id (what explanations and results list).
    * ``issuer_id``: the credential's issuer; ``source``: the issuing *organisation*
      (the partner's id; defaults to ``issuer_id``). "Distinct issuers" in rules means
      distinct :attr:`organisation` values, so one partner with several DIDs counts once.
    * ``achievement_id``: the OB 3.0 achievement ``id``; ``alignments``: its alignments.
    * ``issued_on``: ``awardedDate``, else ``validFrom`` (timezone-aware);
      ``expires``: ``validUntil`` (aware) or ``None``.
    * ``active``: ``False`` if revoked, suspended or otherwise withdrawn; ``status``
      may say which (``"revoked"``, ``"suspended"`` …) for explanations. Inactive badges
      never count but are mentioned in explanations.
    """

    id: str
    issuer_id: str
    achievement_id: str
    issued_on: datetime
    source: str | None = None
    alignments: tuple[Alignment, ...] = ()
    expires: datetime | None = None
    active: bool = True
    status: str | None = None

    def __post_init__(self) -> None:
        if self.issued_on.utcoffset() is None:
            raise ValueError(f"badge {self.id!r}: issued_on must be timezone-aware")
        if self.expires is not None and self.expires.utcoffset() is None:
            raise ValueError(f"badge {self.id!r}: expires must be timezone-aware")

    @property
    def organisation(self) -> str:
        """The issuing organisation: ``source``, else ``issuer_id``."""
        return self.source or self.issuer_id

    @classmethod
    def from_credential(
        cls,
        credential: Mapping[str, Any],
        *,
        id: str,
        source: str | None = None,
        active: bool = True,
        status: str | None = None,
    ) -> BadgeFact:
        """Read the facts from an OB 3.0 credential (JSON, VCDM 2.0 or 1.1).

        Raises :class:`ValueError` if the issuer, the achievement id or the issuance
        date is missing or malformed.
        """
        issuer = credential.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        subject = credential.get("credentialSubject")
        if isinstance(subject, list):
            subject = subject[0] if subject else None
        achievement = subject.get("achievement") if isinstance(subject, dict) else None
        if not isinstance(achievement, dict):
            raise ValueError("credential without an achievement")  # noqa: TRY004 - bad data
        achievement_id = achievement.get("id")
        if not isinstance(issuer_id, str) or not isinstance(achievement_id, str):
            raise ValueError("credential without issuer id or achievement id")  # noqa: TRY004
        issued = next(
            (
                credential[key]
                for key in ("awardedDate", "validFrom", "issuanceDate")
                if isinstance(credential.get(key), str)
            ),
            None,
        )
        if issued is None:
            raise ValueError("credential without awardedDate, validFrom or issuanceDate")
        until = credential.get("validUntil", credential.get("expirationDate"))
        return cls(
            id=id,
            issuer_id=issuer_id,
            source=source,
            achievement_id=achievement_id,
            alignments=alignments_from_achievement(achievement),
            issued_on=parse_datetime(issued),
            expires=parse_datetime(until) if isinstance(until, str) else None,
            active=active,
            status=status,
        )


@dataclass(frozen=True, slots=True)
class AchievementMapping:
    """An approved Region mapping: this partner achievement counts for this competency.

    ``issuer_id`` ``None`` matches the achievement whoever issued it; ``level``
    ``None`` means the lowest level. Codes compare case-insensitively.
    """

    achievement_id: str
    competency: str
    level: str | None = None
    issuer_id: str | None = None


Via = Literal["targetUrl", "targetCode", "mapping"]


@dataclass(frozen=True, slots=True)
class Match:
    """Why a badge counts for ``(competency, level)``: ``via`` what, and the ``value`` read."""

    competency: str
    level: str
    via: Via
    value: str

    @property
    def pair(self) -> CompetencyLevel:
        return CompetencyLevel(self.competency, self.level)


@dataclass(slots=True)
class Classifier:
    """Classifies badges against one référentiel and a set of approved mappings.

    Build it once per evaluation (cheap) or keep it while the mappings do not change.
    """

    referential: Referential
    mappings: Sequence[AchievementMapping] = ()
    ignored_mappings: tuple[AchievementMapping, ...] = field(init=False, default=())
    _by_achievement: dict[str, list[tuple[str | None, str, str]]] = field(
        init=False, default_factory=dict, repr=False
    )

    def __post_init__(self) -> None:
        ref = self.referential
        ignored: list[AchievementMapping] = []
        for mapping in self.mappings:
            competency = ref.find_competency(mapping.competency)
            level = ref.lowest_level if mapping.level is None else ref.find_level(mapping.level)
            if competency is None or level is None:
                ignored.append(mapping)
                continue
            self._by_achievement.setdefault(mapping.achievement_id, []).append(
                (mapping.issuer_id, competency.code, level.code)
            )
        self.ignored_mappings = tuple(ignored)

    def matches(self, fact: BadgeFact) -> tuple[Match, ...]:
        """Every reason ``fact`` counts for a competency and level, without duplicates."""
        ref = self.referential
        urls, codes, lowest = ref.target_urls, ref.target_codes, ref.lowest_level.code
        found: dict[tuple[str, str], Match] = {}
        for alignment in fact.alignments:
            named: list[tuple[Target, Via, str]] = []
            if alignment.target_url:
                target = urls.get(url_key(alignment.target_url))
                if target is not None:
                    named.append((target, "targetUrl", alignment.target_url))
            if alignment.target_code:
                target = codes.get(code_key(alignment.target_code))
                if target is not None:
                    named.append((target, "targetCode", alignment.target_code))
            with_level = {target[0] for target, _, _ in named if target[1] is not None}
            for (competency, named_level), via, value in named:
                if named_level is None and competency in with_level:
                    continue
                level = lowest if named_level is None else named_level
                found.setdefault((competency, level), Match(competency, level, via, value))
        for issuer, competency, level in self._by_achievement.get(fact.achievement_id, ()):
            if issuer is None or issuer == fact.issuer_id:
                found.setdefault(
                    (competency, level), Match(competency, level, "mapping", fact.achievement_id)
                )
        return tuple(found.values())

    def classify(self, fact: BadgeFact) -> frozenset[CompetencyLevel]:
        """The ``(competency, level)`` pairs ``fact`` counts for (empty: it does not count).

        The same answer as :meth:`matches`, without building the reasons (the hot path).
        """
        ref = self.referential
        urls, codes, lowest = ref.target_urls, ref.target_codes, ref.lowest_level.code
        found: set[CompetencyLevel] = set()
        for alignment in fact.alignments:
            by_url = urls.get(url_key(alignment.target_url)) if alignment.target_url else None
            by_code = codes.get(code_key(alignment.target_code)) if alignment.target_code else None
            for target in (by_url, by_code):
                if target is None:
                    continue
                competency, level = target
                if level is not None:
                    found.add(CompetencyLevel(competency, level))
                elif not any(
                    other is not None and other[0] == competency and other[1] is not None
                    for other in (by_url, by_code)
                ):
                    found.add(CompetencyLevel(competency, lowest))
        for issuer, competency, level in self._by_achievement.get(fact.achievement_id, ()):
            if issuer is None or issuer == fact.issuer_id:
                found.add(CompetencyLevel(competency, level))
        return frozenset(found)


def classify(
    referential: Referential, fact: BadgeFact, mappings: Iterable[AchievementMapping] = ()
) -> frozenset[CompetencyLevel]:
    """One-off :meth:`Classifier.classify` (build a :class:`Classifier` for many badges)."""
    return Classifier(referential, tuple(mappings)).classify(fact)
