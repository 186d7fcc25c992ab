"""The runtime's delivery guarantees on the real Kafka broker and PostgreSQL server, with the
consumers hosted on FastStream exactly as the services host them (`hub_runtime.kafka_host`).

Each test uses its own database and its own topic, so tests never see each other's records.
"""

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from hub_contracts import CaseOpened, Envelope, new_envelope
from hub_contracts.topics import dead_letter_topic
from hub_runtime.consumer import ConsumerStats, RecordApplier, RetryPolicy
from hub_runtime.db import create_pool
from hub_runtime.dead_letter_seal import DeadLetterSealer
from hub_runtime.dead_letters import DeadLetterWriter, load, replay
from hub_runtime.kafka import delete_topics_with_prefix, ensure_topics, make_producer
from hub_runtime.kafka_host import HostedConsumer, new_broker, stop_clients
from hub_runtime.migrations import apply_migrations, runtime_migrations
from hub_runtime.outbox import OutboxRelay
from hub_runtime.settings import HubSettings
from hub_runtime.testing import read_all, unique_topic, wait_until
from hub_runtime.unit_of_work import UnitOfWork

from ._events import case_opened

pytestmark = pytest.mark.integration

TEST_TABLE = "CREATE TABLE applied (event_id uuid NOT NULL, case_id text NOT NULL)"


async def record_effect(uow: UnitOfWork, envelope: Envelope, payload: CaseOpened) -> None:
    await uow.conn.execute(
        "INSERT INTO applied (event_id, case_id) VALUES ($1, $2)", envelope.id, str(payload.case_id)
    )


async def always_fails(uow: UnitOfWork, envelope: Envelope, payload: CaseOpened) -> None:
    raise RuntimeError("this handler has a bug")


@dataclass
class Consumer:
    """A consumer group to run on its own broker: its applier and its group id."""

    group: str
    applier: RecordApplier
    settings: HubSettings
    topic: str

    @property
    def stats(self) -> ConsumerStats:
        return self.applier.stats


@dataclass
class Harness:
    pool: asyncpg.Pool
    producer: AIOKafkaProducer
    broker: KafkaBroker
    topic: str
    settings: HubSettings

    async def applied_count(self) -> int:
        return int(await self.pool.fetchval("SELECT count(*) FROM applied"))

    async def send_raw(
        self, value: bytes, key: str = "k", headers: list[tuple[str, bytes]] | None = None
    ) -> None:
        await self.producer.send_and_wait(
            self.topic, value=value, key=key.encode(), headers=headers
        )

    def consumer(
        self, group: str, handler: object = record_effect, batch_handler: object = None
    ) -> Consumer:
        applier = RecordApplier(
            service=group,
            dead_letters=DeadLetterWriter(self.broker, group, DeadLetterSealer.of(self.settings)),
            uow_factory=lambda: UnitOfWork(self.pool, source="test"),
            handlers={CaseOpened.event_type: handler},  # type: ignore[dict-item]
            batch_handler=batch_handler,  # type: ignore[arg-type]
            retry=RetryPolicy(max_attempts=3, first_backoff=0.01, max_backoff=0.05),
        )
        return Consumer(group, applier, self.settings, self.topic)


@pytest.fixture
async def harness(hub_settings: HubSettings, fresh_database: str) -> AsyncIterator[Harness]:
    pool = await create_pool(hub_settings.pg_dsn, fresh_database)
    async with pool.acquire() as conn:
        await apply_migrations(conn, runtime_migrations())
        await conn.execute(TEST_TABLE)
    topic = unique_topic()
    await ensure_topics(hub_settings, [topic], partitions=3)
    producer = make_producer(hub_settings, "test")
    await producer.start()
    broker = new_broker(hub_settings, client_id="test")
    await broker.start()
    try:
        yield Harness(pool, producer, broker, topic, hub_settings)
    finally:
        await broker.stop()
        await producer.stop()
        await pool.close()
        await delete_topics_with_prefix(hub_settings, topic)


async def run_consumer(consumer: Consumer, until: object) -> None:
    """Run a consumer group on its own FastStream broker until `until()` holds, then stop it
    as a service does (`stop_clients`): what was applied is committed, then the group is left."""
    broker = new_broker(consumer.settings, client_id=consumer.group)
    hosted = HostedConsumer(
        broker, group_id=consumer.group, topics=[consumer.topic], applier=consumer.applier
    )
    await broker.start()
    try:
        await wait_until(until)  # type: ignore[arg-type]
    finally:
        await stop_clients(broker, [hosted], grace_seconds=10.0)


async def test_an_event_delivered_twice_is_applied_once(harness: Harness) -> None:
    envelope = new_envelope(case_opened(uuid.uuid4()), source="test", subject="case-1")
    await harness.send_raw(envelope.to_bytes())
    await harness.send_raw(envelope.to_bytes())
    consumer = harness.consumer("g-twice")

    async def both_seen() -> bool:
        return consumer.stats.applied + consumer.stats.duplicates == 2

    await run_consumer(consumer, both_seen)
    assert await harness.applied_count() == 1
    assert consumer.stats.duplicates == 1


async def test_a_replay_from_offset_zero_changes_nothing(harness: Harness) -> None:
    for _ in range(5):
        envelope = new_envelope(case_opened(uuid.uuid4()), source="test", subject="case-2")
        await harness.send_raw(envelope.to_bytes(), key="case-2")
    first = harness.consumer("g-replay")

    async def five_applied() -> bool:
        return first.stats.applied == 5

    await run_consumer(first, five_applied)
    # A consumer of a new group starts at offset 0: the same as resetting the group's offsets.
    replay = harness.consumer("g-replay-from-zero")

    async def five_duplicates() -> bool:
        return replay.stats.duplicates == 5

    await run_consumer(replay, five_duplicates)
    assert replay.stats.applied == 0
    assert await harness.applied_count() == 5


async def test_offsets_are_committed_only_after_the_effect(harness: Harness) -> None:
    """A restarted consumer of the same group resumes after what was applied, not before."""
    envelope = new_envelope(case_opened(uuid.uuid4()), source="test", subject="case-3")
    await harness.send_raw(envelope.to_bytes())
    first = harness.consumer("g-resume")

    async def applied() -> bool:
        return first.stats.applied == 1

    await run_consumer(first, applied)
    second = harness.consumer("g-resume")
    later = new_envelope(case_opened(uuid.uuid4()), source="test", subject="case-3")
    await harness.send_raw(later.to_bytes())

    async def the_later_one_applied() -> bool:
        return second.stats.applied == 1

    await run_consumer(second, the_later_one_applied)
    assert second.stats.duplicates == 0  # it did not re-read the committed record
    assert await harness.applied_count() == 2


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_a_malformed_message_is_dead_lettered_and_later_ones_flow(harness: Harness) -> None:
    await harness.send_raw(b"{not json", key="same-key")
    wrong_type = new_envelope(case_opened(uuid.uuid4()), source="test", subject="x").model_dump(
        mode="json"
    )
    wrong_type["type"] = "council.unknown.Nope.v1"

    await harness.send_raw(json.dumps(wrong_type).encode(), key="same-key")
    good = new_envelope(case_opened(uuid.uuid4()), source="test", subject="same-key")
    await harness.send_raw(good.to_bytes(), key="same-key")
    consumer = harness.consumer("g-poison")

    async def good_applied() -> bool:
        return consumer.stats.applied == 1 and consumer.stats.dead_lettered == 2

    await run_consumer(consumer, good_applied)
    dead = await read_all(harness.settings, dead_letter_topic(harness.topic))
    assert len(dead) == 2
    headers = [dict(record.headers) for record in dead]
    assert {h["dlq-original-topic"].decode() for h in headers} == {harness.topic}
    errors = sorted(h["dlq-error"].decode() for h in headers)
    assert all(error.startswith("undecodable") for error in errors)
    assert any("unknown event type" in e for e in errors)
    assert all({"dlq-original-offset", "dlq-original-partition"} <= h.keys() for h in headers)
    assert all(b"not json" not in record.value for record in dead)  # sealed
    assert {letter.value for letter in await load(harness.settings, harness.topic)} >= {
        b"{not json"
    }


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_a_record_with_a_duplicate_key_is_dead_lettered_not_applied(harness: Harness) -> None:
    """Two ``case_id`` members (one in the envelope, one in its data) are ambiguous: pydantic's
    parser alone would apply the last one. Both go to the dead letters with the cause; the good
    record behind them on the same key is applied."""
    first, second = uuid.uuid4(), uuid.uuid4()
    good = new_envelope(case_opened(uuid.uuid4()), source="test", subject="same-key")
    in_data = new_envelope(case_opened(first), source="test", subject="same-key").to_bytes()
    in_data = in_data.replace(b'"case_id":', f'"case_id":"{second}","case_id":'.encode(), 1)
    top_level = good.to_bytes().replace(b'"subject":', b'"subject":"other","subject":', 1)
    for value in (in_data, top_level, good.to_bytes()):
        await harness.send_raw(value, key="same-key")
    consumer = harness.consumer("g-duplicate-key")

    async def good_applied() -> bool:
        return consumer.stats.applied == 1 and consumer.stats.dead_lettered == 2

    await run_consumer(consumer, good_applied)
    dead = await read_all(harness.settings, dead_letter_topic(harness.topic))
    assert {letter.value for letter in await load(harness.settings, harness.topic)} == {
        in_data,
        top_level,
    }
    assert [dict(record.headers)["dlq-error"].decode() for record in dead] == [
        "undecodable: duplicate_key: record value: an object has the same member name more than"
        " once"
    ] * 2
    applied = await harness.pool.fetch("SELECT case_id FROM applied")
    assert [row["case_id"] for row in applied] == [str(good.data["case_id"])]


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_a_record_with_a_binary_header_is_dead_lettered_and_does_not_hold_up_its_poll(
    harness: Harness,
) -> None:
    """FastStream's own parser would fail the whole poll on a header that is not UTF-8 (and the
    next commit would skip it): the host hands records over undecoded. A header the hub does
    not send is refused (`hub_runtime.record_headers`), the good record behind it applied."""
    odd = new_envelope(case_opened(uuid.uuid4()), source="test", subject="same-key")
    await harness.send_raw(odd.to_bytes(), key="same-key", headers=[("x-odd", b"\xff\xfe")])
    good = new_envelope(case_opened(uuid.uuid4()), source="test", subject="same-key")
    await harness.send_raw(good.to_bytes(), key="same-key")
    consumer = harness.consumer("g-binary-header")

    async def settled() -> bool:
        return consumer.stats.applied == 1 and consumer.stats.dead_lettered == 1

    await run_consumer(consumer, settled)
    assert await harness.applied_count() == 1


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_a_personal_value_only_in_a_header_is_dead_lettered_not_applied(
    harness: Harness,
) -> None:
    """A valid event whose only fault is a custom header carrying a name (found by the third
    trial: it was applied). It is dead-lettered with the closed code, naming neither the header
    nor its value; the hub's own headers (the relay's, FastStream's, a replay's) pass, and a
    standard header out of its shape is refused by name. Replayed, the letter carries only the
    headers it kept, so the event is applied then, once."""
    marker = b"Header Person-5d1e"
    trace = ("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    hub_headers = [
        ("content-type", b"application/cloudevents+json"),
        trace,
        ("correlation_id", str(uuid.uuid4()).encode()),
        ("dlq-replayed-from", b"0:12"),
    ]
    named = new_envelope(case_opened(uuid.uuid4()), source="test", subject="case-7")
    await harness.send_raw(named.to_bytes(), "case-7", [trace, ("x-person", marker)])
    state = new_envelope(case_opened(uuid.uuid4()), source="test", subject="case-7")
    await harness.send_raw(state.to_bytes(), "case-7", [("tracestate", b"name=" + marker)])
    broken = new_envelope(case_opened(uuid.uuid4()), source="test", subject="case-7")
    await harness.send_raw(broken.to_bytes(), "case-7", [("traceparent", b"00-" + marker)])
    good = new_envelope(case_opened(uuid.uuid4()), source="test", subject="case-7")
    await harness.send_raw(good.to_bytes(), "case-7", hub_headers)
    consumer = harness.consumer("g-header")

    async def settled() -> bool:
        return consumer.stats.applied == 1 and consumer.stats.dead_lettered == 3

    await run_consumer(consumer, settled)
    applied = await harness.pool.fetch("SELECT event_id FROM applied")
    assert [row["event_id"] for row in applied] == [good.id]
    dead = await read_all(harness.settings, dead_letter_topic(harness.topic))
    errors = [dict(record.headers)["dlq-error"].decode() for record in dead]
    assert errors == [
        "unexpected_header: a header the hub does not send (name not shown)",
        "unexpected_header: a header the hub does not send (name not shown)",
        "unexpected_header: traceparent is not in its standard shape",
    ]
    assert not [v for r in dead for _, v in r.headers if marker in v]

    letters = await load(harness.settings, harness.topic)
    assert await replay(harness.settings, letters[:1]) == 1
    fixed = harness.consumer("g-header")

    async def replayed() -> bool:
        return fixed.stats.applied == 1

    await run_consumer(fixed, replayed)
    assert await harness.applied_count() == 2


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_a_failing_handler_is_retried_then_dead_lettered(harness: Harness) -> None:
    envelope = new_envelope(case_opened(uuid.uuid4()), source="test", subject="case-4")
    await harness.send_raw(envelope.to_bytes())
    consumer = harness.consumer("g-bug", handler=always_fails)

    async def dead_lettered() -> bool:
        return consumer.stats.dead_lettered == 1

    await run_consumer(consumer, dead_lettered)
    [dead] = await read_all(harness.settings, dead_letter_topic(harness.topic))
    headers = dict(dead.headers)
    assert headers["dlq-attempts"] == b"3"
    # The exception's type, never its text: that may quote a value.
    assert headers["dlq-error"] == b"handler failed: RuntimeError"
    assert await harness.applied_count() == 0  # nothing half-applied


async def test_relay_publishes_in_commit_order_per_key(harness: Harness) -> None:
    case_ids = [uuid.uuid4() for _ in range(20)]
    for case_id in case_ids:
        async with UnitOfWork(harness.pool, source="test") as uow:
            uow.emit(case_opened(case_id), subject="one-case")
            await uow.commit()
    relay = OutboxRelay(harness.pool, harness.broker, service="test", poll_seconds=0.1)
    # The contract's topic is the real casefile topic; point the rows at the test topic instead.
    await harness.pool.execute("UPDATE hub_outbox SET topic = $1", harness.topic)
    assert await relay.publish_pending() == 20
    records = await read_all(harness.settings, harness.topic)
    seen = [Envelope.from_bytes(r.value).data["case_id"] for r in records]  # type: ignore[arg-type]
    assert seen == [str(c) for c in case_ids]
    assert await relay.backlog() == 0


async def test_a_service_killed_between_commit_and_publish_publishes_after_restart(
    harness: Harness, fresh_database: str
) -> None:
    """A real process commits a state change with its event, then dies by SIGKILL before any
    relay ran; a relay started afterwards (the restarted service) publishes the event."""
    script = Path(__file__).with_name("commit_then_die.py")
    env = {**os.environ, "HUB_PG_DSN": harness.settings.pg_dsn, "TEST_DB": fresh_database}
    done = subprocess.run(  # noqa: ASYNC221 - a short child process is the point of this test
        [sys.executable, str(script), harness.topic], env=env, capture_output=True, timeout=60
    )
    assert done.returncode == -9, done.stderr.decode()
    assert await harness.pool.fetchval("SELECT count(*) FROM applied") == 1
    assert await OutboxRelay(harness.pool, harness.broker, service="test").backlog() == 1
    relay = OutboxRelay(harness.pool, harness.broker, service="restarted", poll_seconds=0.1)
    task = asyncio.create_task(relay.run())
    try:

        async def published() -> bool:
            return relay.published_total == 1

        await wait_until(published)
    finally:
        task.cancel()
    [record] = await read_all(harness.settings, harness.topic)
    assert Envelope.from_bytes(record.value).type == CaseOpened.event_type  # type: ignore[arg-type]


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_a_personal_value_is_dead_lettered_sealed_and_replayed_unchanged(
    harness: Harness,
) -> None:
    """A record wrongly carrying a person's name is dead-lettered (an unknown field): the
    `.dlq` record holds it only sealed, says so in its headers, and replay republishes the
    original bytes exactly."""
    marker = "Amina Testperson-7f3c"
    wrong = new_envelope(case_opened(uuid.uuid4()), source="test", subject="case-6")
    document = wrong.model_dump(mode="json")
    document["data"]["person_name"] = marker
    original = json.dumps(document).encode()
    trace = ("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    await harness.send_raw(original, key="case-6", headers=[trace])
    consumer = harness.consumer("g-personal")

    async def dead_lettered() -> bool:
        return consumer.stats.dead_lettered == 1

    await run_consumer(consumer, dead_lettered)
    [raw] = await read_all(harness.settings, dead_letter_topic(harness.topic))
    assert marker.encode() not in raw.value
    assert b"person_name" not in raw.value
    assert raw.key is not None
    assert b"case-6" not in raw.key  # not id-shaped: sealed with the value, keyed by a hash
    headers = {k: v.decode() for k, v in raw.headers}
    assert headers["dlq-original-id"] == str(wrong.id)  # how a tool finds its record's letter
    assert headers["traceparent"] == trace[1].decode()
    assert headers["dlq-sealed"] == "v2"
    assert headers["dlq-key-id"] == DeadLetterSealer.of(harness.settings).current
    assert marker not in json.dumps(headers)  # the error names the field, never its value
    # An unknown member is not named either: a key can be anything a producer typed.
    assert "person_name" not in headers["dlq-error"]
    assert "not part of the contract" in headers["dlq-error"]
    [letter] = await load(harness.settings, harness.topic)
    assert letter.value == original
    assert marker not in json.dumps(letter.detail())

    assert await replay(harness.settings, [letter]) == 1
    replayed = [
        r
        for r in await read_all(harness.settings, harness.topic)
        if "dlq-replayed-from" in dict(r.headers)
    ]
    assert [(r.value, r.key) for r in replayed] == [(original, b"case-6")]
    assert trace in replayed[0].headers  # the trace context travels on
    assert not any(name in ("dlq-sealed", "dlq-key-id") for name, _ in replayed[0].headers)


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_dead_letters_can_be_replayed_after_a_fix(harness: Harness) -> None:
    envelope = new_envelope(case_opened(uuid.uuid4()), source="test", subject="case-5")
    await harness.send_raw(envelope.to_bytes())
    buggy = harness.consumer("g-fixme", handler=always_fails)

    async def dead_lettered() -> bool:
        return buggy.stats.dead_lettered == 1

    await run_consumer(buggy, dead_lettered)
    letters = await load(harness.settings, harness.topic)
    assert [letter.summary()["envelope_id"] for letter in letters] == [str(envelope.id)]
    # The fix is deployed: the same group now has a working handler; replay twice, apply once.
    assert await replay(harness.settings, letters) == 1
    assert await replay(harness.settings, letters) == 1
    fixed = harness.consumer("g-fixme")

    async def replayed_once() -> bool:
        return fixed.stats.applied == 1 and fixed.stats.duplicates == 1

    await run_consumer(fixed, replayed_once)
    assert await harness.applied_count() == 1


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_a_failing_record_inside_a_batch_is_isolated(harness: Harness) -> None:
    """Batch transactions: the records before and after a failing one are applied, in order;
    the failing one's own writes and emitted events are rolled back, then it is dead-lettered."""
    poison_case = uuid.uuid4()

    async def fails_for_one_case(uow: UnitOfWork, envelope: Envelope, payload: CaseOpened) -> None:
        await record_effect(uow, envelope, payload)  # written, then undone by the savepoint
        uow.emit(case_opened(payload.case_id), subject=payload.case_id)
        if payload.case_id == poison_case:
            raise RuntimeError("cannot apply this one")

    cases = [uuid.uuid4(), uuid.uuid4(), poison_case, uuid.uuid4(), uuid.uuid4()]
    for case_id in cases:
        envelope = new_envelope(case_opened(case_id), source="test", subject="one-key")
        await harness.send_raw(envelope.to_bytes(), key="one-key")
    consumer = harness.consumer("g-batch", handler=fails_for_one_case)

    async def all_handled() -> bool:
        return consumer.stats.applied == 4 and consumer.stats.dead_lettered == 1

    await run_consumer(consumer, all_handled)
    rows = await harness.pool.fetch("SELECT case_id FROM applied")
    assert sorted(r["case_id"] for r in rows) == sorted(str(c) for c in cases if c != poison_case)
    outbox = await harness.pool.fetch("SELECT payload FROM hub_outbox ORDER BY id")
    emitted = [Envelope.from_bytes(bytes(r["payload"])).data["case_id"] for r in outbox]
    assert emitted == [str(c) for c in cases if c != poison_case]  # in order, none for poison


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_a_batch_handler_applies_a_poll_batch_in_one_call_and_failures_alone(
    harness: Harness,
) -> None:
    """With a batch handler, a poll batch is one call (duplicates inside it dropped by the inbox);
    when that call fails, everything in it is rolled back and the records are applied one by
    one through the per-event handler, which isolates and dead-letters the failing one."""
    poison_case = uuid.uuid4()
    calls: list[int] = []

    async def apply_batch(uow: UnitOfWork, events: list[tuple[Envelope, CaseOpened]]) -> None:
        calls.append(len(events))
        for envelope, payload in events:
            await apply_one(uow, envelope, payload)

    async def apply_one(uow: UnitOfWork, envelope: Envelope, payload: CaseOpened) -> None:
        await record_effect(uow, envelope, payload)  # written, then undone on failure
        if payload.case_id == poison_case:
            raise RuntimeError("cannot apply this one")

    clean = [new_envelope(case_opened(uuid.uuid4()), source="t", subject="k") for _ in range(6)]
    for envelope in [*clean, clean[0]]:  # the first one twice
        await harness.send_raw(envelope.to_bytes(), key="k")
    consumer = harness.consumer("g-batch-handler", apply_one, apply_batch)
    await run_consumer(consumer, lambda: _settled(consumer, 7))
    assert await harness.applied_count() == 6
    assert (consumer.stats.applied, consumer.stats.duplicates) == (6, 1)
    assert sum(calls) == 6
    assert len(calls) < 6  # batched: fewer calls than events

    calls.clear()
    poisoned = [new_envelope(case_opened(c), source="t", subject="k") for c in
                [uuid.uuid4(), poison_case, uuid.uuid4()]]  # fmt: skip
    for envelope in poisoned:
        await harness.send_raw(envelope.to_bytes(), key="k")
    consumer = harness.consumer("g-batch-handler", apply_one, apply_batch)  # from the commit on
    await run_consumer(consumer, lambda: _settled(consumer, 3))
    assert consumer.stats.dead_lettered == 1
    applied = {r["case_id"] for r in await harness.pool.fetch("SELECT case_id FROM applied")}
    assert str(poison_case) not in applied
    assert {str(e.data["case_id"]) for e in (poisoned[0], poisoned[2])} <= applied
    assert await harness.applied_count() == 8


async def _settled(consumer: Consumer, records: int) -> bool:
    s = consumer.stats
    return s.applied + s.duplicates + s.dead_lettered + s.skipped >= records


async def test_a_deadlock_is_retried_not_dead_lettered(harness: Harness) -> None:
    """Losing a deadlock to a concurrent transaction says nothing about the event: it is
    retried beyond the handler's attempt limit (3 here) and applied."""
    losses = 0

    async def loses_some_deadlocks(
        uow: UnitOfWork, envelope: Envelope, payload: CaseOpened
    ) -> None:
        nonlocal losses
        if losses < 5:
            losses += 1
            raise asyncpg.DeadlockDetectedError("deadlock detected")
        await record_effect(uow, envelope, payload)

    envelope = new_envelope(case_opened(uuid.uuid4()), source="test", subject="k")
    await harness.send_raw(envelope.to_bytes(), key="k")
    consumer = harness.consumer("g-deadlock", loses_some_deadlocks)
    await run_consumer(consumer, lambda: _settled(consumer, 1))
    assert (consumer.stats.applied, consumer.stats.dead_lettered) == (1, 0)
    assert await harness.applied_count() == 1
