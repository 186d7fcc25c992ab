"""Random and mutated records to every consumer of the hub, on the real broker (issue 13).

All four services run (in one loop, `hub_demo.inprocess`). To every topic they consume
(`casefile.events`, `referral.events`, `partner.events`, `referral.commands`) the test sends
every valid example of the topic and seeded mutations of them (`fuzz_records`). Then, for
every record and every service that consumes its topic, exactly one holds:
- dead-lettered: `<topic>.dlq` has it (same original topic, partition and offset) from that
  consumer, with a `dlq-error` that says why;
- applied: it decodes under the contracts and the service's inbox has its envelope id;
- skipped: it decodes, and its type is one the service does not handle.
No consumer loop failed (the supervisor logs "loop failed"), and after the fuzz a valid record
on every partition is applied, so no consumer stopped.
"""

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from hub_contracts import (
    CaseOpened,
    ContractError,
    Envelope,
    PartnerRegistered,
    all_payload_classes,
)
from hub_contracts.examples import example_payload
from hub_contracts.registry import decode
from hub_contracts.topics import Topic, dead_letter_topic
from hub_demo.fuzz_records import FuzzRecord, fuzz_records, valid_record
from hub_demo.inprocess import RunningHub, start_hub
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.settings import HubSettings
from hub_runtime.testing import read_all, service_hubs

pytestmark = pytest.mark.integration

SEED = 20261130
MUTANTS_PER_TOPIC = 150
FUZZED = (
    Topic.CASEFILE_EVENTS,
    Topic.REFERRAL_EVENTS,
    Topic.PARTNER_EVENTS,
    Topic.REFERRAL_COMMANDS,
)


@dataclass(frozen=True)
class Sent:
    record: FuzzRecord
    topic: str  # on the broker (with the test's prefix)
    partition: int
    offset: int


@dataclass(frozen=True)
class Reader:
    """A consumer of a topic: its service, the types it applies, and its database."""

    service: str
    handles: frozenset[str]
    runtime_index: int


@pytest.fixture
async def running_hub(
    isolated_hub: HubSettings, hub_databases: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[RunningHub]:
    # Few attempts: a valid example about a case no service knows fails its handler every time.
    monkeypatch.setenv("REFERRAL_COMMAND_MAX_ATTEMPTS", "2")
    admin = isolated_hub.model_copy(update={"consumer_max_attempts": 2})
    hub = await start_hub(admin, hub_databases, await service_hubs(admin, hub_databases))
    try:
        yield hub
    finally:
        await hub.stop()


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_every_fuzzed_record_is_applied_skipped_or_dead_lettered(
    running_hub: RunningHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="hub_runtime.service")
    hub = running_hub.hub
    producer = AIOKafkaProducer(**kafka_client_options(hub), max_request_size=2**20)
    await producer.start()
    started = time.monotonic()
    try:
        sent = [
            await _send(producer, hub.topic(topic), record)
            for index, topic in enumerate(FUZZED)
            for record in fuzz_records(topic, SEED + index, MUTANTS_PER_TOPIC)
        ]
        sentinels = await _send_sentinels(producer, running_hub)
    finally:
        await producer.stop()
    readers = _readers(running_hub)
    unresolved = await _wait_until_resolved(running_hub, readers, [*sent, *sentinels], within=50)
    assert not unresolved, "\n".join(unresolved[:20])

    # CaseOpened and PartnerRegistered on every partition, applied by each of their readers.
    outcomes = await _outcomes(running_hub, readers, sentinels)
    assert outcomes, "no sentinel has a reader"
    assert all(o == "applied" for _, o in outcomes), outcomes
    assert "loop failed" not in caplog.text, caplog.text
    await _every_service_ready(running_hub)
    fuzzed = await _outcomes(running_hub, readers, sent, handled_only=False)
    tally = Counter(f"{s.record.mutation}->{o}" for s, o in fuzzed)
    assert {"applied", "skipped", "dead-lettered"} <= {o for _, o in fuzzed}, tally
    print(
        f"{len(sent)} fuzzed records in {time.monotonic() - started:.1f} s: {sorted(tally.items())}"
    )


async def _send(producer: AIOKafkaProducer, topic: str, record: FuzzRecord) -> Sent:
    meta = await producer.send_and_wait(
        topic, value=record.value, key=record.key, headers=record.headers
    )
    return Sent(record, topic, meta.partition, meta.offset)


async def _send_sentinels(producer: AIOKafkaProducer, hub: RunningHub) -> list[Sent]:
    """After the fuzz, on every partition: a new case and a new partner (valid, applicable)."""
    sent = []
    for partition in range(hub.hub.topic_partitions):
        for payload in (
            CaseOpened.model_validate(
                example_payload(CaseOpened).model_dump() | {"case_id": uuid4()}
            ),
            PartnerRegistered.model_validate(
                example_payload(PartnerRegistered).model_dump() | {"partner_id": uuid4()}
            ),
        ):
            record = valid_record(payload)
            topic = hub.hub.topic(payload.topic)
            meta = await producer.send_and_wait(
                topic, value=record.value, key=record.key, partition=partition
            )
            sent.append(Sent(record, topic, meta.partition, meta.offset))
    return sent


def _readers(hub: RunningHub) -> dict[str, list[Reader]]:
    """Broker topic -> its consumers in the running hub (the referral command intake too)."""
    readers: dict[str, list[Reader]] = {}
    for index, runtime in enumerate(hub.runtimes):
        definition = runtime.definition
        for topic in definition.consumes:
            reader = Reader(definition.name, frozenset(definition.handlers), index)
            readers.setdefault(hub.hub.topic(topic), []).append(reader)
    # Every command type of the topic has a handler (referral's command intake: one per type).
    commands = frozenset(
        cls.event_type for cls in all_payload_classes() if cls.topic is Topic.REFERRAL_COMMANDS
    )
    readers[hub.hub.topic(Topic.REFERRAL_COMMANDS)] = [Reader("referral", commands, 1)]
    return readers


def _decoded(value: bytes | None) -> Envelope | None:
    """The envelope if the record decodes under the contracts, else None."""
    if value is None:
        return None
    try:
        envelope = Envelope.from_bytes(value)
        decode(envelope)
    except ContractError:
        return None
    return envelope


async def _outcome(
    hub: RunningHub,
    reader: Reader,
    sent: Sent,
    dead: dict[tuple[str, int, int, str], str],
) -> str | None:
    """ "dead-lettered", "applied" or "skipped"; None while the record is not resolved."""
    error = dead.get((sent.topic, sent.partition, sent.offset, reader.service))
    if error is not None:
        assert error, sent
        assert error != "forged", sent  # the consumer's own header is the last one
        return "dead-lettered"
    envelope = _decoded(sent.record.value)
    if envelope is None:
        return None
    if envelope.type not in reader.handles:
        return "skipped"
    context = hub.runtimes[reader.runtime_index].context
    assert context is not None
    found = await context.pool.fetchval("SELECT 1 FROM hub_inbox WHERE event_id = $1", envelope.id)
    return "applied" if found else None


async def _dead_letters(hub: RunningHub) -> dict[tuple[str, int, int, str], str]:
    """(original topic, partition, offset, consumer) -> dlq-error, for every dead letter."""
    dead = {}
    for topic in FUZZED:
        for record in await read_all(
            hub.hub, dead_letter_topic(hub.hub.topic(topic)), idle_seconds=0.3
        ):
            headers = {k: v.decode(errors="replace") for k, v in record.headers or ()}
            key = (
                headers["dlq-original-topic"],
                int(headers["dlq-original-partition"]),
                int(headers["dlq-original-offset"]),
                headers["dlq-consumer"],
            )
            dead[key] = headers["dlq-error"]  # the last dlq-error: the consumer's own
    return dead


async def _wait_until_resolved(
    hub: RunningHub, readers: dict[str, list[Reader]], sent: list[Sent], within: float
) -> list[str]:
    """Poll until every (record, reader) has an outcome; the unresolved ones after `within`."""
    deadline = time.monotonic() + within
    while True:
        dead = await _dead_letters(hub)
        unresolved = [
            f"{reader.service} {s.topic}@{s.partition}:{s.offset} {s.record.mutation}"
            for s in sent
            for reader in readers[s.topic]
            if await _outcome(hub, reader, s, dead) is None
        ]
        if not unresolved or time.monotonic() > deadline:
            return unresolved
        await asyncio.sleep(1.0)


async def _outcomes(
    hub: RunningHub,
    readers: dict[str, list[Reader]],
    sent: list[Sent],
    *,
    handled_only: bool = True,
) -> list[tuple[Sent, str | None]]:
    """The outcome of every (record, reader); only readers that handle its type if asked."""
    dead = await _dead_letters(hub)
    return [
        (s, await _outcome(hub, reader, s, dead))
        for s in sent
        for reader in readers[s.topic]
        if not handled_only or _type_of(s) in reader.handles
    ]


def _type_of(sent: Sent) -> str:
    envelope = _decoded(sent.record.value)
    assert envelope is not None
    return envelope.type


async def _every_service_ready(hub: RunningHub) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        for runtime in hub.runtimes:
            response = await http.get(f"{runtime.base_url}/ready")
            assert response.status_code == 200, (runtime.definition.name, response.text)
