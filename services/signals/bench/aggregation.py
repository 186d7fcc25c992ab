"""Aggregation throughput of signals on the real Kafka, against a raw aiokafka consume loop.

Run: ``uv run python services/signals/bench/aggregation.py [--events 5000]`` with the stack up.
Both loops read the same records from the same (freshly prefixed) topic in the same run; the
ratio is signals' events/s divided by the raw loop's events/s. Not run by the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from datetime import date

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from hub_contracts import (
    BottleneckCategory,
    BottleneckObserved,
    LocationType,
    ProcedureStage,
    Region,
    Topic,
    new_envelope,
)
from hub_runtime.db import dsn_for_database
from hub_runtime.kafka import ensure_topics
from hub_runtime.settings import HubSettings
from hub_runtime.testing import stack_settings
from signals.bootstrap import runtime
from signals.config import Settings


def events(n: int) -> list[tuple[bytes, bytes]]:
    categories, stages = list(BottleneckCategory), list(ProcedureStage)
    out = []
    for i in range(n):
        case_id = uuid.uuid4()
        payload = BottleneckObserved(
            case_id=case_id,
            bottleneck_id=uuid.uuid4(),
            category=categories[i % len(categories)],
            stage=stages[i % len(stages)],
            region=list(Region)[i % len(Region)],
            location_type=list(LocationType)[i % len(LocationType)],
            observed_on=date(2025, 1, 1 + i % 28),
            country_of_origin="AF",
        )
        envelope = new_envelope(payload, source="bench", subject=str(case_id))
        out.append((envelope.subject.encode(), envelope.to_bytes()))
    return out


async def produce(hub: HubSettings, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    await ensure_topics(hub.kafka_bootstrap, [topic], hub.topic_partitions)
    producer = AIOKafkaProducer(bootstrap_servers=hub.kafka_bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        for key, value in records:
            await producer.send(topic, value=value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


async def raw_loop(hub: HubSettings, topic: str, n: int) -> float:
    """Seconds a plain aiokafka consumer needs to fetch and JSON-decode the n records.

    Partitions are assigned directly (no group), so no join time is counted; the clock starts
    at the first fetch from offset 0.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=hub.kafka_bootstrap, enable_auto_commit=False, max_poll_records=200
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(hub.topic_partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        seen, started = 0, time.perf_counter()
        while seen < n:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    json.loads(record.value or b"{}")
                seen += len(records)
        return time.perf_counter() - started
    finally:
        await consumer.stop()


async def signals_loop(hub: HubSettings, database: str, n: int) -> float:
    """Seconds the signals service needs to apply the n records.

    Timed from the first record applied, like the raw loop (start-up and group join excluded).
    """
    settings = Settings(database=database, hub=hub, http_port=0, publish_interval_seconds=3600)
    service = runtime(settings)
    await service.start()
    try:
        consumer = service.consumer
        assert consumer is not None
        started = 0.0
        while True:
            done = consumer.stats.applied + consumer.stats.dead_lettered
            if done and not started:
                started = time.perf_counter()
            if done >= n:
                return time.perf_counter() - started
            await asyncio.sleep(0.005)
    finally:
        await service.stop()


async def main(n: int) -> None:
    hub = stack_settings().model_copy(update={"topic_prefix": f"bench-{uuid.uuid4().hex[:6]}."})
    database = f"bench_{uuid.uuid4().hex[:8]}"
    topic = hub.topic(Topic.CASEFILE_EVENTS)
    await produce(hub, topic, events(n))
    try:
        raw_seconds = await raw_loop(hub, topic, n)
        signals_seconds = await signals_loop(hub, database, n)
    finally:
        admin = await asyncpg.connect(dsn_for_database(hub.pg_dsn, "postgres"))
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
    raw_rate, signals_rate = n / raw_seconds, n / signals_seconds
    print(f"events: {n}")
    print(f"raw aiokafka consume loop: {raw_rate:,.0f} events/s ({raw_seconds:.2f} s)")
    print(f"signals aggregation:       {signals_rate:,.0f} events/s ({signals_seconds:.2f} s)")
    print(f"ratio (signals / raw):     {signals_rate / raw_rate:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    asyncio.run(main(parser.parse_args().events))
