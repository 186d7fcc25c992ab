"""The referral lifecycle: which status may follow which, and who may cause it.

The table and the judgement of a partner's report are the contract's
(``hub_contracts.referral_lifecycle``), shared with the partner gateway, which refuses an
impossible report before it reaches us. This module adds what only this service sees: the
review detour (requested -> awaiting_review -> approved | refused | withdrawn) and which
partner a report or delivery must come from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from hub_contracts import PartnerReportedStatus, ReferralStatus
from hub_contracts import referral_lifecycle as shared

from referral.domain.model import Referral, Status, public_status


def _internal(statuses: Iterable[ReferralStatus]) -> frozenset[Status]:
    return frozenset(Status(s.value) for s in statuses)


# awaiting_review is "requested" outside this service, so it leads where requested leads.
_REVIEW_DETOUR: dict[Status, frozenset[Status]] = {
    Status.REQUESTED: frozenset({Status.AWAITING_REVIEW})
}

ALLOWED: dict[Status, frozenset[Status]] = {
    status: _internal(shared.NEXT[public_status(status)]) | _REVIEW_DETOUR.get(status, frozenset())
    for status in Status
}

TERMINAL: frozenset[Status] = frozenset(status for status in Status if not ALLOWED[status])
OPEN: frozenset[Status] = frozenset(Status) - TERMINAL
"""Statuses in which something may still flow to the partner (withdrawal must stop them)."""

WAITING_FOR_PARTNER: frozenset[Status] = frozenset({Status.APPROVED, Status.DELIVERED})
"""Statuses in which the partner has not answered yet (the expiry worker watches these). A
suspended referral is not among them: it never expires while suspended, and its answer time
starts again when it resumes."""

SUSPENDABLE: frozenset[Status] = frozenset(
    s for s in Status if Status.SUSPENDED in ALLOWED[s] and s is not Status.SUSPENDED
)
"""Approved and later open statuses: the partner may have been told, so a temporary failure
suspends them (and they return to the same status)."""


def can_move(current: Status, target: Status) -> bool:
    """True when ``target`` may directly follow ``current`` in the referral's lifecycle
    (:data:`ALLOWED`)."""
    return target in ALLOWED[current]


Verdict = shared.ReportVerdict
"""apply (the steps change the referral), ignore (harmless), reject (impossible)."""


@dataclass(frozen=True)
class PartnerStep:
    """The outcome of a partner's report: the status steps to take, or why none."""

    verdict: Verdict
    steps: tuple[Status, ...] = ()
    why: str = ""


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
    """A partner's status report, checked against the lifecycle.

    While the referral is suspended the partner is not to act on it (it was told so): a report
    then changes nothing (logged), like a late answer after a withdrawal. The contract's table
    would let ``suspended -> accepted`` pass, which would lift the suspension behind the
    policy's back.
    """
    if partner_id != referral.partner_id:
        return PartnerStep(Verdict.REJECT, why="the report names another partner")
    if referral.status is Status.SUSPENDED:
        return PartnerStep(Verdict.IGNORE, why="suspended: the report waits for the resumption")
    outcome = shared.judge_report(public_status(referral.status), reported)
    steps = tuple(Status(step.value) for step in outcome.steps)
    return PartnerStep(outcome.verdict, steps, outcome.why)
