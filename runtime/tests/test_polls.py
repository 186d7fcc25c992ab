"""Issue 16: a poll spanning several partitions is applied in one transaction, each partition's
records together, partitions in the order of their first timestamps, and a redelivered poll
changes nothing (`hub_runtime.polls`; unit: the in-memory unit of work stands in for PostgreSQL
and the factory counts transactions). The
fallbacks, which apply partitions concurrently, are tested on PostgreSQL in
`test_polls_postgres.py`: the in-memory unit of work does not isolate concurrent transactions."""

from typing import Any

from hub_contracts import CaseOpened, Envelope
from hub_runtime.consumer import RecordApplier, RetryPolicy
from hub_runtime.fakes import InMemoryUnitOfWork
from hub_runtime.polls import apply_poll
from hub_runtime.testing_batches import RecordingDeadLetters

from ._polls import ids, poll, record


class _Service:
    """A RecordApplier over the in-memory unit of work that records what it applied, in order,
    and how many transactions it opened."""

    def __init__(self, *, batch: bool = True) -> None:
        self.transactions = 0
        state: dict[str, list[str]] = {"applied": []}
        self.state = state
        inbox: set[Any] = set()

        def factory() -> Any:
            self.transactions += 1
            return InMemoryUnitOfWork(state, [], source="t", inbox=inbox)

        async def apply(uow: Any, envelope: Envelope, payload: CaseOpened) -> None:
            uow.state["applied"].append(str(envelope.id))

        self.applier = RecordApplier(
            service="t",
            dead_letters=RecordingDeadLetters(),
            uow_factory=factory,
            handlers={CaseOpened.event_type: apply},
            retry=RetryPolicy(max_attempts=1, first_backoff=0.001, max_backoff=0.001),
            batch_transactions=batch,
        )


async def test_a_poll_of_three_partitions_is_one_transaction_partition_after_partition() -> None:
    service = _Service()
    records = poll([4, 3, 5])
    records[0][0] = record(0, 0, timestamp=99)  # partition 0 begins last
    await apply_poll(service.applier, records)
    assert service.state["applied"] == ids(records[1]) + ids(records[2]) + ids(records[0])
    assert service.transactions == 1  # before: one per partition, three


async def test_a_redelivered_poll_applies_nothing_twice() -> None:
    service = _Service()
    records = poll([2, 2, 2])
    await apply_poll(service.applier, records)
    await apply_poll(service.applier, records)
    assert len(service.state["applied"]) == 6
    assert service.applier.stats.duplicates == 6


async def test_without_batch_transactions_each_partition_keeps_its_own_path() -> None:
    service = _Service(batch=False)
    await apply_poll(service.applier, poll([2, 2]))
    assert len(service.state["applied"]) == 4
    assert service.transactions == 4  # one per record, as configured
