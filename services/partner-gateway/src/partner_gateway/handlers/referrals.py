"""An approved referral reaches the gateway: stored, and announced to its partner."""

from __future__ import annotations

from hub_contracts import PartnerType, ReferralApproved, ReferralStatus
from hub_runtime.bus import Event
from hub_runtime.errors import PermanentEventError

from partner_gateway.deps import Deps
from partner_gateway.domain import notifications as notes
from partner_gateway.domain.model import Referral
from partner_gateway.domain.policy import is_origin_authority
from partner_gateway.outbound import notify
from partner_gateway.unit_of_work import GatewayUnitOfWork


async def on_referral_approved(
    event: Event[ReferralApproved], uow: GatewayUnitOfWork, deps: Deps
) -> None:
    """Store the referral and put a ``referral.ready`` in its partner's inbox (and webhook
    queue). Raises `PermanentEventError` (dead letter) for an origin-country authority, now or
    ever: never stored, never notified, and people see that the policy let it through.

    A withdrawal or erasure (another topic) may overtake the approval: the referral is then
    stored as withdrawn and announced to nobody; a replay (new envelope id) changes nothing.
    """
    payload = event.payload
    partner = await uow.partners.get(payload.partner_id)
    if payload.partner_type is PartnerType.AUTHORITY_ORIGIN or is_origin_authority(partner):
        raise PermanentEventError("referral approved for an origin-country authority: refused")
    referral = Referral(
        referral_id=payload.referral_id,
        case_id=payload.case_id,
        partner_id=payload.partner_id,
        partner_type=payload.partner_type,
        purpose=payload.purpose,
        data_categories=tuple(payload.data_categories),
        consent_id=payload.consent_id,
    )
    closed = await _stopped_before_approval(uow, referral)
    status = ReferralStatus.WITHDRAWN if closed else ReferralStatus.APPROVED
    if not await uow.referrals.add(referral, status) or closed:
        return
    data: dict[str, str | list[str]] = {
        "referral_id": str(referral.referral_id),
        "purpose": str(referral.purpose),
    }
    await notify(
        uow,
        referral.partner_id,
        referral.case_id,
        notes.NotificationKind.REFERRAL_READY,
        data,
        referral_id=referral.referral_id,
    )


async def _stopped_before_approval(uow: GatewayUnitOfWork, referral: Referral) -> bool:
    if await uow.consents.is_withdrawn(referral.consent_id):
        return True
    case = await uow.cases.view(referral.case_id)
    return case.erased or case.closed
