"""Test support for batch routes: apply one stream of events one at a time and in batches, each
on a scratch database of its own on the real PostgreSQL, and hand both back for comparison.

A service's batch route (`hub_runtime.bus.Routes.batch`) must have exactly the effect of its
event routes applied one after the other. `apply_both_ways` runs the stream:
- one at a time: each event through its event route in a transaction of its own; an event the
  route refuses (`PermanentEventError`, `DomainError`) commits nothing, as the consumer's slow
  path dead-letters it;
- in batches: each batch through the batch route in one transaction; a batch that raises is
  rolled back whole and its events then go one at a time as above, as the consumer does
  (`hub_runtime.consumer.RecordApplier`).
The inbox is the consumer's business, not the routes': the stream should carry replays as new
envelopes (what the inbox cannot catch) where the service must absorb them.

`apply_both_ways` goes one level lower, through the consumer itself: two `RecordApplier`s, one
record by record (each in its own transaction with its inbox row, the slow path) and one in
polls through the batch route, so the inbox, redeliveries and dead letters are compared too.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import asyncpg
from aiokafka import ConsumerRecord
from hub_contracts import ContractError, EventPayload
from hub_contracts.envelope import Envelope
from hub_contracts.examples import example_payload
from hub_contracts.registry import decode

from hub_runtime.bus import Event, Routes
from hub_runtime.consumer import BatchHandler, EventHandler, RecordApplier, RetryPolicy
from hub_runtime.db import create_pool
from hub_runtime.dead_letters import DeadLetterWriter
from hub_runtime.errors import DomainError, PermanentEventError
from hub_runtime.migrations import apply_migrations, folder_migrations, runtime_migrations
from hub_runtime.settings import HubSettings
from hub_runtime.testing import temporary_databases
from hub_runtime.unit_of_work import UnitOfWork

U = TypeVar("U", bound=UnitOfWork)
D = TypeVar("D")

REFUSED = (PermanentEventError, DomainError)
"""What an event route raises for an event the consumer dead-letters."""


def random_batches(
    events: Sequence[Event[Any]], rng: random.Random, largest: int
) -> list[list[Event[Any]]]:
    """``events`` cut into consecutive batches of 1 to ``largest`` events (poll sizes vary)."""
    batches: list[list[Event[Any]]] = []
    i = 0
    while i < len(events):
        size = rng.randint(1, largest)
        batches.append(list(events[i : i + size]))
        i += size
    return batches


class BothWays(Generic[U, D]):
    """A service's routes on two scratch databases: ``pools["single"]`` and ``pools["batch"]``."""

    def __init__(
        self,
        routes: Routes[U, D],
        deps: D,
        unit_of_work: Callable[[asyncpg.Pool], U],
        pools: dict[str, asyncpg.Pool],
    ) -> None:
        self.routes, self.deps, self.unit_of_work, self.pools = routes, deps, unit_of_work, pools
        self.refused = {"single": 0, "batch": 0}
        self.batches_refused = 0

    async def one_at_a_time(self, events: Sequence[Event[Any]], way: str = "single") -> None:
        """Each event through its event route, one transaction each (refused: nothing)."""
        for event in events:
            route = self.routes.events[event.envelope.type]
            try:
                async with self.unit_of_work(self.pools[way]) as uow:
                    await route(event, uow, self.deps)
                    await uow.commit()
            except REFUSED:
                self.refused[way] += 1

    async def in_batches(self, batches: Sequence[Sequence[Event[Any]]]) -> None:
        """Each batch through the batch route in one transaction (one that raises: its events
        one at a time instead)."""
        batch_route = self.routes.batch
        assert batch_route is not None, "these routes have no batch route"
        for batch in batches:
            try:
                async with self.unit_of_work(self.pools["batch"]) as uow:
                    await batch_route(batch, uow, self.deps)
                    await uow.commit()
            except REFUSED:
                self.batches_refused += 1
                await self.one_at_a_time(batch, way="batch")


@asynccontextmanager
async def both_ways(
    hub_settings: HubSettings,
    migrations: Path,
    routes: Routes[U, D],
    deps: D,
    unit_of_work: Callable[[asyncpg.Pool], U],
) -> AsyncIterator[BothWays[U, D]]:
    """Two migrated scratch databases (dropped afterwards) and the means to apply a stream to
    each: one at a time on ``single``, in batches on ``batch``."""
    async with temporary_databases(hub_settings, "batch", "single") as names:
        pools = {k: await create_pool(hub_settings.pg_dsn, db) for k, db in names.items()}
        try:
            for pool in pools.values():
                async with pool.acquire() as conn:
                    await apply_migrations(
                        conn, runtime_migrations() + folder_migrations(migrations)
                    )
            yield BothWays(routes, deps, unit_of_work, pools)
        finally:
            for pool in pools.values():
                await pool.close()


async def rows_of(
    pool: asyncpg.Pool, queries: Mapping[str, str]
) -> dict[str, list[tuple[Any, ...]]]:
    """Each query's rows as tuples, by name (queries should order their rows)."""
    return {name: [tuple(r) for r in await pool.fetch(sql)] for name, sql in queries.items()}


Stored = dict[str, list[tuple[Any, ...]]]
"""Rows by name of the query that read them (each row as a tuple)."""

RUNTIME_TABLES = {
    "hub_inbox": "SELECT event_id, event_type, topic FROM hub_inbox ORDER BY event_id",
    # The emitted events' own ids and times are new per run: compare what they say, in order.
    "hub_outbox": "SELECT topic, message_key, convert_from(payload, 'UTF8')::jsonb -> 'type',"
    " convert_from(payload, 'UTF8')::jsonb -> 'data' FROM hub_outbox ORDER BY id",
}
"""The runtime's inbox and outbox, as `rows_of` reads them (add them to a service's tables)."""


def like(cls: type[EventPayload], **changes: Any) -> EventPayload:
    """The contract's example of ``cls`` with ``changes``, validated again (a bad change fails)."""
    return cls.model_validate(example_payload(cls).model_copy(update=changes).model_dump())


def consumer_record(envelope: Envelope, offset: int) -> ConsumerRecord[bytes, bytes]:
    """``envelope`` as the consumer receives it from its payload's topic (partition 0)."""
    value = envelope.to_bytes()
    topic = str(decode(envelope).topic)
    return ConsumerRecord(
        topic, 0, offset, 0, 0, envelope.kafka_key(), value, None, 1, len(value), ()
    )


class RecordingDeadLetters(DeadLetterWriter):
    """A dead-letter writer that keeps (envelope id as text or None, error) instead of sending."""

    def __init__(self) -> None:
        self.sent: list[tuple[str | None, str]] = []

    async def send(self, record: ConsumerRecord[bytes, bytes], error: str, attempts: int) -> None:
        """Keep the record's envelope id (when it has one) and the error."""
        try:
            event_id: str | None = str(Envelope.from_bytes(record.value or b"").id)
        except ContractError:
            event_id = None
        self.sent.append((event_id, error.split(":")[0]))


@dataclass
class Outcome:
    """What one way of applying the stream left: rows, dead letters, and (batch way) how many
    batch-route calls returned without an error (a poll whose call failed was retried record by
    record, so a test can tell the batch route really ran)."""

    rows: Stored
    dead_letters: list[tuple[str | None, str]]
    batch_calls_ok: int = 0
    batch_calls: list[int] = field(default_factory=list)


async def apply_both_ways(
    hub: HubSettings,
    *,
    migrations: list[tuple[str, str]],
    unit_of_work: Callable[[asyncpg.Pool], UnitOfWork],
    handlers: Mapping[str, EventHandler],
    batch_handler: BatchHandler,
    events: Sequence[Envelope],
    poll: int,
    queries: Mapping[str, str],
    seed: Callable[[asyncpg.Pool], Awaitable[None]] | None = None,
) -> tuple[Outcome, Outcome]:
    """(one at a time, in polls of ``poll`` through ``batch_handler``) over ``events``.

    Each way gets a fresh database with ``migrations`` applied and its own `RecordApplier`
    (one attempt per record, so a refused event is dead-lettered at once); ``queries`` are read
    afterwards (`rows_of`; include `RUNTIME_TABLES`). ``seed`` (optional) writes the same rows
    into each database before the events (fixed ids and times, so both start alike)."""
    records = [consumer_record(env, offset) for offset, env in enumerate(events)]
    retry = RetryPolicy(max_attempts=1, first_backoff=0.001, max_backoff=0.001)
    async with temporary_databases(hub, "single", "batch") as names:
        pools = {k: await create_pool(hub.pg_dsn, db) for k, db in names.items()}
        try:
            for pool in pools.values():
                async with pool.acquire() as conn:
                    await apply_migrations(conn, migrations)
                if seed is not None:
                    await seed(pool)
            single_dead = RecordingDeadLetters()
            single = RecordApplier(
                service="test",
                dead_letters=single_dead,
                uow_factory=lambda: unit_of_work(pools["single"]),
                handlers=handlers,
                retry=retry,
                batch_transactions=False,
            )
            await single.process_batch(records)
            batch_dead = RecordingDeadLetters()
            outcome = Outcome(rows={}, dead_letters=batch_dead.sent)

            async def counted(uow: Any, items: Sequence[tuple[Envelope, Any]]) -> None:
                outcome.batch_calls.append(len(items))
                await batch_handler(uow, items)
                outcome.batch_calls_ok += 1

            batch = RecordApplier(
                service="test",
                dead_letters=batch_dead,
                uow_factory=lambda: unit_of_work(pools["batch"]),
                handlers=handlers,
                retry=retry,
                batch_handler=counted,
            )
            for start in range(0, len(records), poll):
                await batch.process_batch(records[start : start + poll])
            outcome.rows = await rows_of(pools["batch"], queries)
            one_by_one = Outcome(await rows_of(pools["single"], queries), single_dead.sent)
        finally:
            for pool in pools.values():
                await pool.close()
    return one_by_one, outcome
