"""The four services as processes on scratch databases, with partners and prepared cases: the
setting of `make profile` and of the end-to-end A/B (`bench/e2e_ab.py`)."""

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
from hub_demo.client import HubClient
from hub_demo.identities import production_identities
from hub_demo.inprocess import connect_simulated_partner
from hub_demo.processes import HubProcesses
from hub_runtime.db import dsn_for_database
from hub_runtime.kafka import delete_topics_with_prefix
from hub_runtime.settings import HubSettings
from partner_gateway.simulator.app import PartnerSimulator

from bench import endtoend
from bench.common import LOG_DIR, bench_settings, run_prefix, scratch_databases

SERVICE_DATABASES = ("casefile", "referral", "partner_gateway", "signals")


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class LoadedHub:
    """A running hub ready for a closed loop: `cases` prepared (one referral each)."""

    client: HubClient
    probe: endtoend.TimelineProbe
    cases: list[endtoend.Case]
    pids: dict[str, int]
    databases: dict[str, str]
    """Service database key (``casefile``, ...) -> the scratch database's name."""


@contextlib.asynccontextmanager
async def loaded_hub(
    tag: str, referrals: int, *, extra_env: dict[str, str] | None = None, partners: int = 4
) -> AsyncIterator[LoadedHub]:
    """Start the services (each under its own identity, `extra_env` added to every service's
    environment, on top of the benchmark's gateway settings), register `partners` simulated
    partners and prepare `referrals` cases; everything is stopped and dropped afterwards
    (databases, topics) even when the run fails."""
    hub: HubSettings = bench_settings(run_prefix(tag))
    try:
        async with (
            scratch_databases(hub, *SERVICE_DATABASES) as dbs,
            production_identities(hub, dbs) as identities,
            _running(hub, dbs, identities, referrals, extra_env or {}, partners) as loaded,
        ):
            yield loaded
    finally:
        await delete_topics_with_prefix(hub, hub.topic_prefix)


@contextlib.asynccontextmanager
async def _running(
    hub: HubSettings,
    dbs: dict[str, str],
    identities: dict[str, dict[str, str]],
    referrals: int,
    extra_env: dict[str, str],
    partner_count: int,
) -> AsyncIterator[LoadedHub]:
    processes = HubProcesses(
        hub, dbs, LOG_DIR / "profile", extra_env={**endtoend.GATEWAY_ENV, **extra_env},
        service_env=identities,
    )  # fmt: skip
    pool = await asyncpg.create_pool(
        dsn_for_database(hub.pg_dsn, dbs["casefile"]), min_size=1, max_size=2
    )
    referral_pool = await asyncpg.create_pool(
        dsn_for_database(hub.pg_dsn, dbs["referral"]), min_size=1, max_size=2
    )
    assert pool is not None
    assert referral_pool is not None
    client: HubClient | None = None
    simulators: list[PartnerSimulator] = []
    probing: asyncio.Task[None] | None = None
    try:
        say("starting the four services as processes")
        await processes.start_all()
        pids = {name: service.pid for name, service in processes.services.items()}
        client = HubClient(processes.urls(), hub.jwt_secret.get_secret_value(),
                           httpx.AsyncClient(timeout=30))  # fmt: skip
        partners = [
            await client.register_partner(f"Bench partner {i}") for i in range(partner_count)
        ]
        simulators = [await connect_simulated_partner(client, p) for p in partners]
        say(f"preparing {referrals} cases")
        cases = await endtoend.prepare_cases(client, partners, referrals)
        await endtoend.wait_for_referral_view(referral_pool, cases)
        probe = endtoend.TimelineProbe(pool)
        probing = asyncio.create_task(probe.run())
        yield LoadedHub(client, probe, cases, pids, dbs)
    finally:
        if probing is not None:
            probing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await probing
        for simulator in simulators:
            await simulator.stop()
        if client is not None:
            await client.aclose()
        await pool.close()
        await referral_pool.close()
        with contextlib.suppress(Exception):
            await processes.stop_all()
