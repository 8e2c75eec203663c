"""``make test-w3c`` where the suites or Node.js are missing: skipped with a clear
message on a developer's machine, an error in CI or when ``OBHUB_W3C_SUITES`` is set."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from run_suites import preflight


@pytest.fixture
def suites(tmp_path: Path) -> Path:
    folder = tmp_path / "w3c-suites"
    folder.mkdir()
    (folder / "README.md").write_text("the five suites\n")
    return folder


@pytest.fixture
def node_path(tmp_path: Path) -> str:
    """A PATH holding node and npm (as found on this machine, else as empty scripts)."""
    folder = tmp_path / "node-bin"
    folder.mkdir()
    for tool in ("node", "npm"):
        found = shutil.which(tool)
        link = folder / tool
        if found is not None:
            link.symlink_to(found)
        else:
            link.write_text("#!/bin/sh\n")
            link.chmod(0o755)
    return str(folder)


def test_absent_suites_are_skipped_with_the_reason_on_a_developer_machine(
    tmp_path: Path, node_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    found = preflight({"PATH": node_path}, default=tmp_path / "nowhere")

    assert found is None
    err = capsys.readouterr().err
    assert "SKIPPED" in err
    assert str(tmp_path / "nowhere") in err
    assert "OBHUB_W3C_SUITES" in err


def test_absent_suites_fail_in_ci(tmp_path: Path, node_path: str) -> None:
    with pytest.raises(SystemExit, match="no W3C suites"):
        preflight({"PATH": node_path, "CI": "true"}, default=tmp_path / "nowhere")


def test_suites_named_explicitly_but_absent_are_an_error(tmp_path: Path, node_path: str) -> None:
    env = {"PATH": node_path, "OBHUB_W3C_SUITES": str(tmp_path / "nowhere")}

    with pytest.raises(SystemExit, match="no W3C suites"):
        preflight(env, default=tmp_path / "nowhere")


def test_without_node_the_suites_are_skipped_unless_in_ci(
    suites: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()

    assert preflight({"PATH": str(empty)}, default=suites) is None
    assert "node is not on PATH" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="node is not on PATH"):
        preflight({"PATH": str(empty), "CI": "true"}, default=suites)


def test_present_suites_and_tools_are_run(suites: Path, node_path: str) -> None:
    assert preflight({"PATH": node_path, "CI": "true"}, default=suites) == suites.resolve()
