"""Retry schedule, circuit breaker and failure codes of webhook deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

DeliveryState = Literal["pending", "delivered", "given_up", "dropped"]
"""A delivery's state in the log: pending (queued or waiting for a retry), delivered, given_up
(retries exhausted, or the partner reclassified) or dropped (must not go out any more: its
referral was withdrawn or the person erased)."""

DELIVERY_STATES: tuple[DeliveryState, ...] = get_args(DeliveryState)


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed webhook delivery is tried again, and when the gateway gives up.

    Backoffs are in seconds: ``first_backoff_seconds`` doubled after each failed attempt, capped at
    ``max_backoff_seconds``; after ``max_attempts`` attempts the delivery is ``given_up``."""

    first_backoff_seconds: float
    max_backoff_seconds: float
    max_attempts: int

    def delay_after(self, attempt: int) -> timedelta:
        """Exponential backoff: the wait after failed attempt ``attempt`` (1 = first)."""
        seconds = self.first_backoff_seconds * 2 ** min(attempt - 1, 40)
        return timedelta(seconds=min(self.max_backoff_seconds, seconds))

    def gives_up_after(self, attempt: int) -> bool:
        """True when failed attempt ``attempt`` (1 = first) was the last allowed
        (``max_attempts``)."""
        return attempt >= self.max_attempts


@dataclass(frozen=True)
class Breaker:
    """Per partner: open after ``threshold`` consecutive failures, half-open after ``pause``.

    While open nothing is sent; once the pause is over exactly one delivery (the partner's
    oldest, deliveries go one at a time per partner) is tried: success closes the circuit,
    failure opens it again for another pause.
    """

    threshold: int
    pause_seconds: float

    def after_failure(
        self, consecutive_failures: int, now: datetime
    ) -> tuple[int, datetime | None]:
        """New failure count and, if the circuit (re)opens, until when."""
        failures = consecutive_failures + 1
        if failures >= self.threshold:
            return failures, now + timedelta(seconds=self.pause_seconds)
        return failures, None


def failure_code(status: int | None, *, timed_out: bool = False) -> str:
    """A machine code (lowercase, no digits: the contract's ReasonCode) for a failed attempt."""
    if timed_out:
        return "timeout"
    if status is None:
        return "unreachable"
    if status == 429:
        return "rate_limited"
    if status in (401, 403):
        return "rejected_by_partner"
    if 400 <= status < 500:
        return "client_error"
    if status >= 500:
        return "server_error"
    return "unexpected_status"
