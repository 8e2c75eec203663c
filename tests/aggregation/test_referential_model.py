"""The référentiel as data: the default one, its helpers, its canonical form."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources

import pytest
import yaml
from jsonschema import Draft202012Validator
from regional_scenarios import URIS, achievement_yaml, referential_yaml

from aggregation import default_referential, load_referential
from aggregation.referential import referential_schema

CODES = ["ORG-I", "ORG-II", "ADA-I", "ADA-II", "COM-I", "COM-II", "INT-I", "INT-II", "GEN"]


def test_default_referential_loads_with_four_competencies_two_levels_nine_badges() -> None:
    ref = default_referential()
    assert (ref.code, ref.version) == ("normandie", "2026.1")
    assert [(c.code, c.uri) for c in ref.competencies] == list(URIS.items())
    assert [c.name.fr for c in ref.competencies] == [
        "Organiser",
        "S'adapter",
        "Communiquer",
        "S'intégrer",
    ]
    assert [(lvl.code, lvl.rank, lvl.name.fr) for lvl in ref.levels] == [
        ("I", 1, "Je pratique"),
        ("II", 2, "Je maîtrise"),
    ]
    assert [a.code for a in ref.achievements] == CODES
    for achievement in ref.achievements:
        assert achievement.name.en
        assert achievement.criteria.en
        assert achievement.description.en


def test_default_thresholds_are_the_documented_ones() -> None:
    ref = default_referential()
    assert ref.achievement("ORG-I").rule.to_document() == {
        "badges": {"competency": "ORG", "min_count": 2, "min_issuers": 1}
    }
    assert ref.achievement("ORG-II").rule.to_document() == {
        "all": [
            {"badges": {"competency": "ORG", "min_count": 3, "min_issuers": 2}},
            {"badges": {"competency": "ORG", "level": "II", "min_count": 1, "min_issuers": 1}},
        ]
    }
    assert ref.achievement("ORG-II").implies == ("ORG-I",)
    assert ref.achievement("GEN").rule.to_document() == {
        "n_of": {"n": 3, "of": ["ORG-II", "ADA-II", "COM-II", "INT-II"]}
    }


def test_evaluation_order_puts_every_dependency_first() -> None:
    ref = default_referential()
    order = [a.code for a in ref.evaluation_order()]
    assert sorted(order) == sorted(CODES)
    for achievement in ref.achievements:
        for needed in achievement.rule.references():
            assert order.index(needed) < order.index(achievement.code)
        for implied in achievement.implies:
            assert order.index(achievement.code) < order.index(implied)
    assert order[-1] == "GEN"


def test_implies_helpers() -> None:
    ref = default_referential()
    assert ref.implied_by("ORG-I") == ("ORG-II",)
    assert ref.implied_closure("ORG-II") == frozenset({"ORG-I"})
    assert ref.implied_closure("GEN") == frozenset()


def test_implies_closure_is_transitive() -> None:
    ref = load_referential(
        referential_yaml(
            achievement_yaml("A", "{badges: {competency: ORG}}", implies="[B]")
            + achievement_yaml("B", "{badges: {competency: ORG}}", implies="[C]")
            + achievement_yaml("C", "{badges: {competency: ORG}}")
        )
    )
    assert ref.implied_closure("A") == frozenset({"B", "C"})
    assert [a.code for a in ref.evaluation_order()] == ["A", "B", "C"]


def test_look_ups() -> None:
    ref = default_referential()
    assert ref.competency("ORG").name.get("en") == "Organising"
    assert ref.find_competency(" org ") is ref.competency("ORG")
    assert ref.find_level("ii") is ref.level("II")
    assert ref.find_level("III") is None
    assert ref.lowest_level.code == "I"
    assert [a.code for a in ref.achievements_for("COM")] == ["COM-I", "COM-II"]
    assert ref.achievement_for("INT", "II") is ref.achievement("INT-II")
    assert ref.achievement_for("INT", "III") is None
    with pytest.raises(KeyError):
        ref.achievement("NOPE")


def test_text_falls_back_to_french() -> None:
    ref = default_referential()
    name = ref.competency("ADA").name
    assert (name.get("fr"), name.get("en"), name.get("en-GB"), name.get("de")) == (
        "S'adapter",
        "Adapting",
        "Adapting",
        "S'adapter",
    )


def test_to_document_loads_back_to_an_equal_referential_in_json_and_yaml() -> None:
    ref = default_referential()
    document = ref.to_document()
    from_json = load_referential(json.dumps(document, ensure_ascii=False), filename="r.json")
    from_yaml = load_referential(yaml.safe_dump(document, allow_unicode=True), filename="r.yaml")
    assert from_json == ref == from_yaml
    assert from_json.digest() == ref.digest() == from_yaml.digest()


def test_digest_ignores_comments_layout_and_defaults_but_not_thresholds() -> None:
    plain = referential_yaml(achievement_yaml("A", "{badges: {competency: ORG, min_count: 2}}"))
    noisy = "# a comment\n" + referential_yaml(
        achievement_yaml("A", "{badges: {min_issuers: 1, min_count: 2, competency: ORG}}")
    )
    stricter = referential_yaml(achievement_yaml("A", "{badges: {competency: ORG, min_count: 3}}"))
    digest = load_referential(plain).digest()
    assert len(digest) == 64
    assert load_referential(noisy).digest() == digest
    assert load_referential(stricter).digest() != digest


def test_json_is_recognised_without_a_file_name() -> None:
    document = default_referential().to_document()
    assert load_referential(json.dumps(document).encode()).code == "normandie"


def test_yaml_anchors_and_aliases_are_allowed() -> None:
    text = referential_yaml(
        """\
        - code: A
          name: {fr: A}
          description: &same {fr: Même texte, en: Same text}
          criteria: *same
          rule: {badges: {competency: ORG}}
        """
    )
    achievement = load_referential(text).achievement("A")
    assert achievement.criteria == achievement.description


def test_shipped_schema_is_draft_2020_12_and_accepts_the_default_yaml() -> None:
    schema = referential_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    text = resources.files("aggregation").joinpath("data", "normandie.yaml").read_text("utf-8")
    assert list(Draft202012Validator(schema).iter_errors(yaml.safe_load(text))) == []


def test_referential_is_immutable() -> None:
    ref = default_referential()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.version = "2"  # type: ignore[misc]
