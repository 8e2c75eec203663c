"""Sentences are said in French or English from the one catalogue, parts in the same language."""

from __future__ import annotations

from aggregation.wording import say, say_plural
from obhub_i18n import N_, pgettext


def test_a_sentence_is_said_in_the_language_asked_with_its_fields() -> None:
    text = say(N_("the key '{key}' appears twice"), key="name")
    assert text("fr") == "la clé « name » apparaît deux fois"
    assert text("en") == "the key 'name' appears twice"


def test_a_part_of_a_sentence_is_said_in_the_language_of_the_sentence() -> None:
    hint = say(N_(" (did you mean '{word}'?)"), word="ORG")
    text = say(N_("unknown competency '{code}'{hint}"), code="OGR", hint=hint)
    assert text("fr") == "compétence inconnue « OGR » (vouliez-vous dire « ORG » ?)"
    assert text("en") == "unknown competency 'OGR' (did you mean 'ORG'?)"


def test_a_count_takes_the_form_of_each_language() -> None:
    def report(count: int) -> tuple[str, str]:
        text = say_plural(
            "{file}: invalid — {n} issue", "{file}: invalid — {n} issues", count, file="r.yaml"
        )
        return text("fr"), text("en")

    assert report(1) == ("r.yaml : invalide — 1 problème", "r.yaml: invalid — 1 issue")
    assert report(3) == ("r.yaml : invalide — 3 problèmes", "r.yaml: invalid — 3 issues")


def test_a_lone_word_is_told_apart_by_its_context() -> None:
    assert pgettext("fr", "JSON type", "list") == "liste"
    assert pgettext("en", "JSON type", "list") == "list"
    assert pgettext("fr", "JSON type", "null") == "vide (null)"
