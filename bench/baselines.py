"""Raw baselines measured in the same run: what aiokafka and asyncpg do with nothing around them."""

import asyncio
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from hub_runtime.db import dsn_for_database
from hub_runtime.kafka import ensure_topics, make_producer
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.settings import HubSettings

from bench.common import percentile


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True)
class RawBaselines:
    kafka_hop: Latency  # produce (acks=all) -> consume, one record at a time, paced
    pg_commit: Latency  # one INSERT + COMMIT, one connection
    pg_commits_per_s: float  # INSERT + COMMIT from 16 connections at once
    python_floor_rss: int  # a bare interpreter with the services' libraries imported


async def kafka_hop_latency(hub: HubSettings, count: int = 300, rate: float = 100.0) -> Latency:
    """Time from `send` to the record reaching a consumer that is already polling."""
    topic = hub.topic("raw.hop")
    await ensure_topics(hub, [topic], 1)
    producer = make_producer(hub, client_id="bench-raw")
    consumer = AIOKafkaConsumer(**kafka_client_options(hub), enable_auto_commit=False)
    await producer.start()
    await consumer.start()
    sent: dict[bytes, float] = {}
    latencies: list[float] = []
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.seek_to_end(partition)

        async def receive() -> None:
            while len(latencies) < count:
                batches = await consumer.getmany(timeout_ms=100)
                now = time.perf_counter()
                for records in batches.values():
                    latencies.extend(now - sent[r.value] for r in records if r.value in sent)

        receiver = asyncio.create_task(receive())
        await asyncio.sleep(0.5)  # the consumer is positioned and fetching
        for _ in range(count):
            key = uuid.uuid4().bytes
            sent[key] = time.perf_counter()
            await producer.send(topic, value=key)
            await asyncio.sleep(1 / rate)
        await asyncio.wait_for(receiver, timeout=30)
    finally:
        await consumer.stop()
        await producer.stop()
    ms = [1000 * s for s in latencies]
    return Latency(percentile(ms, 50), percentile(ms, 99))


async def pg_commits(hub: HubSettings, database: str) -> tuple[Latency, float]:
    """Latency of one small insert transaction, and commits/s from 16 connections."""
    dsn = dsn_for_database(hub.pg_dsn, database)
    pool = await asyncpg.create_pool(dsn, min_size=16, max_size=16)
    assert pool is not None
    try:
        await pool.execute(
            "CREATE TABLE raw_commit (id uuid PRIMARY KEY, at timestamptz DEFAULT now())"
        )
        latencies: list[float] = []
        async with pool.acquire() as conn:
            for _ in range(400):
                started = time.perf_counter()
                await conn.execute("INSERT INTO raw_commit (id) VALUES ($1)", uuid.uuid4())
                latencies.append(1000 * (time.perf_counter() - started))
        done = 0
        stop_at = time.perf_counter() + 3.0

        async def worker() -> None:
            nonlocal done
            async with pool.acquire() as conn:
                while time.perf_counter() < stop_at:
                    await conn.execute("INSERT INTO raw_commit (id) VALUES ($1)", uuid.uuid4())
                    done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(16)))
        rate = done / (time.perf_counter() - started)
    finally:
        await pool.close()
    return Latency(percentile(latencies, 50), percentile(latencies, 99)), rate


_FLOOR = """
import aiokafka, asyncpg, fastapi, httpx, uvicorn, pydantic_settings, prometheus_client
import opentelemetry.sdk.trace, cryptography
for line in open('/proc/self/status'):
    if line.startswith('VmRSS:'):
        print(int(line.split()[1]) * 1024)
"""


def python_floor_rss() -> int:
    """RSS of an interpreter that only imports the libraries every service uses."""
    out = subprocess.run(  # noqa: S603 (our own interpreter, a constant script)
        [sys.executable, "-c", _FLOOR], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


async def measure(hub: HubSettings, scratch_db: str) -> RawBaselines:
    hop = await kafka_hop_latency(hub)
    commit, commits_per_s = await pg_commits(hub, scratch_db)
    return RawBaselines(hop, commit, commits_per_s, python_floor_rss())
