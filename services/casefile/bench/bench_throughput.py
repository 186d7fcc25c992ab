"""Throughput of casefile on the real stack, each rate next to a raw asyncpg loop (not a test).

    uv run python services/casefile/bench/bench_throughput.py [--cases 300] [--events 2000]

1. Case writes/s through the API (POST /cases: validation, encryption, case + key + sealed
   fields + timeline + outbox in one transaction), against a raw asyncpg loop writing the same
   rows (already encrypted bytes) one transaction per case, at the same concurrency.
2. Events/s through the consumer (PartnerStatusReported -> inbox row + timeline row per event),
   against raw asyncpg loops writing the same rows: one transaction per event, and in batches
   of 200 (the consumer's max poll size). The consumer's rate comes from the inbox timestamps,
   so group join and start-up time do not count.
"""

import argparse
import asyncio
import json
import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from casefile.bootstrap import definition
from casefile.config import Settings
from hub_contracts import PartnerStatusReported, Topic, new_envelope, subject_for
from hub_runtime.auth import Role, mint_token
from hub_runtime.db import dsn_for_database
from hub_runtime.entry import service_runtime
from hub_runtime.kafka import ensure_topics
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.settings import HubSettings
from hub_runtime.testing import stack_settings

CONCURRENCY = 8
BATCH = 200


def case_body(i: int) -> dict[str, Any]:
    return {
        "person": {
            "name": f"Bench Person {i}",
            "date_of_birth": "1990-01-01",
            "phone": "+31 6 1234 5678",
            "languages": ["ar"],
            "medical_needs": "none known",
        },
        "household": [{"relation": "partner", "date_of_birth": "1991-02-02"}],
        "country_of_origin": "SY",
        "region": "west",
        "location_type": "azc",
        "stage": "appeal_pending",
        "vulnerabilities": [],
    }


async def _concurrently(n: int, one: Any) -> float:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            await one(queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return n / (time.perf_counter() - started)


async def api_rate(base_url: str, token: str, n: int) -> float:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        headers = {"Authorization": f"Bearer {token}"}

        async def one(i: int) -> None:
            response = await client.post("/cases", json=case_body(i), headers=headers)
            response.raise_for_status()

        return await _concurrently(n, one)


async def raw_case_rate(pool: asyncpg.Pool, n: int) -> float:
    blob = os.urandom(96)

    async def one(i: int) -> None:
        case_id = uuid.uuid4()
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO cases (case_id, country_of_origin, region, location_type, stage,"
                " vulnerabilities, household_size, has_minors, opened_on, opened_by)"
                " VALUES ($1,'SY','west','azc','appeal_pending','{}',2,false,current_date,'raw')",
                case_id,
            )
            await conn.execute(
                "INSERT INTO person_keys (case_id, kek_version, nonce, wrapped_key)"
                " VALUES ($1, 1, $2, $3)",
                case_id,
                blob[:12],
                blob[:48],
            )
            await conn.executemany(
                "INSERT INTO person_fields (case_id, category, nonce, ciphertext)"
                " VALUES ($1, $2, $3, $4)",
                [
                    (case_id, c, blob[:12], blob)
                    for c in ("identity", "contact", "household", "medical_needs")
                ],
            )
            await conn.execute(
                "INSERT INTO timeline (case_id, occurred_at, kind, source, details)"
                " VALUES ($1, now(), 'case_opened', 'casefile', '{}')",
                case_id,
            )
            await conn.execute(
                "INSERT INTO hub_outbox (event_id, topic, message_key, payload)"
                " VALUES ($1, $2, $3, $4)",
                uuid.uuid4(),
                str(Topic.CASEFILE_EVENTS),
                str(case_id),
                blob,
            )

    return await _concurrently(n, one)


def _status_events(n: int) -> list[PartnerStatusReported]:
    return [
        PartnerStatusReported(
            case_id=uuid.uuid4(),
            referral_id=uuid.uuid4(),
            partner_id=uuid.uuid4(),
            status="accepted",  # type: ignore[arg-type]
            reported_at=datetime.now(UTC),
        )
        for _ in range(n)
    ]


async def publish(hub: HubSettings, topic: str, events: list[PartnerStatusReported]) -> None:
    producer = AIOKafkaProducer(**kafka_client_options(hub), linger_ms=5)
    await producer.start()
    try:
        sends = []
        for event in events:
            envelope = new_envelope(event, source="urn:bench", subject=subject_for(event))
            sends.append(
                await producer.send(topic, value=envelope.to_bytes(), key=envelope.kafka_key())
            )
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def consumer_rate(pool: asyncpg.Pool, n: int) -> float:
    deadline = time.monotonic() + 600
    while await pool.fetchval("SELECT count(*) FROM hub_inbox") < n:
        if time.monotonic() > deadline:
            raise TimeoutError("the consumer did not apply every event within 10 minutes")
        await asyncio.sleep(0.2)
    first, last = await pool.fetchrow("SELECT min(applied_at), max(applied_at) FROM hub_inbox")
    return (n - 1) / max((last - first).total_seconds(), 1e-6)


def _raw_event_rows(n: int) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    details = json.dumps({"status": "accepted", "referral_id": str(uuid.uuid4())})
    return [(uuid.uuid4(), uuid.uuid4(), details) for _ in range(n)]


async def _raw_events(conn: Any, rows: list[tuple[uuid.UUID, uuid.UUID, str]]) -> None:
    await conn.executemany(
        "INSERT INTO hub_inbox (event_id, event_type, topic) VALUES ($1, 'raw', 'raw')",
        [(event_id,) for event_id, _, _ in rows],
    )
    await conn.executemany(
        "INSERT INTO timeline (case_id, occurred_at, kind, source, event_id, details)"
        " VALUES ($1, now(), 'partner_status_reported', 'raw', $2, $3::jsonb)",
        [(case_id, event_id, details) for event_id, case_id, details in rows],
    )


async def raw_event_rate(pool: asyncpg.Pool, n: int, batch: int) -> float:
    rows = _raw_event_rows(n)
    started = time.perf_counter()
    async with pool.acquire() as conn:
        for i in range(0, n, batch):
            async with conn.transaction():
                await _raw_events(conn, rows[i : i + batch])
    return n / (time.perf_counter() - started)


async def main(cases: int, events: int) -> None:
    hub = stack_settings(topic_prefix=f"bench-{uuid.uuid4().hex[:6]}.")
    database = f"bench_{uuid.uuid4().hex[:8]}"
    topic = hub.topic(Topic.PARTNER_EVENTS)
    await ensure_topics(hub, [topic], hub.topic_partitions)
    await publish(hub, topic, _status_events(events))
    settings = Settings(database=database, http_port=0, hub=hub)
    rt = service_runtime(definition(settings), settings)
    await rt.start()
    try:
        assert rt.context is not None
        pool = rt.context.pool
        consumed = await consumer_rate(pool, events)
        raw_one = await raw_event_rate(pool, events, 1)
        raw_batch = await raw_event_rate(pool, events, BATCH)
        token = mint_token(hub.jwt_secret.get_secret_value(), sub="bench", role=Role.COUNSELLOR)
        api = await api_rate(rt.base_url, token, cases)
        raw_cases = await raw_case_rate(pool, cases)
    finally:
        await rt.stop()
        admin = await asyncpg.connect(dsn_for_database(hub.pg_dsn, "postgres"))
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
    print(
        f"case writes via API : {api:8.1f}/s  raw asyncpg loop {raw_cases:8.1f}/s"
        f"  ratio {api / raw_cases:.2f}"
    )
    print(
        f"events via consumer : {consumed:8.1f}/s  raw, tx per event {raw_one:8.1f}/s"
        f"  ratio {consumed / raw_one:.2f}"
    )
    print(
        f"                      {'':8}    raw, tx per {BATCH:<5} {raw_batch:8.1f}/s"
        f"  ratio {consumed / raw_batch:.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.events))
