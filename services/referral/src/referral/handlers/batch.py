"""The consumer's fast path: a poll batch of events in one call, with set-based writes (issue 16).

Its effect is that of the event routes applied one after the other, which the consumer's slow
path still does for a record alone; ``tests/integration/test_batches_match_one_by_one.py``
compares the two on PostgreSQL. Only the two frequent events that change nothing but the case
view are gathered: CaseOpened (a new row; a second opening keeps the first) and
DecisionRecorded (the decision column; a rule of new requests only, re-evaluating nothing).
Every other event goes through its own route, in its turn, after the run so far is written:
a stage change, a closure or an erasure re-evaluates the case's open referrals under the
privacy rules, and a partner's event moves a referral; those read what earlier events wrote.

A `Run` holds openings and decisions (the last one per case: one row cannot take two values
in one statement, and the last is what one event at a time leaves). Within a run the
openings are written first, then the decisions, which is what one event at a time gives as
long as no decision precedes an opening of the same case (then the decision would find the
case, where alone it would not): such an opening first writes the run so far (the loop is
`hub_runtime.batches`).
"""

import logging
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from hub_contracts import CaseOpened, Decision, DecisionRecorded
from hub_runtime.batches import Gathered
from hub_runtime.bus import Event
from hub_runtime.errors import PermanentEventError

from referral.deps import Deps
from referral.domain.model import CaseView
from referral.handlers.case_events import DECIDED_UNOPENED, OPENED_TWICE, case_of
from referral.unit_of_work import ReferralUnitOfWork

log = logging.getLogger(__name__)


@dataclass
class Run:
    """Openings (in event order) and decisions (one per case) of consecutive events."""

    opened: list[CaseView] = field(default_factory=list)
    decided: dict[UUID, Decision] = field(default_factory=dict)  # a later decision replaces

    def gather(self, event: Event[Any], deps: Deps) -> Gathered:
        """Add an opening or a decision. An opening of a case decided earlier in the run waits
        for the next run (alone it would come before that decision, which would then find no
        case); every other event goes through its own route."""
        payload, event_type = event.payload, event.envelope.type
        if event_type == CaseOpened.event_type and isinstance(payload, CaseOpened):
            if payload.case_id in self.decided:
                return Gathered.NEXT_RUN
            self.opened.append(case_of(payload))
            return Gathered.JOINED
        if event_type == DecisionRecorded.event_type and isinstance(payload, DecisionRecorded):
            self.decided[payload.case_id] = payload.decision  # a later decision replaces
            return Gathered.JOINED
        return Gathered.OWN_ROUTE

    async def write(self, uow: ReferralUnitOfWork, deps: Deps) -> None:
        """Openings, then decisions, one statement each. Raises `PermanentEventError` when a
        decision names a case the view does not know (the consumer then retries the records
        alone, and that one is dead-lettered as its route would have it)."""
        added = await uow.cases.add_many(self.opened)
        for case, new in zip(self.opened, added, strict=True):
            if not new:
                log.warning(OPENED_TWICE, extra={"case_id": case.case_id})
        known = await uow.cases.set_decisions(self.decided)
        if known != set(self.decided):
            raise PermanentEventError(DECIDED_UNOPENED)
