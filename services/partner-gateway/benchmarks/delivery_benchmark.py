"""Benchmark: deliveries/s and approval -> acceptance latency through the gateway.

    uv run python services/partner-gateway/benchmarks/delivery_benchmark.py --referrals 300

On the real stack (.hub/stack.env): publishes N ReferralApproved events (round-robin over P
simulated partners), the gateway signs and delivers the webhooks, each simulator fetches the
referral (disclosure via a stand-in casefile endpoint) and POSTs "accepted". Reports
deliveries/s, p50/p99 from approval to PartnerStatusReported (the partner's acceptance recorded
by the gateway; the time until casefile's timeline shows it needs the lead's end-to-end setup),
and, in the same run, a plain loop of signed HTTP POSTs to the same simulator as the baseline.
"""

import argparse
import asyncio
import contextlib
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import asyncpg
import httpx
import uvicorn
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI, Request
from hub_contracts import (
    ConsentGranted,
    DataCategory,
    Envelope,
    EventPayload,
    PartnerRegistered,
    PartnerStatusReported,
    PartnerType,
    Purpose,
    ReferralApproved,
    ReferralDelivered,
    Topic,
    new_envelope,
)
from hub_contracts.registry import decode
from hub_runtime.auth import Role, mint_token
from hub_runtime.db import dsn_for_database
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import read_all, stack_settings
from partner_gateway.bootstrap import definition
from partner_gateway.config import Settings
from partner_gateway.domain.signing import sign
from partner_gateway.simulator import PartnerSimulator, build_simulator


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _casefile() -> FastAPI:
    app = FastAPI()

    @app.post("/internal/disclosures")
    async def disclose(request: Request) -> dict[str, object]:
        body = await request.json()
        return {"case_id": body["case_id"], "categories": {c: {} for c in body["data_categories"]}}

    return app


async def _serve(app: FastAPI) -> tuple[str, _Server, asyncio.Task[None]]:
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.01)
    return f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}", server, task


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(referrals: int, partners: int) -> None:
    tag = uuid.uuid4().hex[:8]
    hub = stack_settings(topic_prefix=f"bench-{tag}.")
    database = f"bench_{tag}"
    casefile_url, cf_server, cf_task = await _serve(_casefile())
    settings = Settings(
        hub=hub,
        database=database,
        http_port=0,
        casefile_url=casefile_url,
        delivery_poll_seconds=0.02,
        delivery_concurrency=max(16, partners),
        rate_limit_per_second=100_000,
        rate_limit_burst=100_000,
    )
    runtime = ServiceRuntime(definition(settings), hub)
    await runtime.start()
    producer = AIOKafkaProducer(**kafka_client_options(hub), linger_ms=5)
    await producer.start()
    secret = hub.jwt_secret.get_secret_value()
    sims: list[PartnerSimulator] = []

    pending: list[asyncio.Future[object]] = []

    async def publish(payload: EventPayload, subject: str) -> None:
        """Send without waiting for the ack (the load arrives as fast as Kafka takes it)."""
        env = new_envelope(payload, source="urn:bench", subject=subject)
        pending.append(
            await producer.send(hub.topic(payload.topic), env.to_bytes(), env.kafka_key())
        )

    try:
        partner_ids = [uuid.uuid4() for _ in range(partners)]
        for pid in partner_ids:
            await publish(
                PartnerRegistered(
                    partner_id=pid,
                    partner_type=PartnerType.NGO,
                    purposes=[Purpose.REINTEGRATION_SUPPORT],
                    countries=["AF"],
                    agreement_valid_until=None,
                    active=True,
                ),
                str(pid),
            )
        admin = {"authorization": "Bearer " + mint_token(secret, sub="bench", role=Role.ADMIN)}
        async with httpx.AsyncClient(base_url=runtime.base_url) as client:
            for pid in partner_ids:
                token = mint_token(secret, sub=f"bench-{pid}", role=Role.PARTNER, partner_id=pid)
                sim = build_simulator(gateway_url=runtime.base_url, partner_token=token)
                await sim.start()
                sims.append(sim)
                while True:
                    r = await client.put(
                        f"/admin/partners/{pid}/webhook",
                        json={"url": sim.webhook_url},
                        headers=admin,
                    )
                    if r.status_code == 200:
                        sim.webhook_secret = r.json()["secret"]
                        break
                    await asyncio.sleep(0.05)

        approved_at: dict[uuid.UUID, float] = {}
        started = time.time()
        for i in range(referrals):
            pid = partner_ids[i % partners]
            case_id, consent_id, referral_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            await publish(
                ConsentGranted(
                    case_id=case_id,
                    consent_id=consent_id,
                    partner_id=pid,
                    purposes=[Purpose.REINTEGRATION_SUPPORT],
                    data_categories=[DataCategory.IDENTITY],
                    valid_from=date.today(),
                    valid_until=date.today() + timedelta(days=30),
                ),
                str(case_id),
            )
            approved_at[referral_id] = time.time()
            await publish(
                ReferralApproved(
                    case_id=case_id,
                    referral_id=referral_id,
                    partner_id=pid,
                    partner_type=PartnerType.NGO,
                    purpose=Purpose.REINTEGRATION_SUPPORT,
                    data_categories=[DataCategory.IDENTITY],
                    consent_id=consent_id,
                ),
                str(case_id),
            )
        await asyncio.gather(*pending)
        published = time.time() - started
        while sum(len(s.record.reported) for s in sims) < referrals:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        await asyncio.sleep(2 * hub.outbox_poll_seconds)  # let the relay publish the last events
        records = await read_all(hub, hub.topic(Topic.PARTNER_EVENTS))
        envelopes = [Envelope.from_bytes(r.value) for r in records if r.value]
        delivered_times = [
            e.time.timestamp() for e in envelopes if e.type == ReferralDelivered.event_type
        ]
        latencies = []
        for env in envelopes:
            if env.type == PartnerStatusReported.event_type:
                payload = decode(env)
                assert isinstance(payload, PartnerStatusReported)
                latencies.append(payload.reported_at.timestamp() - approved_at[payload.referral_id])
        gateway_rate = len(delivered_times) / (max(delivered_times) - started)

        # Baseline, same run, same simulator: a plain loop of signed POSTs (no queue, no retries).
        sim = sims[0]
        assert sim.webhook_secret is not None
        async with httpx.AsyncClient() as client:
            t0 = time.perf_counter()
            for i in range(referrals):
                body = b'{"type":"benchmark.ping","data":{}}'
                headers = sign([sim.webhook_secret], f"ping-{tag}-{i}", int(time.time()), body)
                r = await client.post(sim.webhook_url, content=body, headers=headers.as_dict())
                r.raise_for_status()
            plain_rate = referrals / (time.perf_counter() - t0)

        print(
            f"load: {referrals} referrals over {partners} partners, all published within "
            f"{published:.1f} s"
        )
        print(f"gateway deliveries/s: {gateway_rate:.1f} ({len(delivered_times)} delivered)")
        print(
            "approval -> partner acceptance (PartnerStatusReported.reported_at): "
            f"p50 {1000 * statistics.median(latencies):.0f} ms, "
            f"p99 {1000 * _pct(latencies, 0.99):.0f} ms"
        )
        assert runtime.context is not None
        spans = await runtime.context.pool.fetchrow(
            "SELECT extract(epoch FROM max(r.approved_at)) - $1 AS consumed,"
            " extract(epoch FROM max(d.finished_at)) - $1 AS delivered,"
            " avg(extract(epoch FROM d.finished_at - d.created_at)) AS queued"
            " FROM referrals r JOIN deliveries d ON d.partner_id = r.partner_id",
            started,
        )
        print(
            f"(last approval applied by the consumer after {spans['consumed']:.1f} s, "
            f"last webhook delivered after {spans['delivered']:.1f} s, "
            f"mean time in the delivery queue {spans['queued']:.2f} s)"
        )
        print(f"plain loop of signed POSTs to the same simulator: {plain_rate:.1f}/s")
        print(f"ratio gateway/plain: {gateway_rate / plain_rate:.2f}")
    finally:
        for sim in sims:
            await sim.stop()
        await producer.stop()
        await runtime.stop()
        cf_server.should_exit = True
        await cf_task
        conn = await asyncpg.connect(dsn_for_database(hub.pg_dsn, "postgres"))
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await conn.close()
        await _delete_topics(hub, hub.topic_prefix)


async def _delete_topics(hub: HubSettings, prefix: str) -> None:
    """Remove this run's topics (exactly this run's prefix, nobody else's)."""
    admin = AIOKafkaAdminClient(**kafka_client_options(hub))
    await admin.start()
    try:
        mine = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if mine:
            await admin.delete_topics(mine)
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--referrals", type=int, default=300)
    parser.add_argument("--partners", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(run(args.referrals, args.partners))


if __name__ == "__main__":
    main()
