"""The consumer's fast path: a poll batch of events in one call, with set-based writes (issue 16).

Its effect is that of the event routes (`casefile.handlers.events`) applied one after the other,
which the consumer's slow path still does for a record alone; the integration test
``test_batches_match_one_by_one`` compares the two on PostgreSQL. Every event casefile consumes
only writes rows from its own payload (a consent or partner in the views, a timeline entry):
nothing is read, and no privacy rule is judged on the way in (the disclosure endpoint judges,
on the views, when asked). Consecutive events whose type `GATHER` knows join one `Run`: its
consent changes and partners keep their order (a grant and a withdrawal of one consent do not
commute), its timeline entries keep theirs (ties in time are ordered by insertion). An event of
a type `GATHER` does not know first writes the run so far, then goes through its own route
(the loop is `hub_runtime.batches`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hub_contracts import ConsentGranted, ConsentWithdrawn, PartnerRegistered
from hub_contracts.privacy import PartnerFacts
from hub_runtime.batches import Gathered
from hub_runtime.bus import Event

from casefile.deps import Deps
from casefile.handlers import events as ev
from casefile.repository.timeline import TimelineEntry
from casefile.repository.views import ConsentChange
from casefile.unit_of_work import CasefileUow


@dataclass
class Run:
    """The rows of consecutive events, in event order, written together by `write`."""

    consents: list[ConsentChange] = field(default_factory=list)
    partners: list[PartnerFacts] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)

    def gather(self, event: Event[Any], deps: Deps) -> Gathered:
        """Add ``event``'s rows if `GATHER` knows its type; else it goes through its route."""
        gather = GATHER.get(event.envelope.type)
        if gather is None:
            return Gathered.OWN_ROUTE
        gather(event, self)
        return Gathered.JOINED

    async def write(self, uow: CasefileUow, deps: Deps) -> None:
        """One round trip per table (per run of grants or withdrawals for consents); the
        tables are independent of each other, so only the order within each is kept."""
        await uow.views.change_consents(self.consents)
        await uow.views.upsert_partners(self.partners)
        await uow.timeline.add_many(self.timeline)


def _timeline(event: Event[Any], run: Run) -> None:
    run.timeline.append(ev.timeline_entry(event.envelope, event.payload))


def _granted(event: Event[ConsentGranted], run: Run) -> None:
    run.consents.append(ev.consent_of(event.payload))
    _timeline(event, run)


def _withdrawn(event: Event[ConsentWithdrawn], run: Run) -> None:
    run.consents.append(ev.withdrawal_of(event.payload))
    _timeline(event, run)


def _partner(event: Event[PartnerRegistered], run: Run) -> None:
    run.partners.append(ev.partner_of(event.payload))


Gather = Callable[[Event[Any], Run], None]

GATHER: dict[str, Gather] = {
    ConsentGranted.event_type: _granted,
    ConsentWithdrawn.event_type: _withdrawn,
    PartnerRegistered.event_type: _partner,
    **dict.fromkeys(ev.TIMELINE_EVENTS, _timeline),
}
"""Event types whose effect a `Run` holds, each with the rows its route writes."""
