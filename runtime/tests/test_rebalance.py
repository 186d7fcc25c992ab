"""A partition rebalance loses nothing and applies nothing twice (issue 17), on the real Kafka
and PostgreSQL: consumers of one group, each on its own broker as separate instances host them
(`hub_runtime.kafka_host`), on a six-partition topic while records keep arriving; a second
consumer joins, the first is stopped mid-stream, a third joins. Every record is applied exactly
once (its effect and inbox row commit together) and each key's records in the order sent. The
same when a consumer is killed (SIGKILL, a child process) mid-stream."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest
from faststream.kafka import KafkaBroker
from hub_contracts import CaseOpened, Envelope, new_envelope
from hub_runtime.consumer import RecordApplier, RetryPolicy
from hub_runtime.dead_letter_seal import DeadLetterSealer
from hub_runtime.dead_letters import DeadLetterWriter
from hub_runtime.kafka import delete_topics_with_prefix, ensure_topics, make_producer
from hub_runtime.kafka_host import HostedConsumer, new_broker
from hub_runtime.settings import HubSettings
from hub_runtime.testing import migrated_pool, unique_topic, wait_until
from hub_runtime.unit_of_work import UnitOfWork

from ._children import child_env, died_by_sigkill, reap, sigkill, start_child, until_ready
from ._events import case_opened

# aiokafka logs at ERROR when a commit races a rebalance (IllegalGenerationError, "will
# rejoin"): provoked on purpose here; those records come again and the inbox drops them.
pytestmark = [pytest.mark.integration, pytest.mark.expected_server_errors]

CHILD = Path(__file__).with_name("consume_until_killed.py")
RECORDS = 900
KEYS = 30
TABLE = """
CREATE TABLE applied (
    seq      bigserial PRIMARY KEY,
    event_id uuid NOT NULL,
    case_id  text NOT NULL,
    consumer text NOT NULL
)
"""


@dataclass
class Instance:
    """One consumer of the group on its own broker (as one service instance hosts it)."""

    name: str
    broker: KafkaBroker
    applier: RecordApplier


@pytest.fixture
async def pool(hub_settings: HubSettings, fresh_database: str) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(hub_settings, fresh_database, TABLE, max_size=20) as pool:
        yield pool


async def _start(name: str, settings: HubSettings, pool: asyncpg.Pool, topic: str) -> Instance:
    async def apply(uow: UnitOfWork, envelope: Envelope, payload: CaseOpened) -> None:
        await asyncio.sleep(0.002)  # a little work, so batches are in flight at a rebalance
        await uow.conn.execute(
            "INSERT INTO applied (event_id, case_id, consumer) VALUES ($1, $2, $3)",
            envelope.id,
            str(payload.case_id),
            name,
        )

    broker = new_broker(settings, client_id=name)
    applier = RecordApplier(
        service="rebalance-test",
        dead_letters=DeadLetterWriter(broker, "rebalance-test", DeadLetterSealer.of(settings)),
        uow_factory=lambda: UnitOfWork(pool, source="test"),
        handlers={CaseOpened.event_type: apply},
        retry=RetryPolicy(max_attempts=3, first_backoff=0.01, max_backoff=0.05),
    )
    HostedConsumer(broker, group_id=f"{topic}.group", topics=[topic], applier=applier)
    await broker.start()
    return Instance(name, broker, applier)


@dataclass
class Traffic:
    """Records sent to ``topic`` while the test moves consumers: ``sent`` holds (case id,
    envelope id) in the order sent."""

    topic: str
    cases: list[uuid.UUID] = field(default_factory=lambda: [uuid.uuid4() for _ in range(KEYS)])
    sent: list[tuple[str, uuid.UUID]] = field(default_factory=list)

    async def produce(
        self, settings: HubSettings, until: Callable[[], Awaitable[int]] | None = None
    ) -> None:
        """RECORDS records over about 4 s, round-robin over the cases; then more until
        ``until()`` counts one (a consumer that joined late has applied some), at most 5000."""
        producer = make_producer(settings, "rebalance-test")
        await producer.start()
        try:
            for n in range(5000):
                if n >= RECORDS and (until is None or await until() > 0):
                    break
                case_id = self.cases[n % KEYS]
                envelope = new_envelope(
                    case_opened(case_id), source="urn:test", subject=str(case_id)
                )
                await producer.send_and_wait(
                    self.topic, value=envelope.to_bytes(), key=envelope.kafka_key()
                )
                self.sent.append((str(case_id), envelope.id))
                await asyncio.sleep(0.004)
        finally:
            await producer.stop()

    def check(self, rows: list[asyncpg.Record], consumers: set[str]) -> None:
        """Exactly once, in order per key, and every one of ``consumers`` applied some."""
        assert len(rows) == len(self.sent)
        assert {r["event_id"] for r in rows} == {event_id for _, event_id in self.sent}
        # A key's records share a partition, whichever consumer held it.
        for case_id in map(str, self.cases):
            applied = [r["event_id"] for r in rows if r["case_id"] == case_id]
            assert applied == [e for c, e in self.sent if c == case_id], case_id
        assert {r["consumer"] for r in rows} == consumers  # the partitions really moved


@pytest.fixture
async def traffic(hub_settings: HubSettings) -> AsyncIterator[Traffic]:
    topic = unique_topic("rebalance")
    await ensure_topics(hub_settings, [topic], partitions=6)
    try:
        yield Traffic(topic)
    finally:
        await delete_topics_with_prefix(hub_settings, topic)


def _applied(pool: asyncpg.Pool, consumer: str | None = None) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        return int(
            await pool.fetchval(
                "SELECT count(DISTINCT event_id) FROM applied"
                " WHERE consumer = coalesce($1, consumer)",
                consumer,
            )
        )

    return count


async def test_consumers_joining_and_leaving_apply_every_record_once_in_order(
    hub_settings: HubSettings, pool: asyncpg.Pool, traffic: Traffic
) -> None:
    topic = traffic.topic
    instances: list[Instance] = []
    applied_count = _applied(pool)
    try:
        first = await _start("first", hub_settings, pool, topic)
        instances.append(first)
        third = _applied(pool, "third")
        sending = asyncio.create_task(traffic.produce(hub_settings, until=third))
        await wait_until(lambda: _at_least(applied_count, 100), within=60)
        instances.append(await _start("second", hub_settings, pool, topic))  # joins
        await wait_until(lambda: _at_least(applied_count, 350), within=60)
        await first.broker.stop()  # leaves mid-stream: its partitions move
        instances.remove(first)
        await wait_until(lambda: _at_least(applied_count, 600), within=60)
        instances.append(await _start("third", hub_settings, pool, topic))  # joins
        await sending
        await wait_until(lambda: _at_least(applied_count, len(traffic.sent)), within=90)
        await asyncio.sleep(2)  # anything applied twice would show by now
        rows = await pool.fetch("SELECT event_id, case_id, consumer FROM applied ORDER BY seq")
    finally:
        for instance in instances:
            await instance.broker.stop()
    traffic.check(rows, {"first", "second", "third"})


async def test_a_consumer_killed_mid_stream_loses_nothing_and_applies_nothing_twice(
    hub_settings: HubSettings, pool: asyncpg.Pool, traffic: Traffic, fresh_database: str
) -> None:
    """SIGKILL: no offset commit, no leaving the group; after the session timeout its
    partitions move to the survivor, which gets its last records again and drops them."""
    child = await start_child(CHILD, traffic.topic, env=child_env(hub_settings, fresh_database))
    survivor: Instance | None = None
    try:
        await until_ready(child)
        survivor = await _start("survivor", hub_settings, pool, traffic.topic)
        sending = asyncio.create_task(traffic.produce(hub_settings))
        await wait_until(lambda: _at_least(_applied(pool, "child"), 100), within=60)
        sigkill(child)
        await died_by_sigkill(child)
        await sending
        await wait_until(lambda: _at_least(_applied(pool), len(traffic.sent)), within=90)
        await asyncio.sleep(2)  # anything applied twice would show by now
        rows = await pool.fetch("SELECT event_id, case_id, consumer FROM applied ORDER BY seq")
        print(f"survivor dropped {survivor.applier.stats.duplicates} repeats")
    finally:
        await reap(child)
        if survivor is not None:
            await survivor.broker.stop()
    traffic.check(rows, {"child", "survivor"})


async def _at_least(count: Callable[[], Awaitable[int]], wanted: int) -> bool:
    return await count() >= wanted
