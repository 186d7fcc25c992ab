"""Casefile's unit of work: one transaction with its repositories, the outbox and (for events)
the inbox row.

Handlers are typed against the `CasefileUow` Protocol and use its repositories
(``uow.cases``, ``uow.history``, ...), never a connection; they never commit. Two classes
fit it:
- `CasefileUnitOfWork`: PostgreSQL, opened and committed by the message bus (HTTP, workers) and
  by the runtime's consumer (the service definition names it);
- `casefile.fakes.FakeUnitOfWork`: in memory, for unit tests.
"""

from datetime import datetime
from typing import Protocol, Self
from uuid import UUID

import asyncpg
from hub_contracts import EventPayload
from hub_contracts.envelope import Envelope
from hub_runtime.bus import Transaction
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

    def __init__(
        self, pool: asyncpg.Pool, *, source: str = SOURCE, read_only: bool = False
    ) -> None:
        super().__init__(pool, source=source, read_only=read_only)

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self._bind(self.conn)
        return self
