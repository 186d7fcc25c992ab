"""The optional DP layer: OpenDP's Laplace mechanism, a ledger that refuses overspending."""

from __future__ import annotations

import math
import statistics

import pytest
from signals.domain.disclosure import CountTable
from signals.domain.privacy import BudgetExceededError, BudgetLedger, LaplaceMechanism


def test_the_ledger_refuses_a_release_over_budget() -> None:
    ledger = BudgetLedger(budget=1.0, spent={})
    ledger = ledger.charge("bottlenecks_by_stage", 0.4)
    ledger = ledger.charge("bottlenecks_by_region", 0.4)
    with pytest.raises(BudgetExceededError, match=r"only 0\.2 of 1 is left"):
        ledger.charge("bottlenecks_by_location", 0.4)
    assert ledger.total_spent == pytest.approx(0.8)  # the refused release spent nothing
    assert ledger.charge("bottlenecks_by_location", 0.2).total_spent == pytest.approx(1.0)


def test_a_table_is_never_released_twice_under_noise() -> None:
    # A second noisy release of the same table would let averaging remove the noise.
    ledger = BudgetLedger(budget=10.0, spent={"refusals_by_reason": 0.5})
    with pytest.raises(BudgetExceededError, match="already released"):
        ledger.charge("refusals_by_reason", 0.5)


def test_eight_tables_at_half_fit_a_budget_of_four_exactly() -> None:
    ledger = BudgetLedger(budget=4.0, spent={})
    for i in range(8):
        ledger = ledger.charge(f"t{i}", 0.5)
    with pytest.raises(BudgetExceededError):
        ledger.charge("t8", 0.5)


def test_the_ledger_is_charged_what_opendps_privacy_map_certifies() -> None:
    assert LaplaceMechanism.for_epsilon(0.5, sensitivity=2).epsilon == 0.5
    # OpenDP rounds its map up, never down: the ledger may be charged a hair more, never less.
    charged = LaplaceMechanism.for_epsilon(0.7, sensitivity=6).epsilon
    assert 0.7 <= charged <= 0.7 + 1e-12
    with pytest.raises(ValueError):
        LaplaceMechanism.for_epsilon(0.0, sensitivity=2)


def test_the_noise_has_the_spread_of_a_discrete_laplace_of_scale_sensitivity_over_epsilon() -> None:
    mechanism = LaplaceMechanism.for_epsilon(0.5, sensitivity=2)  # scale 4
    draws = mechanism.measurement([0] * 20_000)
    # Discrete Laplace with P(x) ~ p^|x|, p = exp(-1/scale): E|X| = 2p / (1 - p^2), about 3.96.
    p = math.exp(-1 / 4)
    assert statistics.fmean(abs(d) for d in draws) == pytest.approx(2 * p / (1 - p**2), rel=0.06)
    assert abs(statistics.fmean(draws)) < 0.15
    assert all(isinstance(d, int) for d in draws)  # integers: no floating-point sampler


def test_noise_changes_counts_and_keeps_them_non_negative() -> None:
    table = CountTable("t", ("a",), (tuple(f"v{i}" for i in range(50)),), {("v0",): 30})
    noisy = LaplaceMechanism.for_epsilon(0.5, sensitivity=2).noisy(table)
    assert all(v > 0 for v in noisy.counts.values())
    assert noisy.counts != table.counts
    assert set(noisy.counts) - {("v0",)}  # empty cells get noise too, not only the seen ones
