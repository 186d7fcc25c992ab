"""The gateway's rate limits, shared by all its instances: one PostgreSQL row per key.

The algorithm is GCRA (the generic cell rate algorithm of ITU-T I.371, the "virtual
scheduling" form; equivalent to a token bucket of ``capacity`` tokens refilled at
``rate_per_second``): each key keeps a theoretical arrival time ``tat``; a request at ``now``
passes when ``max(tat, now) - now <= (capacity - 1) / rate`` and then moves ``tat`` to
``max(tat, now) + 1 / rate``. Check and update are ONE ``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING`` statement, which PostgreSQL applies atomically per row: concurrent requests of
several instances on one key are serialised by its row lock, so together they never pass more
than one instance alone would. Times are the server's (``statement_timestamp()``), so the
instances' clocks do not matter; a statement that waited for the row lock uses its start time,
which can only refuse more, never let more through.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Protocol

import asyncpg

SWEEP_EVERY_SECONDS = 60.0
"""How often an instance deletes the rows of keys idle long enough to be full again."""

_TAKE = """
INSERT INTO rate_limits AS r (scope, key_hash, tat, allowed)
VALUES ($1, $2, statement_timestamp() + make_interval(secs => $3), true)
ON CONFLICT (scope, key_hash) DO UPDATE SET
    allowed = greatest(r.tat, statement_timestamp()) - statement_timestamp()
              <= make_interval(secs => $4),
    tat = CASE
        WHEN greatest(r.tat, statement_timestamp()) - statement_timestamp()
             <= make_interval(secs => $4)
        THEN greatest(r.tat, statement_timestamp()) + make_interval(secs => $3)
        ELSE r.tat
    END
RETURNING r.allowed,
    extract(epoch FROM r.tat - statement_timestamp())::float8 - $4 AS wait
"""


class RateLimits(Protocol):
    """What the HTTP edge asks of a rate limiter (PostgreSQL here; `fakes.rate_limits` in
    unit tests)."""

    async def acquire(self, key: str) -> float:
        """0.0 when one request under ``key`` may pass now (and is counted), else the seconds
        until one may (for ``Retry-After``); a refused request is not counted."""
        ...


class PostgresRateLimits:
    """`RateLimits` on the ``rate_limits`` table, one ``scope`` per limiter (e.g. ``partner``,
    ``sign-in``), ``rate_per_second`` sustained and ``capacity`` at once per key; ``secret``
    keys the HMAC under which the keys are stored."""

    def __init__(
        self, pool: asyncpg.Pool, scope: str, rate_per_second: float, capacity: int, secret: str
    ) -> None:
        self._pool = pool
        # Keys are stored as HMACs under a key derived from ``secret`` (HUB_JWT_SECRET, shared
        # by the instances): a plain SHA-256 of a client address could be reversed by trying
        # every IPv4 address. A rotation of the secret only starts every limit afresh.
        self._key = hmac.new(secret.encode(), b"gateway-rate-limits-v1", hashlib.sha256).digest()
        self.scope = scope
        self._interval = 1.0 / rate_per_second
        self._tolerance = (capacity - 1) * self._interval
        self._swept_at = time.monotonic()

    async def acquire(self, key: str) -> float:
        """See `RateLimits.acquire`. One statement (its own transaction) on a pooled
        connection; every ``SWEEP_EVERY_SECONDS`` also one delete of idle keys. Database
        errors propagate, as from any request's unit of work."""
        key_hash = hmac.new(self._key, key.encode(), hashlib.sha256).digest()
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(_TAKE, self.scope, key_hash, self._interval, self._tolerance)
            if time.monotonic() - self._swept_at > SWEEP_EVERY_SECONDS:
                self._swept_at = time.monotonic()
                # A key whose tat has passed is full again: its row changes nothing.
                await conn.execute(
                    "DELETE FROM rate_limits WHERE tat < statement_timestamp() AND scope = $1",
                    self.scope,
                )
        assert row is not None  # an upsert always returns its row
        return 0.0 if row["allowed"] else max(float(row["wait"]), 0.001)
