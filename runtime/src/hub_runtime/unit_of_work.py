"""The transaction of a use case: state changes, outbox rows and the inbox row commit together."""

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import datetime
from types import TracebackType
from typing import Self
from uuid import UUID

import asyncpg
from hub_contracts import EventPayload, new_envelope
from hub_contracts.envelope import Envelope, source_for

from hub_runtime.db import Connection
from hub_runtime.telemetry import current_trace_headers


def emitted_envelope(
    payload: EventPayload,
    source: str,
    subject: str | UUID,
    caused_by: Envelope | None,
    time: datetime | None,
) -> Envelope:
    """The envelope of an event a unit of work emits (see `UnitOfWork.emit`): in the
    correlation of ``caused_by`` when given, at ``time`` instead of now when given."""
    return new_envelope(
        payload,
        source=source,
        subject=str(subject),
        correlationid=caused_by.correlationid if caused_by else None,
        causationid=caused_by.id if caused_by else None,
        time=time,
    )


class ReadOnlyWorkError(RuntimeError):
    """A read-only unit of work was asked to emit, commit or open a savepoint: a programming
    error (the handler belongs on `bus.MessageBus.dispatch`)."""


class UnitOfWork:
    """One database transaction with an event buffer.

    Use as `async with uow:`; call `await uow.commit()` explicitly: leaving the block without a
    commit rolls everything back, including the events emitted inside it.

    ``read_only`` (on a pool made with ``db.create_pool(..., read_only=True)``): no transaction
    is opened, so each statement runs on its own (autocommit) and the unit of work costs no
    BEGIN and no COMMIT round trip. Each statement sees what was committed before it began,
    exactly as inside the hub's READ COMMITTED transactions, where every statement takes a new
    snapshot too (PostgreSQL manual, "Transaction Isolation"); locks (``FOR UPDATE``) are not
    available. The pool's sessions refuse writes (``default_transaction_read_only``), and
    `emit`, `commit` and `savepoint` raise `ReadOnlyWorkError`.
    """

    def __init__(self, pool: asyncpg.Pool, *, source: str, read_only: bool = False) -> None:
        self._pool = pool
        self.read_only = read_only
        # The service name becomes a URI (CloudEvents `source`): urn:council-hub:<name>.
        self._source = source_for(source)
        self._conn: asyncpg.pool.PoolConnectionProxy | None = None
        self._tx: asyncpg.transaction.Transaction | None = None
        self._pending: list[tuple[Envelope, str, dict[str, str]]] = []
        self.emitted: list[Envelope] = []

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open: use `async with uow:`")
        return self._conn

    async def __aenter__(self) -> Self:
        self._conn = await self._pool.acquire()
        self._pending = []
        self.emitted = []
        if self.read_only:
            return self
        try:
            self._tx = self._conn.transaction()
            await self._tx.start()
        except BaseException:
            await self._release()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None:
                await self._tx.rollback()
        finally:
            await self._release()

    async def _release(self) -> None:
        if self._conn is not None:
            await self._pool.release(self._conn)
        self._conn = None
        self._tx = None

    def emit(
        self,
        payload: EventPayload,
        *,
        subject: str | UUID,
        caused_by: Envelope | None = None,
        time: datetime | None = None,
    ) -> Envelope:
        """Queue an event; it reaches the outbox only if the transaction commits.

        `caused_by` links the new event to the one being handled (same correlation id).
        `time` (aware) replaces "now" as the envelope's time, for events whose exact moment
        would reveal something personal (casefile's weekly deadline notices).
        """
        if self.read_only:
            raise ReadOnlyWorkError("a read-only unit of work emits no events")
        envelope = emitted_envelope(payload, self._source, subject, caused_by, time)
        self._pending.append((envelope, str(payload.topic), current_trace_headers()))
        return envelope

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: on error, its writes and the events it emitted are undone."""
        if self.read_only:
            raise ReadOnlyWorkError("a read-only unit of work has no transaction to nest in")
        mark = len(self._pending)
        nested = self.conn.transaction()
        await nested.start()
        try:
            yield
        except BaseException:
            await nested.rollback()
            del self._pending[mark:]
            raise
        await nested.commit()

    async def record_inbox(self, envelope: Envelope, topic: str) -> bool:
        """Claim an incoming event; False when it was applied before (a duplicate)."""
        inserted = await self.conn.fetchval(
            "INSERT INTO hub_inbox (event_id, event_type, topic) VALUES ($1, $2, $3) "
            "ON CONFLICT (event_id) DO NOTHING RETURNING true",
            envelope.id,
            envelope.type,
            topic,
        )
        return bool(inserted)

    async def claim_inbox(self, entries: list[tuple[Envelope, str]]) -> set[UUID]:
        """Claim many incoming events in one statement; returns the ids not applied before."""
        if not entries:
            return set()
        rows = await self.conn.fetch(
            "INSERT INTO hub_inbox (event_id, event_type, topic)"
            " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])"
            " ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
            [env.id for env, _ in entries],
            [env.type for env, _ in entries],
            [topic for _, topic in entries],
        )
        return {row["event_id"] for row in rows}

    async def commit(self) -> None:
        """Write the queued events to the outbox and commit everything at once."""
        if self.read_only:
            raise ReadOnlyWorkError("a read-only unit of work has nothing to commit")
        if self._tx is None:
            raise RuntimeError("the unit of work is not open")
        if self._pending:
            await self.conn.executemany(
                "INSERT INTO hub_outbox (event_id, topic, message_key, payload, trace_headers) "
                "VALUES ($1, $2, $3, $4, $5::jsonb)",
                [
                    (env.id, topic, env.subject, env.to_bytes(), json.dumps(headers))
                    for env, topic, headers in self._pending
                ],
            )
        await self._tx.commit()
        self.emitted = [env for env, _, _ in self._pending]
        self._pending = []
        self._tx = None
