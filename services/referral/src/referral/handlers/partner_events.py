"""Events from the partner gateway (``partner.events.v1``): deliveries, partners' status
reports (v1 and v2), disclosures. Each runs inside the consumer's unit of work; an impossible
transition or an unknown referral is dead-lettered (`PermanentEventError`), a late or repeated
answer changes nothing (logged)."""

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
from hub_runtime.bus import Event
from hub_runtime.errors import PermanentEventError

from referral.deps import Deps
from referral.domain import lifecycle
from referral.domain.lifecycle import PartnerStep, Verdict
from referral.domain.model import Referral, Status
from referral.repository import Disclosure
from referral.steps import Reason, move
from referral.unit_of_work import ReferralUnitOfWork

log = logging.getLogger(__name__)


async def on_referral_delivered(
    event: Event[ReferralDelivered], uow: ReferralUnitOfWork, deps: Deps
) -> None:
    """The gateway delivered the referral to the partner: approved -> delivered."""
    delivered = event.payload
    referral = await _referral_for_event(uow, delivered.referral_id, delivered.case_id)
    step = lifecycle.on_delivered(referral, delivered.partner_id)
    await _apply_partner_step(uow, event.envelope, referral, step, None)


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
    event: Event[PartnerStatusReported | PartnerStatusReportedV2],
    uow: ReferralUnitOfWork,
    deps: Deps,
) -> None:
    """A partner's report, either version (v1 records may still be in the topic)."""
    envelope, report = event.envelope, event.payload
    referral = await _referral_for_event(uow, report.referral_id, report.case_id)
    step = lifecycle.on_partner_status(referral, report.partner_id, report.status)
    reason: Reason | None = (
        decline_reason(report.reason_code)
        if isinstance(report, PartnerStatusReported)
        else report.reason_code
    )
    if reason is None and step.steps and step.steps[-1] is Status.DECLINED:
        reason = StatusReason.DECLINED_BY_PARTNER
    await _apply_partner_step(uow, envelope, referral, step, reason)


async def on_disclosure_made(
    event: Event[DisclosureMade], uow: ReferralUnitOfWork, deps: Deps
) -> None:
    """Log a disclosure to a partner (the person's right to know the recipients, GDPR art.
    15(1)(c)); once per event id."""
    made = event.payload
    await uow.disclosures.add(
        Disclosure(
            event_id=event.envelope.id,
            case_id=made.case_id,
            referral_id=made.referral_id,
            partner_id=made.partner_id,
            consent_id=made.consent_id,
            data_categories=[c.value for c in made.data_categories],
            legal_basis=made.legal_basis,
            disclosed_at=event.envelope.time,
        )
    )


async def _referral_for_event(
    uow: ReferralUnitOfWork, referral_id: UUID, case_id: UUID
) -> Referral:
    await uow.cases.lock(case_id)
    referral = await uow.referrals.get(referral_id, for_update=True)
    if referral is None or referral.case_id != case_id:
        raise PermanentEventError("a partner event for a referral of this case that is unknown")
    return referral


async def _apply_partner_step(
    uow: ReferralUnitOfWork,
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
