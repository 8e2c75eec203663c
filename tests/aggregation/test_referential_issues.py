"""Invalid référentiels are refused with every issue: JSONPath, code, French and English."""

from __future__ import annotations

import json

import pytest
from regional_scenarios import MINIMAL, achievement_yaml, referential_yaml

from aggregation import Issue, ReferentialError, default_referential, load_referential
from aggregation.referential import MAX_BYTES, MAX_DEPTH


def issues_of(text: str | bytes, filename: str | None = None) -> list[Issue]:
    with pytest.raises(ReferentialError) as caught:
        load_referential(text, filename=filename)
    assert caught.value.issues, "a ReferentialError always carries issues"
    for issue in caught.value.issues:
        assert issue.message_fr
        assert issue.message_en
        assert issue.path.startswith("$")
    return caught.value.issues


def found(issues: list[Issue]) -> set[tuple[str, str]]:
    return {(issue.path, issue.code) for issue in issues}


def one(achievement: str) -> str:
    return referential_yaml(achievement)


def test_referential_error_is_a_value_error_with_a_summary() -> None:
    with pytest.raises(ValueError, match=r"invalid référentiel: 1 issue"):
        load_referential("[]")


# --- reading -------------------------------------------------------------------------


def test_yaml_syntax_error_gives_its_line() -> None:
    (issue,) = issues_of("code: x\nname: [unclosed\nversion: 1\n")
    assert (issue.code, issue.path) == ("syntax_error", "$")
    assert issue.line == 3
    assert "ligne 3" in issue.message_fr


def test_json_syntax_error_gives_its_line() -> None:
    (issue,) = issues_of('{\n  "code": "x",\n}', filename="r.json")
    assert (issue.code, issue.line) == ("syntax_error", 3)


def test_duplicate_keys_are_refused_in_yaml_and_json() -> None:
    (issue,) = issues_of(MINIMAL.replace('version: "1"', 'version: "1"\nversion: "2"'))
    assert (issue.path, issue.code, issue.line) == ("$.version", "duplicate_key", 3)
    (issue,) = issues_of('{"code": "a", "levels": [{"rank": 1, "rank": 2}]}', filename="x.json")
    assert (issue.path, issue.code) == ("$.levels[0].rank", "duplicate_key")


def test_empty_not_utf8_too_large_and_too_deep_documents_are_refused() -> None:
    assert [i.code for i in issues_of("  \n")] == ["empty_document"]
    assert [i.code for i in issues_of("# only a comment\n")] == ["empty_document"]
    assert [i.code for i in issues_of(b"code: \xff\n")] == ["not_utf8"]
    assert [i.code for i in issues_of(b"#" * (MAX_BYTES + 1))] == ["too_large"]
    deep = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    assert [i.code for i in issues_of(deep, filename="d.yaml")] == ["too_deep"]
    assert [i.code for i in issues_of(deep, filename="d.json")] == ["too_deep"]


def test_yaml_alias_expansion_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    assert [i.code for i in issues_of("\n".join(lines))] == ["too_large"]


def test_custom_yaml_tags_and_merge_keys_are_refused() -> None:
    codes = {i.code for i in issues_of(MINIMAL.replace('version: "1"', "version: !!binary aGk="))}
    assert codes == {"unsupported_yaml"}
    merged = MINIMAL.replace("name: {fr: Référentiel de test}", "base: &b {fr: x}\nname: {<<: *b}")
    assert "unsupported_yaml" in {i.code for i in issues_of(merged)}


# --- shape ----------------------------------------------------------------------------


def test_missing_fields_are_reported_at_their_path() -> None:
    issues = issues_of(
        one("- {code: A, name: {fr: A}, description: {fr: A}, rule: {badges: {competency: ORG}}}")
    )
    assert found(issues) == {("$.achievements[0].criteria", "schema_required")}
    assert issues[0].message_en == "'criteria' is required"


def test_french_text_is_required_everywhere_user_facing() -> None:
    text = one(
        achievement_yaml("A", "{badges: {competency: ORG}}").replace("{fr: Badge A}", "{en: A}")
    )
    (issue,) = issues_of(text)
    assert (issue.path, issue.code) == ("$.achievements[0].name.fr", "schema_required")
    assert "français" in issue.message_fr
    (issue,) = issues_of(
        one(achievement_yaml("A", "{badges: {competency: ORG}}")).replace(
            "{fr: Critères A}", "{fr: '   '}"
        )
    )
    assert (issue.path, issue.code) == ("$.achievements[0].criteria.fr", "schema_pattern")


def test_unknown_property_is_reported_with_a_suggestion_and_its_line() -> None:
    text = one(achievement_yaml("A", "{badges: {competency: ORG, min_cout: 2}}"))
    (issue,) = issues_of(text)
    assert issue.path == "$.achievements[0].rule.badges.min_cout"
    assert issue.code == "schema_additional_properties"
    assert "min_count" in issue.message_fr
    assert "min_count" in issue.message_en
    assert (
        issue.line
        == text.splitlines().index("    rule: {badges: {competency: ORG, min_cout: 2}}") + 1
    )


def test_unquoted_version_read_as_a_number_gets_a_hint() -> None:
    text = one(achievement_yaml("A", "{badges: {competency: ORG}}"))
    (issue,) = issues_of(text.replace('version: "1"', "version: 2026.1"))
    assert (issue.path, issue.code) == ("$.version", "schema_type")
    assert "guillemets" in issue.message_fr
    assert "quotes" in issue.message_en


def test_a_value_of_the_wrong_type_is_named_in_the_words_of_each_language() -> None:
    text = one(achievement_yaml("A", "{badges: {competency: ORG}}"))
    (issue,) = issues_of(text.replace('version: "1"', "version: [1]"))
    assert issue.message_fr == "type attendu : texte (trouvé : liste [1])"
    assert issue.message_en == "expected string (found list [1])"


def test_a_misspelt_code_gets_a_suggestion_in_the_language_of_its_sentence() -> None:
    issues = issues_of(one(achievement_yaml("A", "{badges: {competency: OGR}}")))
    (issue,) = [i for i in issues if i.code == "unknown_competency"]
    assert issue.message_fr == "compétence inconnue « OGR » (vouliez-vous dire « ORG » ?)"
    assert issue.message_en == "unknown competency 'OGR' (did you mean 'ORG'?)"


def test_a_rule_holds_exactly_one_condition() -> None:
    text = one(achievement_yaml("A", "{badges: {competency: ORG}, regional: [A]}"))
    (issue,) = issues_of(text)
    assert (issue.path, issue.code) == ("$.achievements[0].rule", "schema_max_properties")
    assert "all ou any" in issue.message_fr


def test_bad_values_are_reported_each_at_its_path() -> None:
    text = one(
        achievement_yaml(
            "A",
            "{all: [{badges: {competency: ORG, within: 3 years}}, {n_of: {n: 0, of: [B]}}]}",
            image="http://insecure.example/i.png",
        )
    ).replace("uri: https://example.org/c/communiquer", "uri: ftp://example.org/c")
    assert found(issues_of(text)) == {
        ("$.competencies[1].uri", "schema_pattern"),
        ("$.achievements[0].rule.all[0].badges.within", "schema_pattern"),
        ("$.achievements[0].rule.all[1].n_of.n", "schema_minimum"),
        ("$.achievements[0].image", "schema_pattern"),
    }


# --- meaning --------------------------------------------------------------------------


def test_unknown_references_are_reported_with_suggestions() -> None:
    text = one(
        achievement_yaml(
            "A",
            "{all: [{badges: {competency: ORGA, level: III}}, {regional: [B1]}]}",
            implies="[C]",
        )
        + achievement_yaml("B", "{badges: {competency: COM}}", competency="COM", level="X")
    )
    issues = issues_of(text)
    assert found(issues) == {
        ("$.achievements[0].implies[0]", "unknown_achievement"),
        ("$.achievements[0].rule.all[0].badges.competency", "unknown_competency"),
        ("$.achievements[0].rule.all[0].badges.level", "unknown_level"),
        ("$.achievements[0].rule.all[1].regional[0]", "unknown_achievement"),
        ("$.achievements[1].level", "unknown_level"),
    }
    by_path = {issue.path: issue for issue in issues}
    assert "ORG" in by_path["$.achievements[0].rule.all[0].badges.competency"].message_fr


def test_cycle_between_regional_badges_is_refused() -> None:
    text = one(
        achievement_yaml("A", "{regional: [B]}")
        + achievement_yaml("B", "{n_of: {n: 1, of: [C]}}")
        + achievement_yaml("C", "{all: [{regional: [A]}, {badges: {competency: ORG}}]}")
        + achievement_yaml("D", "{regional: [A]}")
    )
    (issue,) = issues_of(text)
    assert (issue.path, issue.code) == ("$.achievements[0]", "dependency_cycle")
    assert "A → B → C → A" in issue.message_fr
    assert "A → B → C → A" in issue.message_en


def test_implying_a_badge_the_rule_already_requires_is_refused() -> None:
    text = one(
        achievement_yaml("I", "{badges: {competency: ORG}}", competency="ORG", level="I")
        + achievement_yaml("II", "{regional: [I]}", competency="ORG", level="II", implies="[I]")
    )
    (issue,) = issues_of(text)
    assert (issue.path, issue.code) == ("$.achievements[1].implies[0]", "implies_prerequisite")
    assert "cycle" in issue.message_fr


def test_a_badge_cannot_depend_on_itself() -> None:
    text = one(
        achievement_yaml("A", "{any: [{regional: [A]}, {n_of: {n: 1, of: [A]}}]}", implies="[A]")
    )
    assert found(issues_of(text)) == {
        ("$.achievements[0].implies[0]", "self_reference"),
        ("$.achievements[0].rule.any[0].regional[0]", "self_reference"),
        ("$.achievements[0].rule.any[1].n_of.of[0]", "self_reference"),
    }


def test_thresholds_must_be_coherent() -> None:
    text = one(
        achievement_yaml(
            "A",
            "{all: [{badges: {competency: ORG, min_count: 1, min_issuers: 2}},"
            " {badges: {competency: ORG, level: I, min_level: II}},"
            " {badges: {competency: ORG, within: P0D}},"
            " {badges: {level: I}},"
            " {n_of: {n: 3, of: [B, C]}}]}",
        )
        + achievement_yaml("B", "{badges: {competency: ORG}}")
        + achievement_yaml("C", "{badges: {competency: ORG}}")
    )
    assert found(issues_of(text)) == {
        ("$.achievements[0].rule.all[0].badges.min_issuers", "min_issuers_exceeds_min_count"),
        ("$.achievements[0].rule.all[1].badges.min_level", "conflicting_level"),
        ("$.achievements[0].rule.all[2].badges.within", "empty_window"),
        ("$.achievements[0].rule.all[3].badges", "badges_without_target"),
        ("$.achievements[0].rule.all[3].badges.level", "level_without_competency"),
        ("$.achievements[0].rule.all[4].n_of.n", "n_of_exceeds_candidates"),
    }


def test_codes_ranks_uris_and_certifications_are_unique() -> None:
    text = (
        MINIMAL.replace("{code: II, rank: 2,", "{code: i, rank: 1,").replace(
            "https://example.org/c/communiquer", "https://EXAMPLE.org/c/organiser/"
        )
        + "  "
        + achievement_yaml("A", "{badges: {competency: ORG}}", competency="ORG", level="I").replace(
            "\n", "\n  "
        )
        + achievement_yaml("a", "{badges: {competency: ORG}}", competency="ORG", level="I").replace(
            "\n", "\n  "
        )
    )
    assert found(issues_of(text)) == {
        ("$.levels[1].code", "duplicate_code"),
        ("$.levels[1].rank", "duplicate_rank"),
        ("$.competencies[1].uri", "duplicate_uri"),
        ("$.achievements[1].code", "duplicate_code"),
        ("$.achievements[1]", "duplicate_certification"),
        ("$.competencies[0].level_uris.II", "unknown_level"),
    }


def test_ambiguous_target_codes_are_refused() -> None:
    text = (
        MINIMAL.replace("code: COM\n", "code: ORG-I\n")
        + "  "
        + achievement_yaml("A", "{badges: {competency: ORG}}").replace("\n", "\n  ")
    )
    issue = next(i for i in issues_of(text) if i.code == "ambiguous_target_code")
    assert issue.path == "$.competencies[1].code"
    assert "ORG-I" in issue.message_en


def test_a_badge_implies_only_lower_levels_of_its_competency() -> None:
    text = one(
        achievement_yaml(
            "ORG-I", "{badges: {competency: ORG}}", competency="ORG", level="I", implies="[ORG-II]"
        )
        + achievement_yaml("ORG-II", "{badges: {competency: ORG}}", competency="ORG", level="II")
    )
    assert found(issues_of(text)) == {("$.achievements[0].implies[0]", "implies_higher_level")}


def test_a_competency_badge_names_its_level() -> None:
    text = one(achievement_yaml("A", "{badges: {competency: ORG}}", competency="ORG"))
    assert found(issues_of(text)) == {("$.achievements[0].level", "competency_without_level")}


def test_json_input_reports_paths_too() -> None:
    document = default_referential().to_document()
    document["achievements"][8]["rule"]["n_of"]["of"][0] = "ORG-III"
    (issue,) = issues_of(json.dumps(document), filename="normandie.json")
    assert (issue.path, issue.code, issue.line) == (
        "$.achievements[8].rule.n_of.of[0]",
        "unknown_achievement",
        None,
    )


def test_issue_serialises_for_the_api() -> None:
    (issue,) = issues_of(one(achievement_yaml("A", "{badges: {competency: XYZ}}")))
    assert issue.to_dict() == {
        "path": "$.achievements[0].rule.badges.competency",
        "code": "unknown_competency",
        "message": {"fr": "compétence inconnue « XYZ »", "en": "unknown competency 'XYZ'"},
        "line": issue.line,
    }
