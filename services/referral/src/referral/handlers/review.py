"""A coordinator's review of a referral awaiting it: approve, override (audited) or refuse."""

from __future__ import annotations

import logging

from hub_runtime.errors import ConflictError, NotFoundError

from referral import vault as sealed_texts
from referral.deps import Deps
from referral.domain.model import ReferralRequest, Status
from referral.domain.policy import Outcome, evaluate, review
from referral.handlers.shared import approve, refuse, refuse_if_closed
from referral.messages import DecideReview
from referral.repository import Review
from referral.unit_of_work import ReferralUnitOfWork

log = logging.getLogger(__name__)


async def review_referral(message: DecideReview, uow: ReferralUnitOfWork, deps: Deps) -> None:
    """Decide on a referral awaiting review, on today's facts (a consent withdrawn or expired
    while it waited counts); only ``decision_missing`` may be overridden, never a privacy rule.
    The review is audited (who, when, which rules were set aside) and its written reason
    stored sealed under the case's key.

    Raises `NotFoundError` (unknown, or of another case than ``of_case``), `ConflictError`
    ``not_awaiting_review``, ``review_not_allowed`` or ``case_closed``, `PersonErasedError`
    (the case's key was shredded)."""
    referral_id, caused_by = message.referral_id, message.caused_by
    now = deps.clock.now()
    found = await uow.referrals.get(referral_id)
    if found is None or message.of_case not in (None, found.case_id):
        raise NotFoundError("the referral")
    await uow.cases.lock(found.case_id)
    referral = await uow.referrals.get(referral_id, for_update=True)
    assert referral is not None
    case = await uow.cases.get(referral.case_id)
    # It exists: the referral was made for it (the view never deletes a case).
    assert case is not None
    refuse_if_closed(case)
    if referral.status is not Status.AWAITING_REVIEW:
        raise ConflictError(
            f"the referral is {referral.status.value}, not awaiting review",
            code="not_awaiting_review",
        )
    partner = await uow.partners.get(referral.partner_id)
    assert partner is not None  # the referral names a partner of the directory (FK)
    consents = await uow.consents.of_case(referral.case_id)
    request = ReferralRequest(
        referral.case_id, referral.partner_id, referral.purpose, referral.data_categories
    )
    evaluation = evaluate(request, case, partner, consents, deps.clock.today())
    result = review(evaluation, message.review.decision)
    if result.problem is not None:
        raise ConflictError(result.problem, code="review_not_allowed")
    overridden = [c.value for c in result.reasons] if result.outcome is Outcome.APPROVE else []
    sealed = await deps.vault.seal(
        uow.case_keys,
        referral.case_id,
        sealed_texts.review_reason(referral_id),
        message.review.reason,
    )
    await uow.referrals.add_review(
        Review(
            referral_id=referral_id,
            decision=message.review.decision.value,
            overridden=overridden,
            reason_sealed=sealed,
            reviewed_by=message.reviewed_by,
            at=now,
        )
    )
    if result.outcome is Outcome.APPROVE:
        await approve(uow, referral, partner, evaluation.consent_id, now, caused_by)
    else:
        await refuse(uow, referral, result.reasons, now, caused_by)
    log.info(
        "referral reviewed",
        extra={"referral_id": referral_id, "status": message.review.decision.value},
    )
