"""``obhub referential check FILE``: check a référentiel and report in French or English.

The CLI reads the file, calls :func:`check_text` (or :func:`check_path`), prints
:func:`format_report` and exits with :attr:`CheckReport.exit_code`: ``0`` valid,
``1`` invalid (unreadable files included).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aggregation.errors import Issue, ReferentialError
from aggregation.model import Lang
from aggregation.referential import MAX_BYTES, Referential, load_referential
from aggregation.wording import say, say_plural
from obhub_i18n import N_, Language

__all__ = ["CheckReport", "check_path", "check_text", "format_report"]


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The outcome of checking one file: the référentiel, or the issues."""

    filename: str
    issues: tuple[Issue, ...]
    referential: Referential | None = None

    @property
    def ok(self) -> bool:
        return self.referential is not None and not self.issues

    @property
    def exit_code(self) -> int:
        """``0`` valid, ``1`` invalid."""
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "filename": self.filename,
            "ok": self.ok,
            "issues": [issue.to_dict() for issue in self.issues],
        }
        ref = self.referential
        if ref is not None:
            doc["referential"] = {
                "code": ref.code,
                "version": ref.version,
                "digest": ref.digest(),
                "levels": len(ref.levels),
                "competencies": len(ref.competencies),
                "achievements": len(ref.achievements),
            }
        return doc


def check_text(text: bytes | str, filename: str = "<stdin>") -> CheckReport:
    """Check référentiel text (YAML or JSON, chosen from ``filename`` or the content)."""
    try:
        referential = load_referential(text, filename=filename)
    except ReferentialError as exc:
        return CheckReport(filename, tuple(exc.issues))
    return CheckReport(filename, (), referential)


def check_path(path: str | os.PathLike[str]) -> CheckReport:
    """Check a référentiel file; an unreadable file is an ``unreadable`` issue."""
    name = os.fspath(path)
    try:
        with Path(name).open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        issue = Issue.of(
            "$", "unreadable", say(N_("cannot read the file: {reason}"), reason=reason)
        )
        return CheckReport(name, (issue,))
    return check_text(data, name)


def format_report(report: CheckReport, lang: Lang | str = "fr") -> list[str]:
    """Human lines: a summary, then one line per issue (``file:line: path: code: message``)."""
    language: Language = "en" if lang == "en" else "fr"
    ref = report.referential
    if report.ok and ref is not None:
        counts = say(
            N_("{competencies} competencies, {levels} levels, {achievements} regional badges"),
            competencies=len(ref.competencies),
            levels=len(ref.levels),
            achievements=len(ref.achievements),
        )
        valid = say(
            N_("{file}: valid — référentiel {code} version {version}: {counts}"),
            file=report.filename,
            code=ref.code,
            version=ref.version,
            counts=counts,
        )
        order = say(
            N_("evaluation order: {order}"),
            order=", ".join(a.code for a in ref.evaluation_order()),
        )
        digest = say(N_("sha256: {digest}"), digest=ref.digest())
        return [valid(language), order(language), digest(language)]
    count = len(report.issues)
    invalid = say_plural(
        "{file}: invalid — {n} issue", "{file}: invalid — {n} issues", count, file=report.filename
    )
    lines = [invalid(language)]
    for issue in report.issues:
        where = f"{report.filename}:{issue.line}" if issue.line else report.filename
        lines.append(f"{where}: {issue.path}: {issue.code}: {issue.message(lang)}")
    return lines
