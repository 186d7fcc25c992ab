"""The outbox relay and the dead-letter writer survive a producer that lost its idempotence
state (found by the chaos run's kafka-restart scenario on 2026-12-01: after the broker
restarted, the gateway's relay got OUT_OF_ORDER_SEQUENCE_NUMBER for every batch until the end of
the run). On the real Kafka and PostgreSQL: the producer's sequence for a partition is put out
of step with the broker's, as the restart left it, and the next attempt must still get through."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import OutOfOrderSequenceNumber
from faststream.kafka import KafkaBroker
from hub_contracts import Envelope
from hub_contracts.topics import dead_letter_topic
from hub_runtime.db import create_pool
from hub_runtime.dead_letter_seal import DeadLetterSealer
from hub_runtime.dead_letters import DeadLetterWriter
from hub_runtime.kafka import delete_topics_with_prefix, ensure_topics
from hub_runtime.kafka_host import new_broker
from hub_runtime.migrations import apply_migrations, runtime_migrations
from hub_runtime.outbox import OutboxRelay
from hub_runtime.settings import HubSettings
from hub_runtime.testing import read_all, unique_topic, wait_until
from hub_runtime.unit_of_work import UnitOfWork

from ._events import case_opened

pytestmark = pytest.mark.integration


@dataclass
class Stage:
    pool: asyncpg.Pool
    broker: KafkaBroker
    topic: str
    settings: HubSettings

    async def commit_event(self) -> uuid.UUID:
        case_id = uuid.uuid4()
        async with UnitOfWork(self.pool, source="test") as uow:
            uow.emit(case_opened(case_id), subject="one-case")
            await uow.commit()
        # The contract's topic is casefile's; point the rows at this test's topic instead.
        await self.pool.execute("UPDATE hub_outbox SET topic = $1", self.topic)
        return case_id

    def aiokafka_producer(self) -> AIOKafkaProducer:
        state = self.broker.config.broker_config.producer._producer  # FastStream's holder
        producer: AIOKafkaProducer = state.producer  # type: ignore[attr-defined]  # RealProducer
        return producer


@pytest.fixture
async def stage(hub_settings: HubSettings, fresh_database: str) -> AsyncIterator[Stage]:
    pool = await create_pool(hub_settings.pg_dsn, fresh_database)
    async with pool.acquire() as conn:
        await apply_migrations(conn, runtime_migrations())
    topic = unique_topic()
    await ensure_topics(hub_settings, [topic], partitions=1)
    broker = new_broker(hub_settings, client_id="test-renewal")
    await broker.start()
    try:
        yield Stage(pool, broker, topic, hub_settings)
    finally:
        await broker.stop()
        await pool.close()
        await delete_topics_with_prefix(hub_settings, topic)


async def test_a_relay_whose_producer_lost_its_sequence_renews_it_and_publishes(
    stage: Stage,
) -> None:
    relay = OutboxRelay(stage.pool, stage.broker, service="test", poll_seconds=0.1)
    first = await stage.commit_event()
    assert await relay.publish_pending() == 1
    wedged = stage.aiokafka_producer()
    # As after the broker's restart: the client's next sequence is not the one the broker expects.
    wedged._txn_manager.increment_sequence_number(TopicPartition(stage.topic, 0), 5)  # type: ignore[union-attr]
    second = await stage.commit_event()
    with pytest.raises(OutOfOrderSequenceNumber):  # the state the chaos run met
        await relay.publish_pending()

    task = asyncio.create_task(relay.run())
    try:

        async def published() -> bool:
            return relay.published_total == 2

        await wait_until(published, within=60)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert stage.aiokafka_producer() is not wedged
    records = await read_all(stage.settings, stage.topic)
    seen = [Envelope.from_bytes(r.value).data["case_id"] for r in records]  # type: ignore[arg-type]
    assert seen == [str(first), str(second)]


async def test_a_dead_letter_refused_that_way_goes_through_a_new_producer_on_retry(
    stage: Stage,
) -> None:
    writer = DeadLetterWriter(stage.broker, "test", DeadLetterSealer.of(stage.settings))

    def record(offset: int) -> ConsumerRecord[bytes, bytes]:
        value = b'{"not": "an envelope"}'
        return ConsumerRecord(stage.topic, 0, offset, 0, 0, b"k", value, None, 1, len(value), ())

    await writer.send(record(0), "invalid_envelope", 1)
    wedged = stage.aiokafka_producer()
    wedged._txn_manager.increment_sequence_number(  # type: ignore[union-attr]
        TopicPartition(dead_letter_topic(stage.topic), 0), 5
    )
    with pytest.raises(OutOfOrderSequenceNumber):  # the consumer retries after this
        await writer.send(record(1), "invalid_envelope", 1)
    await writer.send(record(1), "invalid_envelope", 2)
    assert stage.aiokafka_producer() is not wedged
    letters = await read_all(stage.settings, dead_letter_topic(stage.topic))
    assert [dict(r.headers)["dlq-original-offset"] for r in letters] == [b"0", b"1"]
