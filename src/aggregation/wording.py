"""Sentences said in French or English, from the one gettext catalogue (:mod:`obhub_i18n`).

A :data:`Say` is a sentence not yet put in a language: a function of the language.
:func:`say` and :func:`say_plural` build one from a message id (its English source text,
marked with ``N_`` so that ``make catalogue`` finds it) and its ``{fields}``. A field may
itself be a :data:`Say`: it is said in the same language, so a hint or a list of names
joins its sentence in French or in English alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from obhub_i18n import Language, render, render_plural

__all__ = ["Say", "say", "say_plural"]

Say = Callable[[Language], str]


def _values(params: Mapping[str, object], language: Language) -> dict[str, object]:
    return {name: value(language) if callable(value) else value for name, value in params.items()}


def say(message: str, **params: object) -> Say:
    """``message`` with its fields, to be said in a language."""

    def in_language(language: Language) -> str:
        return render(language, message, _values(params, language))

    return in_language


def say_plural(singular: str, plural: str, n: int, **params: object) -> Say:
    """The form of ``singular``/``plural`` that ``n`` takes, with its fields (``n`` too)."""

    def in_language(language: Language) -> str:
        values = {"n": n, **_values(params, language)}
        return render_plural(language, singular, plural, n, values)

    return in_language
