"""Issue 16 on the real broker: a hosted consumer's polls share spaced offset commits, and a
rebalance commits what the leaving side applied before its partitions move
(`hub_runtime.offset_commits`)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiokafka import TopicPartition
from faststream.kafka import KafkaBroker
from hub_contracts import CaseOpened, Envelope, new_envelope
from hub_runtime import kafka_host
from hub_runtime.consumer import RecordApplier, RetryPolicy
from hub_runtime.dead_letter_seal import DeadLetterSealer
from hub_runtime.dead_letters import DeadLetterWriter
from hub_runtime.kafka import delete_topics_with_prefix, ensure_topics, make_producer
from hub_runtime.kafka_host import HostedConsumer, new_broker, stop_clients
from hub_runtime.polls import apply_poll
from hub_runtime.settings import HubSettings
from hub_runtime.testing import migrated_pool, unique_topic, wait_until
from hub_runtime.unit_of_work import UnitOfWork

from ._events import case_opened

pytestmark = pytest.mark.integration

PARTITIONS = 3


@pytest.fixture
async def pool(hub_settings: HubSettings, fresh_database: str) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(
        hub_settings, fresh_database, "CREATE TABLE applied (event_id uuid NOT NULL)"
    ) as pool:
        yield pool


@pytest.fixture
async def topic(hub_settings: HubSettings) -> AsyncIterator[str]:
    name = unique_topic("commits")
    await ensure_topics(hub_settings, [name], partitions=PARTITIONS)
    try:
        yield name
    finally:
        await delete_topics_with_prefix(hub_settings, name)


def _hosted(
    settings: HubSettings, pool: asyncpg.Pool, topic: str, name: str, interval: float
) -> tuple[KafkaBroker, HostedConsumer]:
    async def apply(uow: UnitOfWork, envelope: Envelope, payload: CaseOpened) -> None:
        await uow.conn.execute("INSERT INTO applied (event_id) VALUES ($1)", envelope.id)

    broker = new_broker(settings, client_id=name)
    applier = RecordApplier(
        service=name,
        dead_letters=DeadLetterWriter(broker, name, DeadLetterSealer.of(settings)),
        uow_factory=lambda: UnitOfWork(pool, source="test"),
        handlers={CaseOpened.event_type: apply},
        retry=RetryPolicy(max_attempts=3, first_backoff=0.01, max_backoff=0.05),
    )
    hosted = HostedConsumer(
        broker,
        group_id=f"{topic}.group",
        topics=[topic],
        applier=applier,
        commit_interval_seconds=interval,
    )
    return broker, hosted


def _counting_commits(hosted: HostedConsumer) -> list[dict[TopicPartition, int]]:
    """Record every commit the hosted consumer makes (still sent to the broker)."""
    consumer = hosted.kafka_consumer
    assert consumer is not None
    sent: list[dict[TopicPartition, int]] = []
    real = consumer.commit

    async def commit(offsets: Any = None) -> None:
        sent.append(dict(offsets))
        await real(offsets)

    consumer.commit = commit
    return sent


async def _send(settings: HubSettings, topic: str, count: int, gap_seconds: float) -> None:
    producer = make_producer(settings, "commits-test")
    await producer.start()
    try:
        for n in range(count):
            envelope = new_envelope(case_opened(uuid.uuid4()), source="urn:test", subject=f"k{n}")
            await producer.send_and_wait(topic, value=envelope.to_bytes(), key=f"k{n}".encode())
            await asyncio.sleep(gap_seconds)
    finally:
        await producer.stop()


async def _committed(hosted: HostedConsumer, topic: str) -> int:
    """The records the group has committed, summed over the topic's partitions."""
    consumer = hosted.kafka_consumer
    assert consumer is not None
    total = 0
    for p in range(PARTITIONS):
        total += await consumer.committed(TopicPartition(topic, p)) or 0
    return total


async def test_polls_within_the_interval_share_one_commit(
    hub_settings: HubSettings, pool: asyncpg.Pool, topic: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records sent 20 ms apart arrive in many polls; a second's worth share one commit, and
    the stop commits the rest."""
    broker, hosted = _hosted(hub_settings, pool, topic, "spaced", interval=1.0)
    await broker.start()
    batches = 0

    async def counted(applier: RecordApplier, partitions: Any) -> None:
        nonlocal batches
        batches += 1
        await apply_poll(applier, partitions)

    monkeypatch.setattr(kafka_host, "apply_poll", counted)  # counts the polls, then applies
    try:
        commits = _counting_commits(hosted)
        await _send(hub_settings, topic, count=40, gap_seconds=0.02)
        await wait_until(lambda: _applied_at_least(pool, 40), within=30)
        await asyncio.sleep(1.5)  # the last spaced commit is due
        assert await _committed(hosted, topic) == 40
        assert batches >= 10, batches  # many polls...
        assert len(commits) <= 3, commits  # ...few commits (about one a second)
    finally:
        await stop_clients(broker, [hosted], grace_seconds=10.0)


async def test_a_rebalance_commits_what_the_leaving_side_applied(
    hub_settings: HubSettings, pool: asyncpg.Pool, topic: str
) -> None:
    """With commits an hour apart, only the revoke can commit: when a second member joins,
    the first commits every record it applied before its partitions are reassigned."""
    first_broker, first = _hosted(hub_settings, pool, topic, "first", interval=3600.0)
    await first_broker.start()
    second_broker: KafkaBroker | None = None
    hosted = [first]
    try:
        await _send(hub_settings, topic, count=30, gap_seconds=0.0)
        await wait_until(lambda: _applied_at_least(pool, 30), within=30)
        assert await _committed(first, topic) == 0  # nothing is due for an hour
        second_broker, second = _hosted(hub_settings, pool, topic, "second", interval=3600.0)
        hosted.append(second)
        await second_broker.start()  # joins: the group rebalances

        async def all_committed() -> bool:
            return await _committed(second, topic) == 30

        await wait_until(all_committed, within=60)
        assert second.applier.stats.duplicates == 0  # it re-read nothing
    finally:
        await stop_clients(first_broker, [first], grace_seconds=10.0)
        if second_broker is not None:
            await stop_clients(second_broker, hosted[1:], grace_seconds=10.0)


async def _applied_at_least(pool: asyncpg.Pool, wanted: int) -> bool:
    return int(await pool.fetchval("SELECT count(*) FROM applied")) >= wanted
