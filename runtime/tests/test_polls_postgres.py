"""Issue 16 on PostgreSQL: when a poll's one transaction fails, the per-partition path applies
every other record exactly once, each partition in its own order, and dead-letters only the
record that failed (`hub_runtime.polls`)."""

from collections.abc import AsyncIterator

import asyncpg
import pytest
from hub_contracts import CaseOpened, Envelope
from hub_runtime.consumer import RecordApplier, RetryPolicy
from hub_runtime.polls import apply_poll
from hub_runtime.settings import HubSettings
from hub_runtime.testing import migrated_pool
from hub_runtime.testing_batches import RecordingDeadLetters
from hub_runtime.unit_of_work import UnitOfWork

from ._polls import Record, ids, poll, record

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(hub_settings: HubSettings, fresh_database: str) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(
        hub_settings,
        fresh_database,
        "CREATE TABLE applied (seq bigserial PRIMARY KEY, event_id uuid NOT NULL)",
    ) as pool:
        yield pool


class _Service:
    """A RecordApplier on ``pool`` whose handler inserts the event id (refusing ``refused``)
    and counts the transactions it opened."""

    def __init__(self, pool: asyncpg.Pool, refused: frozenset[str] = frozenset()) -> None:
        self.transactions = 0
        self.dead = RecordingDeadLetters()

        def factory() -> UnitOfWork:
            self.transactions += 1
            return UnitOfWork(pool, source="test")

        async def apply(uow: UnitOfWork, envelope: Envelope, payload: CaseOpened) -> None:
            if str(envelope.id) in refused:
                raise ValueError("refused by the test")
            await uow.conn.execute("INSERT INTO applied (event_id) VALUES ($1)", envelope.id)

        self.applier = RecordApplier(
            service="test",
            dead_letters=self.dead,
            uow_factory=factory,
            handlers={CaseOpened.event_type: apply},
            retry=RetryPolicy(max_attempts=1, first_backoff=0.001, max_backoff=0.001),
        )


async def _applied(pool: asyncpg.Pool) -> list[str]:
    rows = await pool.fetch("SELECT event_id FROM applied ORDER BY seq")
    return [str(row["event_id"]) for row in rows]


def _kept_in_order(applied: list[str], partitions: list[list[Record]]) -> bool:
    position = {event_id: n for n, event_id in enumerate(applied)}
    for records in partitions:
        seen = [position[i] for i in ids(records) if i in position]
        if seen != sorted(seen):
            return False
    return True


async def test_a_poll_is_one_transaction_on_postgresql(pool: asyncpg.Pool) -> None:
    service = _Service(pool)
    records = poll([5, 5, 5])
    await apply_poll(service.applier, records)
    assert sorted(await _applied(pool)) == sorted(i for rs in records for i in ids(rs))
    assert service.transactions == 1


@pytest.mark.expected_server_errors  # the refused record is dead-lettered (logged at ERROR)
async def test_a_refused_event_falls_back_to_each_partition_and_loses_nothing(
    pool: asyncpg.Pool,
) -> None:
    records = poll([4, 4, 4])
    refused = ids(records[1])[2]
    service = _Service(pool, frozenset({refused}))
    await apply_poll(service.applier, records)
    applied = await _applied(pool)
    wanted = [i for rs in records for i in ids(rs) if i != refused]
    assert sorted(applied) == sorted(wanted)  # each once, none lost
    assert [event_id for event_id, _ in service.dead.sent] == [refused]
    assert _kept_in_order(applied, records)
    assert service.transactions > 1  # the poll's transaction was rolled back


@pytest.mark.expected_server_errors  # the undecodable record is dead-lettered (logged at ERROR)
async def test_an_undecodable_record_is_dead_lettered_alone(pool: asyncpg.Pool) -> None:
    records = poll([3, 3, 3])
    records[2][1] = record(2, 1, timestamp=records[2][1].timestamp, value=b"not json")
    service = _Service(pool)
    await apply_poll(service.applier, records)
    good = [[r for r in rs if r.value != b"not json"] for rs in records]
    applied = await _applied(pool)
    assert sorted(applied) == sorted(i for rs in good for i in ids(rs))
    assert [event_id for event_id, _ in service.dead.sent] == [None]
    assert _kept_in_order(applied, good)


async def test_a_redelivery_after_a_partial_poll_applies_nothing_twice(pool: asyncpg.Pool) -> None:
    """The host seeks every partition back to the poll's start when the poll fails: the records
    its one transaction had committed come again and are duplicates."""
    records = poll([3, 3])
    service = _Service(pool)
    await apply_poll(service.applier, [records[0][:2], records[1][:1]])
    await apply_poll(service.applier, records)
    assert sorted(await _applied(pool)) == sorted(i for rs in records for i in ids(rs))
    assert service.applier.stats.duplicates == 3
