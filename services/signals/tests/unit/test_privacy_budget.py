"""The optional DP layer: Laplace noise by inverse CDF, a ledger that refuses overspending."""

from __future__ import annotations

import math
import statistics

import pytest
from signals.domain.disclosure import CountTable
from signals.domain.privacy import BudgetExceededError, BudgetLedger, laplace_noise, noisy_table


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


def test_laplace_inverse_cdf_points() -> None:
    # F^-1(0.75) = scale * ln 2 and F^-1(0.25) = -scale * ln 2 for Laplace(0, scale).
    assert laplace_noise(3.0, uniform=0.75) == pytest.approx(3.0 * math.log(2))
    assert laplace_noise(3.0, uniform=0.25) == pytest.approx(-3.0 * math.log(2))
    assert laplace_noise(3.0, uniform=0.5) == pytest.approx(0.0)


def test_laplace_draws_have_the_expected_spread() -> None:
    draws = [laplace_noise(2.0) for _ in range(20_000)]
    # E|X| = scale for Laplace(0, scale); 20k draws put the mean within a few percent.
    assert statistics.fmean(abs(d) for d in draws) == pytest.approx(2.0, rel=0.06)
    assert abs(statistics.fmean(draws)) < 0.1


def test_noise_changes_counts_and_keeps_them_non_negative() -> None:
    table = CountTable("t", ("a",), (tuple(f"v{i}" for i in range(50)),), {("v0",): 30})
    noisy = noisy_table(table, epsilon=0.5, sensitivity=2)
    assert all(v > 0 for v in noisy.counts.values())
    assert noisy.counts != table.counts
