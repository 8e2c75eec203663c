"""``obhub outbox``: what the outbox holds, for an operator without SMTP — never the
addresses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from issuer_api.cli import main
from issuer_api.mail import outbox
from issuer_api.mail.compose import compose_text, read

ADDRESS = "camille.martin@example.fr"


def test_the_outbox_lists_files_and_subjects_without_addresses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OBHUB_DATA_DIR", str(tmp_path))
    message = read(
        compose_text(
            name="sign_in",
            language="fr",
            context={"link": "http://127.0.0.1:8000/connexion/lien?jeton=abc", "minutes": 15},
            to=ADDRESS,
            sender="badges@normandie.example",
        )
    )
    name = outbox.file_name(datetime(2026, 12, 7, 12, 0, tzinfo=UTC), "m-1")
    outbox.write(outbox.folder(tmp_path), name, message)

    assert main(["outbox", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["messages"] == [
        {
            "file": "20261207T120000.000000Z-m-1.eml",
            "size": (outbox.folder(tmp_path) / name).stat().st_size,
            "subject": "Votre lien de connexion — La Normandie badge les compétences",
        }
    ]
    assert main(["outbox"]) == 0
    table = capsys.readouterr().out
    assert "20261207T120000.000000Z-m-1.eml" in table
    assert ADDRESS not in table


def test_an_empty_outbox_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OBHUB_DATA_DIR", str(tmp_path))

    assert main(["outbox"]) == 0
    assert "no email in" in capsys.readouterr().out
