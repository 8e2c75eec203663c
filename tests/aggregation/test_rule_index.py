"""The per-learner badge index gives what a plain scan of the badges gives (hypothesis).

:func:`aggregation.evaluate` classifies, groups and indexes a learner's badges once,
then every ``badges`` condition reads its own list. The reference below does it the
straightforward way: for one condition, walk every badge most recent first, classify
it, keep it if it matches, set it aside with the reason if it cannot count. Both must
agree on every ``badges`` condition of every generated référentiel and learner.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from regional_scenarios import NOW, achievement_yaml, referential_yaml

from aggregation import (
    AchievementMapping,
    Alignment,
    BadgeFact,
    Classifier,
    Referential,
    evaluate,
)
from aggregation.referential import load_referential
from aggregation.rules import BadgesCondition, Explanation, IgnoredBadge, fact_status

CONDITIONS = (
    "{badges: {competency: ORG}}",
    "{badges: {competency: ORG, min_count: 2, within: P2Y}}",
    "{badges: {competency: ORG, level: II}}",
    "{badges: {competency: COM, min_level: II, min_count: 2}}",
    "{badges: {competency: COM, min_count: 3, min_issuers: 2}}",
    "{badges: {achievements: [urn:a1, urn:a2, urn:a3], min_count: 2}}",
    "{badges: {competency: COM, achievements: [urn:a1, urn:a4], within: P18M}}",
    "{badges: {competency: COM, level: I, min_count: 2, min_issuers: 2}}",
    "{all: [{badges: {competency: ORG, min_count: 3, min_issuers: 2}},"
    " {badges: {competency: ORG, level: II}}]}",
    "{any: [{badges: {competency: COM, min_count: 4}}, {badges: {competency: COM, level: II}}]}",
)
CODES = ("ORG", "ORG-II", "org_2", "COM", "com.i", "COM-II", "ADA", "XYZ")
URLS = (
    "https://example.org/c/organiser",
    "https://example.org/c/organiser/2",
    "https://EXAMPLE.org/c/communiquer/",
    "https://example.org/other",
)
STATUSES = (None, "revoked", "suspended")


@st.composite
def learners(draw: st.DrawFn) -> list[BadgeFact]:
    """Up to 60 badges from 4 issuers (2 organisations) over 8 achievements."""
    result = []
    for index in range(draw(st.integers(0, 60))):
        codes = draw(st.lists(st.sampled_from(CODES), max_size=2))
        urls = draw(st.lists(st.sampled_from(URLS), max_size=1))
        status = draw(st.sampled_from(STATUSES))
        issuer = draw(st.integers(1, 4))
        result.append(
            BadgeFact(
                id=f"b{index:02d}",
                issuer_id=f"did:web:p{issuer}.example",
                source=f"org{issuer % 2}" if draw(st.booleans()) else None,
                achievement_id=f"urn:a{draw(st.integers(1, 8))}",
                # Few distinct dates: ties are ordered by id.
                issued_on=NOW - timedelta(days=30 * draw(st.integers(-1, 40))),
                alignments=tuple(Alignment(target_code=code) for code in codes)
                + tuple(Alignment(target_url=url) for url in urls),
                expires=draw(
                    st.none() | st.integers(-30, 300).map(lambda d: NOW + timedelta(days=d))
                ),
                active=status is None,
                status=status,
            )
        )
    return result


@st.composite
def referentials(draw: st.DrawFn) -> Referential:
    rules = draw(st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=4, unique=True))
    return load_referential(
        referential_yaml(
            "".join(achievement_yaml(f"R{number}", rule) for number, rule in enumerate(rules))
        )
    )


mappings = st.lists(
    st.builds(
        AchievementMapping,
        achievement_id=st.sampled_from([f"urn:a{n}" for n in range(1, 9)]),
        competency=st.sampled_from(["ORG", "COM", "XYZ"]),
        level=st.sampled_from([None, "I", "II"]),
        issuer_id=st.sampled_from([None, "did:web:p1.example"]),
    ),
    max_size=3,
)


@dataclass(frozen=True)
class ReferencePool:
    counted: tuple[BadgeFact, ...]
    ignored: tuple[IgnoredBadge, ...]


def reference_pool(
    condition: BadgesCondition, badges: list[BadgeFact], classifier: Classifier
) -> ReferencePool:
    """The badges that count for ``condition`` and those set aside, by a plain scan."""
    ranks = {level.code: level.rank for level in classifier.referential.levels}
    counted: list[BadgeFact] = []
    ignored: list[IgnoredBadge] = []
    seen: set[tuple[str, str]] = set()
    for fact in sorted(badges, key=lambda f: (-f.issued_on.timestamp(), f.id)):
        pairs = classifier.classify(fact)
        levels = set()
        if condition.competency is not None:
            levels = {pair.level for pair in pairs if pair.competency == condition.competency.code}
            if not levels:
                continue
        if condition.level is not None and condition.level.code not in levels:
            continue
        top = max((ranks[level] for level in levels), default=0)
        if condition.min_level is not None and top < condition.min_level.rank:
            continue
        if condition.achievements and fact.achievement_id not in condition.achievements:
            continue
        status = fact_status(fact, NOW)
        if status is not None:
            ignored.append(IgnoredBadge(fact.id, status, fact.status))
        elif condition.within is not None and fact.issued_on < condition.within.before(NOW):
            ignored.append(IgnoredBadge(fact.id, "outside_window", fact.status))
        elif (fact.issuer_id, fact.achievement_id) in seen:
            ignored.append(IgnoredBadge(fact.id, "duplicate", fact.status))
        else:
            seen.add((fact.issuer_id, fact.achievement_id))
            counted.append(fact)
    return ReferencePool(tuple(counted), tuple(ignored))


def badge_explanations(explanation: Explanation) -> Iterator[Explanation]:
    if isinstance(explanation.condition, BadgesCondition):
        yield explanation
    for child in explanation.children:
        yield from badge_explanations(child)


@settings(deadline=None)
@given(ref=referentials(), badges=learners(), approved=mappings)
def test_every_badges_condition_reads_from_the_index_what_a_plain_scan_finds(
    ref: Referential, badges: list[BadgeFact], approved: list[AchievementMapping]
) -> None:
    classifier = Classifier(ref, approved)
    result = evaluate(ref, badges, NOW, classifier=classifier)
    checked = 0
    for achievement in result.achievements:
        for explanation in badge_explanations(achievement.explanation):
            condition = explanation.condition
            assert isinstance(condition, BadgesCondition)
            expected = reference_pool(condition, badges, classifier)
            candidates = {fact.id for fact in expected.counted}
            organisations = len({fact.organisation for fact in expected.counted})
            enough = len(expected.counted) >= condition.min_count
            assert explanation.ignored == expected.ignored
            assert set(explanation.counted) <= candidates
            assert explanation.satisfied == (enough and organisations >= condition.min_issuers)
            needed = {missing.code: missing.needed for missing in explanation.missing}
            if not enough:
                assert needed.pop("missing_badges") == condition.min_count - len(candidates)
            if condition.min_issuers > 1 and organisations < condition.min_issuers:
                assert needed.pop("missing_issuers") == condition.min_issuers - organisations
            assert needed == {}
            checked += 1
    assert checked >= 1


@settings(deadline=None, max_examples=50)
@given(badges=learners())
def test_a_lone_badges_condition_counts_the_most_recent_badges_of_the_plain_scan(
    badges: list[BadgeFact],
) -> None:
    ref = load_referential(
        referential_yaml(achievement_yaml("R0", "{badges: {competency: ORG, min_count: 2}}"))
    )
    classifier = Classifier(ref)
    explanation = evaluate(ref, badges, NOW, classifier=classifier)["R0"].explanation
    assert isinstance(explanation.condition, BadgesCondition)
    expected = reference_pool(explanation.condition, badges, classifier)
    assert explanation.counted == tuple(fact.id for fact in expected.counted[:2])
