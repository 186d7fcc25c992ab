"""The assembled runtime on the real stack: a tiny service that consumes its own events."""

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from hub_contracts import CaseOpened
from hub_runtime.http import create_app
from hub_runtime.service import ServiceContext, ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import wait_until

from ._echo import echo_definition

pytestmark = pytest.mark.integration


def build_app(ctx: ServiceContext) -> FastAPI:
    return create_app(
        service=ctx.name,
        title="echo",
        description="",
        max_body_bytes=4096,
        readiness=ctx.readiness_checks(),
    )


async def test_a_service_starts_applies_its_events_and_stops(
    isolated_hub: HubSettings, fresh_database: str, tmp_path: Path
) -> None:
    definition = echo_definition(fresh_database, tmp_path, build_app=build_app)
    settings = isolated_hub.model_copy(update={"metrics_refresh_seconds": 0.1})
    runtime = ServiceRuntime(definition, settings)
    await runtime.start()
    try:
        async with httpx.AsyncClient(base_url=runtime.base_url) as client:
            ready = (await client.get("/ready")).json()
            assert ready["status"] == "pass"
            assert {
                key: [r["status"] for r in results] for key, results in ready["checks"].items()
            } == {
                "database:responseTime": ["pass"],
                "kafka:responseTime": ["pass"],
            }
        assert runtime.context is not None
        case_id = uuid.uuid4()
        async with runtime.context.unit_of_work() as uow:
            uow.emit(
                CaseOpened(
                    case_id=case_id,
                    country_of_origin="AF",
                    region="oost",
                    household_size=3,
                    has_minors=True,
                    vulnerabilities=["family_with_children"],
                    location_type="family_location",
                    stage="final_rejection",
                ),
                subject=case_id,
            )
            await uow.commit()

        async def applied() -> bool:
            return bool(await runtime.context.pool.fetchval("SELECT count(*) FROM seen"))  # type: ignore[union-attr]

        await wait_until(applied)
        await _metrics_show_the_work(runtime.base_url)
    finally:
        await runtime.stop()


async def _metrics_show_the_work(base_url: str) -> None:
    """/metrics (open, like /health) exposes applied events, backlog, lag and dead letters."""

    async def refreshed() -> bool:
        async with httpx.AsyncClient(base_url=base_url) as client:
            text = (await client.get("/metrics")).text
        return all(
            line in text
            for line in (
                'hub_events_applied_total{event_type="council.casefile.CaseOpened.v1",'
                'service="echo"} 1.0',
                'hub_outbox_backlog{service="echo"} 0.0',
                'hub_dead_letter_records{service="echo",',
                'hub_consumer_lag{partition="',
            )
        )

    await wait_until(refreshed, within=10)


async def test_a_kept_alive_connection_outlives_a_clients_idle_expiry(
    isolated_hub: HubSettings, fresh_database: str, tmp_path: Path
) -> None:
    # httpx (like many clients) reuses an idle connection for up to 5 s; a server that closes
    # it at 5 s too races the client's next request, which then fails with a ReadError.
    definition = echo_definition(
        fresh_database, tmp_path, publishes=[], consumes=[], handlers={}, build_app=build_app
    )
    runtime = ServiceRuntime(definition, isolated_hub)
    await runtime.start()
    try:
        host, port = runtime.base_url.removeprefix("http://").rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        request = f"GET /health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
        writer.write(request)
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
        await asyncio.sleep(6)  # idle longer than a 5 s client expiry
        assert not reader.at_eof()
        writer.write(request)
        await reader.read(4096)  # the rest of the first answer, if not read yet
        assert not reader.at_eof(), "the server closed a connection idle for only 6 s"
        writer.close()
    finally:
        await runtime.stop()


async def test_a_start_that_fails_half_way_stops_what_it_started(
    isolated_hub: HubSettings, fresh_database: str, tmp_path: Path
) -> None:
    """Its HTTP edge fails to build after the consumers and workers started: start() raises
    and nothing keeps running (no consumer polling, no worker, the pool closed)."""
    ran: list[str] = []

    async def worker(ctx: ServiceContext) -> None:
        while True:
            ran.append("pass")
            await asyncio.sleep(0.05)

    def broken_app(ctx: ServiceContext) -> FastAPI:
        raise RuntimeError("the edge could not be built")

    definition = echo_definition(fresh_database, tmp_path, workers=[worker], build_app=broken_app)
    runtime = ServiceRuntime(definition, isolated_hub)
    with pytest.raises(RuntimeError, match="could not be built"):
        await runtime.start()
    assert runtime.context is not None
    assert not runtime.context.broker.running
    assert runtime.kafka_consumer() is None
    assert runtime.context.pool.is_closing()
    passes = len(ran)
    await asyncio.sleep(0.3)
    assert len(ran) == passes  # the worker was stopped


async def test_a_stop_closes_both_pools_and_logs_each_steps_time(
    isolated_hub: HubSettings,
    fresh_database: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    definition = echo_definition(
        fresh_database, tmp_path, publishes=[], consumes=[], handlers={}, build_app=build_app
    )
    runtime = ServiceRuntime(definition, isolated_hub)
    await runtime.start()
    assert runtime.context is not None
    pools = (runtime.context.pool, runtime.context.read_pool)
    with caplog.at_level("INFO", logger="hub_runtime.service"):
        await runtime.stop()
    assert all(pool.is_closing() for pool in pools)
    [stopped] = [r for r in caplog.records if r.getMessage() == "service stopped"]
    steps = {
        key: getattr(stopped, key, None) for key in ("http_ms", "tasks_ms", "kafka_ms", "pools_ms")
    }
    assert all(isinstance(ms, int) and ms >= 0 for ms in steps.values()), steps
