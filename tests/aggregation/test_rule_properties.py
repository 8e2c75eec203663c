"""Properties of evaluation that hold for every learner (hypothesis)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from regional_scenarios import NOW, achievement_yaml, referential_yaml

from aggregation import Alignment, BadgeFact, Referential, default_referential, evaluate
from aggregation.referential import load_referential
from aggregation.rules import fact_status

DEFAULT = default_referential()
RICH = load_referential(
    referential_yaml(
        achievement_yaml("R1", "{badges: {competency: ORG, min_count: 2, within: P2Y}}")
        + achievement_yaml(
            "R2",
            "{any: [{badges: {competency: COM, min_level: II}},"
            " {all: [{regional: [R1]},"
            " {badges: {competency: ORG, min_count: 3, min_issuers: 2}}]}]}",
            implies="[R3]",
        )
        + achievement_yaml("R3", "{badges: {achievements: [urn:a1, urn:a2], min_count: 2}}")
        + achievement_yaml("R4", "{n_of: {n: 2, of: [R1, R2, R3]}}")
    )
)
CODES = ["ORG", "ORG-II", "ADA", "ADA-II", "COM", "COM-I", "COM-II", "INT", "INT-II", "XYZ"]


@st.composite
def facts(draw: st.DrawFn, min_size: int = 0) -> list[BadgeFact]:
    count = draw(st.integers(min_size, 25))
    result = []
    for index in range(count):
        result.append(
            BadgeFact(
                id=f"b{index}",
                issuer_id=f"did:web:p{draw(st.integers(1, 4))}.example",
                achievement_id=f"urn:a{draw(st.integers(1, 12))}",
                issued_on=NOW - timedelta(days=draw(st.integers(-5, 1500))),
                alignments=tuple(
                    Alignment(target_code=code)
                    for code in draw(st.lists(st.sampled_from(CODES), max_size=2))
                ),
                expires=draw(
                    st.none() | st.integers(-30, 300).map(lambda d: NOW + timedelta(days=d))
                ),
                active=draw(st.booleans()),
            )
        )
    return result


referentials = st.sampled_from([DEFAULT, RICH])
held_codes = st.lists(st.sampled_from(["ORG-II", "ADA-I", "GEN", "R1", "R2", "R3"]), max_size=3)


def outcome(ref: Referential, badges: list[BadgeFact], held: list[str]) -> dict[str, object]:
    return evaluate(ref, badges, NOW, held=held).to_dict()


@settings(deadline=None)
@given(ref=referentials, badges=facts(), held=held_codes, data=st.data())
def test_evaluation_is_deterministic_whatever_the_order_of_badges(
    ref: Referential, badges: list[BadgeFact], held: list[str], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(badges))
    assert outcome(ref, shuffled, held) == outcome(ref, badges, held)


@settings(deadline=None)
@given(ref=referentials, badges=facts(min_size=1), held=held_codes)
def test_adding_an_active_badge_never_removes_an_award(
    ref: Referential, badges: list[BadgeFact], held: list[str]
) -> None:
    *before, extra = badges
    extra = BadgeFact(
        id=extra.id,
        issuer_id=extra.issuer_id,
        achievement_id=extra.achievement_id,
        issued_on=min(extra.issued_on, NOW),
        alignments=extra.alignments,
    )
    then = evaluate(ref, before, NOW, held=held)
    now = evaluate(ref, [*before, extra], NOW, held=held)
    assert set(then.awarded) <= set(now.awarded)


@settings(deadline=None)
@given(ref=referentials, badges=facts(), held=held_codes)
def test_inactive_badges_never_change_the_outcome(
    ref: Referential, badges: list[BadgeFact], held: list[str]
) -> None:
    valid = [fact for fact in badges if fact_status(fact, NOW) is None]
    full, only_valid = evaluate(ref, badges, NOW, held=held), evaluate(ref, valid, NOW, held=held)
    assert full.awarded == only_valid.awarded
    for mine, theirs in zip(full.achievements, only_valid.achievements, strict=True):
        assert (mine.code, mine.satisfied, mine.counted) == (
            theirs.code,
            theirs.satisfied,
            theirs.counted,
        )


@settings(deadline=None)
@given(ref=referentials, badges=facts(), held=held_codes)
def test_results_are_consistent(ref: Referential, badges: list[BadgeFact], held: list[str]) -> None:
    result = evaluate(ref, badges, NOW, held=held)
    valid = {fact.id for fact in badges if fact_status(fact, NOW) is None}
    for outcome_ in result.achievements:
        assert set(outcome_.counted) <= valid
        assert len(set(outcome_.counted)) == len(outcome_.counted)
        assert bool(outcome_.missing) == (not outcome_.satisfied)
        assert all(m.needed > 0 for m in outcome_.missing)
        if outcome_.awarded:
            for implied in ref.implied_closure(outcome_.code):
                assert result[implied].awarded
        if outcome_.reason == "rule":
            assert outcome_.explanation.satisfied


@settings(deadline=None)
@given(badges=facts(), held=held_codes)
def test_holding_more_never_removes_an_award(badges: list[BadgeFact], held: list[str]) -> None:
    for ref in (DEFAULT, RICH):
        fewer = evaluate(ref, badges, NOW, held=held[:1])
        more = evaluate(ref, badges, NOW, held=held)
        assert set(fewer.awarded) <= set(more.awarded)
