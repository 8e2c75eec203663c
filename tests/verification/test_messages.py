"""Every code the core or the pipeline can report has a French and an English message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from catalogue_files import translated
from obcore import errors
from verify.messages import CATALOGUE, LANGS, MESSAGE_IDS, Lang, message, messages_in

SRC = Path(__file__).resolve().parents[2] / "src"


def _emitted_codes() -> set[str]:
    codes: set[str] = set()
    for path in [*(SRC / "obcore").rglob("*.py"), *(SRC / "verify").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'code="([a-z0-9_]+)"', text))
        codes |= set(re.findall(r'Check\(\s*"[a-z_]+",\s*"[a-z]+",\s*"([a-z0-9_]+)"', text))
        codes |= set(re.findall(r'notices\.append\("([a-z0-9_]+)"\)', text))
    for name in dir(errors):
        value = getattr(errors, name)
        if isinstance(value, type) and issubclass(value, errors.ObcoreError):
            codes.add(value.code)
    return codes


def test_every_reported_code_has_a_french_and_an_english_message() -> None:
    missing = sorted(code for code in _emitted_codes() if code not in CATALOGUE)
    assert missing == []


def test_messages_are_written_in_both_languages() -> None:
    for code, entry in CATALOGUE.items():
        assert entry["fr"].strip(), code
        assert entry["en"].strip(), code
        assert entry["fr"] != entry["en"] or code == "ok", code


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated_in_both_languages(lang: Lang) -> None:
    untranslated = sorted(
        code for code, message_id in MESSAGE_IDS.items() if message_id not in translated(lang)
    )
    assert untranslated == []


def test_a_message_is_looked_up_by_code_in_either_language() -> None:
    assert message("revoked", "fr") == "Le badge a été révoqué."
    assert message("revoked", "en") == "The badge has been revoked."
    assert CATALOGUE["revoked"] == {
        "fr": "Le badge a été révoqué.",
        "en": "The badge has been revoked.",
    }
    assert messages_in("fr")["revoked"] == "Le badge a été révoqué."


def test_the_messages_by_code_list_every_code_and_no_other() -> None:
    assert list(CATALOGUE) == list(MESSAGE_IDS)
    assert len(CATALOGUE) == len(MESSAGE_IDS)
    assert set(messages_in("en")) == set(MESSAGE_IDS)
    assert "some_new_code" not in CATALOGUE
    with pytest.raises(KeyError):
        CATALOGUE["some_new_code"]
