"""``obhub referential check FILE``: the report and its exit code."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from regional_scenarios import achievement_yaml, referential_yaml

from aggregation.check import check_path, check_text, format_report

DEFAULT = resources.files("aggregation").joinpath("data", "normandie.yaml").read_bytes()


def test_default_referential_checks_valid_with_exit_code_zero() -> None:
    report = check_text(DEFAULT, "normandie.yaml")
    assert (report.ok, report.exit_code, report.issues) == (True, 0, ())
    lines = format_report(report)
    assert lines[0] == (
        "normandie.yaml : valide — référentiel normandie version 2026.1 : "
        "4 compétences, 2 niveaux, 9 badges régionaux"
    )
    assert lines[1].startswith("ordre d'évaluation : ORG-II, ORG-I")
    assert format_report(report, "en")[0].startswith("normandie.yaml: valid — référentiel")
    assert report.to_dict()["referential"]["achievements"] == 9


def test_invalid_referential_lists_each_issue_with_file_line_and_path() -> None:
    text = referential_yaml(achievement_yaml("A", "{badges: {competency: XYZ}}"))
    report = check_text(text, "mine.yaml")
    assert (report.ok, report.exit_code) == (False, 1)
    (issue,) = report.issues
    lines = format_report(report)
    assert lines == [
        "mine.yaml : invalide — 1 problème",
        f"mine.yaml:{issue.line}: $.achievements[0].rule.badges.competency: unknown_competency: "
        "compétence inconnue « XYZ »",
    ]
    assert format_report(report, "en")[1].endswith("unknown competency 'XYZ'")


def test_files_are_read_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "normandie.json"
    path.write_text('{"code": "x"}', encoding="utf-8")
    report = check_path(path)
    assert report.exit_code == 1
    assert {i.code for i in report.issues} == {"schema_required"}
    missing = check_path(tmp_path / "absent.yaml")
    assert [i.code for i in missing.issues] == ["unreadable"]
    assert missing.exit_code == 1
