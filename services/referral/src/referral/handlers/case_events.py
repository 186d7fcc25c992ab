"""Events from the case file (``casefile.events.v1``): referral's view of the case, and the
re-evaluation of the case's open referrals when a privacy input changes (stage, closure,
erasure). Each runs inside the consumer's unit of work (inbox row, change and events commit
together); an event about a case the view never saw opened is dead-lettered
(`PermanentEventError`), except an erasure, which shreds the key anyway."""

from __future__ import annotations

import logging

from hub_contracts import (
    CaseClosed,
    CaseOpened,
    DecisionRecorded,
    PersonErased,
    ProcedureStageChanged,
)
from hub_runtime.bus import Event
from hub_runtime.errors import PermanentEventError

from referral.deps import Deps
from referral.domain.model import CaseView
from referral.reevaluation import reevaluate_open_referrals
from referral.unit_of_work import ReferralUnitOfWork

log = logging.getLogger(__name__)

OPENED_TWICE = "case opened twice; kept the first"
DECIDED_UNOPENED = "a decision for a case this view never saw opened"


def case_of(opened: CaseOpened) -> CaseView:
    """The view's row of a newly opened case (coarse facts only, no decision yet)."""
    return CaseView(
        case_id=opened.case_id,
        stage=opened.stage,
        has_minors=opened.has_minors,
        vulnerabilities=frozenset(opened.vulnerabilities),
        decision=None,
        erased=False,
    )


async def on_case_opened(event: Event[CaseOpened], uow: ReferralUnitOfWork, deps: Deps) -> None:
    """Add the case to the view (coarse facts only); a second opening keeps the first."""
    if not await uow.cases.add(case_of(event.payload)):
        log.warning(OPENED_TWICE, extra={"case_id": event.payload.case_id})


async def on_stage_changed(
    event: Event[ProcedureStageChanged], uow: ReferralUnitOfWork, deps: Deps
) -> None:
    """The stage decides protection first: suspend, resume or withdraw open referrals."""
    changed = event.payload
    await uow.cases.lock(changed.case_id)
    if not await uow.cases.set_stage(changed.case_id, changed.to_stage):
        raise PermanentEventError("a stage change for a case this view never saw opened")
    await reevaluate_open_referrals(uow, changed.case_id, deps.clock, caused_by=event.envelope)


async def on_decision_recorded(
    event: Event[DecisionRecorded], uow: ReferralUnitOfWork, deps: Deps
) -> None:
    """Remember the person's decision (a rule of new requests only)."""
    # An approved referral stays approved when the person reconsiders (they withdraw the
    # consent to stop it).
    recorded = event.payload
    if not await uow.cases.set_decision(recorded.case_id, recorded.decision):
        raise PermanentEventError(DECIDED_UNOPENED)


async def on_case_closed(event: Event[CaseClosed], uow: ReferralUnitOfWork, deps: Deps) -> None:
    """A closed case withdraws its open referrals (suspended ones too) and takes nothing new."""
    closed = event.payload
    await uow.cases.lock(closed.case_id)
    if not await uow.cases.mark_closed(closed.case_id, closed.closed_on):
        raise PermanentEventError("a closure of a case this view never saw opened")
    await reevaluate_open_referrals(uow, closed.case_id, deps.clock, caused_by=event.envelope)


async def on_person_erased(event: Event[PersonErased], uow: ReferralUnitOfWork, deps: Deps) -> None:
    """Forget the vulnerabilities, withdraw every open referral; nothing new after.

    The case's key is shredded first, whether or not the view knows the case: the review
    reasons and evidence references sealed under it can never be read again (GDPR art. 17).
    """
    erased = event.payload
    await uow.cases.lock(erased.case_id)
    await deps.vault.shred(uow.case_keys, erased.case_id, erased.erased_at)
    if not await uow.cases.mark_erased(erased.case_id, erased.erased_at):
        log.info("erasure of a case this view never saw", extra={"case_id": erased.case_id})
        return
    await reevaluate_open_referrals(
        uow, erased.case_id, deps.clock, at=erased.erased_at, caused_by=event.envelope
    )
