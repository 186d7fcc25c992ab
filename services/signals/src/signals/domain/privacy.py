"""An optional differential-privacy layer: the Laplace mechanism and a budget ledger per period.

OpenDP is not installed in this workspace, so the mechanism is written here in pure Python.
Noise is added to the true cell counts *before* suppression and rounding; both are
post-processing and keep the guarantee. A person contributes to at most
``max_cells_per_person`` cells of a period, each at most once, so the L1 sensitivity of any
table's cell vector is bounded by that cap.
What callers must not assume: floating-point Laplace sampling has known subtle weaknesses
(Mironov 2012); a vetted library (OpenDP) should replace ``laplace_noise`` in production.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

from signals.domain.disclosure import CountTable, Key

_RNG = random.SystemRandom()


class BudgetExceededError(Exception):
    """A release would spend more privacy budget than the period has left."""


def laplace_noise(scale: float, uniform: float | None = None) -> float:
    """One draw from Laplace(0, scale) by inverting the CDF of a uniform draw in (-1/2, 1/2)."""
    u = (uniform if uniform is not None else _RNG.random()) - 0.5
    u = min(max(u, -0.5 + 1e-12), 0.5 - 1e-12)
    return -scale * math.copysign(1.0, u) * math.log(1 - 2 * abs(u))


def noisy_table(table: CountTable, epsilon: float, sensitivity: int) -> CountTable:
    """The table with Laplace(sensitivity / epsilon) noise on every cell, clamped at zero."""
    if epsilon <= 0 or sensitivity < 1:
        raise ValueError("epsilon must be positive and sensitivity at least 1")
    scale = sensitivity / epsilon
    grid: list[Key] = (
        [(v,) for v in table.axes[0]]
        if len(table.axes) == 1
        else [(r, c) for r in table.axes[0] for c in table.axes[1]]
    )
    counts: dict[Key, int] = {}
    for key in grid:
        value = round(table.counts.get(key, 0) + laplace_noise(scale))
        if value > 0:
            counts[key] = value
    return CountTable(table.name, table.dimensions, table.axes, counts)


@dataclass(frozen=True)
class BudgetLedger:
    """The epsilon a period has spent, table by table; ``charge`` refuses overspending."""

    budget: float
    spent: Mapping[str, float]

    @property
    def total_spent(self) -> float:
        return sum(self.spent.values())

    def charge(self, table: str, epsilon: float) -> BudgetLedger:
        """The ledger after spending ``epsilon`` on ``table``, or :class:`BudgetExceededError`."""
        if epsilon <= 0:
            raise ValueError("epsilon must be positive")
        if table in self.spent:
            raise BudgetExceededError(f"{table} was already released for this period")
        # A tiny tolerance so that e.g. 8 x 0.5 fits a budget of 4.0 despite float sums.
        if self.total_spent + epsilon > self.budget + 1e-9:
            raise BudgetExceededError(
                f"releasing {table} needs epsilon {epsilon:g} but only "
                f"{max(0.0, self.budget - self.total_spent):g} of {self.budget:g} is left"
            )
        return BudgetLedger(self.budget, {**self.spent, table: epsilon})
