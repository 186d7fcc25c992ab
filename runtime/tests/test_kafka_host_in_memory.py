"""The FastStream host under FastStream's own `TestKafkaBroker` (no Kafka, no PostgreSQL): the
same batch subscriber the services run, with the in-memory unit of work. Milliseconds."""

import uuid
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
import pytest
from faststream.kafka import TestKafkaBroker
from hub_contracts import CaseOpened, Envelope, new_envelope
from hub_runtime.consumer import RecordApplier, RetryPolicy
from hub_runtime.dead_letter_seal import DeadLetterSealer
from hub_runtime.dead_letters import DeadLetterWriter
from hub_runtime.fakes import InMemoryUnitOfWork
from hub_runtime.kafka_host import HostedConsumer, new_broker
from hub_runtime.settings import HubSettings

from ._events import case_opened

IN_MEMORY = HubSettings(kafka_bootstrap="localhost:9092", kafka_security_protocol="PLAINTEXT")
"""FastStream's TestKafkaBroker never connects: no broker, hence no login (the one PLAINTEXT)."""

TOPIC = "casefile.events.v1"


@dataclass
class Applied:
    cases: list[str] = field(default_factory=list)


def opened_envelope() -> Envelope:
    payload = case_opened()
    return new_envelope(payload, source="test", subject=str(payload.case_id))


@pytest.mark.expected_server_errors  # dead-letters a poison record on purpose (logged at ERROR)
async def test_records_are_applied_once_and_poison_is_dead_lettered() -> None:
    state, outbox, inbox = Applied(), [], set[uuid.UUID]()

    async def record(uow: InMemoryUnitOfWork[Applied], envelope: Envelope, payload: Any) -> None:
        uow.state.cases.append(str(payload.case_id))

    broker = new_broker(IN_MEMORY, client_id="t")
    applier = RecordApplier(
        service="t",
        dead_letters=DeadLetterWriter(broker, "t", DeadLetterSealer.of(IN_MEMORY)),
        uow_factory=lambda: InMemoryUnitOfWork(state, outbox, source="t", inbox=inbox),  # type: ignore[arg-type,return-value]  # the fake stands in for the PostgreSQL unit of work
        handlers={CaseOpened.event_type: record},
        retry=RetryPolicy(max_attempts=2, first_backoff=0.001, max_backoff=0.001),
    )
    hosted = HostedConsumer(broker, group_id="g", topics=[TOPIC], applier=applier)
    dead = broker.subscriber(f"{TOPIC}.dlq", group_id="dlq-reader")
    dead_letters: list[bytes] = []

    @dead
    async def keep(body: bytes) -> None:
        dead_letters.append(body)

    first = opened_envelope()
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(first.to_bytes(), topic=TOPIC, key=b"k")
        await test_broker.publish(first.to_bytes(), topic=TOPIC, key=b"k")  # a re-delivery
        await test_broker.publish(b"{not json", topic=TOPIC, key=b"k")
    assert state.cases == [str(first.data["case_id"])]
    assert (hosted.applier.stats.applied, hosted.applier.stats.duplicates) == (1, 1)
    assert hosted.applier.stats.dead_lettered == 1
    [sealed] = dead_letters  # sealed (hub_runtime.dead_letter_seal): never the plaintext
    assert b"not json" not in sealed
    # Nonce, then the ciphertext of the key's length, the key and the value ("k" is no id: it
    # is sealed with the value, dlq-sealed v2), then the tag.
    assert len(sealed) == 12 + 4 + len(b"k") + len(b"{not json") + 16


async def test_a_poll_is_applied_without_a_worker_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16: FastStream resolved the handler's context parameter with a plain function,
    which fast_depends ran in a worker thread once per poll. The handler now takes the message
    as its body: no thread hand-off on the consumer's path."""
    hand_offs: list[object] = []
    original = anyio.to_thread.run_sync

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        hand_offs.append(func)
        return await original(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    state, outbox, inbox = Applied(), [], set[uuid.UUID]()

    async def record(uow: InMemoryUnitOfWork[Applied], envelope: Envelope, payload: Any) -> None:
        uow.state.cases.append(str(payload.case_id))

    broker = new_broker(IN_MEMORY, client_id="t")
    applier = RecordApplier(
        service="t",
        dead_letters=DeadLetterWriter(broker, "t", DeadLetterSealer.of(IN_MEMORY)),
        uow_factory=lambda: InMemoryUnitOfWork(state, outbox, source="t", inbox=inbox),  # type: ignore[arg-type,return-value]  # the fake stands in for the PostgreSQL unit of work
        handlers={CaseOpened.event_type: record},
        retry=RetryPolicy(max_attempts=2, first_backoff=0.001, max_backoff=0.001),
    )
    HostedConsumer(broker, group_id="g", topics=[TOPIC], applier=applier)
    event = opened_envelope()
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(event.to_bytes(), topic=TOPIC, key=b"k")
    assert state.cases == [str(event.data["case_id"])]
    assert hand_offs == []


async def test_a_stop_goes_on_when_the_consumer_fails_to_stop_and_to_close(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`HostedConsumer.stop` never raises: a failing leave, then a failing hard close (e.g.
    aiokafka's internals renamed), are logged, and the service's stop goes on to the producer
    and its database pool."""
    import hub_runtime.kafka_host as kafka_host

    broker = new_broker(IN_MEMORY, client_id="t")
    applier = RecordApplier(
        service="t",
        dead_letters=DeadLetterWriter(broker, "t", DeadLetterSealer.of(IN_MEMORY)),
        uow_factory=lambda: InMemoryUnitOfWork(Applied(), [], source="t"),  # type: ignore[arg-type,return-value]  # the fake stands in for the PostgreSQL unit of work
        handlers={},
        retry=RetryPolicy(max_attempts=1, first_backoff=0.001, max_backoff=0.001),
    )
    hosted = HostedConsumer(broker, group_id="g", topics=[TOPIC], applier=applier)

    async def leave_fails() -> None:
        raise RuntimeError("the broker went away")

    async def close_fails(consumer: object) -> None:
        raise AttributeError("_coordinator")

    consumer = object()
    monkeypatch.setattr(hosted.subscriber, "stop", leave_fails)
    monkeypatch.setattr(type(hosted), "kafka_consumer", property(lambda self: consumer))
    monkeypatch.setattr(kafka_host, "_close_hard", close_fails)
    await hosted.stop(grace_seconds=1.0)
    assert [r.getMessage() for r in caplog.records if r.name == "hub_runtime.kafka_host"] == [
        "consumer did not stop cleanly; closing it",
        "consumer could not be closed hard",
    ]
