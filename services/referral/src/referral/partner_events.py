"""Events from the partner gateway (``partner.events.v1``): deliveries, partners' status
reports (v1 and v2), disclosures. Each runs inside the consumer's unit of work."""

from __future__ import annotations

import logging
from dataclasses import replace
from uuid import UUID

from hub_contracts import (
    DeclineReason,
    DisclosureMade,
    Envelope,
    PartnerStatusReported,
    PartnerStatusReportedV2,
    ReferralDelivered,
    StatusReason,
)
from hub_runtime.errors import PermanentEventError

from referral import repository as repo
from referral.domain import lifecycle
from referral.domain.lifecycle import PartnerStep, Verdict
from referral.domain.model import Referral, Status
from referral.steps import Reason, move
from referral.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


async def on_referral_delivered(
    uow: UnitOfWork, envelope: Envelope, event: ReferralDelivered
) -> None:
    referral = await _referral_for_event(uow, event.referral_id, event.case_id)
    step = lifecycle.on_delivered(referral, event.partner_id)
    await _apply_partner_step(uow, envelope, referral, step, None)


def decline_reason(code: str | None) -> DeclineReason | None:
    """A v1 report's open ``reason_code`` as a closed :class:`DeclineReason`: itself when it is
    one, else ``other``. An unknown string is never carried on (it could name the person)."""
    if code is None:
        return None
    try:
        return DeclineReason(code)
    except ValueError:
        return DeclineReason.OTHER


async def on_partner_status(
    uow: UnitOfWork, envelope: Envelope, event: PartnerStatusReported | PartnerStatusReportedV2
) -> None:
    """A partner's report, either version (v1 records may still be in the topic)."""
    referral = await _referral_for_event(uow, event.referral_id, event.case_id)
    step = lifecycle.on_partner_status(referral, event.partner_id, event.status)
    reason: Reason | None = (
        decline_reason(event.reason_code)
        if isinstance(event, PartnerStatusReported)
        else event.reason_code
    )
    if reason is None and step.steps and step.steps[-1] is Status.DECLINED:
        reason = StatusReason.DECLINED_BY_PARTNER
    await _apply_partner_step(uow, envelope, referral, step, reason)


async def on_disclosure_made(uow: UnitOfWork, envelope: Envelope, event: DisclosureMade) -> None:
    await repo.insert_disclosure(
        uow.conn,
        event_id=envelope.id,
        case_id=event.case_id,
        referral_id=event.referral_id,
        partner_id=event.partner_id,
        consent_id=event.consent_id,
        data_categories=[c.value for c in event.data_categories],
        legal_basis=event.legal_basis,
        disclosed_at=envelope.time,
    )


async def _referral_for_event(uow: UnitOfWork, referral_id: UUID, case_id: UUID) -> Referral:
    await repo.lock_case(uow.conn, case_id)
    referral = await repo.get_referral(uow.conn, referral_id, for_update=True)
    if referral is None or referral.case_id != case_id:
        raise PermanentEventError("a partner event for a referral of this case that is unknown")
    return referral


async def _apply_partner_step(
    uow: UnitOfWork,
    envelope: Envelope,
    referral: Referral,
    step: PartnerStep,
    final_reason: Reason | None,
) -> None:
    if step.verdict is Verdict.REJECT:
        raise PermanentEventError(f"impossible referral transition: {step.why}")
    if step.verdict is Verdict.IGNORE:
        log.info(
            f"partner event changes nothing: {step.why}",
            extra={"referral_id": referral.referral_id, "event_id": envelope.id},
        )
        return
    current = referral
    for index, target in enumerate(step.steps):
        last = index == len(step.steps) - 1
        reason = final_reason if last else StatusReason.IMPLIED_BY_PARTNER_ANSWER
        await move(uow, current, target, envelope.time, reason, caused_by=envelope)
        current = replace(current, status=target)
