"""An independent check, written for the tests: a certificate that a cell is not determined.

For a withheld entry i we look for a vector v with A v = 0 and v_i = 1 (A: the table's
relations restricted to the withheld entries). If one exists, "true values + t * v" satisfies
every relation for any t while entry i changes: the published table cannot pin it down.
The certificate is verified by plain multiplication, so a bug in the solver cannot hide a leak.
"""

from __future__ import annotations

from fractions import Fraction


def solve(rows: list[list[Fraction]], rhs: list[Fraction], n: int) -> list[Fraction] | None:
    """One solution of rows . x = rhs (free variables set to 0), or None if inconsistent."""
    aug = [[*row, b] for row, b in zip(rows, rhs, strict=True)]
    pivot_cols: list[int] = []
    r = 0
    for c in range(n):
        p = next((i for i in range(r, len(aug)) if aug[i][c] != 0), None)
        if p is None:
            continue
        aug[r], aug[p] = aug[p], aug[r]
        for i in range(len(aug)):
            if i != r and aug[i][c] != 0:
                f = aug[i][c] / aug[r][c]
                aug[i] = [a - f * b for a, b in zip(aug[i], aug[r], strict=True)]
        pivot_cols.append(c)
        r += 1
    if any(all(v == 0 for v in row[:n]) and row[n] != 0 for row in aug):
        return None
    x = [Fraction(0)] * n
    for i, c in enumerate(pivot_cols):
        x[c] = aug[i][n] / aug[i][c]
    return x


def undetermined_certificate(a: list[list[int]], i: int, n: int) -> list[Fraction] | None:
    rows = [[Fraction(v) for v in row] for row in a]
    unit = [Fraction(1 if j == i else 0) for j in range(n)]
    v = solve([*rows, unit], [Fraction(0)] * len(rows) + [Fraction(1)], n)
    if v is None:
        return None
    # Verify, independently of the solver, that v really is such a vector.
    assert all(sum(Fraction(c) * x for c, x in zip(row, v, strict=True)) == 0 for row in a)
    assert v[i] == 1
    return v
