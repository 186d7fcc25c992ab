"""Disclosure control: nothing under k is published, and no withheld cell can be computed."""

from __future__ import annotations

from hub_contracts import SignalsPublishedV2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from signals.domain.catalogue import TOTAL
from signals.domain.disclosure import (
    Constraint,
    CountTable,
    Key,
    ProtectedTable,
    constraints_of,
    derivable,
    entries_of,
    protect_period,
    protect_table,
    rounded,
)
from signals.domain.release import to_event

from .linear_certificate import undetermined_certificate

K = 10
BASE = 5
# Many small counts: the hard case for suppression (a value of 0 leaves a cell empty).
SMALL_HEAVY = st.one_of(st.integers(0, 12), st.integers(0, 60))


@st.composite
def tables(
    draw: st.DrawFn, name: str = "t", rows: list[str] | None = None, two_d: bool | None = None
) -> CountTable:
    if two_d is None:
        two_d = draw(st.booleans())
    row_values = rows or [f"r{i}" for i in range(draw(st.integers(1, 6)))]
    if not two_d:
        counts = {(r,): draw(SMALL_HEAVY) for r in row_values}
        return CountTable(name, ("a",), (tuple(row_values),), counts)
    columns = [f"c{j}" for j in range(draw(st.integers(1, 5)))]
    counts2 = {(r, c): draw(SMALL_HEAVY) for r in row_values for c in columns}
    return CountTable(name, ("a", "b"), (tuple(row_values), tuple(columns)), counts2)


def relation_matrix(constraints: list[Constraint], unknown: list[Key]) -> list[list[int]]:
    index = {key: i for i, key in enumerate(unknown)}
    matrix = []
    for line in constraints:
        row = [0] * len(unknown)
        for part in line.parts:
            if part in index:
                row[index[part]] += 1
        if line.total in index:
            row[index[line.total]] -= 1
        matrix.append(row)
    return matrix


def attacker_zeros(
    truth: dict[Key, int], constraints: list[Constraint], withheld: set[Key]
) -> set[Key]:
    """What non-negativity gives away: open parts of a published line that must sum to 0."""
    zeros: set[Key] = set()
    grew = True
    while grew:
        grew = False
        for line in constraints:
            open_parts = {p for p in line.parts if p in withheld - zeros}
            published_total = line.total not in withheld or line.total in zeros
            if published_total and open_parts and not any(truth[p] for p in open_parts):
                zeros |= open_parts
                grew = True
    return zeros


def assert_safe(table: CountTable, protected: ProtectedTable) -> None:
    truth = entries_of(table)
    assert set(protected.entries) == set(truth)
    for key, value in protected.entries.items():
        if value is not None:
            assert value == 0 or value >= K, f"{key} published below k"
            assert value % BASE == 0
        if 0 < truth[key] < K:
            assert value is None, f"{key} is under k but published"
    withheld = {k for k, v in protected.entries.items() if v is None}
    constraints = constraints_of(table)
    assert attacker_zeros(truth, constraints, withheld) == set(), "a withheld zero is pinned"
    unknown = sorted(withheld)
    matrix = relation_matrix(constraints, unknown)
    for i, key in enumerate(unknown):
        certificate = undetermined_certificate(matrix, i, len(unknown))
        assert certificate is not None, f"withheld {key} can be computed from the published table"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_withheld_entry_is_determined_and_nothing_under_k_is_published(
    table: CountTable,
) -> None:
    assert_safe(table, protect_table(table, K, BASE))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_linked_tables_withhold_the_same_category_totals(data: st.DataObject) -> None:
    categories = ["a", "b", "c", "d"]
    # Linked tables share their first dimension (the category) and have a second one.
    linked = [data.draw(tables(name=f"t{i}", rows=categories, two_d=True)) for i in range(3)]
    protected = protect_period(linked, K, BASE, linked=[t.name for t in linked])
    for table, result in zip(linked, protected, strict=True):
        assert_safe(table, result)
    for category in [*categories, TOTAL]:
        withheld = {result.entries[(category, TOTAL)] is None for result in protected}
        assert len(withheld) == 1, f"total of {category} withheld in some linked tables only"


@settings(max_examples=100, deadline=None)
@given(tables())
def test_every_protected_table_is_a_valid_contract(table: CountTable) -> None:
    event = to_event("2025-01", protect_table(table, K, BASE), k=K, base=BASE, epsilon=None)
    again = SignalsPublishedV2.model_validate_json(event.model_dump_json())
    assert all(c.count is None or c.count == 0 or c.count >= K for c in again.cells)


def test_a_lone_withheld_cell_is_found_derivable() -> None:
    table = CountTable(
        "t",
        ("a", "b"),
        (("x", "y"), ("p", "q")),
        {
            ("x", "p"): 3,
            ("x", "q"): 20,
            ("y", "p"): 30,
            ("y", "q"): 40,
        },
    )
    constraints = constraints_of(table)
    assert derivable({("x", "p")}, constraints) == {("x", "p")}
    # The classic four-cell rectangle protects itself.
    rectangle = {("x", "p"), ("x", "q"), ("y", "p"), ("y", "q")}
    assert derivable(rectangle, constraints) == set()


def test_a_bridge_between_two_safe_rectangles_is_detected() -> None:
    # Every line holds two withheld entries, yet the middle cell is a bridge between two
    # independent cycles, so its value follows from the margins: the simple rule misses it.
    rows, columns = ("r0", "r1", "r2", "r3"), ("c0", "c1", "c2", "c3")
    table = CountTable("t", ("a", "b"), (rows, columns), {})
    withheld = {
        ("r0", "c0"),
        ("r0", "c1"),
        ("r1", "c0"),
        ("r1", "c1"),
        ("r2", "c2"),
        ("r2", "c3"),
        ("r3", "c2"),
        ("r3", "c3"),
        ("r1", "c2"),  # the bridge: r1 and c2 already hold two withheld each
    }
    assert ("r1", "c2") in derivable(withheld, constraints_of(table))


def test_zeros_pinned_by_non_negativity_count_as_published() -> None:
    # Column q adds up to a published 0, so both withheld q cells are 0: then row x gives
    # (x, p) = row total - published cells, although the rectangle is algebraically safe.
    table = CountTable(
        "t",
        ("a", "b"),
        (("x", "y"), ("p", "q", "r")),
        {("x", "p"): 3, ("x", "r"): 20, ("y", "p"): 15, ("y", "r"): 30},
    )
    rectangle = {("x", "p"), ("x", "q"), ("y", "p"), ("y", "q")}
    constraints = constraints_of(table)
    assert derivable(rectangle, constraints) == set()
    exposed = derivable(rectangle, constraints, entries_of(table))
    assert {("x", "p"), ("x", "q"), ("y", "q")} <= exposed
    assert_safe(table, protect_table(table, K, BASE))


def test_rounding_goes_to_the_base_and_never_below_k() -> None:
    assert [rounded(v, 5, 10) for v in (0, 10, 12, 13, 17, 18, 102)] == [0, 10, 10, 15, 15, 20, 100]
    assert rounded(11, 10, 11) == 20  # 11 would round to 10, which is below k
    assert rounded(7, 1, 10) == 7
