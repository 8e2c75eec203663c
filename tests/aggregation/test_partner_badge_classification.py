"""Which partner badges count, for which competency and level."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from regional_scenarios import NOW, URIS, badge

from aggregation import (
    AchievementMapping,
    Alignment,
    BadgeFact,
    Classifier,
    CompetencyLevel,
    classify,
    default_referential,
)
from aggregation.classify import alignments_from_achievement, code_key, url_key

REF = default_referential()
ORG_I, ORG_II = CompetencyLevel("ORG", "I"), CompetencyLevel("ORG", "II")


def pairs(fact: BadgeFact, *mappings: AchievementMapping) -> frozenset[CompetencyLevel]:
    return classify(REF, fact, mappings)


def test_alignment_by_competency_target_url_counts_at_the_lowest_level() -> None:
    assert pairs(badge("b", url=URIS["ORG"])) == {ORG_I}


def test_target_urls_compare_without_trailing_slash_or_host_case() -> None:
    url = "https://Badges.Normandie.FR/referentiel/competences/organiser/ "
    assert pairs(badge("b", url=url)) == {ORG_I}
    assert pairs(badge("b", url=URIS["ORG"].upper())) == set()  # the path is case-sensitive


def test_alignment_by_level_specific_target_url() -> None:
    assert pairs(badge("b", url=URIS["COM"] + "/je-maitrise")) == {("COM", "II")}


def test_alignment_by_competency_target_code_counts_at_the_lowest_level() -> None:
    assert pairs(badge("b", code="ORG")) == {ORG_I}


@pytest.mark.parametrize(
    "code", ["ORG-II", "org-ii", "ORG.II", "ORG_II", "ORG II", "ORG:II", "ORG-2"]
)
def test_level_specific_target_code_variants(code: str) -> None:
    assert pairs(badge("b", code=code)) == {ORG_II}


def test_unrelated_alignments_do_not_count() -> None:
    assert pairs(badge("b", code="RS5364", url="https://www.francecompetences.fr/rs/5364")) == set()
    assert pairs(badge("b", code="ORG-III")) == set()
    assert pairs(badge("b")) == set()


def test_url_naming_the_competency_and_code_naming_the_level_give_that_level_only() -> None:
    fact = badge("b")
    fact = BadgeFact(
        id="b",
        issuer_id=fact.issuer_id,
        achievement_id=fact.achievement_id,
        issued_on=NOW,
        alignments=(Alignment(target_url=URIS["ORG"], target_code="ORG-II"),),
    )
    assert pairs(fact) == {ORG_II}


def test_several_alignments_count_for_several_competencies() -> None:
    fact = BadgeFact(
        id="b",
        issuer_id="did:web:p.example",
        achievement_id="https://p.example/a/1",
        issued_on=NOW,
        alignments=(
            Alignment(target_code="ORG"),
            Alignment(target_url=URIS["ADA"] + "/je-maitrise"),
            Alignment(target_code="COM-I"),
        ),
    )
    assert pairs(fact) == {ORG_I, ("ADA", "II"), ("COM", "I")}
    assert [(m.competency, m.level, m.via) for m in Classifier(REF).matches(fact)] == [
        ("ORG", "I", "targetCode"),
        ("ADA", "II", "targetUrl"),
        ("COM", "I", "targetCode"),
    ]


def test_explicit_mapping_makes_an_unaligned_badge_count() -> None:
    fact = badge("b", achievement="https://p1.example/achievements/benevolat")
    mapping = AchievementMapping("https://p1.example/achievements/benevolat", "INT", "II")
    assert pairs(fact) == set()
    assert pairs(fact, mapping) == {("INT", "II")}
    (match,) = Classifier(REF, [mapping]).matches(fact)
    assert (match.via, match.value) == ("mapping", fact.achievement_id)


def test_mapping_without_level_counts_at_the_lowest_level_and_codes_ignore_case() -> None:
    fact = badge("b", achievement="urn:a")
    assert pairs(fact, AchievementMapping("urn:a", "int")) == {("INT", "I")}
    assert pairs(fact, AchievementMapping("urn:a", "INT", "ii")) == {("INT", "II")}


def test_mapping_restricted_to_an_issuer_applies_to_that_issuer_only() -> None:
    mapping = AchievementMapping("urn:a", "COM", "I", issuer_id="did:web:p2.example")
    assert pairs(badge("b", partner="p1", achievement="urn:a"), mapping) == set()
    assert pairs(badge("b", partner="p2", achievement="urn:a"), mapping) == {("COM", "I")}


def test_mappings_naming_unknown_competencies_or_levels_are_set_aside() -> None:
    good = AchievementMapping("urn:a", "COM")
    bad = [AchievementMapping("urn:a", "XYZ"), AchievementMapping("urn:a", "COM", "III")]
    classifier = Classifier(REF, [good, *bad])
    assert classifier.ignored_mappings == tuple(bad)
    assert classifier.classify(badge("b", achievement="urn:a")) == {("COM", "I")}


def test_classification_does_not_look_at_validity() -> None:
    assert pairs(badge("b", code="ORG", active=False, status="revoked")) == {ORG_I}


def test_normalisation_helpers() -> None:
    assert code_key("  org . ii ") == "ORG-II"
    assert url_key("HTTPS://Example.ORG/A/b/") == "https://example.org/A/b"


def test_facts_from_an_ob3_credential() -> None:
    credential = {
        "issuer": {"id": "did:web:p1.example", "type": ["Profile"]},
        "validFrom": "2025-06-01T10:00:00+02:00",
        "validUntil": "2030-06-01T10:00:00Z",
        "credentialSubject": {
            "achievement": {
                "id": "https://p1.example/achievements/1",
                "alignment": [
                    {"targetUrl": URIS["ORG"], "targetName": {"fr": "Organiser"}},
                    {"targetCode": "COM-II", "targetName": "Communiquer"},
                    "not an object",
                ],
            }
        },
    }
    fact = BadgeFact.from_credential(credential, id="stored-1", source="partner-1")
    assert (fact.issuer_id, fact.organisation, fact.achievement_id) == (
        "did:web:p1.example",
        "partner-1",
        "https://p1.example/achievements/1",
    )
    assert fact.issued_on == datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
    assert fact.expires == datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
    assert [a.target_name for a in fact.alignments] == ["Organiser", "Communiquer"]
    assert pairs(fact) == {ORG_I, ("COM", "II")}
    with pytest.raises(ValueError, match="achievement"):
        BadgeFact.from_credential({"issuer": "did:web:x"}, id="x")


def test_alignment_may_be_a_single_object() -> None:
    (alignment,) = alignments_from_achievement({"alignment": {"targetCode": "ORG"}})
    assert alignment.target_code == "ORG"


def test_facts_need_timezone_aware_dates() -> None:
    with pytest.raises(ValueError, match="timezone"):
        BadgeFact(id="b", issuer_id="i", achievement_id="a", issued_on=datetime(2026, 1, 1))


@given(
    alignments=st.lists(
        st.builds(
            Alignment,
            target_url=st.none() | st.sampled_from([*URIS.values(), URIS["COM"] + "/je-maitrise"]),
            target_code=st.none() | st.sampled_from(["ORG", "org-ii", "COM.I", "ADA-2", "XYZ"]),
        ),
        max_size=3,
    ),
    mapped=st.booleans(),
)
def test_classify_is_exactly_what_matches_explains(
    alignments: list[Alignment], mapped: bool
) -> None:
    fact = BadgeFact(
        id="b",
        issuer_id="did:web:p.example",
        achievement_id="urn:a",
        issued_on=NOW,
        alignments=tuple(alignments),
    )
    classifier = Classifier(REF, [AchievementMapping("urn:a", "INT")] if mapped else [])
    assert classifier.classify(fact) == {match.pair for match in classifier.matches(fact)}
