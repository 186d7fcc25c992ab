"""The gateway's rate limits hold across instances (issue 17): two gateways on one database
(in-process, each under the gateway's own principal and roles) let through together no more
than one alone would, on the partner API (token exchange, per client id) and at the portal's
sign-in (per address); and the shared limiter itself (repository.rate_limits) under many
concurrent requests from two pools."""

import asyncio
import math
import time
import uuid
from typing import Any

import httpx
import pytest
from hub_runtime.db import create_pool
from hub_runtime.migrations import apply_migrations, folder_migrations, runtime_migrations
from hub_runtime.settings import HubSettings
from partner_gateway.bootstrap import MIGRATIONS
from partner_gateway.repository.rate_limits import PostgresRateLimits

from .portal import csrf_of

pytestmark = pytest.mark.integration
SECRET = "a-test-secret-for-the-rate-limit-keys-0123456789"


def _most_allowed(burst: int, rate_per_second: float, seconds: float) -> int:
    """What one limiter lets through in ``seconds``: the burst, then the refill."""
    return burst + math.floor(rate_per_second * seconds) + 1


async def test_two_gateways_share_the_partner_api_limit(start_gateway: Any) -> None:
    burst, rate = 6, 0.5
    limits = {"rate_limit_burst": burst, "rate_limit_per_second": rate}
    gateways = [await start_gateway(**limits), await start_gateway(**limits)]
    body = {"client_id": f"client-{uuid.uuid4().hex[:8]}", "client_secret": "x" * 40}
    started = time.monotonic()
    answers = await asyncio.gather(
        *(gateways[i % 2].http.post("/partner/token", json=body) for i in range(30))
    )
    elapsed = time.monotonic() - started
    statuses = [a.status_code for a in answers]
    passed = [s for s in statuses if s != 429]
    # Through to the credentials check (unknown client: 401), together at most one limit.
    assert set(passed) == {401}, statuses
    assert burst <= len(passed) <= _most_allowed(burst, rate, elapsed), (elapsed, statuses)
    # Both instances refused (each alone would have let `burst` through).
    by_instance = [[a.status_code for a in answers[i::2]] for i in (0, 1)]
    assert all(429 in answered for answered in by_instance), by_instance
    refused = next(a for a in answers if a.status_code == 429)
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]  # the hub's one error shape


async def test_two_gateways_share_the_sign_in_limit(start_gateway: Any) -> None:
    burst = 4
    limits = {"portal_sign_in_burst": burst, "portal_sign_in_per_minute": 1.0}
    gateways = [await start_gateway(**limits), await start_gateway(**limits)]
    email = f"guessed-{uuid.uuid4().hex[:8]}@partner.example"
    statuses = []
    for attempt in range(12):
        gateway = gateways[attempt % 2]
        # Each attempt from its own browser (so the per-client limit is the same for all).
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as browser:
            page = await browser.get("/portal/sign-in")
            form = {"csrf": csrf_of(page), "email": email, "password": "wrong password 123"}
            answer = await browser.post("/portal/sign-in", data=form)
            statuses.append(answer.status_code)
    assert statuses.count(401) == burst, statuses  # wrong password, then refused
    assert statuses[burst:] == [429] * (12 - burst), statuses


async def test_the_shared_limiter_under_concurrency(
    hub_settings: HubSettings, fresh_database: str
) -> None:
    """Two pools (two instances) hammer one key at once: the sum stays within the limit, and
    the limit is reached (never refuses what it should let through)."""
    first = await create_pool(hub_settings.pg_dsn, fresh_database)
    second = await create_pool(hub_settings.pg_dsn, fresh_database)
    try:
        async with first.acquire() as conn:
            await apply_migrations(conn, runtime_migrations() + folder_migrations(MIGRATIONS))
        burst, rate = 20, 5.0
        limiters = [PostgresRateLimits(p, "partner", rate, burst, SECRET) for p in (first, second)]
        started = time.monotonic()
        waits = await asyncio.gather(*(limiters[i % 2].acquire("k") for i in range(200)))
        elapsed = time.monotonic() - started
        passed = sum(1 for w in waits if w == 0.0)
        assert burst <= passed <= _most_allowed(burst, rate, elapsed), (passed, elapsed)
        # A refused request is told how long to wait: about one interval (1 / rate).
        refused = [w for w in waits if w > 0]
        assert refused
        assert max(refused) <= 1 / rate + 0.05
        # Another key and another scope are limited apart.
        assert await limiters[0].acquire("other") == 0.0
        assert await PostgresRateLimits(first, "sign-in", rate, burst, SECRET).acquire("k") == 0.0
        # Once refilled, the key passes again.
        await asyncio.sleep(1 / rate + 0.05)
        assert await limiters[1].acquire("k") == 0.0
    finally:
        await first.close()
        await second.close()
