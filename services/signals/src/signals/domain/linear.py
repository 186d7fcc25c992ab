"""Exact linear algebra over the rationals, for the "can a suppressed cell be computed?" check.

An attacker who sees the published cells and totals knows every linear relation of the table
(cells add up to their totals). Moving the published values to the right-hand side leaves a
system ``A u = b`` over the suppressed entries ``u``. Its solutions are ``u0 + null(A)``, so a
suppressed entry is uniquely determined exactly when every null-space vector is zero there. In
reduced row echelon form that means: a pivot variable whose row has no entry in a free column.
Fractions keep the elimination exact (floating point would miss or invent dependencies).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

Matrix = list[list[Fraction]]


def rref(rows: Sequence[Sequence[int | Fraction]], n_columns: int) -> tuple[Matrix, list[int]]:
    """Reduced row echelon form and the pivot column of each non-zero row."""
    matrix: Matrix = [[Fraction(v) for v in row] for row in rows]
    pivots: list[int] = []
    top = 0
    for column in range(n_columns):
        pivot_row = next((r for r in range(top, len(matrix)) if matrix[r][column] != 0), None)
        if pivot_row is None:
            continue
        matrix[top], matrix[pivot_row] = matrix[pivot_row], matrix[top]
        lead = matrix[top][column]
        matrix[top] = [v / lead for v in matrix[top]]
        for r in range(len(matrix)):
            if r != top and matrix[r][column] != 0:
                factor = matrix[r][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[top], strict=True)]
        pivots.append(column)
        top += 1
        if top == len(matrix):
            break
    return matrix[:top], pivots


def determined_columns(rows: Sequence[Sequence[int | Fraction]], n_columns: int) -> set[int]:
    """Columns whose variable has the same value in every solution of ``rows . u = b``."""
    reduced, pivots = rref(rows, n_columns)
    free = set(range(n_columns)) - set(pivots)
    return {
        pivot
        for row, pivot in zip(reduced, pivots, strict=True)
        if all(row[column] == 0 for column in free)
    }
