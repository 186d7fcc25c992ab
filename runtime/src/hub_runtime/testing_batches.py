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
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

import asyncpg

from hub_runtime.bus import Event, Routes
from hub_runtime.db import create_pool
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


async def rows_of(pool: asyncpg.Pool, queries: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    """Each query's rows as tuples, by name (queries should order their rows)."""
    return {name: [tuple(r) for r in await pool.fetch(sql)] for name, sql in queries.items()}
