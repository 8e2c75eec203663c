"""Per-competency progress: the data behind GET /learners/{id}/progress."""

from __future__ import annotations

import json

from regional_scenarios import NOW, badge

from aggregation import default_referential, evaluate, progress

REF = default_referential()


def test_learner_without_badges_is_at_no_level_and_needs_two_badges() -> None:
    view = progress(evaluate(REF, [], NOW))
    assert [c.competency.code for c in view.competencies] == ["ORG", "ADA", "COM", "INT"]
    org = view.competency("ORG")
    assert (org.level, org.achievement, org.counted) == (None, None, ())
    assert (org.next_level and org.next_level.code, org.next_achievement) == ("I", "ORG-I")
    assert [m.to_dict()["needed"] for m in org.missing] == [2]
    assert dict(org.counts) == {"I": 0, "II": 0}
    assert [o.code for o in view.others] == ["GEN"]


def test_level_one_reached_shows_what_level_two_lacks() -> None:
    facts = [
        badge("a", partner="p1", code="COM", days_ago=3),
        badge("b", partner="p1", code="COM-II", days_ago=9),
        badge("r", partner="p2", code="COM", active=False, status="revoked"),
        badge("x", partner="p2", code="ORG"),
    ]
    com = progress(evaluate(REF, facts, NOW)).competency("COM")
    assert (com.level and com.level.code, com.achievement) == ("I", "COM-I")
    assert com.counted == ("a", "b")
    assert dict(com.counts) == {"I": 1, "II": 1}
    assert com.next_achievement == "COM-II"
    assert [(m.code, m.needed) for m in com.missing] == [
        ("missing_badges", 1),
        ("missing_issuers", 1),
    ]
    assert [(s.code, s.awarded) for s in com.steps] == [("COM-I", True), ("COM-II", False)]


def test_top_level_has_nothing_next() -> None:
    facts = [
        badge("a", partner="p1", code="INT"),
        badge("b", partner="p2", code="INT"),
        badge("c", partner="p2", code="INT-II"),
    ]
    integrate = progress(evaluate(REF, facts, NOW)).competency("INT")
    assert integrate.achievement == "INT-II"
    assert (integrate.next_level, integrate.next_achievement, integrate.missing) == (None, None, ())


def test_held_levels_count_in_progress() -> None:
    view = progress(evaluate(REF, [], NOW, held=("ADA-II",)))
    assert view.competency("ADA").achievement == "ADA-II"
    gen = view.others[0]
    assert not gen.awarded
    assert gen.missing[0].needed == 2


def test_progress_serialises_to_json() -> None:
    document = json.loads(
        json.dumps(progress(evaluate(REF, [badge("a", code="ORG")], NOW)).to_dict())
    )
    assert document["referential"] == {"code": "normandie", "version": "2026.1"}
    org = document["competencies"][0]
    assert org["name"] == {"fr": "Organiser", "en": "Organising"}
    assert org["counted"] == ["a"]
    assert org["level"] is None
    assert org["missing"][0]["message"]["fr"].startswith("Il manque 1 badge partenaire")
