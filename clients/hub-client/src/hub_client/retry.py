"""When and how long the client waits before sending a request again.

Retried: a failed connection or a timeout (the answer may be lost after the work was done,
hence every write carries an Idempotency-Key that stays the same across attempts), 408, 429,
503 (the hub's backpressure; its ``Retry-After`` is honoured) and, for a request with a key,
409 ``idempotency_in_progress`` (the first attempt is still running on the server).
"""

import random
from dataclasses import dataclass

import httpx

RETRIED_STATUSES = frozenset({408, 429, 503})
IN_PROGRESS = "idempotency_in_progress"


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts``: how many times a request is sent at most (1 = no retry); the n-th wait is
    a random time up to ``min(max_delay, base_delay * 2**n)`` seconds ("full jitter"), or the
    server's ``Retry-After`` seconds when it gave one (capped at ``max_delay``)."""

    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 5.0

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (0-based)."""
        if response is not None:
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.isdigit():
                return min(float(retry_after), self.max_delay)
        # Jitter spreads the retries of many clients; not a security use of randomness.
        ceiling = min(self.max_delay, self.base_delay * 2**attempt)
        return random.uniform(0, ceiling)  # noqa: S311


def should_retry(response: httpx.Response, keyed: bool) -> bool:
    """Whether ``response`` is worth sending the same request again (see the module)."""
    if response.status_code in RETRIED_STATUSES:
        return True
    if keyed and response.status_code == 409:
        try:
            return bool(response.json().get("error") == IN_PROGRESS)
        except ValueError:
            return False
    return False
