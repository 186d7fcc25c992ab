"""The gateway's benchmark (issue 5): deliveries/s and approval -> acceptance on the case.

All four real services run in this process (hub_demo.inprocess) with simulated partners; N
referrals are approved, the gateway delivers signed webhooks, partners fetch and accept, and the
acceptance is timed when it becomes visible on the case's timeline (casefile's database, polled
every 20 ms). Baseline in the same run: a plain loop of signed POSTs to the same simulator.

    uv run python bench/gateway.py [--referrals 100] [--partners 4]
"""

import argparse
import asyncio
import statistics
import time
import uuid
from uuid import UUID

import httpx
from hub_demo.client import HubClient
from hub_demo.inprocess import RunningHub, connect_simulated_partner, start_hub
from hub_runtime.kafka import delete_topics_with_prefix
from hub_runtime.testing import stack_settings, temporary_databases
from partner_gateway.domain.signing import sign
from partner_gateway.simulator.app import PartnerSimulator

PERSON = {"name": "Bench Testpersoon", "date_of_birth": "1985-01-01"}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _prepare(client: HubClient, partners: list[UUID], n: int) -> list[tuple[UUID, UUID]]:
    """Cases with a decision and a consent, ready for a referral (not timed)."""
    ready = []
    for i in range(n):
        partner = partners[i % len(partners)]
        # Each case another person: casefile refuses a second open case for one person.
        case_id = await client.open_case({**PERSON, "name": f"{PERSON['name']} {i}"})
        await client.record_decision(case_id)
        await client.wait_for_referral_view(case_id)
        await client.grant_consent(case_id, partner)
        ready.append((case_id, partner))
    return ready


async def _acceptances_on_cases(hub: RunningHub, cases: set[UUID], seen: dict[UUID, float]) -> None:
    """Poll casefile's timeline: the moment an acceptance is visible on a case."""
    assert hub.casefile.context is not None
    pool = hub.casefile.context.pool
    while len(seen) < len(cases):
        rows = await pool.fetch(
            "SELECT DISTINCT case_id FROM timeline WHERE kind = 'partner_status_reported'"
            " AND details->>'status' = 'accepted'"
        )
        now = time.perf_counter()
        for row in rows:
            if row["case_id"] in cases and row["case_id"] not in seen:
                seen[row["case_id"]] = now
        await asyncio.sleep(0.02)


async def _deliveries_per_second(hub: RunningHub) -> tuple[int, float]:
    assert hub.gateway.context is not None
    row = await hub.gateway.context.pool.fetchrow(
        "SELECT count(*) AS n, extract(epoch FROM max(finished_at) - min(created_at)) AS span"
        " FROM deliveries WHERE state = 'delivered'"
    )
    assert row is not None  # an aggregate always returns one row
    return int(row["n"]), float(row["n"]) / max(float(row["span"] or 0), 1e-9)


async def _plain_signed_posts(simulator: PartnerSimulator, n: int) -> float:
    assert simulator.webhook_secret is not None
    body = b'{"type":"benchmark.ping","data":{}}'
    async with httpx.AsyncClient() as client:
        started = time.perf_counter()
        for i in range(n):
            headers = sign(
                [simulator.webhook_secret], f"ping-{i}-{uuid.uuid4()}", int(time.time()), body
            )
            response = await client.post(
                simulator.webhook_url, content=body, headers=headers.as_dict()
            )
            response.raise_for_status()
        return n / (time.perf_counter() - started)


async def run(referrals: int, partners: int) -> None:
    hub_settings = stack_settings().model_copy(
        update={"topic_prefix": f"bench-gw-{uuid.uuid4().hex[:6]}."}
    )
    async with temporary_databases(
        hub_settings, "casefile", "referral", "partner_gateway", "signals"
    ) as dbs:
        hub = await start_hub(hub_settings, dbs)
        client = hub.client()
        simulators: list[PartnerSimulator] = []
        try:
            partner_ids = [
                await client.register_partner(f"Bench partner {i}") for i in range(partners)
            ]
            simulators = [await connect_simulated_partner(client, p) for p in partner_ids]
            ready = await _prepare(client, partner_ids, referrals)
            seen: dict[UUID, float] = {}
            cases = {case_id for case_id, _ in ready}
            watcher = asyncio.create_task(_acceptances_on_cases(hub, cases, seen))
            requested: dict[UUID, float] = {}
            gate = asyncio.Semaphore(16)

            async def refer(case_id: UUID, partner: UUID) -> None:
                async with gate:
                    requested[case_id] = time.perf_counter()
                    await client.request_referral(case_id, partner)

            started = time.perf_counter()
            await asyncio.gather(*(refer(c, p) for c, p in ready))
            await asyncio.wait_for(watcher, timeout=300)
            elapsed = time.perf_counter() - started
            latencies = [seen[c] - requested[c] for c in requested]
            delivered, delivery_rate = await _deliveries_per_second(hub)
            plain_rate = await _plain_signed_posts(simulators[0], referrals)
        finally:
            for simulator in simulators:
                await simulator.stop()
            await client.aclose()
            await hub.stop()
    await delete_topics_with_prefix(hub_settings, hub_settings.topic_prefix)
    print(
        f"load: {referrals} referrals over {partners} partners, 16 requests in flight, one process"
    )
    print(
        f"referrals accepted on the case: {len(seen)}/{referrals} in {elapsed:.1f} s"
        f" ({referrals / elapsed:.1f}/s)"
    )
    # The gateway can deliver only as fast as approvals reach it: this is its rate at this load.
    print(f"gateway deliveries/s: {delivery_rate:.1f} ({delivered} webhooks delivered)")
    print(
        "referral request (= approval: no review needed) -> partner's acceptance on the case: "
        f"p50 {1000 * statistics.median(latencies):.0f} ms, "
        f"p99 {1000 * _percentile(latencies, 0.99):.0f} ms"
    )
    print(f"plain loop of signed POSTs to the same simulator: {plain_rate:.1f}/s")
    print(f"ratio gateway deliveries / plain signed POSTs: {delivery_rate / plain_rate:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--referrals", type=int, default=100)
    parser.add_argument("--partners", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(run(args.referrals, args.partners))


if __name__ == "__main__":
    main()
