"""Idempotency keys: the rules (unit), and the claim/answer/release cycle on a real PostgreSQL."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from hub_runtime.db import create_pool
from hub_runtime.errors import ConflictError, DomainError
from hub_runtime.http import status_of
from hub_runtime.idempotency import (
    Action,
    Answer,
    Claim,
    StoredKey,
    checked_key,
    classify,
    fingerprint,
    idempotently,
    stored_key,
)
from hub_runtime.migrations import apply_migrations, runtime_migrations
from hub_runtime.settings import HubSettings
from hub_runtime.testing import migrated_pool
from hub_runtime.unit_of_work import UnitOfWork


def test_idempotency_claims() -> None:
    h = fingerprint("status:r", {"status": "accepted"})
    assert classify(None, h) is Claim.NEW
    assert classify(StoredKey(h, finished=True), h) is Claim.REPLAY
    assert classify(StoredKey(h, finished=False), h) is Claim.IN_PROGRESS
    other = fingerprint("status:r", {"status": "declined"})
    assert classify(StoredKey(h, finished=True), other) is Claim.MISMATCH


def test_the_fingerprint_ignores_key_order_but_not_values_or_route() -> None:
    a = fingerprint("x", {"a": 1, "b": 2})
    assert a == fingerprint("x", {"b": 2, "a": 1})
    assert a != fingerprint("x", {"a": 1, "b": 3})
    assert a != fingerprint("y", {"a": 1, "b": 2})


@pytest.mark.parametrize("key", ["short", "x" * 129, "has space!", "ünïcode-key"])
def test_a_malformed_key_is_a_400_that_says_what_a_key_looks_like(key: str) -> None:
    with pytest.raises(DomainError) as refused:
        checked_key(key)
    assert status_of(refused.value) == 400
    assert "8-128 characters" in refused.value.reason


@pytest.fixture
async def pool(hub_settings: HubSettings, fresh_database: str) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(
        hub_settings,
        fresh_database,
        "CREATE TABLE effects (n serial PRIMARY KEY, what text NOT NULL)",
    ) as pool:
        yield pool


def counting_action(what: str) -> tuple[list[int], Action]:
    calls: list[int] = []

    async def action(uow: UnitOfWork) -> Answer:
        calls.append(1)
        n = await uow.conn.fetchval("INSERT INTO effects (what) VALUES ($1) RETURNING n", what)
        return 201, {"n": n, "what": what}

    return calls, action


@pytest.mark.integration
async def test_the_same_key_and_request_does_the_work_once_and_repeats_the_answer(
    pool: asyncpg.Pool,
) -> None:
    calls, action = counting_action("a")
    h = fingerprint("r", {"what": "a"})
    uows = lambda: UnitOfWork(pool, source="test")  # noqa: E731
    first = await idempotently(uows, "staff:alice", "key-00000001", h, action)
    again = await idempotently(uows, "staff:alice", "key-00000001", h, action)
    assert first == (201, {"n": 1, "what": "a"}, False)
    assert again == (201, {"n": 1, "what": "a"}, True)
    assert len(calls) == 1
    assert await pool.fetchval("SELECT count(*) FROM effects") == 1
    # Another client's identical key is another key.
    other = await idempotently(uows, "staff:bob", "key-00000001", h, action)
    assert other == (201, {"n": 2, "what": "a"}, False)


@pytest.mark.integration
async def test_a_key_is_stored_as_its_digest_never_as_typed(pool: asyncpg.Pool) -> None:
    typed = "Zarina_Probeperson_31655550199"  # a client may type anything, a name too
    h = fingerprint("r", {"what": "a"})
    uows = lambda: UnitOfWork(pool, source="test")  # noqa: E731
    _, action = counting_action("a")
    await idempotently(uows, "staff:alice", typed, h, action)
    assert await idempotently(uows, "staff:alice", typed, h, action) == (
        201,
        {"n": 1, "what": "a"},
        True,
    )
    stored = await pool.fetchval("SELECT string_agg(scope || key, ',') FROM hub_idempotency_keys")
    assert "Probeperson" not in stored
    assert stored == "staff:alice" + stored_key(typed)


@pytest.mark.integration
async def test_keys_stored_before_are_hashed_by_the_migration(
    hub_settings: HubSettings, fresh_database: str
) -> None:
    pool = await create_pool(hub_settings.pg_dsn, fresh_database)
    try:
        async with pool.acquire() as conn:
            earlier = [m for m in runtime_migrations() if not m[0].endswith("_digest.sql")]
            await apply_migrations(conn, earlier)
            await conn.execute(
                "INSERT INTO hub_idempotency_keys (scope, key, request_hash, response_status,"
                " response_body) VALUES ('staff:alice', 'key-00000001', 'h', 201, '{}')"
            )
            await apply_migrations(conn, runtime_migrations())
            assert await conn.fetchval("SELECT key FROM hub_idempotency_keys") == stored_key(
                "key-00000001"
            )
    finally:
        await pool.close()


@pytest.mark.integration
async def test_a_key_reused_for_another_request_is_a_422_and_changes_nothing(
    pool: asyncpg.Pool,
) -> None:
    uows = lambda: UnitOfWork(pool, source="test")  # noqa: E731
    _, action = counting_action("a")
    await idempotently(uows, "staff:alice", "key-00000002", fingerprint("r", "a"), action)
    with pytest.raises(DomainError) as refused:
        await idempotently(uows, "staff:alice", "key-00000002", fingerprint("r", "b"), action)
    assert (status_of(refused.value), refused.value.code) == (422, "idempotency_key_reused")
    assert await pool.fetchval("SELECT count(*) FROM effects") == 1


@pytest.mark.integration
async def test_a_failed_request_stores_nothing_and_releases_its_key(pool: asyncpg.Pool) -> None:
    uows = lambda: UnitOfWork(pool, source="test")  # noqa: E731
    h = fingerprint("r", "a")

    async def refused(uow: UnitOfWork) -> Answer:
        await uow.conn.execute("INSERT INTO effects (what) VALUES ('half done')")
        raise ConflictError("not now")

    with pytest.raises(DomainError):
        await idempotently(uows, "staff:alice", "key-00000003", h, refused)
    assert await pool.fetchval("SELECT count(*) FROM effects") == 0  # rolled back with the key
    assert await pool.fetchval("SELECT count(*) FROM hub_idempotency_keys") == 0
    calls, action = counting_action("a")
    status, _, replayed = await idempotently(uows, "staff:alice", "key-00000003", h, action)
    assert (status, replayed, len(calls)) == (201, False, 1)  # the retry does the work


@pytest.mark.integration
async def test_a_concurrent_request_with_the_same_key_is_told_it_is_in_progress(
    pool: asyncpg.Pool,
) -> None:
    uows = lambda: UnitOfWork(pool, source="test")  # noqa: E731
    h = fingerprint("r", "slow")
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(uow: UnitOfWork) -> Answer:
        started.set()
        await release.wait()
        return 201, {"done": True}

    first = asyncio.create_task(idempotently(uows, "staff:alice", "key-00000004", h, slow))
    await started.wait()
    with pytest.raises(DomainError) as busy:
        await idempotently(uows, "staff:alice", "key-00000004", h, slow)
    assert (status_of(busy.value), busy.value.code) == (409, "idempotency_in_progress")
    release.set()
    assert await first == (201, {"done": True}, False)
    assert await idempotently(uows, "staff:alice", "key-00000004", h, slow) == (
        201,
        {"done": True},
        True,
    )


async def test_a_key_sent_twice_is_a_400_not_a_guess() -> None:
    """Two Idempotency-Key headers: which one counts would be a guess (a new user's trial saw
    the first one win silently)."""
    import httpx
    from fastapi import Depends
    from hub_runtime.http import create_app
    from hub_runtime.idempotency import optional_key

    app = create_app(service="t", title="t", description="", max_body_bytes=2048, readiness={})

    @app.post("/things")
    async def things(key: str | None = Depends(optional_key)) -> dict[str, str | None]:
        return {"key": key}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        once = await client.post("/things", headers={"Idempotency-Key": "key-00001"})
        twice = await client.post(
            "/things", headers=[("Idempotency-Key", "key-00001"), ("Idempotency-Key", "key-00002")]
        )
    assert once.json() == {"key": "key-00001"}
    assert twice.status_code == 400
    assert twice.json()["error"] == "idempotency_key_repeated"
