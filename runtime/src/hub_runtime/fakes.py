"""In-memory stand-ins for the unit of work, for unit tests of handlers (milliseconds, no stack).

A service's fake unit of work subclasses `InMemoryUnitOfWork` and keeps its fake repositories in
one `state` object; `commit` keeps the changes, leaving the block without it restores the state
as it was (like a rollback), and emitted events only count once committed, as in PostgreSQL.

Fakes are honest only while one repository test suite passes against both the fake and
PostgreSQL (each service's ``tests/unit/test_repository_contract.py`` runs it on both).
"""

import contextlib
import copy
from collections.abc import AsyncIterator
from datetime import datetime
from types import TracebackType
from typing import Generic, Self, TypeVar
from uuid import UUID

from hub_contracts import EventPayload
from hub_contracts.envelope import Envelope, source_for

from hub_runtime.unit_of_work import emitted_envelope

S = TypeVar("S")


class InMemoryUnitOfWork(Generic[S]):
    """One "transaction" over a shared in-memory ``state`` (deep-copied on entry for rollback).

    ``committed`` collects the envelopes of every committed unit of work on this state's
    ``outbox`` list, which tests read as the service's outbox."""

    def __init__(
        self,
        state: S,
        outbox: list[Envelope],
        *,
        source: str,
        inbox: set[UUID] | None = None,
    ) -> None:
        self.state = state
        self.outbox = outbox
        self.inbox = inbox if inbox is not None else set()
        """Envelope ids applied before (share one set between units of work, as the table)."""
        self._claimed: set[UUID] = set()
        # The service name becomes a URI (CloudEvents `source`): urn:council-hub:<name>.
        self._source = source_for(source)
        self._snapshot: S | None = None
        self._pending: list[Envelope] = []
        self.emitted: list[Envelope] = []

    async def __aenter__(self) -> Self:
        self._snapshot = copy.deepcopy(self.state)
        self._claimed = set()
        self._pending = []
        self.emitted = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._snapshot is not None:  # not committed: roll back
            _restore(self.state, self._snapshot)
            self.inbox -= self._claimed
        self._snapshot = None

    def emit(
        self,
        payload: EventPayload,
        *,
        subject: str | UUID,
        caused_by: Envelope | None = None,
        time: datetime | None = None,
    ) -> Envelope:
        """Queue an event, as `hub_runtime.unit_of_work.UnitOfWork.emit` does."""
        envelope = emitted_envelope(payload, self._source, subject, caused_by, time)
        self._pending.append(envelope)
        return envelope

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Undo this block's changes and events if it raises."""
        snapshot = copy.deepcopy(self.state)
        mark = len(self._pending)
        claimed = set(self._claimed)
        try:
            yield
        except BaseException:
            _restore(self.state, snapshot)
            del self._pending[mark:]
            self.inbox -= self._claimed - claimed
            self._claimed = claimed
            raise

    async def record_inbox(self, envelope: Envelope, topic: str) -> bool:
        """Claim an incoming event; False when it was applied before (a duplicate)."""
        del topic
        return bool(await self.claim_inbox([(envelope, "")]))

    async def claim_inbox(self, entries: list[tuple[Envelope, str]]) -> set[UUID]:
        """Claim many incoming events; returns the ids not applied before."""
        new = {envelope.id for envelope, _ in entries} - self.inbox
        self.inbox |= new
        self._claimed |= new
        return new

    async def commit(self) -> None:
        """Keep the changes; the queued events join ``outbox``."""
        if self._snapshot is None:
            raise RuntimeError("the unit of work is not open")
        self.outbox.extend(self._pending)
        self.emitted = list(self._pending)
        self._pending = []
        self._snapshot = None


def _restore(state: S, snapshot: S) -> None:
    """Put ``snapshot``'s attributes back into ``state`` (same object: handlers hold it)."""
    state.__dict__.clear()
    state.__dict__.update(copy.deepcopy(snapshot).__dict__)
