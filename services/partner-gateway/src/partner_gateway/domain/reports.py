"""A partner's status report against the referral's status as the gateway knows it.

The rule is the contract's (``hub_contracts.referral_lifecycle``), the one referral applies: what
referral would dead-letter as impossible, the gateway refuses at once, so a partner never gets
a 202 for a report that changes nothing and the case file never shows a status that never was.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub_contracts import PartnerReportedStatus, ReferralStatus
from hub_contracts.referral_lifecycle import (
    ReportVerdict,
    can_follow,
    judge_report,
    reports_allowed_after,
)


@dataclass(frozen=True)
class ReportCheck:
    """Whether to accept the report, the status it leaves the referral in, or why not."""

    accepted: bool
    new_status: ReferralStatus | None = None  # None: the status stays as it is
    refusal: str = ""


def check_report(current: ReferralStatus | None, reported: PartnerReportedStatus) -> ReportCheck:
    """``current`` is None for a referral approved before the gateway kept statuses."""
    if current is None:
        # Nothing to check against: referral decides, as it did before.
        return ReportCheck(accepted=True)
    outcome = judge_report(current, reported)
    if outcome.verdict is ReportVerdict.REJECT:
        return ReportCheck(accepted=False, refusal=refusal_text(current, outcome.why))
    # Apply: the last step is where the referral ends (approved -> delivered -> accepted).
    # Ignore (a repeat, a monitoring fact, a late answer after we closed it): accepted for the
    # record, as referral takes it without changing anything.
    new_status = outcome.steps[-1] if outcome.steps else None
    return ReportCheck(accepted=True, new_status=new_status)


def refusal_text(current: ReferralStatus, why: str) -> str:
    """Names the current status and what may come next, so the partner can correct itself."""
    allowed = reports_allowed_after(current)
    next_ones = ", ".join(allowed) if allowed else "none, the referral is closed"
    return (
        f"impossible referral transition: {why}. The referral is {current}; "
        f"status reports that may follow: {next_ones}"
    )


def statuses_that_may_become(target: ReferralStatus) -> list[ReferralStatus]:
    """The statuses ``target`` may follow (a withdrawal closes only an open referral)."""
    return [status for status in ReferralStatus if can_follow(status, target)]
