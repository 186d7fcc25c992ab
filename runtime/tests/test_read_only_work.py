"""`MessageBus.read` on a read-only unit of work, against the real PostgreSQL: no BEGIN and no
COMMIT round trip, each statement sees what was committed before it, and a write is refused by
PostgreSQL itself (the read pool's sessions have ``default_transaction_read_only`` on)."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from hub_contracts import CaseOpened
from hub_runtime.bus import Message, MessageBus, Routes
from hub_runtime.db import create_pool
from hub_runtime.settings import HubSettings
from hub_runtime.unit_of_work import ReadOnlyWorkError, UnitOfWork

pytestmark = pytest.mark.asyncio


@dataclass(frozen=True)
class Run(Message[Any]):
    """Run ``action`` on the handler's unit of work."""

    action: Callable[[UnitOfWork], Awaitable[Any]]


async def run(message: Run, uow: UnitOfWork, deps: None) -> Any:
    return await message.action(uow)


ROUTES: Routes[UnitOfWork, None] = Routes(commands={Run: run})


@dataclass
class Pools:
    writes: asyncpg.Pool
    reads: asyncpg.Pool
    statements: list[str]
    """Every statement sent on either pool's one connection, in order (asyncpg's query logger,
    which sees BEGIN and COMMIT too)."""

    def bus(self, *, reader: bool = True) -> MessageBus[UnitOfWork, None]:
        return MessageBus(
            ROUTES,
            lambda: UnitOfWork(self.writes, source="test"),
            None,
            reader=(lambda: UnitOfWork(self.reads, source="test", read_only=True))
            if reader
            else None,
        )


@pytest.fixture
async def pools(hub_settings: HubSettings, fresh_database: str) -> AsyncIterator[Pools]:
    writes = await create_pool(hub_settings.pg_dsn, fresh_database, max_size=1)
    reads = await create_pool(hub_settings.pg_dsn, fresh_database, max_size=1, read_only=True)
    statements: list[str] = []
    for pool in (writes, reads):
        async with pool.acquire() as conn:
            conn.add_query_logger(lambda record: statements.append(record.query))
    async with writes.acquire() as conn:
        await conn.execute("CREATE TABLE things (n int PRIMARY KEY)")
    statements.clear()
    try:
        yield Pools(writes, reads, statements)
    finally:
        await writes.close()
        await reads.close()


async def select_one(uow: UnitOfWork) -> Any:
    return await uow.conn.fetchval("SELECT 1")


async def test_a_read_sends_only_its_statements(pools: Pools) -> None:
    assert await pools.bus().read(Run(select_one)) == 1
    assert pools.statements == ["SELECT 1"]


async def test_the_logger_sees_the_transaction_of_a_dispatch(pools: Pools) -> None:
    # The baseline of the test above: were the read a transaction, its BEGIN would show.
    assert await pools.bus().dispatch(Run(select_one)) == 1
    assert pools.statements == ["BEGIN;", "SELECT 1", "COMMIT;"]


async def test_each_statement_of_a_read_sees_what_was_committed_before_it(pools: Pools) -> None:
    async def count_around_an_insert(uow: UnitOfWork) -> tuple[int, int]:
        before = await uow.conn.fetchval("SELECT count(*) FROM things")
        async with pools.writes.acquire() as other:
            await other.execute("INSERT INTO things VALUES (1)")
        return before, await uow.conn.fetchval("SELECT count(*) FROM things")

    assert await pools.bus().read(Run(count_around_an_insert)) == (0, 1)


async def test_postgresql_refuses_a_write_in_a_read(pools: Pools) -> None:
    async def insert(uow: UnitOfWork) -> None:
        await uow.conn.execute("INSERT INTO things VALUES (2)")

    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        await pools.bus().read(Run(insert))
    async with pools.writes.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM things") == 0
    # The connection went back to its pool (one connection): the next read gets it.
    assert await pools.bus().read(Run(select_one)) == 1


async def test_locking_a_row_is_refused_in_a_read(pools: Pools) -> None:
    async def lock(uow: UnitOfWork) -> None:
        await uow.conn.fetch("SELECT n FROM things FOR UPDATE")

    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        await pools.bus().read(Run(lock))


@pytest.mark.parametrize("what", ["emit", "commit", "savepoint"])
async def test_a_read_only_unit_of_work_emits_commits_and_nests_nothing(
    pools: Pools, what: str
) -> None:
    async def misuse(uow: UnitOfWork) -> None:
        if what == "emit":
            uow.emit(CaseOpened.model_construct(), subject="x")  # refused before it is read
        elif what == "commit":
            await uow.commit()
        else:
            async with uow.savepoint():
                pass

    with pytest.raises(ReadOnlyWorkError):
        await pools.bus().read(Run(misuse))
    assert await pools.bus().read(Run(select_one)) == 1


async def test_without_a_reader_a_read_is_rolled_back(pools: Pools) -> None:
    async def insert(uow: UnitOfWork) -> None:
        await uow.conn.execute("INSERT INTO things VALUES (3)")

    await pools.bus(reader=False).read(Run(insert))
    async with pools.writes.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM things") == 0
