"""The small-cell rule (stats.suppression) on tables made by hand and by hypothesis.

The property: for any table, after suppression, no hidden cell can be worked
out from what is published: every additive line has 0 or at least 2 hidden
cells, the lines' equations leave every hidden cell free (solved here
independently with fractions, not with the module's numpy), and no single
line's bounds ("<5" is 0-4, "×" is 5 or more) pin a cell to one value.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from stats.suppression import (
    COMPLEMENTARY_TEXT,
    SMALL_TEXT,
    Cell,
    Grid,
    Table,
    determined_cells,
    figure,
    gender_totals,
    is_small,
    nested,
    one_way,
    share,
    split_table,
)

COLUMNS = ("girl_woman", "boy_man", "other", "unknown")

Position = tuple[int, int]


def published(table: Table) -> list[list[tuple[int | None, str]]]:
    """The rows as shown (values or None), the total row last."""
    rows = [[(c.value, c.text) for c in row.cells] for row in table.rows]
    if table.total is not None:
        rows.append([(c.value, c.text) for c in table.total.cells])
    return rows


def additive_lines(
    n_rows: int, n_cols: int, with_total: bool, groups: Sequence[Sequence[int]] = ()
) -> list[list[tuple[Position, int]]]:
    """Every line whose signed cells add up to 0: rows with row totals; with a total row, columns with theirs."""
    lines = [
        [*(((r, c), 1) for c in range(n_cols)), ((r, n_cols), -1)] for r in range(n_rows + (1 if with_total else 0))
    ]
    body = n_rows - len(groups)
    if with_total:
        lines += [[*(((r, c), 1) for r in range(body)), ((n_rows, c), -1)] for c in range(n_cols + 1)]
        lines += [
            [*(((m, c), 1) for m in members), ((body + g, c), -1)]
            for g, members in enumerate(groups)
            for c in range(n_cols + 1)
        ]
    return lines


def rank(matrix: list[list[Fraction]]) -> int:
    """Gaussian elimination over fractions."""
    rows = [row[:] for row in matrix]
    r = 0
    width = len(rows[0]) if rows else 0
    for c in range(width):
        pivot = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                factor = rows[i][c] / rows[r][c]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        r += 1
    return r


def recoverable(cells: list[list[tuple[int | None, str]]], lines: list[list[tuple[Position, int]]]) -> list[Position]:
    """Hidden cells the published figures determine: their unit vector lies in the lines' row space."""
    hidden = [(r, c) for r, row in enumerate(cells) for c, (value, _t) in enumerate(row) if value is None]
    if not hidden:
        return []
    index = {pos: i for i, pos in enumerate(hidden)}
    matrix = []
    for line in lines:
        row = [Fraction(0)] * len(hidden)
        for pos, sign in line:
            if pos in index:
                row[index[pos]] += sign
        if any(row):
            matrix.append(row)
    if not matrix:
        return hidden
    base = rank(matrix)
    found = []
    for pos, i in index.items():
        unit = [Fraction(0)] * len(hidden)
        unit[i] = Fraction(1)
        if rank([*matrix, unit]) == base:
            found.append(pos)
    return found


def check_safe(values: list[list[int]], table: Table, groups: Sequence[Sequence[int]] = ()) -> None:
    cells = published(table)
    n_rows = len(table.rows)
    lines = additive_lines(n_rows, len(COLUMNS), table.total is not None, groups)
    for line in lines:
        assert sum(1 for pos, _s in line if cells[pos[0]][pos[1]][0] is None) != 1, line
    assert recoverable(cells, lines) == []
    # Every count under 5 reads "<5"; complementary cells read "×"; shown cells are the true values.
    full = [*values, [sum(row[c] for row in values[: n_rows - len(groups)]) for c in range(len(COLUMNS) + 1)]]
    for r, row in enumerate(cells):
        for c, (value, text) in enumerate(row):
            if full[r][c] < 5:
                assert text == SMALL_TEXT
            elif value is None:
                assert text == COMPLEMENTARY_TEXT
            else:
                assert value == full[r][c]


def build(values: list[list[int]], multi: bool = False) -> Table:
    counts = {(f"r{r}", col): v for r, row in enumerate(values) for col, v in zip(COLUMNS, row, strict=False)}
    rows = [(f"r{r}", f"Row {r}") for r in range(len(values))]
    if multi:
        return split_table(counts, rows, COLUMNS, totals=None)
    totals = gender_totals({col: sum(row[c] for row in values) for c, col in enumerate(COLUMNS)}, COLUMNS)
    return split_table(counts, rows, COLUMNS, totals=totals, total_label="All")


def with_totals(values: list[list[int]]) -> list[list[int]]:
    return [[*row, sum(row)] for row in values]


def test_a_small_cell_and_its_complement() -> None:
    """Girls 20, boys 3, other 9, not known 8: the 3 is hidden, and so is the next-smallest of its row and column."""
    table = build([[20, 3, 9, 8], [30, 40, 50, 60]])
    row = [c.text for c in table.rows[0].cells]
    assert row == ["20", SMALL_TEXT, "9", COMPLEMENTARY_TEXT, "40"]
    # The column of boys: 3 hidden, so the other row's 40 hides too (else 43 - 40 = 3).
    assert table.rows[1].cells[1].hidden
    check_safe(with_totals([[20, 3, 9, 8], [30, 40, 50, 60]]), table)


def test_a_small_total_hides_through_every_table() -> None:
    """Three "other" contacts in all: the total itself is under 5, so every cell of the column is too."""
    values = [[20, 30, 1, 8], [30, 40, 2, 60]]
    table = build(values)
    assert table.total is not None and table.total.cells[2].text == SMALL_TEXT
    assert all(row.cells[2].text == SMALL_TEXT for row in table.rows)
    check_safe(with_totals(values), table)


def test_bounds_do_not_pin_two_small_cells() -> None:
    """Two "<5" cells adding up to 8 would both be 4: a third cell is hidden."""
    values = [[4, 4, 30, 40], [50, 60, 70, 80]]
    table = build(values)
    assert sum(cell.hidden for cell in table.rows[0].cells) >= 3
    check_safe(with_totals(values), table)


def test_topics_rows_only() -> None:
    table = build([[1, 20, 30, 40], [50, 2, 60, 70]], multi=True)
    assert table.total is None
    for row in table.rows:
        assert sum(cell.hidden for cell in row.cells) in (0, 2, 3, 4, 5)


def test_shares_of_hidden_cells_are_hidden() -> None:
    table = build([[20, 3, 9, 8], [30, 40, 50, 60]])
    assert table.total is not None
    assert share(table.rows[0].cells[1], table.total.cells[1]) == SMALL_TEXT
    assert share(table.rows[0].cells[0], table.total.cells[0]) == "40 %"


def test_subtotal_groups_cannot_give_a_fine_row_away() -> None:
    """A band of rows published elsewhere (the ESF age bands): band minus the other rows must not recover a cell."""
    values = [[20, 30, 7, 9], [2, 30, 8, 10], [40, 50, 6, 12]]
    counts = {(f"r{r}", col): v for r, row in enumerate(values) for col, v in zip(COLUMNS, row, strict=True)}
    rows = [(f"r{r}", f"Row {r}") for r in range(3)]
    totals = gender_totals({col: sum(row[c] for row in values) for c, col in enumerate(COLUMNS)}, COLUMNS)
    table = split_table(counts, rows, COLUMNS, totals=totals, groups=[("band", "Rows 0-1", ("r0", "r1"))])
    band = [values[0][c] + values[1][c] for c in range(4)]
    check_safe(with_totals([*values, band]), table, groups=[[0, 1]])


small_counts = st.one_of(st.integers(0, 4), st.integers(5, 40))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(small_counts, min_size=4, max_size=4), min_size=1, max_size=6))
def test_no_hidden_cell_can_be_recovered(values: list[list[int]]) -> None:
    check_safe(with_totals(values), build(values))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(small_counts, min_size=4, max_size=4), min_size=1, max_size=6))
def test_no_hidden_topic_cell_can_be_recovered(values: list[list[int]]) -> None:
    table = build(values, multi=True)
    cells = published(table)
    lines = additive_lines(len(values), 4, False)
    assert recoverable(cells, lines) == []


def whole_system_determined(grid: Grid) -> set[tuple[int, int]]:
    """The reference: one solve of every line's equation over all hidden cells (the rule as written)."""
    hidden = sorted(grid.hidden)
    index = {pos: i for i, pos in enumerate(hidden)}
    rows = []
    for line in grid.lines:
        row = np.zeros(len(hidden))
        for pos, sign in line:
            if pos in index:
                row[index[pos]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    _u, singular, vt = np.linalg.svd(np.array(rows))
    null = vt[int((singular > 1e-9).sum()) :]
    return {pos for pos, i in index.items() if not (np.abs(null[:, i]) > 1e-9).any()}


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 6),
    st.sets(st.tuples(st.integers(0, 6), st.integers(0, 4)), max_size=30),
    st.booleans(),
)
def test_per_group_solve_fixes_the_same_cells(rows: int, hidden: set[tuple[int, int]], totals: bool) -> None:
    """determined_cells solves independent groups of lines apart (for speed); the cells must be the same."""
    n_cols = 4
    lines = [[*(((r, c), 1) for c in range(n_cols)), ((r, n_cols), -1)] for r in range(rows)]
    if totals:
        lines.append([*(((rows, c), 1) for c in range(n_cols)), ((rows, n_cols), -1)])
        lines += [[*(((r, c), 1) for r in range(rows)), ((rows, c), -1)] for c in range(n_cols + 1)]
    size = rows + (1 if totals else 0)
    grid = Grid([[5] * (n_cols + 1) for _ in range(size)], lines)
    grid.hidden = {(r, c) for r, c in hidden if r < size}
    assert determined_cells(grid) == whole_system_determined(grid)


# --- One list, two lines sharing a subtotal, single figures (surveys, reach, feedback) -----------


def check_line_cells(values: list[int], cells: list[Cell], lines: list[list[tuple[Position, int]]]) -> None:
    """No hidden cell of one row of figures can be worked out; the texts follow the rule."""
    shown = [[(cell.value, cell.text) for cell in cells]]
    assert recoverable(shown, lines) == []
    for value, cell in zip(values, cells, strict=True):
        if value < 5:
            assert cell.text == SMALL_TEXT
        elif cell.hidden:
            assert cell.text == COMPLEMENTARY_TEXT
        else:
            assert cell.value == value


def test_single_figures_and_one_list() -> None:
    assert [figure(n).text for n in (0, 4, 5)] == ["<5", "<5", "5"] and is_small(0)
    # One small cell with a published total: the next-smallest goes too, as "×".
    assert [c.text for c in one_way([10, 3, 6, 8], total_hidden=False).cells] == ["10", "<5", "×", "8"]
    # No line (several choices a person): a lone small cell still takes the next-smallest with it.
    assert [c.text for c in one_way([3, 9, 28], additive=False).cells] == ["<5", "×", "28"]


@settings(max_examples=150, deadline=None)
@given(st.lists(small_counts, min_size=1, max_size=8))
def test_no_hidden_cell_of_one_list_can_be_recovered(values: list[int]) -> None:
    line = one_way(values, total_hidden=is_small(sum(values)))
    n = len(values)
    check_line_cells(
        [*values, sum(values)], [*line.cells, line.total], [[*(((0, c), 1) for c in range(n)), ((0, n), -1)]]
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(small_counts, min_size=1, max_size=8), st.lists(small_counts, min_size=1, max_size=2))
def test_no_hidden_cell_of_two_nested_lines_can_be_recovered(parts: list[int], rest: list[int]) -> None:
    total = sum(parts) + sum(rest)
    inner, outer = nested(parts, rest, total_hidden=is_small(total))
    assert inner.total == outer.cells[0]
    n, m = len(parts), len(rest)
    lines: list[list[tuple[Position, int]]] = [
        [*(((0, c), 1) for c in range(n)), ((0, n), -1)],
        [*(((0, c), 1) for c in range(n, n + m + 1)), ((0, n + m + 1), -1)],
    ]
    check_line_cells([*parts, sum(parts), *rest, total], [*inner.cells, *outer.cells, outer.total], lines)
