"""An optional differential-privacy layer: OpenDP's Laplace mechanism and a budget ledger.

Noise is added to the true cell counts *before* suppression and rounding; both are
post-processing and keep the guarantee. A person contributes to at most
``max_cells_per_person`` cells of a period, each at most once, so the L1 distance between the
cell vectors of two tables that differ by one person is bounded by that cap: that bound is the
``d_in`` OpenDP's privacy map turns into the epsilon charged to the ledger.
The counts are integers, so OpenDP samples the discrete Laplace distribution exactly, without
the floating-point weaknesses of a continuous sampler (Mironov 2012).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from signals.domain.disclosure import CountTable, Key


@functools.cache
def _opendp() -> ModuleType:
    """OpenDP, imported when the layer is first used: its native library adds about 17 MB to
    the process, which a service with the layer off (the default) should not carry."""
    import opendp.prelude as dp

    # make_laplace is in OpenDP's "contrib" set: its proof is written, not yet vetted by the
    # library's committee. The flag is process-wide; nothing else here uses OpenDP.
    dp.enable_features("contrib")
    return dp


class BudgetExceededError(Exception):
    """A release would spend more privacy budget than the period has left."""


@dataclass(frozen=True)
class LaplaceMechanism:
    """OpenDP's Laplace measurement on a vector of counts, and the epsilon its privacy map
    certifies for one person's largest possible influence (``sensitivity``)."""

    measurement: Any  # opendp.mod.Measurement (the library's own types are dynamic)
    epsilon: float

    @classmethod
    def for_epsilon(cls, epsilon: float, sensitivity: int) -> LaplaceMechanism:
        """The mechanism with scale ``sensitivity / epsilon`` (``sensitivity``: the most cells
        one person is in). Raises ValueError unless epsilon > 0 and sensitivity >= 1."""
        if epsilon <= 0 or sensitivity < 1:
            raise ValueError("epsilon must be positive and sensitivity at least 1")
        dp = _opendp()
        measurement = dp.m.make_laplace(
            dp.vector_domain(dp.atom_domain(T=int)),
            dp.l1_distance(T=int),
            scale=sensitivity / epsilon,
        )
        # The privacy map may round up (0.7 -> 0.7000000000000001): the ledger is charged what
        # OpenDP certifies, not what was asked for.
        epsilon_certified = measurement.map(sensitivity)
        return cls(measurement, float(epsilon_certified))

    def noisy(self, table: CountTable) -> CountTable:
        """The table with noise on every cell of its grid (empty cells too), clamped at zero."""
        grid: list[Key] = (
            [(v,) for v in table.axes[0]]
            if len(table.axes) == 1
            else [(r, c) for r in table.axes[0] for c in table.axes[1]]
        )
        released = self.measurement([table.counts.get(key, 0) for key in grid])
        counts = {key: int(v) for key, v in zip(grid, released, strict=True) if v > 0}
        return CountTable(table.name, table.dimensions, table.axes, counts)


@dataclass(frozen=True)
class BudgetLedger:
    """The epsilon a period has spent, table by table; ``charge`` refuses overspending."""

    budget: float
    spent: Mapping[str, float]

    @property
    def total_spent(self) -> float:
        """Epsilon spent so far in the period, all tables."""
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
