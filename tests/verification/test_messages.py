"""Every code the core or the pipeline can report has a French and an English message."""

from __future__ import annotations

import re
from pathlib import Path

from obcore import errors
from verify.messages import CATALOGUE

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
