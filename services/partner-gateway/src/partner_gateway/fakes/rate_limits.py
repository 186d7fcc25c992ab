"""The rate limits in the memory of one process: the unit tests' stand-in for
`partner_gateway.repository.rate_limits.PostgresRateLimits` (the service uses that one, shared
by all its instances). A token bucket per key, with the same limits as the GCRA there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """One token bucket: holds up to ``capacity`` tokens, refilled at ``rate_per_second``.

    Starts full; times are ``time.monotonic()`` seconds. Not thread-safe; one event loop only."""

    rate_per_second: float
    capacity: int
    tokens: float = field(init=False)
    updated_at: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.tokens = float(self.capacity)

    def take(self, now: float) -> float:
        """0.0 when a request may pass (one token taken), else the seconds until one may."""
        if self.updated_at:
            elapsed = max(0.0, now - self.updated_at)
            self.tokens = min(float(self.capacity), self.tokens + elapsed * self.rate_per_second)
        self.updated_at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate_per_second


@dataclass
class RateLimiter:
    """A token bucket per key (a partner id, ``token:<client_id>`` for token requests, the
    portal's sign-in keys), made on first use. Once ``max_keys`` buckets exist, the full ones
    (idle long enough to have refilled: forgetting them changes nothing) are dropped before a
    new one is made, so keys chosen by strangers cannot grow the process without bound."""

    rate_per_second: float
    capacity: int
    buckets: dict[str, TokenBucket] = field(default_factory=dict)
    max_keys: int = 10_000

    def check(self, key: str, now: float) -> float:
        """0.0 when a request under ``key`` may pass now (``time.monotonic()`` seconds), else the
        seconds to wait (for ``Retry-After``)."""
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self.max_keys:
                self._forget_full(now)
            bucket = self.buckets[key] = TokenBucket(self.rate_per_second, self.capacity)
        return bucket.take(now)

    async def acquire(self, key: str) -> float:
        """`repository.rate_limits.RateLimits.acquire` on this process's clock."""
        return self.check(key, time.monotonic())

    def _forget_full(self, now: float) -> None:
        for key, bucket in list(self.buckets.items()):
            refilled = bucket.tokens + max(0.0, now - bucket.updated_at) * bucket.rate_per_second
            if refilled >= bucket.capacity:
                del self.buckets[key]
