"""``obhub staff create``: a console account from the command line, its one-time password
printed once; the account signs in with it (and must replace it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from issuer_api.cli import EXIT_USAGE, main

EMAIL = "agent.referentiel@normandie.fr"


@pytest.fixture
def migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("OBHUB_DATABASE_URL", raising=False)
    monkeypatch.setenv("OBHUB_DATA_DIR", str(tmp_path))
    assert main(["migrate"]) == 0
    return tmp_path


def test_staff_create_prints_a_one_time_password_once(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert (
        main(["staff", "create", "--email", EMAIL, "--role", "referential_editor", "--json"]) == 0
    )
    created = json.loads(capsys.readouterr().out)
    assert created["email"] == EMAIL
    assert created["role"] == "referential_editor"
    assert len(created["password"]) == 20

    assert main(["staff", "create", "--email", EMAIL, "--role", "read_only"]) == EXIT_USAGE
    assert "already exists" in capsys.readouterr().err


def test_staff_create_refuses_what_is_not_an_email_or_a_role(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_email = ["staff", "create", "--email", "pas une adresse", "--role", "read_only"]
    assert main(not_email) == EXIT_USAGE
    assert "not an email address" in capsys.readouterr().err
    assert main(["staff", "create", "--email", EMAIL, "--role", "superuser"]) == EXIT_USAGE


def test_staff_create_for_the_regions_account_prints_no_password(
    migrated: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    command = ["staff", "create", "--email", EMAIL, "--role", "administrator", "--region-account"]
    assert main(command) == EXIT_USAGE
    assert "OBHUB_OIDC_ISSUER" in capsys.readouterr().err

    monkeypatch.setenv("OBHUB_OIDC_ISSUER", "https://connexion.region.test")
    monkeypatch.setenv("OBHUB_OIDC_CLIENT_ID", "obhub-console")
    monkeypatch.setenv("OBHUB_OIDC_CLIENT_SECRET", "secret")
    assert main([*command, "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["password"] is None
    assert created["role"] == "administrator"
