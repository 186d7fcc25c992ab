"""How a consumer applies records: decode, apply in one transaction with the inbox row.

The records come from a FastStream batch subscriber (`hub_runtime.kafka_host`), which commits
their offsets after the poll is applied (`hub_runtime.polls.apply_poll`: first the whole poll in
one transaction, then `RecordApplier.process_batch` for what is left of each partition).
Strategies, in the order every record goes through them (in the spirit of getsentry/arroyo):
1. check the headers (only those the hub sends, `hub_runtime.record_headers`), decode the
   envelope and the payload; a record that fails either is dead-lettered at once;
2. skip event types this service does not handle (they are not errors);
3. apply: inbox row + handler effect + outbox rows, one transaction; a duplicate envelope id is
   skipped inside that transaction;
   Fast path: the decodable records of one poll batch are applied in ONE transaction with one
   inbox statement; a service that registers a batch handler applies them in one call
   (set-based SQL), the others record by record. If anything fails, that transaction is rolled
   back whole and a savepoint per record finds the one that failed: what came before it
   commits, and that record takes the slow path below on its own;
4. slow path: on a handler error retry with exponential backoff, up to `max_attempts`, then
   dead-letter;
   infrastructure errors (database or network down, a lost deadlock) are retried without
   limit, because the event itself is fine;
5. (the host) commit the offsets only after 1-4 finished for every record of the poll, so a
   crash re-delivers, and the inbox makes the re-delivery change nothing.
What is left of a poll's partitions after its one transaction is applied concurrently, each in
its own transactions; callers must not assume records of different partitions are applied in
any particular order.
"""

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from aiokafka import ConsumerRecord
from aiokafka.errors import KafkaError
from hub_contracts import ContractError, EventPayload
from hub_contracts.envelope import Envelope
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from hub_runtime.dead_letters import DeadLetterWriter
from hub_runtime.decoding import decodable_prefix, decode_record
from hub_runtime.errors import (
    INFRASTRUCTURE_ERRORS,
    DomainError,
    NotYetKnownError,
    PermanentEventError,
)
from hub_runtime.metrics import EVENTS_APPLIED, EVENTS_DEAD_LETTERED, EVENTS_DUPLICATE
from hub_runtime.record_headers import UNEXPECTED_HEADER, UnexpectedHeaderError
from hub_runtime.telemetry import batch_span, headers_from_kafka, span_from_carrier
from hub_runtime.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

EventHandler = Callable[[UnitOfWork, Envelope, Any], Awaitable[None]]
"""`handler(uow, envelope, payload)`: apply the event inside `uow`; never commit it yourself."""

BatchHandler = Callable[[UnitOfWork, Sequence[tuple[Envelope, Any]]], Awaitable[None]]
"""`batch(uow, [(envelope, payload), ...])`: apply new events, in order, inside `uow`.

Optional, for throughput: it must have the same effect as the service's per-event handlers
applied one after the other (which still apply a record alone on the slow path)."""


class UnitOfWorkFactory(Protocol):
    """``factory()`` opens a new unit of work for one transaction (a service's UoW class)."""

    def __call__(self) -> UnitOfWork:
        """A new unit of work, not yet entered (``async with`` opens the transaction)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Handler retries (backoffs in seconds); infrastructure errors wait max_backoff, uncounted."""

    max_attempts: int = 5  # handler runs (failures, NotYetKnownError) before the dead letter
    first_backoff: float = 0.05
    max_backoff: float = 2.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff: first_backoff, doubled each attempt, capped."""
        return float(min(self.max_backoff, self.first_backoff * 2 ** (attempt - 1)))


@dataclass
class ConsumerStats:
    """What one :class:`RecordApplier` did, in records (counts only grow; for tests, benches)."""

    applied: int = 0  # the handler ran and committed
    duplicates: int = 0  # the envelope id was in the inbox already
    skipped: int = 0  # an event type the service does not handle
    dead_lettered: int = 0


class RecordApplier:
    """Applies the records of one consumer group to one service's database, effectively once."""

    def __init__(
        self,
        *,
        service: str,
        dead_letters: DeadLetterWriter,
        uow_factory: UnitOfWorkFactory,
        handlers: Mapping[str, EventHandler],
        retry: RetryPolicy,
        batch_transactions: bool = True,
        batch_handler: BatchHandler | None = None,
    ) -> None:
        self.batch_transactions = batch_transactions
        self._batch_handler = batch_handler
        self._service = service
        self._dead_letters = dead_letters
        self._uow_factory = uow_factory
        self._handlers = handlers
        self._retry = retry
        self.stats = ConsumerStats()

    async def process_batch(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        """Apply records of one partition in order: in batch transactions where they succeed,
        one by one (with retries and dead letters) where they do not."""
        pending = records
        while pending:
            done = 0
            if self.batch_transactions:
                # Usually every record applies: one transaction, one inbox statement, no
                # savepoints. If anything fails, that attempt is rolled back whole and the
                # savepoint path finds the record that failed.
                done = await self.apply_at_once(pending) or await self._apply_prefix(pending)
            pending = pending[done:]
            if pending:
                await self.process(pending[0])
                pending = pending[1:]

    async def apply_at_once(self, records: list[ConsumerRecord[bytes, bytes]]) -> int:
        """Apply the decodable prefix of `records` in one transaction without savepoints, in
        their order (one partition's, or a whole poll's merged: `hub_runtime.polls`).

        Returns how many records are done, or 0 (nothing committed) when any of them failed."""
        prefix = decodable_prefix(records)
        if not prefix:
            return 0
        if not any(env.type in self._handlers for _, env, _ in prefix):
            # Nothing to apply: no transaction (an empty BEGIN/COMMIT per such poll was about
            # five of a referral's commits, issue 16). Skipped types leave no inbox row anyway.
            self._count("skipped", len(prefix))
            return len(prefix)
        try:
            async with self._uow_factory() as uow:
                handled = [(env, rec.topic) for rec, env, _ in prefix if env.type in self._handlers]
                new_ids = await uow.claim_inbox(handled)
                if self._batch_handler is not None:
                    outcomes = await self._apply_as_batch(uow, self._batch_handler, prefix, new_ids)
                else:
                    outcomes = [
                        await self._apply_claimed(uow, record, envelope, payload, new_ids)
                        for record, envelope, payload in prefix
                    ]
                await uow.commit()
        except asyncio.CancelledError:
            raise
        except Exception:
            return 0  # rolled back whole; the savepoint path isolates the failing record
        for outcome, count in Counter(outcomes).items():
            self._count(outcome, count)
        return len(prefix)

    async def _apply_as_batch(
        self,
        uow: UnitOfWork,
        batch_handler: BatchHandler,
        prefix: list[tuple[ConsumerRecord[bytes, bytes], Envelope, EventPayload]],
        new_ids: set[UUID],
    ) -> list[str]:
        """Hand every new, handled event to the batch handler at once, under one span."""
        outcomes: list[str] = []
        fresh: list[tuple[Envelope, EventPayload]] = []
        for _, envelope, payload in prefix:
            if envelope.type not in self._handlers:
                outcomes.append("skipped")
            elif envelope.id not in new_ids:
                outcomes.append("duplicate")
            else:
                new_ids.discard(envelope.id)  # the same envelope twice in one batch applies once
                fresh.append((envelope, payload))
                outcomes.append(f"applied:{envelope.type}")
        if fresh:
            with batch_span(self._service, [record for record, _, _ in prefix]):
                await batch_handler(uow, fresh)
        return outcomes

    async def _apply_claimed(
        self,
        uow: UnitOfWork,
        record: ConsumerRecord[bytes, bytes],
        envelope: Envelope,
        payload: EventPayload,
        new_ids: set[UUID],
    ) -> str:
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return "skipped"
        if envelope.id not in new_ids:
            return "duplicate"
        new_ids.discard(envelope.id)  # the same envelope twice in one batch applies once
        with self._record_span(record) as span:
            span.set_attribute("cloudevents.event_type", envelope.type)
            await handler(uow, envelope, payload)
        return f"applied:{envelope.type}"

    async def _apply_prefix(self, records: list[ConsumerRecord[bytes, bytes]]) -> int:
        """Apply the longest prefix of `records` that succeeds, in one transaction.

        Returns how many records are now done (applied, duplicate or skipped). A failure of the
        transaction itself commits nothing and returns 0: the slow path takes over."""
        outcomes: list[str] = []
        try:
            async with self._uow_factory() as uow:
                for record in records:
                    outcome = await self._apply_in_savepoint(uow, record)
                    if outcome is None:
                        break
                    outcomes.append(outcome)
                await uow.commit()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("batch transaction failed", extra={"error_type": type(exc).__name__})
            return 0
        for outcome in outcomes:
            self._count(outcome)
        return len(outcomes)

    async def _apply_in_savepoint(
        self, uow: UnitOfWork, record: ConsumerRecord[bytes, bytes]
    ) -> str | None:
        """One record inside the batch transaction; None when it needs the slow path."""
        try:
            envelope, payload = decode_record(record)
        except ContractError:
            return None
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return "skipped"
        with self._record_span(record) as span:
            span.set_attribute("cloudevents.event_type", envelope.type)
            try:
                async with uow.savepoint():
                    if not await uow.record_inbox(envelope, record.topic):
                        return "duplicate"
                    await handler(uow, envelope, payload)
            except Exception:
                return None  # rolled back to the savepoint; the slow path retries it alone
        return f"applied:{envelope.type}"

    def _record_span(self, record: ConsumerRecord[bytes, bytes]) -> AbstractContextManager[Span]:
        """The CONSUMER span of one record, a child of the context the record carries."""
        return span_from_carrier(
            self._service,
            f"{record.topic} process",
            headers_from_kafka(record.headers),
            SpanKind.CONSUMER,
            **{"messaging.destination.name": record.topic, "messaging.kafka.offset": record.offset},
        )

    def _count(self, outcome: str, count: int = 1) -> None:
        if outcome == "skipped":
            self.stats.skipped += count
        elif outcome == "duplicate":
            self.stats.duplicates += count
            EVENTS_DUPLICATE.labels(self._service).inc(count)
        else:
            self.stats.applied += count
            EVENTS_APPLIED.labels(self._service, outcome.removeprefix("applied:")).inc(count)

    async def process(self, record: ConsumerRecord[bytes, bytes]) -> None:
        """Decode and apply one record alone; returns once it is applied, skipped or
        dead-lettered (the slow path)."""
        with self._record_span(record) as span:
            try:
                envelope, payload = decode_record(record)
            except UnexpectedHeaderError as exc:
                span.set_status(Status(StatusCode.ERROR, UNEXPECTED_HEADER))
                await self._dead_letter(record, str(exc), attempts=1)
                return
            except ContractError as exc:
                span.set_status(Status(StatusCode.ERROR, "undecodable"))
                await self._dead_letter(record, f"undecodable: {exc}", attempts=1)
                return
            span.set_attribute("cloudevents.event_type", envelope.type)
            handler = self._handlers.get(envelope.type)
            if handler is None:
                self.stats.skipped += 1
                return
            await self._apply_with_retries(record, envelope, payload, handler)

    async def _apply_with_retries(
        self,
        record: ConsumerRecord[bytes, bytes],
        envelope: Envelope,
        payload: EventPayload,
        handler: EventHandler,
    ) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._apply(record, envelope, payload, handler)
                return
            except PermanentEventError as exc:
                await self._dead_letter(record, f"rejected: {exc}", attempts=attempt)
                return
            except NotYetKnownError as exc:
                # A fact the event needs is still on its way: retried like a failure below.
                log.warning(
                    "waiting for a fact not known yet; retrying",
                    extra={"event_id": envelope.id, "attempt": attempt, "code": exc.code},
                )
                if attempt >= self._retry.max_attempts:
                    error = f"still not known after {attempt} attempts: {exc.code}: {exc.reason}"
                    await self._dead_letter(record, error, attempts=attempt)
                    return
                await asyncio.sleep(self._retry.delay(attempt))
            except DomainError as exc:
                # A rule refuses the event: retrying cannot change that.
                await self._dead_letter(
                    record, f"rejected: {exc.code}: {exc.reason}", attempts=attempt
                )
                return
            except INFRASTRUCTURE_ERRORS as exc:
                # The event is fine; the stack is not. Wait and retry without counting.
                attempt -= 1
                log.warning(
                    "infrastructure error, retrying",
                    extra={"event_id": envelope.id, "error_type": type(exc).__name__},
                )
                await asyncio.sleep(self._retry.max_backoff)
            except Exception as exc:
                if attempt >= self._retry.max_attempts:
                    # The exception's type only, as in the log below: its text is not ours and
                    # may quote a value (pydantic's "input_value=...", a KeyError's key).
                    await self._dead_letter(
                        record, f"handler failed: {type(exc).__name__}", attempts=attempt
                    )
                    return
                log.warning(
                    "handler failed, will retry",
                    extra={
                        "event_id": envelope.id,
                        "attempt": attempt,
                        "error_type": type(exc).__name__,
                    },
                )
                await asyncio.sleep(self._retry.delay(attempt))

    async def _apply(
        self,
        record: ConsumerRecord[bytes, bytes],
        envelope: Envelope,
        payload: EventPayload,
        handler: EventHandler,
    ) -> None:
        async with self._uow_factory() as uow:
            if not await uow.record_inbox(envelope, record.topic):
                self.stats.duplicates += 1
                EVENTS_DUPLICATE.labels(self._service).inc()
                return
            await handler(uow, envelope, payload)
            await uow.commit()
        self.stats.applied += 1
        EVENTS_APPLIED.labels(self._service, envelope.type).inc()

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], error: str, *, attempts: int
    ) -> None:
        """Dead-letter the record; if Kafka itself is down, keep trying (never drop it)."""
        while True:
            try:
                await self._dead_letters.send(record, error, attempts)
                break
            except KafkaError as exc:
                log.warning("dead-letter write failed", extra={"error_type": type(exc).__name__})
                await asyncio.sleep(self._retry.max_backoff)
        self.stats.dead_lettered += 1
        EVENTS_DEAD_LETTERED.labels(self._service, record.topic).inc()
        log.error(
            "event dead-lettered",
            extra={"topic": record.topic, "partition": record.partition, "offset": record.offset},
        )
