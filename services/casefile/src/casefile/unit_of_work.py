"""Casefile's unit of work: one transaction with its repositories, the outbox and (for events)
the inbox row.

Handlers are typed against the `CasefileUow` Protocol and use its repositories
(``uow.cases``, ``uow.history``, ...), never a connection; they never commit. Three classes
fit it:
- `CasefileUnitOfWork`: PostgreSQL, opened and committed by the message bus (HTTP, workers);
- `InConsumerTransaction`: the same repositories inside the transaction the runtime's consumer
  opened for an event (it claims the inbox row and commits); see `bound_event_handlers`;
- `casefile.fakes.FakeUnitOfWork`: in memory, for unit tests.
"""

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

import asyncpg
from hub_contracts import EventPayload
from hub_contracts.envelope import Envelope
from hub_runtime.bus import Routes, Transaction, bind_events
from hub_runtime.consumer import EventHandler
from hub_runtime.db import Connection
from hub_runtime.unit_of_work import UnitOfWork

from casefile.repository import protocols as p
from casefile.repository.audit import PgAudit
from casefile.repository.case_events import PgCaseEvents
from casefile.repository.cases import PgCases
from casefile.repository.deadlines import PgDeadlines
from casefile.repository.efforts import PgEfforts
from casefile.repository.history import PgHistory
from casefile.repository.persons import PgPersons
from casefile.repository.timeline import PgTimeline
from casefile.repository.views import PgViews

SOURCE = "casefile"


class CasefileUow(Transaction, Protocol):
    """What casefile's handlers rely on: its repositories and `emit` (an event reaches the
    outbox only if the unit of work commits)."""

    @property
    def cases(self) -> p.Cases: ...
    @property
    def persons(self) -> p.Persons: ...
    @property
    def history(self) -> p.History: ...
    @property
    def timeline(self) -> p.Timeline: ...
    @property
    def deadlines(self) -> p.Deadlines: ...
    @property
    def efforts(self) -> p.Efforts: ...
    @property
    def audit(self) -> p.Audit: ...
    @property
    def views(self) -> p.Views: ...
    @property
    def case_events(self) -> p.CaseEvents: ...

    def emit(
        self,
        payload: EventPayload,
        *,
        subject: str | UUID,
        caused_by: Envelope | None = None,
        time: datetime | None = None,
    ) -> Envelope: ...


class _PgRepositories:
    """Casefile's PostgreSQL repositories over one connection (set when a transaction opens)."""

    cases: PgCases
    persons: PgPersons
    history: PgHistory
    timeline: PgTimeline
    deadlines: PgDeadlines
    efforts: PgEfforts
    audit: PgAudit
    views: PgViews
    case_events: PgCaseEvents

    def _bind(self, conn: Connection) -> None:
        self.cases = PgCases(conn)
        self.persons = PgPersons(conn)
        self.history = PgHistory(conn)
        self.timeline = PgTimeline(conn)
        self.deadlines = PgDeadlines(conn)
        self.efforts = PgEfforts(conn)
        self.audit = PgAudit(conn)
        self.views = PgViews(conn)
        self.case_events = PgCaseEvents(conn)


class CasefileUnitOfWork(_PgRepositories, UnitOfWork):
    """The runtime's unit of work (`hub_runtime.unit_of_work.UnitOfWork`) with casefile's
    repositories on its connection, usable once ``async with`` opened it."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool, source=SOURCE)

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self._bind(self.conn)
        return self


class InConsumerTransaction(_PgRepositories):
    """Casefile's repositories inside a transaction the runtime's consumer owns: it claimed
    the inbox row and commits after the handler, so this one never opens or commits."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._bind(uow.conn)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        """Never called by a handler; the consumer commits its own transaction."""
        raise RuntimeError("the consumer commits this transaction, not a handler")

    def emit(
        self,
        payload: EventPayload,
        *,
        subject: str | UUID,
        caused_by: Envelope | None = None,
        time: datetime | None = None,
    ) -> Envelope:
        """`UnitOfWork.emit` of the consumer's transaction."""
        return self._uow.emit(payload, subject=subject, caused_by=caused_by, time=time)


def bound_event_handlers(routes: Routes[Any, Any], deps: Any) -> dict[str, EventHandler]:
    """``routes.events`` as the runtime's consumer calls them (``ServiceDefinition.handlers``):
    `hub_runtime.bus.bind_events`, each given casefile's repositories on the consumer's
    transaction. (The runtime's consumer opens a plain `UnitOfWork`; once a definition can name
    its unit of work, this adapter goes.)"""

    def adapted(handler: Callable[[Any, Envelope, Any], Any]) -> EventHandler:
        async def handle(uow: UnitOfWork, envelope: Envelope, payload: Any) -> None:
            await handler(InConsumerTransaction(uow), envelope, payload)

        handle.__name__ = getattr(handler, "__name__", "handle")
        return handle

    return {event_type: adapted(h) for event_type, h in bind_events(routes, deps).items()}
