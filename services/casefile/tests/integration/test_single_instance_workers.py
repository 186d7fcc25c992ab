"""Two casefile instances on one database (in-process, each under casefile's own principal and
roles): each periodic pass runs in one of them only; when the leader's database session is
killed, or the leader stops, the other takes every pass over within a bounded time."""

import asyncio
import time
from typing import Any

import asyncpg
import pytest
from hub_runtime.db import dsn_for_database
from hub_runtime.settings import HubSettings
from hub_runtime.testing import as_service, wait_until

pytestmark = pytest.mark.integration

WORKERS = ("deadline_worker", "retention_worker", "evidence_sealer", "nfc_normaliser")
PASS_SECONDS = 0.2
RETRY_SECONDS = 0.2
TAKEOVER_WITHIN = 15.0  # generous: the property is the takeover, not its speed under load
"""Bound on a takeover: the follower retries every 0.2 s; connecting and one query add little."""


def _leadership(instance: Any, worker: str) -> Any:
    context = instance.runtime.context
    assert context is not None
    return context.leaders.get(worker)


def _leaders(instances: list[Any], worker: str) -> list[Any]:
    return [
        i
        for i in instances
        if (leadership := _leadership(i, worker)) is not None and leadership.held
    ]


async def _terminate(hub: HubSettings, pid: int) -> None:
    admin = await asyncpg.connect(dsn_for_database(hub.pg_dsn, "postgres"))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_each_pass_runs_in_one_instance_and_fails_over(
    start_casefile: Any, isolated_hub: HubSettings, fresh_database: str, hub_settings: HubSettings
) -> None:
    own = await as_service(isolated_hub, "casefile", fresh_database)
    hub = own.model_copy(update={"leader_retry_seconds": RETRY_SECONDS})
    timing = {"deadline_check_seconds": PASS_SECONDS, "retention_check_seconds": PASS_SECONDS}
    first = await start_casefile(hub=hub, **timing)
    second = await start_casefile(hub=hub, **timing)
    both = [first, second]

    async def one_leader_each() -> bool:
        return all(len(_leaders(both, w)) == 1 for w in WORKERS)

    await wait_until(one_leader_each, within=TAKEOVER_WITHIN)
    before = {w: {id(i): _leadership(i, w).passes for i in both} for w in WORKERS}
    await asyncio.sleep(10 * PASS_SECONDS)
    for worker in WORKERS:
        (leader,) = _leaders(both, worker)
        (follower,) = [i for i in both if i is not leader]
        # The follower never ran a pass; the leader kept running them.
        assert _leadership(follower, worker).passes == 0, worker
        assert _leadership(leader, worker).passes >= before[worker][id(leader)] + 3, worker

    # The deadline pass's leader loses its database session: the other instance takes over.
    (leader,) = _leaders(both, "deadline_worker")
    (follower,) = [i for i in both if i is not leader]
    pid = _leadership(leader, "deadline_worker").backend_pid
    assert pid is not None
    killed_at = time.monotonic()
    await _terminate(hub_settings, pid)

    async def follower_took_over() -> bool:
        return _leaders(both, "deadline_worker") == [follower]

    await wait_until(follower_took_over, within=TAKEOVER_WITHIN)
    assert time.monotonic() - killed_at < TAKEOVER_WITHIN
    taken_over = _leadership(follower, "deadline_worker").passes
    await wait_until(
        lambda: _ran_more(follower, "deadline_worker", taken_over), within=TAKEOVER_WITHIN
    )
    # The old leader reconnected but stays a follower: still one leader.
    await asyncio.sleep(5 * PASS_SECONDS)
    assert _leaders(both, "deadline_worker") == [follower]

    # Now every worker's leader is stopped: the remaining instance leads them all.
    leading = {i for w in WORKERS for i in map(id, _leaders(both, w))}
    stopped = first if id(first) in leading else second
    remaining = second if stopped is first else first
    await stopped.stop()
    stopped_at = time.monotonic()

    async def remaining_leads_all() -> bool:
        return all(_leaders([remaining], w) == [remaining] for w in WORKERS)

    await wait_until(remaining_leads_all, within=TAKEOVER_WITHIN)
    assert time.monotonic() - stopped_at < TAKEOVER_WITHIN


async def _ran_more(instance: Any, worker: str, passes: int) -> bool:
    return bool(_leadership(instance, worker).passes > passes)
