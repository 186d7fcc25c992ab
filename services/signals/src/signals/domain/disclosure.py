"""Statistical disclosure control of one period's tables: pure functions, no I/O.

Steps, in order (see ``protect``):
1. primary suppression: every cell and every marginal total with ``0 < n < k`` is withheld;
2. secondary suppression: more entries are withheld until no withheld entry can be computed
   from the published ones through the table's additive relations (checked exactly, see
   ``linear.py``); categories whose total is withheld in one of the linked tables are withheld
   in all of them, so one table's total cannot be used to open another;
3. rounding of the published counts to ``rounding_base`` (never below k for a count >= k).

Zero cells are published as zero: an empty cell says nothing about a person.
Only per-period tables are published, never cumulative ones: a cumulative table minus last
period's would give this period's suppressed cells by difference.
What callers must not assume: the check is algebraic, plus the one use of bounds that pins a
value outright (non-negative parts of a line that must add up to 0 are all 0). An attacker
can still narrow a withheld cell to an interval (e.g. at most the line's withheld sum); the
rounding of the published values widens such intervals, but no interval width is proven.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from signals.domain.catalogue import TOTAL
from signals.domain.linear import determined_columns

Key = tuple[str, ...]
"""An entry of a table: one value per dimension; ``TOTAL`` in a position marks a margin."""


@dataclass(frozen=True)
class CountTable:
    """True counts of one table (cells only; totals are derived)."""

    name: str
    dimensions: tuple[str, ...]
    axes: tuple[tuple[str, ...], ...]
    counts: Mapping[Key, int]

    def __post_init__(self) -> None:
        if len(self.dimensions) not in (1, 2) or len(self.axes) != len(self.dimensions):
            raise ValueError("tables have one or two dimensions, each with its values")
        for key, value in self.counts.items():
            if value < 0 or any(v not in axis for v, axis in zip(key, self.axes, strict=True)):
                raise ValueError("a count is negative or outside the table's axes")


@dataclass(frozen=True)
class Constraint:
    """``sum(parts) == total``: one line of the table."""

    parts: tuple[Key, ...]
    total: Key

    @property
    def members(self) -> tuple[Key, ...]:
        """The parts and the total: every entry of the line."""
        return (*self.parts, self.total)


@dataclass(frozen=True)
class ProtectedTable:
    """A table ready to publish: its entries after suppression and rounding, and which entries
    were withheld as primary (``0 < n < k``) or secondary (they would reveal a primary)."""

    name: str
    dimensions: tuple[str, ...]
    entries: dict[Key, int | None]
    """Every cell and total: the published (rounded) count, or None when suppressed."""
    primary: frozenset[Key] = field(default_factory=frozenset)
    secondary: frozenset[Key] = field(default_factory=frozenset)


def entries_of(table: CountTable) -> dict[Key, int]:
    """Every cell of the grid (zeros included) and every marginal total."""
    if len(table.axes) == 1:
        cells: dict[Key, int] = {(v,): table.counts.get((v,), 0) for v in table.axes[0]}
        cells[(TOTAL,)] = sum(cells.values())
        return cells
    rows, columns = table.axes
    entries: dict[Key, int] = {(r, c): table.counts.get((r, c), 0) for r in rows for c in columns}
    for r in rows:
        entries[(r, TOTAL)] = sum(entries[(r, c)] for c in columns)
    for c in columns:
        entries[(TOTAL, c)] = sum(entries[(r, c)] for r in rows)
    entries[(TOTAL, TOTAL)] = sum(entries[(r, TOTAL)] for r in rows)
    return entries


def constraints_of(table: CountTable) -> list[Constraint]:
    """The additive relations anybody can read off a table with its margins."""
    if len(table.axes) == 1:
        return [Constraint(tuple((v,) for v in table.axes[0]), (TOTAL,))]
    rows, columns = table.axes
    lines = [Constraint(tuple((r, c) for c in columns), (r, TOTAL)) for r in rows]
    lines += [Constraint(tuple((r, c) for r in rows), (TOTAL, c)) for c in columns]
    lines.append(Constraint(tuple((r, TOTAL) for r in rows), (TOTAL, TOTAL)))
    lines.append(Constraint(tuple((TOTAL, c) for c in columns), (TOTAL, TOTAL)))
    return lines


def primary_suppression(entries: Mapping[Key, int], k: int) -> set[Key]:
    """Entries (cells and totals) with ``0 < n < k``: the threshold rule of statistical
    disclosure control for frequency tables (Hundepool et al., Statistical Disclosure Control,
    Wiley 2012)."""
    return {key for key, value in entries.items() if 0 < value < k}


def forced_zeros(
    entries: Mapping[Key, int], constraints: Sequence[Constraint], suppressed: Iterable[Key]
) -> set[Key]:
    """Withheld entries an attacker knows to be 0: counts are never negative.

    When a line's total is published and its published parts already add up to it, every
    withheld part of that line must be 0. A zero learnt this way is published in effect, so it
    protects nothing in its other lines. Repeated until nothing changes.
    """
    withheld = set(suppressed)
    known_zero: set[Key] = set()
    changed = True
    while changed:
        changed = False
        for line in constraints:
            if line.total in withheld - known_zero:
                continue
            open_parts = [p for p in line.parts if p in withheld and p not in known_zero]
            # total - published parts - known zeros = the sum of the open parts, exactly.
            if open_parts and sum(entries[p] for p in open_parts) == 0:
                known_zero.update(open_parts)
                changed = True
    return known_zero


def derivable(
    suppressed: Iterable[Key],
    constraints: Sequence[Constraint],
    entries: Mapping[Key, int] | None = None,
) -> set[Key]:
    """Withheld entries whose value follows from the published ones.

    Exact elimination over the table's additive relations; with ``entries`` (the true counts)
    the zeros forced by non-negativity are taken as known first (and reported as derivable).
    """
    withheld = set(suppressed)
    zeros = forced_zeros(entries, constraints, withheld) if entries is not None else set()
    unknown = sorted(withheld - zeros)
    if not unknown:
        return zeros
    column = {key: i for i, key in enumerate(unknown)}
    rows: list[list[int]] = []
    for line in constraints:
        row = [0] * len(unknown)
        for part in line.parts:
            if part in column:
                row[column[part]] += 1
        if line.total in column:
            row[column[line.total]] -= 1
        if any(row):
            rows.append(row)
    return zeros | {unknown[i] for i in determined_columns(rows, len(unknown))}


def _cost(key: Key, value: int) -> tuple[int, int, int]:
    """Which published entry to withhold next: interior before totals, small non-zero first.

    Zeros last: withholding a zero protects little (the neighbour's bound stays tight).
    """
    return (1 if TOTAL in key else 0, 1 if value == 0 else 0, value)


def _cheapest(candidates: Iterable[Key], entries: Mapping[Key, int]) -> Key | None:
    pool = sorted(candidates, key=lambda key: (_cost(key, entries[key]), key))
    return pool[0] if pool else None


def secondary_suppression(
    entries: Mapping[Key, int], constraints: Sequence[Constraint], suppressed: set[Key]
) -> set[Key]:
    """Grow ``suppressed`` until no withheld entry is derivable; returns the new set."""
    result = set(suppressed)
    while True:
        _close_single_lines(entries, constraints, result)
        exposed = derivable(result, constraints, entries)
        if not exposed:
            return result
        target = min(exposed)
        lines = [line for line in constraints if target in line.members]
        candidates = [m for line in lines for m in line.members if m not in result]
        if not candidates:  # every neighbour withheld already: widen to any published entry
            candidates = [key for key in entries if key not in result]
        choice = _cheapest(candidates, entries)
        if choice is None:  # everything is withheld: nothing can be derived any more
            return result
        result.add(choice)


def _close_single_lines(
    entries: Mapping[Key, int], constraints: Sequence[Constraint], suppressed: set[Key]
) -> None:
    """The quick rule first: a line with exactly one withheld entry gives it away."""
    changed = True
    while changed:
        changed = False
        for line in constraints:
            withheld = [m for m in line.members if m in suppressed]
            if len(withheld) == 1:
                choice = _cheapest((m for m in line.members if m not in suppressed), entries)
                if choice is not None:
                    suppressed.add(choice)
                    changed = True


def rounded(value: int, base: int, k: int) -> int:
    """Nearest multiple of ``base`` (halves up); a count >= k never rounds below k."""
    if value == 0 or base == 1:
        return value
    result = ((value + base // 2) // base) * base
    if result < k:
        result = -(-k // base) * base
    return result


def protect_table(
    table: CountTable, k: int, base: int, forced: Iterable[Key] = ()
) -> ProtectedTable:
    """One table through the steps of the module docstring: primary suppression (threshold
    ``k``), secondary suppression (``forced`` entries are withheld too), rounding to ``base``."""
    entries = entries_of(table)
    constraints = constraints_of(table)
    primary = primary_suppression(entries, k)
    start = primary | {key for key in forced if key in entries}
    suppressed = secondary_suppression(entries, constraints, start)
    published: dict[Key, int | None] = {
        key: None if key in suppressed else rounded(value, base, k)
        for key, value in entries.items()
    }
    return ProtectedTable(
        name=table.name,
        dimensions=table.dimensions,
        entries=published,
        primary=frozenset(primary),
        secondary=frozenset(suppressed - primary),
    )


def protect_period(
    tables: Sequence[CountTable], k: int, base: int, linked: Sequence[str] = ()
) -> list[ProtectedTable]:
    """Protect every table of a period; category totals of ``linked`` tables share suppression.

    Linked tables count the same persons by category (e.g. by stage and by region), so their
    category totals are (nearly) equal: a total published in one could open another. Whatever
    category total (or grand total) is withheld in one linked table is withheld in all, repeated
    until nothing changes.
    """
    forced: set[Key] = set()
    while True:
        protected = [protect_table(t, k, base, forced if t.name in linked else ()) for t in tables]
        withheld_margins = {
            key
            for p in protected
            if p.name in linked
            for key, value in p.entries.items()
            if value is None and key[-1] == TOTAL
        }
        if withheld_margins <= forced:
            return protected
        forced |= withheld_margins
