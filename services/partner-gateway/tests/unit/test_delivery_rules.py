"""Retry schedule, circuit breaker, failure codes and rate limiting."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from partner_gateway.domain.delivery import Breaker, RetryPolicy, failure_code
from partner_gateway.fakes.rate_limits import RateLimiter, TokenBucket

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(first_backoff_seconds=1, max_backoff_seconds=10, max_attempts=5)
    delays = [policy.delay_after(n).total_seconds() for n in range(1, 7)]
    assert delays == [1, 2, 4, 8, 10, 10]
    assert not policy.gives_up_after(4)
    assert policy.gives_up_after(5)


@given(st.integers(min_value=1, max_value=10_000))
def test_backoff_never_exceeds_the_cap(attempt: int) -> None:
    policy = RetryPolicy(first_backoff_seconds=0.5, max_backoff_seconds=300, max_attempts=50)
    assert timedelta(0) < policy.delay_after(attempt) <= timedelta(seconds=300)


def test_the_breaker_opens_at_the_threshold_and_reopens_after_a_failed_trial() -> None:
    breaker = Breaker(threshold=3, pause_seconds=30)
    assert breaker.after_failure(0, NOW) == (1, None)
    assert breaker.after_failure(1, NOW) == (2, None)
    assert breaker.after_failure(2, NOW) == (3, NOW + timedelta(seconds=30))
    # the half-open trial failed: open again for another pause
    assert breaker.after_failure(3, NOW) == (4, NOW + timedelta(seconds=30))


@pytest.mark.parametrize(
    ("status", "timed_out", "code"),
    [
        (None, True, "timeout"),
        (None, False, "unreachable"),
        (503, False, "server_error"),
        (500, False, "server_error"),
        (429, False, "rate_limited"),
        (401, False, "rejected_by_partner"),
        (404, False, "client_error"),
        (302, False, "unexpected_status"),
    ],
)
def test_failure_codes_fit_the_contract(status: int | None, timed_out: bool, code: str) -> None:
    result = failure_code(status, timed_out=timed_out)
    assert result == code
    assert result.replace("_", "").isalpha()
    assert result.islower()


def test_the_token_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    bucket = TokenBucket(rate_per_second=2, capacity=3)
    assert [bucket.take(100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(100.0) == pytest.approx(0.5)
    assert bucket.take(100.5) == 0.0  # one token back after half a second


def test_buckets_are_per_partner() -> None:
    limiter = RateLimiter(rate_per_second=1, capacity=1)
    assert limiter.check("a", 10.0) == 0.0
    assert limiter.check("a", 10.0) > 0
    assert limiter.check("b", 10.0) == 0.0
