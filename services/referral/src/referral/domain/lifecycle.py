"""The referral lifecycle: which status may follow which, and who may cause it.

requested -> approved | refused (awaiting_review in between for minors and vulnerable persons)
approved -> delivered -> accepted | declined -> in_progress -> completed
any open status -> withdrawn (consent withdrawn, person erased)
approved | delivered -> expired (no answer from the partner in time)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from hub_contracts import PartnerReportedStatus

from referral.domain.model import Referral, Status

TERMINAL: frozenset[Status] = frozenset(
    {Status.REFUSED, Status.DECLINED, Status.COMPLETED, Status.WITHDRAWN, Status.EXPIRED}
)
OPEN: frozenset[Status] = frozenset(Status) - TERMINAL
"""Statuses in which something may still flow to the partner (withdrawal must stop them)."""

WAITING_FOR_PARTNER: frozenset[Status] = frozenset({Status.APPROVED, Status.DELIVERED})
"""Statuses in which the partner has not answered yet (the expiry worker watches these)."""

ALLOWED: dict[Status, frozenset[Status]] = {
    Status.REQUESTED: frozenset(
        {Status.APPROVED, Status.REFUSED, Status.AWAITING_REVIEW, Status.WITHDRAWN}
    ),
    Status.AWAITING_REVIEW: frozenset({Status.APPROVED, Status.REFUSED, Status.WITHDRAWN}),
    Status.APPROVED: frozenset({Status.DELIVERED, Status.WITHDRAWN, Status.EXPIRED}),
    Status.DELIVERED: frozenset(
        {Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN, Status.EXPIRED}
    ),
    Status.ACCEPTED: frozenset({Status.IN_PROGRESS, Status.WITHDRAWN}),
    Status.IN_PROGRESS: frozenset({Status.COMPLETED, Status.WITHDRAWN}),
    **{status: frozenset() for status in TERMINAL},
}


def can_move(current: Status, target: Status) -> bool:
    return target in ALLOWED[current]


class Verdict(StrEnum):
    APPLY = "apply"  # the steps change the referral
    IGNORE = "ignore"  # harmless: a repeat, or a late answer after we closed the referral
    REJECT = "reject"  # impossible: out of order, or not this partner's referral


@dataclass(frozen=True)
class PartnerStep:
    """The outcome of a partner's report: the status steps to take, or why none."""

    verdict: Verdict
    steps: tuple[Status, ...] = ()
    why: str = ""


_REPORTED: dict[PartnerReportedStatus, Status] = {
    PartnerReportedStatus.ACCEPTED: Status.ACCEPTED,
    PartnerReportedStatus.DECLINED: Status.DECLINED,
    PartnerReportedStatus.IN_PROGRESS: Status.IN_PROGRESS,
    PartnerReportedStatus.COMPLETED: Status.COMPLETED,
}


def on_delivered(referral: Referral, partner_id: UUID) -> PartnerStep:
    """The gateway delivered the notification to the partner."""
    if partner_id != referral.partner_id:
        return PartnerStep(Verdict.REJECT, why="the delivery names another partner")
    if referral.status is Status.APPROVED:
        return PartnerStep(Verdict.APPLY, (Status.DELIVERED,))
    if referral.status in _NEVER_APPROVED:
        return PartnerStep(
            Verdict.REJECT, why=f"a delivery for a referral that is {referral.status.value}"
        )
    # A retry's second success, an answer that overtook the delivery record, or a referral we
    # closed meanwhile: nothing to change.
    return PartnerStep(Verdict.IGNORE, why=f"already {referral.status.value}")


_NEVER_APPROVED = frozenset({Status.REQUESTED, Status.AWAITING_REVIEW, Status.REFUSED})


def on_partner_status(
    referral: Referral, partner_id: UUID, reported: PartnerReportedStatus
) -> PartnerStep:
    """A partner's status report, checked against the lifecycle."""
    if partner_id != referral.partner_id:
        return PartnerStep(Verdict.REJECT, why="the report names another partner")
    target = _REPORTED.get(reported)
    if target is None:
        # departed / arrived / milestones are monitoring facts, not referral statuses.
        return PartnerStep(Verdict.IGNORE, why=f"{reported.value} does not change the status")
    current = referral.status
    if current is target:
        return PartnerStep(Verdict.IGNORE, why=f"already {current.value}")
    if current in (Status.WITHDRAWN, Status.EXPIRED):
        # We closed it; the partner's late answer must change nothing.
        return PartnerStep(Verdict.IGNORE, why=f"a late {reported.value} after {current.value}")
    if can_move(current, target):
        return PartnerStep(Verdict.APPLY, (target,))
    if current is Status.APPROVED and can_move(Status.DELIVERED, target):
        # The partner can only answer what reached it: the delivery is implied.
        return PartnerStep(Verdict.APPLY, (Status.DELIVERED, target))
    return PartnerStep(Verdict.REJECT, why=f"{reported.value} cannot follow {current.value}")


def withdrawn_by_consent(referrals: list[Referral], consent_id: UUID) -> list[Referral]:
    """The referrals a withdrawal of ``consent_id`` must close: every open one under it."""
    return [r for r in referrals if r.consent_id == consent_id and r.status in OPEN]
