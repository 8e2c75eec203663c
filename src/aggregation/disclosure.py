"""Small-cell protection: no figure about fewer than 10 people is ever shown.

Every table of the console's insights (and its CSV export) goes through this module,
and only through it. The rule, in full:

1. **Primary suppression.** A cell counting from 1 to ``THRESHOLD - 1`` (1 to 9)
   distinct people is hidden: it reads "moins de 10" ("fewer than 10"), never its
   value. A cell of 0 says that nobody is in it and is shown as 0.
2. **Totals from disclosed cells only.** A row, column or grand total is the sum of
   the cells shown in it, never the true total. Subtracting the shown cells from a
   shown total therefore gives 0, whichever cells are hidden: a hidden cell cannot be
   recovered from totals, so no secondary (complementary) suppression is needed. The
   pages and exports say so ("sum of the figures shown").
3. **Derived figures follow their population.** A median, a rate or a share is shown
   only when the population it is computed from counts at least ``THRESHOLD`` people
   (:func:`disclosed_statistic`).

Figures about things rather than people (deliveries, badges received) are not cells of
this kind and are shown as they are; a breakdown of them that could single someone out
(refusal reasons per partner) is counted in distinct people and goes through here.

The module is pure (no web framework, no database): it is given counts, it returns what
may be shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

__all__ = [
    "THRESHOLD",
    "Cell",
    "Grid",
    "Row",
    "disclose",
    "disclose_grid",
    "disclose_rows",
    "disclosed_statistic",
    "disclosed_total",
]

THRESHOLD: Final = 10
"""The smallest number of people a figure may be about."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Cell:
    """One figure as it may be shown: ``value`` is ``None`` when it is hidden."""

    value: int | None

    @property
    def hidden(self) -> bool:
        return self.value is None

    @property
    def shown(self) -> int:
        """The value counted in totals: the figure if disclosed, else 0."""
        return self.value if self.value is not None else 0


def disclose(count: int) -> Cell:
    """A count of distinct people, hidden if it is from 1 to ``THRESHOLD - 1``."""
    if count < 0:
        raise ValueError("a count of people is never negative")
    return Cell(None) if 0 < count < THRESHOLD else Cell(count)


def disclosed_total(cells: Iterable[Cell]) -> int:
    """The sum of the disclosed cells (hidden cells count for nothing)."""
    return sum(cell.shown for cell in cells)


def disclosed_statistic(population: int, value: T) -> T | None:
    """``value`` (a median, a rate) if its population counts ``THRESHOLD`` people or more."""
    return value if population >= THRESHOLD else None


@dataclass(frozen=True, slots=True)
class Row:
    """A labelled row of a one-way table."""

    key: str
    cell: Cell


def disclose_rows(counts: Mapping[str, int] | Sequence[tuple[str, int]]) -> tuple[list[Row], int]:
    """A one-way table (label → distinct people) as shown, and its disclosed total."""
    pairs = list(counts.items()) if isinstance(counts, Mapping) else list(counts)
    rows = [Row(key, disclose(count)) for key, count in pairs]
    return rows, disclosed_total(row.cell for row in rows)


@dataclass(frozen=True, slots=True)
class Grid:
    """A two-way table as shown: cells, row and column totals of the disclosed cells."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: Mapping[tuple[str, str], Cell]
    row_totals: Mapping[str, int]
    column_totals: Mapping[str, int]
    total: int

    def cell(self, row: str, column: str) -> Cell:
        return self.cells.get((row, column), Cell(0))


def disclose_grid(
    counts: Mapping[tuple[str, str], int],
    rows: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
) -> Grid:
    """A two-way table ((row, column) → distinct people) as shown.

    ``rows`` and ``columns`` give the order (and may add empty ones); by default, the
    order in which they first appear in ``counts``.
    """
    row_keys = list(rows) if rows is not None else list(dict.fromkeys(r for r, _ in counts))
    column_keys = (
        list(columns) if columns is not None else list(dict.fromkeys(c for _, c in counts))
    )
    cells = {key: disclose(count) for key, count in counts.items()}
    row_totals = {
        r: disclosed_total(cells.get((r, c), Cell(0)) for c in column_keys) for r in row_keys
    }
    column_totals = {
        c: disclosed_total(cells.get((r, c), Cell(0)) for r in row_keys) for c in column_keys
    }
    return Grid(
        rows=tuple(row_keys),
        columns=tuple(column_keys),
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        total=sum(row_totals.values()),
    )
