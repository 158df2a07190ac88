"""The small-cell rule: one home for hiding counts under 5, and whatever could give them away.

Every figure that counts contacts (reports, their exports, the reach comparison,
survey results) goes through this module, so a cell is hidden the same way in
every table and every file.

The rule
========
1. **Primary suppression.** A cell that counts fewer than `SMALL` (5) contacts,
   0 included, is hidden and shown as "<5". Totals are cells too: a row total,
   a column total or the grand total under 5 is hidden like any other cell.
2. **Complementary suppression.** A table publishes its totals, so a hidden
   cell could be worked out by subtraction: a row of 12 = 4 + 8 gives the 4
   back. Every *additive line* (a row with its row total, a column with its
   column total, a group of rows with its subtotal) is a linear equation whose
   known side is the sum of its published cells. We keep hiding until no
   hidden cell can be solved for:

   * a line with exactly one hidden cell gives it back at once: hide the
     next-smallest published cell of that line (the smallest loses the least);
   * several lines together can still pin a cell (a hidden cell that is the
     only link between two groups of hidden cells). We solve the equations of
     all lines over the hidden cells (rank of the equations with and without
     the cell's unit vector); a cell that is determined has its line's
     next-smallest published cell hidden too;
   * "<5" itself says 0-4, and a complementary cell is 5 or more: a line whose
     hidden cells must add up to a known sum could still leave a single value
     possible (two "<5" cells adding up to 8 are both 4). A line where the
     bounds leave one cell a single value gets one more cell hidden.

   This repeats until nothing changes. It ends: each round hides a cell, and a
   fully hidden table satisfies every check.
3. **Complementary cells are shown as "×"**, not "<5": they count 5 or more,
   and a reader adding a column up must not be told otherwise.
4. **Shares** (percentages) of a hidden cell are hidden too (`share`), as are
   averages and percentiles over fewer than `SMALL` values (`small_sample`).
5. **The same figure is hidden the same way everywhere.** The gender totals
   (contacts per gender, the bottom row of every table whose rows add up to
   all contacts) are suppressed once (`gender_totals`) and handed to every
   such table *locked*: a table's own complementary suppression never changes
   them, so a total hidden in one table is never published in another. The
   same dimension is always built by the same call with the same data, so
   its row totals are the same in every table and export. A table whose rows
   are merged into coarser groups elsewhere (the ESF participant summary's
   age bands) carries those groups as extra subtotal rows and lines, so the
   coarse table is the same suppression read another way: a hidden fine row
   cannot be recovered as "band minus the other rows".
6. **Multi-valued dimensions** (topics: a contact may have several) have rows
   that do not add up to a column total; only the rows (with their row totals)
   are additive lines there, and no column total is shown.

One-dimensional lists (`one_way`) follow the same rule: a question's answers
or a reach table's groups are one line with their total. A list whose counts
do not add up to a published figure (a multiple-choice question: one person
may choose several) has no line; its lone hidden cell still takes the
next-smallest with it, as the survey results always did. Two lines sharing
a subtotal (a reach table: groups to the contacts known, known with not known
and elsewhere to all contacts) are suppressed together (`nested`). Single
figures (a number of responses, a desk's ratings) are `figure`: "<5" under `SMALL`.

Callers: the reports and their exports (stats.reports, stats.exports), the
reach comparison (stats.reach), survey results (surveys.results) and the
console's feedback page (stats.feedback).

What this does not claim: it is the usual protection of published frequency
tables (as statistical offices do it), not a proof against every combination
of every report ever exported for overlapping periods; that is why exports and
views are audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

# Counts below this are hidden.
SMALL = 5
# How a hidden cell reads, in tables and exports alike.
SMALL_TEXT = "<5"
COMPLEMENTARY_TEXT = "×"

Position = tuple[int, int]


@dataclass
class Grid:
    """A table of counts with its additive lines; `hidden` is what suppression decided.

    `values[r][c]`; `lines`: each a list of (positions, sign) where the signed
    cells add up to 0 (the total's sign is -1). `locked`: cells whose hidden or
    shown state comes from elsewhere (the shared gender totals) and never changes here.
    """

    values: list[list[int]]
    lines: list[list[tuple[Position, int]]]
    locked: set[Position] = field(default_factory=set)
    primary: set[Position] = field(default_factory=set)
    hidden: set[Position] = field(default_factory=set)

    def value(self, pos: Position) -> int:
        return self.values[pos[0]][pos[1]]


def _hide_next_smallest(grid: Grid, line: list[tuple[Position, int]]) -> bool:
    """Hide the smallest published, unlocked cell of `line` (ties: the first); False if there is none."""
    candidates = [pos for pos, _sign in line if pos not in grid.hidden and pos not in grid.locked]
    if not candidates:
        return False
    grid.hidden.add(min(candidates, key=lambda pos: (grid.value(pos), pos)))
    return True


def determined_cells(grid: Grid) -> set[Position]:
    """The hidden cells whose value the lines' equations fix, given every published cell.

    Unknowns are the hidden cells; each line is an equation over them. A cell
    is determined when its unit vector lies in the equations' row space.
    The equations fall apart into independent groups (lines that share no
    hidden cell, e.g. each row of a topics table); each group is solved on its
    own, which gives the same cells as one solve of the whole system (its
    matrix is block-diagonal) at a fraction of the cost for a big table.
    """
    equations: list[dict[Position, int]] = []
    for line in grid.lines:
        equation: dict[Position, int] = {}
        for pos, sign in line:
            if pos in grid.hidden:
                equation[pos] = equation.get(pos, 0) + sign
        equation = {pos: coefficient for pos, coefficient in equation.items() if coefficient}
        if equation:
            equations.append(equation)
    if not equations:
        return set()
    # Union-find over the hidden cells: cells in one equation belong to one group.
    parent: dict[Position, Position] = {}

    def root(pos: Position) -> Position:
        while parent.setdefault(pos, pos) != pos:
            parent[pos] = parent[parent[pos]]
            pos = parent[pos]
        return pos

    for equation in equations:
        first, *others = equation
        for pos in others:
            parent[root(pos)] = root(first)
    groups: dict[Position, list[dict[Position, int]]] = {}
    for equation in equations:
        groups.setdefault(root(next(iter(equation))), []).append(equation)
    found: set[Position] = set()
    for group in groups.values():
        found |= _determined_in(group)
    return found


def _determined_in(equations: list[dict[Position, int]]) -> set[Position]:
    """The unknowns one connected group of equations fixes (rank test through the null space)."""
    if len(equations) == 1:
        # One equation fixes its unknown only when it has exactly one.
        (equation,) = equations
        return set(equation) if len(equation) == 1 else set()
    cells = sorted({pos for equation in equations for pos in equation})
    index = {pos: i for i, pos in enumerate(cells)}
    matrix = np.zeros((len(equations), len(cells)))
    for r, equation in enumerate(equations):
        for pos, coefficient in equation.items():
            matrix[r, index[pos]] = coefficient
    # The equations' null space: a cell no null-space vector moves is fixed by the published figures.
    _u, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null = vt[rank:]
    return {pos for pos, i in index.items() if not (np.abs(null[:, i]) > 1e-9).any()}


def pinned_cells(grid: Grid) -> set[Position]:
    """Hidden cells that one line's bounds leave a single value (each "<5" is 0-4, each "×" 5 or more)."""
    found = set()
    for line in grid.lines:
        hidden = [(pos, sign) for pos, sign in line if pos in grid.hidden]
        if len(hidden) < 2:
            continue
        # The known side: what the hidden cells must add up to (signed).
        known = -sum(grid.value(pos) * sign for pos, sign in line if pos not in grid.hidden)
        bounds = {pos: (0, SMALL - 1) if pos in grid.primary else (SMALL, None) for pos, _ in hidden}
        for pos, sign in hidden:
            # sign*x = known - sum(other signed); range of the others' signed sum:
            low_others, high_others = 0.0, 0.0
            for other, other_sign in hidden:
                if other == pos:
                    continue
                lo, hi = bounds[other]
                values = (lo, float("inf") if hi is None else hi)
                signed = sorted(v * other_sign for v in values)
                low_others += signed[0]
                high_others += signed[1]
            candidates = sorted(((known - high_others) * sign, (known - low_others) * sign))
            lo, hi = bounds[pos]
            low = max(candidates[0], lo)
            high = min(candidates[1], float("inf") if hi is None else hi)
            if low == high:
                found.add(pos)
    return found


def _hide_near(grid: Grid, pos: Position) -> bool:
    """Hide the smallest published cell of the lines through `pos`, or, where they have none, of the
    lines one hidden cell further (breadth first): a cell fixed by a chain of hidden cells is freed
    by hiding a published cell anywhere on that chain."""
    seen_cells = {pos}
    seen_lines: set[int] = set()
    frontier = {pos}
    while frontier:
        lines = [i for i, line in enumerate(grid.lines) if i not in seen_lines and any(p in frontier for p, _ in line)]
        seen_lines.update(lines)
        candidates = [p for i in lines for p, _sign in grid.lines[i] if p not in grid.hidden and p not in grid.locked]
        if candidates:
            grid.hidden.add(min(candidates, key=lambda p: (grid.value(p), p)))
            return True
        frontier = {p for i in lines for p, _sign in grid.lines[i] if p in grid.hidden} - seen_cells
        seen_cells |= frontier
    return False


def suppress(grid: Grid) -> Grid:
    """Apply the rule to `grid` (see the module's docstring); returns it with `primary` and `hidden` set."""
    for r, row in enumerate(grid.values):
        for c, value in enumerate(row):
            if (r, c) not in grid.locked and value < SMALL:
                grid.primary.add((r, c))
    grid.hidden |= grid.primary
    while True:
        changed = False
        for line in grid.lines:
            if sum(1 for pos, _ in line if pos in grid.hidden) == 1 and _hide_next_smallest(grid, line):
                changed = True
        if changed:
            continue
        for pos in sorted(determined_cells(grid) | pinned_cells(grid)):
            if _hide_near(grid, pos):
                changed = True
                break
        if not changed:
            return grid


# --- Tables split by gender ----------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One published figure: its value, or None when hidden, and the text to show."""

    value: int | None
    text: str

    @property
    def hidden(self) -> bool:
        return self.value is None


def _cell(grid: Grid, pos: Position) -> Cell:
    if pos in grid.hidden:
        return Cell(None, SMALL_TEXT if pos in grid.primary or grid.value(pos) < SMALL else COMPLEMENTARY_TEXT)
    value = grid.value(pos)
    return Cell(value, str(value))


@dataclass(frozen=True)
class GenderTotals:
    """Contacts per gender and in all, suppressed once for every table (rule 5)."""

    columns: tuple[str, ...]
    cells: tuple[Cell, ...]  # one per column, then the grand total

    @property
    def counts(self) -> list[int | None]:
        return [cell.value for cell in self.cells]


def gender_totals(counts: Mapping[str, int], columns: Sequence[str]) -> GenderTotals:
    """The one suppression of the contacts per gender: a single line, the genders and their total."""
    values = [[*(counts.get(column, 0) for column in columns), sum(counts.get(column, 0) for column in columns)]]
    n = len(columns)
    grid = suppress(Grid(values, [[*(((0, c), 1) for c in range(n)), ((0, n), -1)]]))
    return GenderTotals(tuple(columns), tuple(_cell(grid, (0, c)) for c in range(n + 1)))


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: tuple[Cell, ...]  # one per gender column, then the row total
    subtotal: bool = False


@dataclass(frozen=True)
class Table:
    """A suppressed table: rows × gender columns with row totals, and a total row when rows add up."""

    rows: tuple[Row, ...]
    total: Row | None
    columns: tuple[str, ...]

    def row(self, key: str) -> Row:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)


def is_small(count: int) -> bool:
    """Whether a single count is hidden (rule 1): under `SMALL`, 0 included."""
    return count < SMALL


def figure(count: int) -> Cell:
    """A single published count (not part of a table): the number, or "<5" when it is small (rule 1)."""
    return Cell(None, SMALL_TEXT) if is_small(count) else Cell(count, str(count))


@dataclass(frozen=True)
class OneWay:
    """A suppressed list of counts: one cell per count, and the total (their sum)."""

    cells: tuple[Cell, ...]
    total: Cell


def one_way(
    counts: Sequence[int],
    *,
    additive: bool = True,
    total_hidden: bool | None = None,
    locked: Mapping[int, bool] | None = None,
) -> OneWay:
    """Suppress one list of counts (see "One-dimensional lists" in the module's docstring).

    `additive`: the counts add up to their total, which is published — one
    line. `total_hidden`: the total is a figure already suppressed elsewhere
    (rule 5: the number of responses, a reach table's known contacts); it is
    locked, hidden or shown as given. `locked`: the same for some counts,
    by index. A locked hidden figure reads "<5" under `SMALL`, else "×".
    """
    n = len(counts)
    values = [[*counts, sum(counts)]]
    lines: list[list[tuple[Position, int]]] = [[*(((0, c), 1) for c in range(n)), ((0, n), -1)]] if additive else []
    fixed = dict(locked or {})
    if total_hidden is not None:
        fixed[n] = total_hidden
    elif not additive:
        fixed[n] = is_small(values[0][n])  # not published as part of the list; a figure of its own
    grid = Grid(values, lines, locked={(0, c) for c in fixed}, hidden={(0, c) for c, hidden in fixed.items() if hidden})
    grid.primary |= {pos for pos in grid.hidden if grid.value(pos) < SMALL}
    suppress(grid)
    if not additive and sum(1 for c in range(n) if (0, c) in grid.hidden) == 1:
        _hide_next_smallest(grid, [((0, c), 1) for c in range(n)])
    return OneWay(tuple(_cell(grid, (0, c)) for c in range(n)), _cell(grid, (0, n)))


def nested(parts: Sequence[int], rest: Sequence[int], *, total_hidden: bool) -> tuple[OneWay, OneWay]:
    """Two lines sharing a subtotal, suppressed together: `parts` add up to the subtotal, and the subtotal
    with `rest` adds up to a total already suppressed elsewhere (locked, `total_hidden`).

    A reach table: its groups add up to the contacts known, and known, not known
    and elsewhere add up to all contacts. Suppressed as one grid, so that a
    hidden cell of either line can take the subtotal with it (and the subtotal
    the next-smallest part). Returns (parts with the subtotal as total,
    (subtotal, *rest) with the total).
    """
    n, m = len(parts), len(rest)
    sub, total = n, n + 1 + m
    values = [[*parts, sum(parts), *rest, sum(parts) + sum(rest)]]
    lines: list[list[tuple[Position, int]]] = [
        [*(((0, c), 1) for c in range(n)), ((0, sub), -1)],
        [((0, sub), 1), *(((0, c), 1) for c in range(n + 1, total)), ((0, total), -1)],
    ]
    grid = Grid(values, lines, locked={(0, total)}, hidden={(0, total)} if total_hidden else set())
    grid.primary |= {pos for pos in grid.hidden if grid.value(pos) < SMALL}
    suppress(grid)
    inner = OneWay(tuple(_cell(grid, (0, c)) for c in range(n)), _cell(grid, (0, sub)))
    outer = OneWay(tuple(_cell(grid, (0, c)) for c in range(sub, total)), _cell(grid, (0, total)))
    return inner, outer


def split_table(
    counts: Mapping[tuple[str, str], int],
    rows: Sequence[tuple[str, str]],
    columns: Sequence[str],
    *,
    totals: GenderTotals | None,
    groups: Sequence[tuple[str, str, Sequence[str]]] = (),
    total_label: str = "",
) -> Table:
    """Suppress a table of `counts[(row key, column)]`, `rows` as (key, label) in order.

    `totals`: the shared gender totals when the rows add up to every contact
    (single-valued dimensions): they become the locked total row. None for a
    multi-valued dimension (topics): rows only, no total row.
    `groups`: (key, label, member row keys) — coarser rows published elsewhere
    (the ESF bands), added as subtotal rows with their own lines.
    """
    n_cols = len(columns)
    body: list[list[int]] = []
    for key, _label in rows:
        line = [counts.get((key, column), 0) for column in columns]
        body.append([*line, sum(line)])
    row_index = {key: i for i, (key, _label) in enumerate(rows)}
    for _key, _label, members in groups:
        line = [sum(body[row_index[m]][c] for m in members) for c in range(n_cols)]
        body.append([*line, sum(line)])
    lines: list[list[tuple[Position, int]]] = []
    locked: set[Position] = set()
    hidden: set[Position] = set()
    # Every row (body and subtotal) adds up to its row total.
    lines += [[*(((r, c), 1) for c in range(n_cols)), ((r, n_cols), -1)] for r in range(len(body))]
    if totals is not None:
        total_r = len(body)
        body.append([sum(body[r][c] for r in range(len(rows))) for c in range(n_cols + 1)])
        for c in range(n_cols + 1):
            locked.add((total_r, c))
            if totals.cells[c].hidden:
                hidden.add((total_r, c))
        # The total row is a line too (it is locked, so it only counts what is hidden in it).
        lines.append([*(((total_r, c), 1) for c in range(n_cols)), ((total_r, n_cols), -1)])
        lines += [[*(((r, c), 1) for r in range(len(rows))), ((total_r, c), -1)] for c in range(n_cols + 1)]
        for g, (_key, _label, members) in enumerate(groups):
            sub_r = len(rows) + g
            lines += [[*(((row_index[m], c), 1) for m in members), ((sub_r, c), -1)] for c in range(n_cols + 1)]
    grid = Grid(body, lines, locked=locked, hidden=hidden)
    # Locked hidden totals count as primary when under 5 (shown "<5"), else complementary.
    grid.primary |= {pos for pos in hidden if grid.value(pos) < SMALL}
    suppress(grid)
    out_rows = [
        Row(key, label, tuple(_cell(grid, (i, c)) for c in range(n_cols + 1))) for i, (key, label) in enumerate(rows)
    ]
    for g, (key, label, _members) in enumerate(groups):
        r = len(rows) + g
        out_rows.append(Row(key, label, tuple(_cell(grid, (r, c)) for c in range(n_cols + 1)), subtotal=True))
    total_row = None
    if totals is not None:
        total_row = Row("total", total_label, totals.cells)
    return Table(tuple(out_rows), total_row, tuple(columns))


def line_check(grid: Grid) -> list[list[tuple[Position, int]]]:
    """The lines with exactly one hidden cell (none after `suppress`): for the tests and the docs."""
    return [line for line in grid.lines if sum(1 for pos, _ in line if pos in grid.hidden) == 1]


def share(part: Cell, whole: Cell) -> str:
    """A percentage of `whole`, hidden when either is hidden (rule 4): a share and one figure give the other."""
    if part.hidden:
        return part.text
    if whole.hidden:
        return whole.text
    assert part.value is not None and whole.value is not None
    if whole.value == 0:
        return "–"
    return f"{100 * part.value / whole.value:.0f} %"


def small_sample(values_count: int) -> bool:
    """Whether an average or a percentile over `values_count` values must be hidden."""
    return values_count < SMALL


def iter_cells(table: Table) -> Iterable[Cell]:
    """Every cell of a table, its total row included."""
    for row in table.rows:
        yield from row.cells
    if table.total is not None:
        yield from table.total.cells
