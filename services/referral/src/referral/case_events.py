"""Events from the case file (``casefile.events.v1``): referral's view of the case, and the
re-evaluation of the case's open referrals when a privacy input changes (stage, closure,
erasure). Each runs inside the consumer's unit of work (inbox row, change and events commit
together)."""

from __future__ import annotations

import logging

from hub_contracts import (
    CaseClosed,
    CaseOpened,
    DecisionRecorded,
    Envelope,
    PersonErased,
    ProcedureStageChanged,
)
from hub_runtime.errors import PermanentEventError

from referral import repository as repo
from referral import vault_repository
from referral.clock import Clock
from referral.domain.model import CaseView
from referral.reevaluation import reevaluate_open_referrals
from referral.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class CaseEvents:
    """The handlers, with the service's clock (today decides consent and agreement validity)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def on_case_opened(self, uow: UnitOfWork, envelope: Envelope, event: CaseOpened) -> None:
        case = CaseView(
            case_id=event.case_id,
            stage=event.stage,
            has_minors=event.has_minors,
            vulnerabilities=frozenset(event.vulnerabilities),
            decision=None,
            erased=False,
        )
        if not await repo.insert_case(uow.conn, case):
            log.warning("case opened twice; kept the first", extra={"case_id": event.case_id})

    async def on_stage_changed(
        self, uow: UnitOfWork, envelope: Envelope, event: ProcedureStageChanged
    ) -> None:
        """The stage decides protection first: suspend, resume or withdraw open referrals."""
        await repo.lock_case(uow.conn, event.case_id)
        if not await repo.set_stage(uow.conn, event.case_id, event.to_stage):
            raise PermanentEventError("a stage change for a case this view never saw opened")
        await reevaluate_open_referrals(uow, event.case_id, self.clock, caused_by=envelope)

    async def on_decision_recorded(
        self, uow: UnitOfWork, envelope: Envelope, event: DecisionRecorded
    ) -> None:
        # The decision is a rule of new requests only: an approved referral stays approved when
        # the person reconsiders (they withdraw the consent to stop it).
        if not await repo.set_decision(uow.conn, event.case_id, event.decision):
            raise PermanentEventError("a decision for a case this view never saw opened")

    async def on_case_closed(self, uow: UnitOfWork, envelope: Envelope, event: CaseClosed) -> None:
        """A closed case withdraws its open referrals (suspended ones too) and takes nothing new."""
        await repo.lock_case(uow.conn, event.case_id)
        if not await repo.mark_closed(uow.conn, event.case_id, event.closed_on):
            raise PermanentEventError("a closure of a case this view never saw opened")
        await reevaluate_open_referrals(uow, event.case_id, self.clock, caused_by=envelope)

    async def on_person_erased(
        self, uow: UnitOfWork, envelope: Envelope, event: PersonErased
    ) -> None:
        """Forget the vulnerabilities, withdraw every open referral; nothing new after.

        The case's key is shredded first, whether or not the view knows the case: the review
        reasons and evidence references sealed under it can never be read again (GDPR art. 17).
        """
        await repo.lock_case(uow.conn, event.case_id)
        await vault_repository.shred_case_key(uow.conn, event.case_id, event.erased_at)
        if not await repo.mark_erased(uow.conn, event.case_id, event.erased_at):
            log.info("erasure of a case this view never saw", extra={"case_id": event.case_id})
            return
        await reevaluate_open_referrals(
            uow, event.case_id, self.clock, at=event.erased_at, caused_by=envelope
        )
