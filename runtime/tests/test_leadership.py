"""Leader election (hub_runtime.leadership) on the real PostgreSQL: one holder per worker name;
the lock moves when the holder's session ends, and only then."""

import asyncio

import asyncpg
import pytest
from hub_runtime.db import dsn_for_database
from hub_runtime.leadership import Leadership
from hub_runtime.settings import HubSettings
from hub_runtime.testing import wait_until

pytestmark = pytest.mark.integration


async def _terminate(hub: HubSettings, pid: int) -> None:
    admin = await asyncpg.connect(dsn_for_database(hub.pg_dsn, "postgres"))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_one_holder_per_name_and_the_lock_moves_when_its_session_ends(
    hub_settings: HubSettings, fresh_database: str
) -> None:
    dsn = dsn_for_database(hub_settings.pg_dsn, fresh_database)
    first, second = Leadership(dsn, "svc", "pass"), Leadership(dsn, "svc", "pass")
    other_worker = Leadership(dsn, "svc", "other_pass")
    try:
        assert await first.check()
        assert not await second.check()
        assert await first.check()  # re-checked on the server, still held
        assert await other_worker.check()  # another name is another lock

        # The holder's session is killed: it notices at its next check, the other takes over.
        pid = first.backend_pid
        assert pid is not None
        await _terminate(hub_settings, pid)
        await wait_until(lambda: _takes_over(second), within=5)
        assert not await first.check()  # reconnects, but the lock is taken now

        # Closed (the instance stopped): the lock is free at once.
        await second.close()
        assert await first.check()
        assert not await second.check()
    finally:
        for leadership in (first, second, other_worker):
            await leadership.close()


async def _takes_over(leadership: Leadership) -> bool:
    return await leadership.check()


async def test_an_unreachable_database_means_not_the_leader(hub_settings: HubSettings) -> None:
    """No exception escapes the check: a follower keeps trying, a leader stops its passes."""
    leadership = Leadership(dsn_for_database(hub_settings.pg_dsn, "no_such_database"), "s", "w")
    assert not await asyncio.wait_for(leadership.check(), timeout=15)
    assert leadership.backend_pid is None
