"""Every template of Mon espace compiles in both languages and extends the one layout."""

from __future__ import annotations

import pytest

from issuer_api.web.templating import environment

TEMPLATES = (
    "espace.html",
    "espace_claim.html",
    "espace_claim_result.html",
    "espace_claim_missing.html",
    "espace_data.html",
    "espace_erase.html",
    "espace_erased.html",
    "espace_forbidden.html",
)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("name", TEMPLATES)
def test_the_template_compiles_on_the_layout(name: str, language: str) -> None:
    env = environment("fr" if language == "fr" else "en")
    source, _filename, _uptodate = env.loader.get_source(env, name)  # type: ignore[union-attr]

    env.get_template(name)

    assert '{% extends "base.html" %}' in source
