"""Small-cell protection: no figure about 1 to 9 people is shown, and none can be
recovered from the totals shown (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregation.disclosure import (
    THRESHOLD,
    Cell,
    disclose,
    disclose_grid,
    disclose_rows,
    disclosed_statistic,
)

counts = st.integers(min_value=0, max_value=500)
labels = st.text(alphabet="ABCDEFGH", min_size=1, max_size=3)
one_way = st.dictionaries(labels, counts, max_size=12)
two_way = st.dictionaries(st.tuples(labels, labels), counts, max_size=30)


def visible(value: int) -> bool:
    return value == 0 or value >= THRESHOLD


def test_a_group_of_one_to_nine_people_is_hidden() -> None:
    assert [disclose(n).value for n in range(12)] == [0] + [None] * 9 + [10, 11]


def test_a_negative_count_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="negative"):
        disclose(-1)


@given(counts)
def test_a_disclosed_cell_is_the_count_itself(count: int) -> None:
    cell = disclose(count)
    assert cell.hidden or cell.value == count
    assert cell.hidden == (0 < count < THRESHOLD)


@given(one_way)
def test_no_row_or_total_of_a_table_is_about_fewer_than_ten_people(
    table: dict[str, int],
) -> None:
    rows, total = disclose_rows(table)
    assert all(row.cell.value is None or visible(row.cell.value) for row in rows)
    assert visible(total)


@given(one_way)
def test_the_total_shown_reveals_nothing_about_hidden_rows(table: dict[str, int]) -> None:
    rows, total = disclose_rows(table)
    shown = sum(row.cell.value for row in rows if row.cell.value is not None)
    assert total - shown == 0


@given(one_way, counts)
def test_changing_a_hidden_row_changes_nothing_that_is_shown(
    table: dict[str, int], other: int
) -> None:
    hidden = [key for key, count in table.items() if 0 < count < THRESHOLD]
    if not hidden:
        return
    changed = dict(table) | {hidden[0]: 1 + other % (THRESHOLD - 1)}
    assert disclose_rows(changed) == disclose_rows(table)


@given(two_way)
def test_no_cell_or_total_of_a_grid_is_about_fewer_than_ten_people(
    table: dict[tuple[str, str], int],
) -> None:
    grid = disclose_grid(table)
    for row in grid.rows:
        for column in grid.columns:
            value = grid.cell(row, column).value
            assert value is None or visible(value)
    assert all(visible(v) for v in grid.row_totals.values())
    assert all(visible(v) for v in grid.column_totals.values())
    assert visible(grid.total)


@given(two_way, counts)
def test_a_hidden_cell_of_a_grid_cannot_be_recovered_from_its_totals(
    table: dict[tuple[str, str], int], other: int
) -> None:
    """Any hidden cell may take any hidden value: the grid shown stays the same."""
    hidden = [key for key, count in table.items() if 0 < count < THRESHOLD]
    if not hidden:
        return
    changed = dict(table) | {hidden[-1]: 1 + other % (THRESHOLD - 1)}
    assert disclose_grid(changed) == disclose_grid(table)


def test_grid_totals_add_the_disclosed_cells_only() -> None:
    grid = disclose_grid({("A", "x"): 12, ("A", "y"): 3, ("B", "x"): 20, ("B", "y"): 15})
    assert grid.cell("A", "y") == Cell(None)
    assert grid.row_totals == {"A": 12, "B": 35}
    assert grid.column_totals == {"x": 32, "y": 15}
    assert grid.total == 47


def test_a_median_of_fewer_than_ten_people_is_not_shown() -> None:
    assert disclosed_statistic(9, 3.5) is None
    assert disclosed_statistic(10, 3.5) == 3.5
