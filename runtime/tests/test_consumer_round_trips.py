"""Issue 16: a consumer spends no database round trip on what it does not apply (unit: the
in-memory unit of work stands in for PostgreSQL, the factory counts transactions)."""

from typing import Any

from aiokafka import ConsumerRecord
from hub_contracts import CaseOpened, Envelope, new_envelope
from hub_runtime.consumer import RecordApplier, RetryPolicy
from hub_runtime.dead_letter_seal import DeadLetterSealer
from hub_runtime.dead_letters import DeadLetterWriter
from hub_runtime.fakes import InMemoryUnitOfWork
from hub_runtime.kafka_host import new_broker
from hub_runtime.settings import HubSettings

from ._events import case_opened

IN_MEMORY = HubSettings(kafka_bootstrap="localhost:9092", kafka_security_protocol="PLAINTEXT")
TOPIC = "casefile.events.v1"


def _record(offset: int) -> ConsumerRecord[bytes, bytes]:
    payload = case_opened()
    value = new_envelope(payload, source="casefile", subject=str(payload.case_id)).to_bytes()
    return ConsumerRecord(TOPIC, 0, offset, 0, 0, b"k", value, None, 1, len(value), ())


def _applier(handlers: dict[str, Any], opened: list[int]) -> RecordApplier:
    state: dict[str, list[str]] = {"applied": []}

    def factory() -> Any:
        opened.append(1)
        return InMemoryUnitOfWork(state, [], source="t")

    return RecordApplier(
        service="t",
        dead_letters=DeadLetterWriter(
            new_broker(IN_MEMORY, client_id="t"), "t", DeadLetterSealer.of(IN_MEMORY)
        ),
        uow_factory=factory,
        handlers=handlers,
        retry=RetryPolicy(max_attempts=1, first_backoff=0.001, max_backoff=0.001),
    )


async def test_a_poll_of_types_the_service_does_not_handle_opens_no_transaction() -> None:
    opened: list[int] = []
    applier = _applier({}, opened)
    await applier.process_batch([_record(0), _record(1), _record(2)])
    assert applier.stats.skipped == 3
    assert opened == []  # before: one empty BEGIN/COMMIT per poll


async def test_a_poll_with_a_handled_type_is_one_transaction() -> None:
    opened: list[int] = []
    seen: list[Envelope] = []

    async def keep(uow: Any, envelope: Envelope, payload: Any) -> None:
        seen.append(envelope)

    applier = _applier({CaseOpened.event_type: keep}, opened)
    await applier.process_batch([_record(0), _record(1)])
    assert (applier.stats.applied, len(seen), len(opened)) == (2, 2, 1)
