"""``obhub referential check FILE``: 0 valid, 1 invalid (issues listed), 64 unreadable."""

from __future__ import annotations

from pathlib import Path

from issuer_api.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE

from .conftest import Cli

DEFAULT = Path(__file__).parents[2] / "src" / "aggregation" / "data" / "normandie.yaml"


def test_the_shipped_normandie_referential_is_valid(cli: Cli) -> None:
    result = cli("referential", "check", DEFAULT)

    assert result.code == EXIT_OK, result.err
    assert "valide" in result.out
    assert "GEN" in result.out


def test_an_invalid_referential_lists_its_issues_with_paths_in_english(
    cli: Cli, tmp_path: Path
) -> None:
    draft = tmp_path / "draft.yaml"
    draft.write_text("code: essai\nversion: '1'\n", encoding="utf-8")

    result = cli("referential", "check", draft, "--lang", "en")

    assert result.code == EXIT_INVALID
    assert "$.competencies" in result.err
    assert "required" in result.err


def test_a_json_report_is_machine_readable(cli: Cli, tmp_path: Path) -> None:
    draft = tmp_path / "draft.json"
    draft.write_text('{"code": "essai"}', encoding="utf-8")

    result = cli("referential", "check", draft, "--json")

    assert result.code == EXIT_INVALID
    assert result.json()["issues"]


def test_a_missing_file_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    assert cli("referential", "check", tmp_path / "absent.yaml").code == EXIT_USAGE
