"""Criteria in plain words, generated from the rules of the référentiel (pure)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from aggregation.criteria import counting_conditions, counts_toward, criteria, duration_words
from aggregation.referential import Referential, default_referential, parse_referential
from aggregation.rules import Duration

NBSP = "\u00a0"


def with_badge(rule: dict[str, Any], code: str = "NEW") -> Referential:
    """The shipped référentiel plus a general badge ``code`` with ``rule``."""
    document = copy.deepcopy(default_referential().to_document())
    document["achievements"].append(
        {
            "code": code,
            "name": {"fr": "Nouveau", "en": "New"},
            "description": {"fr": "Nouveau badge.", "en": "New badge."},
            "criteria": {"fr": "Texte.", "en": "Text."},
            "rule": rule,
        }
    )
    return parse_referential(document)


def words(referential: Referential, code: str, lang: str = "fr") -> str:
    found = criteria(referential, referential.achievement(code), lang)  # type: ignore[arg-type]
    return found.plain().replace(NBSP, " ")


@pytest.mark.parametrize(
    ("iso", "fr", "en"),
    [
        ("P1Y", "1 an", "1 year"),
        ("P3Y", "3 ans", "3 years"),
        ("P1Y6M", "1 an et 6 mois", "1 year and 6 months"),
        ("P2W3D", "2 semaines et 3 jours", "2 weeks and 3 days"),
        ("P1Y1M1W1D", "1 an, 1 mois, 1 semaine et 1 jour", "1 year, 1 month, 1 week and 1 day"),
    ],
)
def test_durations_read_as_words(iso: str, fr: str, en: str) -> None:
    duration = Duration.parse(iso)
    assert duration_words("fr", duration) == fr
    assert duration_words("en", duration) == en


def test_a_mix_of_regional_badges_is_named_badge_by_badge() -> None:
    referential = with_badge({"n_of": {"n": 2, "of": ["ORG-I", "COM-II", "GEN"]}})
    assert words(referential, "NEW").endswith(
        "Au moins 2 des 3 badges régionaux suivants : « Organiser — Je pratique », "
        "« Communiquer — Je maîtrise », « Compétences transversales — Je maîtrise »"
    )
    assert words(referential, "NEW", "en").endswith(
        "At least 2 of these 3 regional badges: “Organising — I practise”, "
        "“Communicating — I master”, “Transversal skills — I master”"
    )


def test_badges_designated_by_id_are_counted_among_them() -> None:
    ids = ["https://a.example/1", "https://b.example/2"]
    referential = with_badge({"badges": {"achievements": ids, "min_count": 1}})
    assert words(referential, "NEW").endswith(
        "Au moins 1 badge partenaire reconnu, parmi 2 badges partenaires désignés"
    )


def test_conditions_that_cannot_be_merged_are_listed_one_by_one() -> None:
    referential = with_badge(
        {
            "all": [
                {"badges": {"competency": "ORG", "min_count": 2}},
                {"badges": {"competency": "COM", "min_count": 1}},
            ]
        }
    )
    found = criteria(referential, referential.achievement("NEW"), "en")
    assert [item.text for item in found.items] == [
        "At least 2 recognised partner badges in “Organising”",
        "At least 1 recognised partner badge in “Communicating”",
    ]


def test_partner_badges_count_toward_a_badge_through_the_badges_it_needs() -> None:
    referential = default_referential()
    general = counting_conditions(referential, "GEN")
    assert {c.competency.code for c in general if c.competency} == {"ORG", "ADA", "COM", "INT"}
    org_1 = counting_conditions(referential, "ORG-I")
    assert counts_toward(referential, org_1, achievement_id="x", competency="ORG", level="II")
    assert not counts_toward(referential, org_1, achievement_id="x", competency="COM", level="I")
