"""What becomes of an open referral when an input of the privacy rules changes: a pure judgement.

Inputs that change (and who asks): the case's stage (``ProcedureStageChanged``), its closure
(``CaseClosed``), the person's erasure (``PersonErased``), a consent withdrawn (the API or a
command) or expired (the expiry worker's daily pass), the partner's type, standing or
agreement (the directory's update, and the same daily pass for an agreement that ran out).
Each asks :func:`judge` for every open referral it touches, on the referral service's own view
of the facts, through :func:`hub_contracts.privacy.may_disclose`:

- the flow still holds: nothing changes (a suspended one returns to the status it had,
  reason ``stage_allows_again``);
- only a temporary rule fails (protection first: an appeal pending, a new application in
  procedure, for travel documents): a referral the partner may have been told of is
  **suspended** (reason ``protection_first``); it discloses nothing until it resumes;
- any other rule fails: it is **withdrawn**, with the reason of the input that took it away.

A referral still awaiting review was never told to a partner: it is withdrawn only when what
covered it is gone for good (erased, closed, consent withdrawn or expired); any other failure is
left to the coordinator's review, which re-evaluates everything and refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hub_contracts import StatusReason, privacy

from referral.domain.lifecycle import OPEN, SUSPENDABLE
from referral.domain.model import CaseView, Consent, Partner, Referral, Status


class Action(StrEnum):
    """What :func:`judge` does with an open referral: ``keep`` it, ``suspend`` it (protection first,
    §2.3 point 2), ``resume`` a suspended one, or ``withdraw`` it for good."""

    KEEP = "keep"
    SUSPEND = "suspend"
    RESUME = "resume"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Judgement:
    """What to do with one open referral, the status to move to, and why (a closed code)."""

    action: Action
    target: Status | None = None
    reason: StatusReason | None = None
    failures: tuple[privacy.Rule, ...] = ()


KEEP = Judgement(Action.KEEP)

# The reason a withdrawal names: the first of these failures, in this order (the input that
# ended it for good comes first; several may fail at once, e.g. a closed case of an erased person).
_WITHDRAWAL_REASONS: tuple[tuple[privacy.Rule, StatusReason], ...] = (
    (privacy.Rule.PERSON_ERASED, StatusReason.PERSON_ERASED),
    (privacy.Rule.CASE_CLOSED, StatusReason.CASE_CLOSED),
    (privacy.Rule.CONSENT_WITHDRAWN, StatusReason.CONSENT_WITHDRAWN),
    (privacy.Rule.CONSENT_EXPIRED, StatusReason.CONSENT_EXPIRED),
    (privacy.Rule.PARTNER_ORIGIN_AUTHORITY, StatusReason.PARTNER_MAY_NOT_RECEIVE),
    (privacy.Rule.PARTNER_INACTIVE, StatusReason.PARTNER_MAY_NOT_RECEIVE),
    (privacy.Rule.AGREEMENT_INVALID, StatusReason.PARTNER_MAY_NOT_RECEIVE),
    (privacy.Rule.PURPOSE_NOT_ALLOWED_FOR_PARTNER, StatusReason.PARTNER_MAY_NOT_RECEIVE),
)


def withdrawal_reason(failures: tuple[privacy.Rule, ...]) -> StatusReason | None:
    """The closed reason for a withdrawal caused by ``failures``; ``None`` when none of them has
    one of its own (a consent that no longer covers the referral, data minimisation: rules an
    approved referral only fails if it was approved before the rule existed)."""
    for rule, reason in _WITHDRAWAL_REASONS:
        if rule in failures:
            return reason
    return None


def verdict(
    referral: Referral,
    partner: Partner,
    consent: Consent | None,
    case: CaseView,
    today: date,
) -> privacy.Verdict:
    """:func:`hub_contracts.privacy.may_disclose` for the referral, on this service's facts."""
    return privacy.may_disclose(
        referral.flow(),
        partner.facts(),
        None if consent is None else consent.facts(),
        case.facts(),
        today,
    )


def judge(
    referral: Referral,
    partner: Partner,
    consent: Consent | None,
    case: CaseView,
    today: date,
) -> Judgement:
    """What becomes of an open referral on ``today`` (``KEEP`` for one that is not open).

    ``consent`` is the one the referral travels under (``referral.consent_id``).
    """
    if referral.status not in OPEN:
        return KEEP
    found = verdict(referral, partner, consent, case, today)
    if referral.status is Status.AWAITING_REVIEW or referral.status is Status.REQUESTED:
        if found.gone:
            return _withdraw(found)
        return KEEP  # the review re-evaluates everything
    if found.allowed:
        if referral.status is Status.SUSPENDED:
            assert referral.suspended_from is not None  # kept with the status (a DB check)
            resume_to = referral.suspended_from
            return Judgement(Action.RESUME, resume_to, StatusReason.STAGE_ALLOWS_AGAIN)
        return KEEP
    if found.temporary:
        if referral.status is Status.SUSPENDED:
            return KEEP
        if referral.status in SUSPENDABLE:
            return Judgement(
                Action.SUSPEND, Status.SUSPENDED, StatusReason.PROTECTION_FIRST, found.failures
            )
    return _withdraw(found)


def _withdraw(found: privacy.Verdict) -> Judgement:
    return Judgement(
        Action.WITHDRAW, Status.WITHDRAWN, withdrawal_reason(found.failures), found.failures
    )
