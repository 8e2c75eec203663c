"""Figures as ratios to a reference measured in the same run, with targets and the load.

A benchmark figure on a shared machine means little alone: ``python -m bench``
measures each figure together with a reference (Digital Bazaar's Node libraries for
the credential core, a trivial FastAPI endpoint for HTTP, the core for the service)
in the same run, and judges the *ratio* against the target. Some targets are plain
bounds (badges per second, milliseconds); they say so. Every figure is printed with
its reference, ratio, target and ``PASS``/``MISS``; the machine's load is printed at
the start and at the end.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

Kind = Literal["ratio_at_least", "ratio_at_most", "at_least", "at_most"]
Status = Literal["PASS", "MISS", "-"]


@dataclass(frozen=True)
class Target:
    """What a figure must reach: a ratio to its reference, or a plain bound."""

    kind: Kind
    value: float

    def describe(self) -> str:
        return {
            "ratio_at_least": f">= {self.value:g}x",
            "ratio_at_most": f"<= {self.value:g}x",
            "at_least": f">= {self.value:g}",
            "at_most": f"<= {self.value:g}",
        }[self.kind]


@dataclass(frozen=True)
class Figure:
    """One measured ``value`` (``unit``), its ``reference`` measured in the same run."""

    group: str
    name: str
    value: float
    unit: str
    reference_name: str = ""
    reference: float | None = None
    target: Target | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.reference is None or self.reference == 0:
            return None
        return self.value / self.reference

    @property
    def status(self) -> Status:
        target = self.target
        if target is None:
            return "-"
        if target.kind in ("at_least", "at_most"):
            measured: float | None = self.value
        else:
            measured = self.ratio
        if measured is None:
            return "MISS"
        if target.kind.endswith("at_least"):
            return "PASS" if measured >= target.value else "MISS"
        return "PASS" if measured <= target.value else "MISS"


@dataclass(frozen=True)
class Load:
    """The machine's load when a snapshot is taken."""

    at: str
    load_1m: float
    load_5m: float
    load_15m: float
    cpus: int

    @classmethod
    def now(cls) -> Load:
        one, five, fifteen = os.getloadavg()
        return cls(
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            round(one, 2),
            round(five, 2),
            round(fifteen, 2),
            os.cpu_count() or 1,
        )

    def describe(self) -> str:
        return (
            f"{self.at}: load average {self.load_1m:.2f} / {self.load_5m:.2f} / "
            f"{self.load_15m:.2f} (1, 5, 15 min) on {self.cpus} CPU(s)"
        )


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_table(figures: Sequence[Figure]) -> str:
    """The figures as a text table, grouped, one line each."""
    lines = []
    group = None
    header = (
        f"  {'figure':46s} {'value':>12s}  {'reference':34s} {'ref. value':>12s} "
        f"{'ratio':>8s} {'target':>9s}  status"
    )
    for figure in figures:
        if figure.group != group:
            group = figure.group
            lines.extend(["", group, header])
        reference = "" if figure.reference is None else _number(figure.reference)
        ratio = "" if figure.ratio is None else f"{figure.ratio:.2f}x"
        target = figure.target.describe() if figure.target else ""
        value = f"{_number(figure.value)} {figure.unit}"
        line = (
            f"  {figure.name:46s} {value:>12s}  {figure.reference_name:34s} {reference:>12s} "
            f"{ratio:>8s} {target:>9s}  {figure.status}"
        )
        lines.append(line.rstrip())
        if figure.note:
            lines.append(f"    ({figure.note})")
    return "\n".join(lines)


@dataclass
class Report:
    """Every figure of a run, the load at its start and end; saved as JSON."""

    start: Load = field(default_factory=Load.now)
    end: Load | None = None
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, figures: Sequence[Figure]) -> None:
        self.figures.extend(figures)
        print(format_table(figures), flush=True)

    def finish(self) -> int:
        """Print the summary, save ``.benchmarks/report.json``; 1 if a target is missed."""
        self.end = Load.now()
        missed = [f for f in self.figures if f.status == "MISS"]
        judged = [f for f in self.figures if f.status != "-"]
        print()
        print("=" * 100)
        print(format_table(self.figures))
        print()
        for note in self.notes:
            print(f"note: {note}")
        print(f"load at start: {self.start.describe()}")
        print(f"load at end:   {self.end.describe()}")
        print(f"{len(judged) - len(missed)} of {len(judged)} targets met", end="")
        print(": " + ", ".join(f.name for f in missed) + " missed" if missed else "")
        Path(".benchmarks").mkdir(exist_ok=True)
        document = {
            "start": asdict(self.start),
            "end": asdict(self.end),
            "notes": self.notes,
            "figures": [{**asdict(f), "ratio": f.ratio, "status": f.status} for f in self.figures],
        }
        Path(".benchmarks/report.json").write_text(
            json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return 1 if missed else 0
