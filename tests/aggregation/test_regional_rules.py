"""Awarding regional badges: the rules, scenario by scenario, with their explanations."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from regional_scenarios import NOW, achievement_yaml, badge, referential_yaml

from aggregation import (
    AchievementMapping,
    BadgeFact,
    Referential,
    Result,
    default_referential,
    evaluate,
    load_referential,
)
from aggregation.model import AchievementRef, Text
from aggregation.rules import Duration, Missing, RegionalCondition

REF = default_referential()


def run(*facts: BadgeFact, held: tuple[str, ...] = (), ref: Referential = REF) -> Result:
    return evaluate(ref, list(facts), NOW, held=held)


def missing(result: Result, code: str) -> list[dict[str, object]]:
    return [{k: v for k, v in m.to_dict().items() if k != "message"} for m in result[code].missing]


def masteries(*competencies: str) -> list[BadgeFact]:
    """For each competency: 3 badges, one at level II, from 2 partners (level II reached)."""
    facts = []
    for code in competencies:
        facts += [
            badge(f"{code}-a", partner="p1", code=code, days_ago=10),
            badge(f"{code}-b", partner="p2", code=code, days_ago=20),
            badge(f"{code}-c", partner="p1", code=f"{code}-II", days_ago=30),
        ]
    return facts


# --- level I ----------------------------------------------------------------------------


def test_two_badges_from_one_partner_award_level_one() -> None:
    result = run(badge("a", code="ORG", days_ago=40), badge("b", code="ORG", days_ago=5))
    org_i = result["ORG-I"]
    assert (org_i.satisfied, org_i.reason, org_i.new) == (True, "rule", True)
    assert org_i.counted == ("b", "a")  # most recent first
    assert not result["ORG-II"].satisfied
    assert result.awarded == ("ORG-I",)
    assert [r.code for r in result.new] == ["ORG-I"]


def test_one_badge_is_not_enough_for_level_one() -> None:
    result = run(badge("a", code="ORG"))
    assert not result["ORG-I"].satisfied
    assert result["ORG-I"].counted == ("a",)  # progress so far
    assert missing(result, "ORG-I") == [
        {"code": "missing_badges", "needed": 1, "competency": "ORG"}
    ]
    (entry,) = result["ORG-I"].missing
    assert entry.message("fr") == "Il manque 1 badge partenaire en «\u00a0Organiser\u00a0»"
    assert entry.message("en") == "1 more partner badge needed in “Organising”"


def test_badges_of_another_competency_do_not_count() -> None:
    result = run(badge("a", code="ORG"), badge("b", code="COM"))
    assert result.awarded == ()


def test_a_level_two_badge_counts_for_level_one_too() -> None:
    result = run(badge("a", code="ADA-II"), badge("b", code="ADA-I"))
    assert result["ADA-I"].satisfied


# --- level II ---------------------------------------------------------------------------


def test_level_two_needs_two_distinct_issuers() -> None:
    same_partner = [
        badge("a", partner="p1", code="COM"),
        badge("b", partner="p1", code="COM"),
        badge("c", partner="p1", code="COM-II"),
    ]
    result = run(*same_partner)
    assert not result["COM-II"].satisfied
    assert result["COM-I"].satisfied
    assert missing(result, "COM-II") == [
        {"code": "missing_issuers", "needed": 1, "competency": "COM"}
    ]
    assert run(*same_partner, badge("d", partner="p2", code="COM"))["COM-II"].satisfied


def test_distinct_issuers_are_distinct_organisations_not_distinct_dids() -> None:
    facts = [
        badge("a", partner="p1", code="INT", source="partner-1"),
        badge("b", partner="p1bis", code="INT", source="partner-1"),
        badge("c", partner="p1", code="INT-II", source="partner-1"),
    ]
    assert missing(run(*facts), "INT-II")[0]["code"] == "missing_issuers"


def test_level_two_needs_a_level_two_badge() -> None:
    result = run(
        badge("a", partner="p1", code="ORG"),
        badge("b", partner="p2", code="ORG"),
        badge("c", partner="p2", code="ORG"),
    )
    assert missing(result, "ORG-II") == [
        {"code": "missing_badges", "needed": 1, "competency": "ORG", "level": "II"}
    ]
    (entry,) = result["ORG-II"].missing
    assert entry.message("fr").endswith("au niveau «\u00a0Je maîtrise\u00a0»")


def test_level_two_counts_three_badges_not_four() -> None:
    """The level-II badge chosen by one condition is preferred by the other."""
    result = run(
        badge("new-1", partner="p1", code="ORG", days_ago=1),
        badge("new-2", partner="p1", code="ORG", days_ago=2),
        badge("new-3", partner="p2", code="ORG", days_ago=3),
        badge("old-II", partner="p1", code="ORG-II", days_ago=300),
    )
    org_ii = result["ORG-II"]
    assert org_ii.satisfied
    assert sorted(org_ii.counted) == ["new-1", "new-3", "old-II"]


def test_level_two_implies_level_one() -> None:
    ref = load_referential(
        referential_yaml(
            achievement_yaml(
                "ORG-I", "{badges: {competency: ORG, min_count: 5}}", competency="ORG", level="I"
            )
            + achievement_yaml(
                "ORG-II",
                "{badges: {competency: ORG, level: II}}",
                competency="ORG",
                level="II",
                implies="[ORG-I]",
            )
        )
    )
    result = run(badge("a", code="ORG-II"), ref=ref)
    org_i = result["ORG-I"]
    assert (org_i.satisfied, org_i.reason, org_i.implied_by) == (True, "implied_by", ("ORG-II",))
    assert org_i.counted == ("a",)
    assert not org_i.explanation.satisfied  # its own rule does not hold
    assert org_i.missing == ()


def test_held_badges_count_as_prerequisites_and_imply() -> None:
    result = run(held=("ORG-II",))
    assert result["ORG-II"].held
    assert not result["ORG-II"].satisfied
    assert result["ORG-II"].awarded
    assert not result["ORG-II"].new
    assert (result["ORG-I"].reason, result["ORG-I"].new) == ("implied_by", True)


# --- what no longer counts --------------------------------------------------------------


def test_revoked_badge_no_longer_counts() -> None:
    result = run(badge("a", code="ORG"), badge("b", code="ORG", active=False, status="revoked"))
    assert not result["ORG-I"].satisfied
    assert result["ORG-I"].counted == ("a",)
    ignored = result["ORG-I"].explanation.ignored
    assert [i.to_dict() for i in ignored] == [
        {"id": "b", "reason": "inactive", "status": "revoked"}
    ]


def test_expired_and_not_yet_valid_badges_do_not_count() -> None:
    result = run(
        badge("a", code="ORG"),
        badge("expired", code="ORG", expires_in_days=-1),
        badge("future", code="ORG", days_ago=-2),
    )
    assert not result["ORG-I"].satisfied
    reasons = {i.id: i.reason for i in result["ORG-I"].explanation.ignored}
    assert reasons == {"expired": "expired", "future": "not_yet_valid"}
    assert run(badge("a", code="ORG"), badge("b", code="ORG", expires_in_days=1))["ORG-I"].satisfied


def test_the_same_partner_badge_twice_counts_once() -> None:
    result = run(
        badge("first", code="ORG", achievement="urn:same", days_ago=100),
        badge("again", code="ORG", achievement="urn:same", days_ago=10),
    )
    assert not result["ORG-I"].satisfied
    assert result["ORG-I"].counted == ("again",)
    assert [(i.id, i.reason) for i in result["ORG-I"].explanation.ignored] == [
        ("first", "duplicate")
    ]


# --- general badge ----------------------------------------------------------------------


def test_general_badge_needs_three_masteries() -> None:
    result = run(*masteries("ORG", "ADA", "COM"))
    gen = result["GEN"]
    assert (gen.satisfied, gen.counted_regional) == (True, ("ORG-II", "ADA-II", "COM-II"))
    assert set(result.awarded) == {"ORG-I", "ORG-II", "ADA-I", "ADA-II", "COM-I", "COM-II", "GEN"}


def test_two_masteries_are_not_enough_for_the_general_badge() -> None:
    result = run(*masteries("ORG", "INT"))
    assert not result["GEN"].satisfied
    assert missing(result, "GEN") == [
        {"code": "missing_n_of", "needed": 1, "achievements": ["ADA-II", "COM-II"]}
    ]


def test_general_badge_counts_masteries_already_held() -> None:
    result = run(*masteries("COM"), held=("ORG-II", "ADA-II"))
    assert result["GEN"].new
    assert [r.code for r in result.new] == ["ORG-I", "ADA-I", "COM-II", "COM-I", "GEN"]


# --- the rule language on small référentiels --------------------------------------------


def ref_with(rule: str) -> Referential:
    return load_referential(referential_yaml(achievement_yaml("X", rule)))


def test_recency_window_counts_recent_badges_only() -> None:
    ref = ref_with("{badges: {competency: ORG, min_count: 2, within: P3Y}}")
    recent, old = badge("recent", code="ORG", days_ago=400), badge("old", code="ORG", days_ago=1200)
    result = run(recent, old, ref=ref)
    assert not result["X"].satisfied
    assert [(i.id, i.reason) for i in result["X"].explanation.ignored] == [
        ("old", "outside_window")
    ]
    (entry,) = result["X"].missing
    assert entry.to_dict()["within"] == "P3Y"
    assert "obtenus depuis moins de 3 ans" in entry.message("fr")
    assert run(recent, badge("b", code="ORG", days_ago=1000), ref=ref)["X"].satisfied


def test_recency_window_in_months_follows_the_calendar() -> None:
    ref = ref_with("{badges: {competency: ORG, within: P18M}}")
    cutoff = datetime(2024, 9, 1, 12, 0, tzinfo=UTC)  # NOW - 18 months
    on_time = badge("a", code="ORG", days_ago=(NOW - cutoff).days)
    assert run(on_time, ref=ref)["X"].satisfied
    late = badge("a", code="ORG", days_ago=(NOW - cutoff).days + 0.01)
    assert not run(late, ref=ref)["X"].satisfied


def test_durations() -> None:
    assert Duration.parse("P1Y6M").describe("fr") == "1 an et 6 mois"
    assert Duration.parse("P2W3D").describe("en") == "2 weeks and 3 days"
    assert Duration.parse("P90D").iso() == "P90D"
    march_31 = datetime(2024, 3, 31, tzinfo=UTC)
    assert Duration(months=1).before(march_31) == datetime(2024, 2, 29, tzinfo=UTC)
    assert Duration(years=10_000).before(march_31).year == 1
    with pytest.raises(ValueError, match="ISO 8601"):
        Duration.parse("P")
    with pytest.raises(ValueError, match="ISO 8601"):
        Duration.parse("PT3H")


def test_min_level_counts_that_level_and_above() -> None:
    ref = ref_with("{badges: {competency: ORG, min_level: II}}")
    assert not run(badge("a", code="ORG-I"), ref=ref)["X"].satisfied
    assert run(badge("a", code="ORG-II"), ref=ref)["X"].satisfied
    exact = ref_with("{badges: {competency: ORG, level: I}}")
    assert not run(badge("a", code="ORG-II"), ref=exact)["X"].satisfied


def test_designated_partner_achievements_without_competency() -> None:
    ref = ref_with("{badges: {achievements: ['urn:sst', 'urn:psc1'], min_count: 2}}")
    facts = [badge("a", achievement="urn:sst"), badge("b", achievement="urn:other")]
    result = run(*facts, ref=ref)
    assert (result["X"].satisfied, result["X"].counted) == (False, ("a",))
    assert run(*facts, badge("c", achievement="urn:psc1"), ref=ref)["X"].satisfied


def test_any_takes_the_cheapest_satisfied_alternative() -> None:
    ref = ref_with(
        "{any: [{badges: {competency: ORG, min_count: 3}}, {badges: {competency: COM}}]}"
    )
    facts = [badge(f"o{i}", code="ORG", days_ago=i + 1) for i in range(3)]
    result = run(*facts, badge("c", code="COM"), ref=ref)
    assert result["X"].counted == ("c",)
    assert [child.satisfied for child in result["X"].explanation.children] == [True, True]


def test_any_reports_the_closest_alternative_when_unsatisfied() -> None:
    ref = ref_with(
        "{any: [{badges: {competency: ORG, min_count: 3}},"
        " {badges: {competency: COM, min_count: 2}}]}"
    )
    result = run(badge("o", code="ORG"), ref=ref)
    assert missing(result, "X") == [{"code": "missing_badges", "needed": 2, "competency": "ORG"}]


def test_regional_prerequisites() -> None:
    ref = load_referential(
        referential_yaml(
            achievement_yaml("BASE", "{badges: {competency: ORG}}")
            + achievement_yaml("NEXT", "{all: [{regional: [BASE]}, {badges: {competency: COM}}]}")
        )
    )
    result = run(badge("c", code="COM"), ref=ref)
    assert missing(result, "NEXT") == [
        {"code": "missing_regional", "needed": 1, "achievements": ["BASE"]}
    ]
    assert result["NEXT"].missing[0].message("fr") == (
        "Il manque le badge régional «\u00a0Badge BASE\u00a0»"
    )
    result = run(badge("c", code="COM"), badge("o", code="ORG"), ref=ref)
    assert (result["NEXT"].satisfied, result["NEXT"].counted_regional) == (True, ("BASE",))
    assert result["NEXT"].counted == ("c",)


# --- explanations and the result --------------------------------------------------------


def test_explanation_mirrors_the_rule() -> None:
    result = run(badge("a", partner="p1", code="ORG-II"), badge("b", partner="p1", code="ORG"))
    tree = result["ORG-II"].explanation.to_dict()
    assert tree["condition"] == "all"
    assert tree["satisfied"] is False
    assert tree["text"]["fr"] == "Toutes les conditions suivantes"
    first, second = tree["children"]
    assert first["rule"] == {"competency": "ORG", "min_count": 3, "min_issuers": 2}
    assert first["text"]["fr"] == (
        "Au moins 3 badges partenaires en «\u00a0Organiser\u00a0», "
        "délivrés par au moins 2 organismes différents"
    )
    assert first["text"]["en"] == (
        "At least 3 partner badges in “Organising”, from at least 2 different organisations"
    )
    assert sorted(first["counted"]) == ["a", "b"]
    assert [m["code"] for m in first["missing"]] == ["missing_badges", "missing_issuers"]
    assert first["missing"][1]["message"]["fr"] == (
        "Il faut des badges d'au moins 2 organismes différents en «\u00a0Organiser\u00a0» "
        "(il en manque 1)"
    )
    assert second == {
        "condition": "badges",
        "satisfied": True,
        "text": {
            "fr": "Au moins 1 badge partenaire en «\u00a0Organiser\u00a0» au niveau "
            "«\u00a0Je maîtrise\u00a0»",
            "en": "At least 1 partner badge in “Organising” at level “I master”",
        },
        "rule": {"competency": "ORG", "level": "II", "min_count": 1, "min_issuers": 1},
        "counted": ["a"],
        "missing": [],
    }
    assert [m["code"] for m in tree["missing"]] == ["missing_badges", "missing_issuers"]


def test_result_serialises_to_json() -> None:
    result = run(*masteries("ORG"))
    document = json.loads(json.dumps(result.to_dict()))
    assert document["referential"] == {
        "code": "normandie",
        "version": "2026.1",
        "digest": REF.digest(),
    }
    assert document["awarded"] == ["ORG-I", "ORG-II"]
    assert [a["code"] for a in document["achievements"]][-1] == "GEN"


def test_evaluation_needs_an_aware_now_and_unique_badge_ids() -> None:
    with pytest.raises(ValueError, match="timezone"):
        evaluate(REF, [], datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="share the id"):
        evaluate(REF, [badge("a"), badge("a")], NOW)


def test_mappings_are_used_and_unknown_ones_reported() -> None:
    mappings = [AchievementMapping("urn:x", "ORG"), AchievementMapping("urn:x", "NOPE")]
    facts = [badge("a", achievement="urn:x"), badge("b", partner="p2", code="ORG")]
    result = evaluate(REF, facts, NOW, mappings=mappings)
    assert result["ORG-I"].satisfied
    assert result.ignored_mappings == (mappings[1],)
    assert result.classification["a"] == {("ORG", "I")}


def test_badges_issued_at_the_same_time_are_ordered_by_id() -> None:
    same_time = NOW - timedelta(days=3)
    facts = [
        BadgeFact(id=i, issuer_id="p", achievement_id=i, issued_on=same_time, alignments=())
        for i in ("c", "a", "b")
    ]
    mapping = [AchievementMapping(i, "ORG") for i in ("a", "b", "c")]
    result = evaluate(REF, facts, NOW, mappings=mapping)
    assert result["ORG-I"].counted == ("a", "b")


def test_two_missing_prerequisites_are_named_in_the_plural_in_both_languages() -> None:
    refs = (
        AchievementRef("A", Text.of({"fr": "Accueillir", "en": "Welcoming"})),
        AchievementRef("B", Text.of({"fr": "Bâtir", "en": "Building"})),
    )
    prerequisites = RegionalCondition(refs)
    missing = Missing("missing_regional", 2, prerequisites, refs)
    assert prerequisites.describe("fr") == (
        "Détenir les badges régionaux «\u00a0Accueillir\u00a0», «\u00a0Bâtir\u00a0»"
    )
    assert prerequisites.describe("en") == "Hold the regional badges “Welcoming”, “Building”"
    assert missing.message("fr") == (
        "Il manque les badges régionaux «\u00a0Accueillir\u00a0», «\u00a0Bâtir\u00a0»"
    )
    assert missing.message("en") == "Missing regional badges: “Welcoming”, “Building”"
