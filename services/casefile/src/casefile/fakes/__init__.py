"""In-memory repositories and unit of work for unit tests of casefile's handlers (no stack).

`FakeUnitOfWork` fits `casefile.unit_of_work.CasefileUow`: the same repositories as
PostgreSQL over one `CasefileState`, rolled back when a handler raises
(`hub_runtime.fakes.InMemoryUnitOfWork`). ``tests/unit/test_repository_contract.py`` runs one
suite on these and on PostgreSQL. Not modelled: row locks and ``SKIP LOCKED`` (one process),
the case-row lock of the NFC claim, VACUUM, and what the outbox relay publishes (every
committed event counts as published).
"""

from dataclasses import dataclass, field

from hub_contracts.envelope import Envelope
from hub_runtime.bus import MessageBus
from hub_runtime.fakes import InMemoryUnitOfWork

from casefile.deps import Deps
from casefile.fakes.repositories import (
    CasefileState,
    FakeCases,
    FakeDeadlines,
    FakeEfforts,
    FakeHistory,
    FakePersons,
    FakeTimeline,
)
from casefile.fakes.views import FakeAudit, FakeCaseEvents, FakeViews
from casefile.routes import ROUTES
from casefile.unit_of_work import CasefileUow


class FakeUnitOfWork(InMemoryUnitOfWork[CasefileState]):
    """`CasefileUow` in memory: ``outbox`` lists every committed event (`Envelope`)."""

    def __init__(self, state: CasefileState, outbox: list[Envelope]) -> None:
        super().__init__(state, outbox, source="casefile")
        self.cases = FakeCases(state)
        self.persons = FakePersons(state)
        self.history = FakeHistory(state)
        self.timeline = FakeTimeline(state)
        self.deadlines = FakeDeadlines(state)
        self.efforts = FakeEfforts(state)
        self.audit = FakeAudit(state)
        self.views = FakeViews(state)
        self.case_events = FakeCaseEvents(state, outbox)


@dataclass
class FakeCasefile:
    """A fake database (``state``), its committed events (``outbox``) and a bus over them."""

    deps: Deps
    state: CasefileState = field(default_factory=CasefileState)
    outbox: list[Envelope] = field(default_factory=list)

    def unit_of_work(self) -> FakeUnitOfWork:
        """A new unit of work on this fake database."""
        return FakeUnitOfWork(self.state, self.outbox)

    def bus(self) -> MessageBus[CasefileUow, Deps]:
        """Casefile's route table on this fake database (as `casefile.bus.message_bus`)."""
        return MessageBus(ROUTES, self.unit_of_work, self.deps)
