"""Only plausible months are periods: a typo must never become a release that is never revised."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from signals.domain.periods import (
    EARLIEST_PERIOD,
    InvalidPeriodError,
    closes_at,
    first_day,
    next_period,
    parse_period,
    periods_between,
    plausible_period,
)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_year_zero_is_not_a_period() -> None:
    with pytest.raises(InvalidPeriodError, match="YYYY-MM"):
        parse_period("0000-01")
    with pytest.raises(InvalidPeriodError):
        first_day("0000-12")


def test_the_last_month_of_the_calendar_has_no_next_one() -> None:
    assert next_period("9998-12") == "9999-01"
    with pytest.raises(InvalidPeriodError, match="no period follows 9999-12"):
        next_period("9999-12")
    with pytest.raises(InvalidPeriodError):
        closes_at("9999-12", grace_days=5)


@pytest.mark.parametrize(
    "period", ["0001-01", "1990-01", "1999-12", "2026-04", "2027-01", "9999-12"]
)
def test_months_before_2000_or_after_the_current_one_are_refused(period: str) -> None:
    with pytest.raises(InvalidPeriodError, match=r"between 2000-01 and 2026-03") as refused:
        plausible_period(period, NOW)
    assert period not in str(refused.value)  # the request is not echoed


@pytest.mark.parametrize("period", [EARLIEST_PERIOD, "2025-01", "2026-03"])
def test_months_from_2000_to_the_current_one_are_plausible(period: str) -> None:
    assert plausible_period(period, NOW) == period


def test_a_malformed_period_is_still_refused_for_its_form() -> None:
    with pytest.raises(InvalidPeriodError, match="YYYY-MM"):
        plausible_period("2025-13", NOW)


def test_a_consent_to_the_end_of_the_calendar_stops_there() -> None:
    assert periods_between(date(9999, 11, 1), date(9999, 12, 31)) == ["9999-11", "9999-12"]
    assert periods_between(date(2025, 3, 1), date(2025, 1, 1)) == []
