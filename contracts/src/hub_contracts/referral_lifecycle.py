"""Which referral status may follow which, and what a partner's status report does to it.

Written once for both services that apply it: referral, which owns the lifecycle, and the
partner gateway, which refuses an impossible report at once (409) instead of answering 202 and
letting referral dead-letter it later. Pure: the contract's vocabulary in, verdicts out.

requested -> approved | refused
approved -> delivered -> accepted | declined;  accepted -> in_progress -> completed
any open status -> withdrawn (consent withdrawn, person erased)
approved | delivered -> expired (no answer from the partner in time)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from hub_contracts.vocabulary import PartnerReportedStatus, ReferralStatus

_S = ReferralStatus

# A referral that may be suspended (protection first) returns to the status it had: suspended
# may be followed by any status it could have been suspended from.
_SUSPENDABLE = frozenset({_S.APPROVED, _S.DELIVERED, _S.ACCEPTED, _S.IN_PROGRESS})

NEXT: Mapping[ReferralStatus, frozenset[ReferralStatus]] = {
    _S.REQUESTED: frozenset({_S.APPROVED, _S.REFUSED, _S.WITHDRAWN}),
    _S.APPROVED: frozenset({_S.DELIVERED, _S.WITHDRAWN, _S.EXPIRED, _S.SUSPENDED}),
    _S.DELIVERED: frozenset({_S.ACCEPTED, _S.DECLINED, _S.WITHDRAWN, _S.EXPIRED, _S.SUSPENDED}),
    _S.ACCEPTED: frozenset({_S.IN_PROGRESS, _S.WITHDRAWN, _S.SUSPENDED}),
    _S.IN_PROGRESS: frozenset({_S.COMPLETED, _S.WITHDRAWN, _S.SUSPENDED}),
    _S.SUSPENDED: _SUSPENDABLE | {_S.WITHDRAWN},
    _S.REFUSED: frozenset(),
    _S.DECLINED: frozenset(),
    _S.COMPLETED: frozenset(),
    _S.WITHDRAWN: frozenset(),
    _S.EXPIRED: frozenset(),
}
"""Every status and the statuses that may directly follow it (terminal ones: none)."""

CLOSED_BY_COUNCIL: frozenset[ReferralStatus] = frozenset({_S.WITHDRAWN, _S.EXPIRED})
"""Closed on the council's side: a partner's answer after that is late, not impossible."""

REPORTED_AS: Mapping[PartnerReportedStatus, ReferralStatus] = {
    PartnerReportedStatus.ACCEPTED: _S.ACCEPTED,
    PartnerReportedStatus.DECLINED: _S.DECLINED,
    PartnerReportedStatus.IN_PROGRESS: _S.IN_PROGRESS,
    PartnerReportedStatus.COMPLETED: _S.COMPLETED,
}
"""The reports that are referral statuses; departed, arrived and milestones are monitoring facts."""


def can_follow(current: ReferralStatus, target: ReferralStatus) -> bool:
    """True when ``target`` may directly follow ``current`` in :data:`NEXT` (same status: False).

    Raises ``KeyError`` only for a value that is not a ``ReferralStatus``: every status has an
    entry."""
    return target in NEXT[current]


class ReportVerdict(StrEnum):
    """What :func:`judge_report` makes of a partner's report.

    ``apply``: the outcome's steps change the referral; ``ignore``: harmless (a repeat, a monitoring
    fact, an answer after the council closed the referral), answered without a change; ``reject``:
    impossible in the lifecycle (the gateway answers 409, referral dead-letters it)."""

    APPLY = "apply"  # the steps change the referral
    IGNORE = "ignore"  # harmless: a repeat, a monitoring fact, or a late answer after we closed it
    REJECT = "reject"  # impossible: out of order


@dataclass(frozen=True)
class ReportOutcome:
    """What a partner's report does: the status steps to take, or why none."""

    verdict: ReportVerdict
    steps: tuple[ReferralStatus, ...] = ()
    why: str = ""


def judge_report(current: ReferralStatus, reported: PartnerReportedStatus) -> ReportOutcome:
    """A partner's report on a referral that is ``current``, checked against the lifecycle."""
    target = REPORTED_AS.get(reported)
    if target is None:
        return ReportOutcome(ReportVerdict.IGNORE, why=f"{reported} does not change the status")
    if current is target:
        return ReportOutcome(ReportVerdict.IGNORE, why=f"already {current}")
    if current in CLOSED_BY_COUNCIL:
        # We closed it; the partner's late answer must change nothing (and is no error).
        return ReportOutcome(ReportVerdict.IGNORE, why=f"a late {reported} after {current}")
    if can_follow(current, target):
        return ReportOutcome(ReportVerdict.APPLY, (target,))
    if current is _S.APPROVED and can_follow(_S.DELIVERED, target):
        # The partner can only answer what reached it: the delivery is implied.
        return ReportOutcome(ReportVerdict.APPLY, (_S.DELIVERED, target))
    return ReportOutcome(ReportVerdict.REJECT, why=f"{reported} cannot follow {current}")


def reports_allowed_after(current: ReferralStatus) -> tuple[PartnerReportedStatus, ...]:
    """The status reports that would move a referral that is ``current`` on (vocabulary order)."""
    return tuple(
        reported
        for reported in REPORTED_AS
        if judge_report(current, reported).verdict is ReportVerdict.APPLY
    )
