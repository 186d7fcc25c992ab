"""One lifecycle step of a referral, checked, recorded and published: the only place that moves
a referral's status (handlers, the re-evaluation and the workers all come through here)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from hub_contracts import DeclineReason, Envelope, ReferralStatusChangedV2, StatusReason

from referral.domain import lifecycle
from referral.domain.model import Referral, Status, public_status
from referral.unit_of_work import ReferralUnitOfWork

Reason = StatusReason | DeclineReason
"""Why a referral moved: the council's reason, or the partner's decline reason (closed codes)."""


async def move(
    uow: ReferralUnitOfWork,
    referral: Referral,
    target: Status,
    at: datetime,
    reason_code: Reason | None = None,
    *,
    reasons: list[str] | None = None,
    consent_id: UUID | None = None,
    caused_by: Envelope | None = None,
    announce: bool = True,
) -> bool:
    """Move ``referral`` from the status it was read with to ``target``; False when somebody
    moved it first (nothing recorded then). Unless ``announce`` is False (the caller publishes
    its own event) the change goes out as ``ReferralStatusChanged.v2``. Moving to ``suspended``
    remembers the status it had; leaving it forgets it.

    Raises RuntimeError on a transition the lifecycle forbids (a bug, never input).
    """
    if not lifecycle.can_move(referral.status, target):
        raise RuntimeError(f"illegal transition {referral.status} -> {target}")
    moved = await uow.referrals.set_status(
        referral,
        target,
        at,
        reason_code=None if reason_code is None else reason_code.value,
        reasons=reasons,
        consent_id=consent_id,
    )
    if moved and announce:
        uow.emit(
            ReferralStatusChangedV2(
                case_id=referral.case_id,
                referral_id=referral.referral_id,
                partner_id=referral.partner_id,
                from_status=public_status(referral.status),
                to_status=public_status(target),
                reason_code=reason_code,
            ),
            subject=referral.case_id,
            caused_by=caused_by,
        )
    return moved
