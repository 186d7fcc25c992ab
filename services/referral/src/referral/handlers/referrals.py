"""Referral requests: record the request, let the policy decide, announce the outcome."""

from __future__ import annotations

import logging
from uuid import UUID, uuid4

from hub_contracts import ReferralRequested
from hub_runtime.errors import ConflictError

from referral.bodies import RequestReferral
from referral.deps import Deps
from referral.domain import lifecycle
from referral.domain.model import CaseView, Referral, ReferralRequest, Status
from referral.domain.policy import Outcome, case_failures, evaluate
from referral.handlers.shared import approve, case_open_for_changes, partner_for, refuse
from referral.messages import ReferCase
from referral.repository import OpenReferralExistsError
from referral.steps import move
from referral.unit_of_work import ReferralUnitOfWork

log = logging.getLogger(__name__)


class OpenReferralError(ConflictError):
    """One open referral per case, partner and purpose (issue 13): a second request is refused
    with 409 and names the open one (``existing_referral_id`` in the error body), so a tool that
    lost an answer finds it instead of referring the person twice."""

    def __init__(self, existing: UUID | None) -> None:
        super().__init__(
            "An open referral of this case to this partner for this purpose exists already:"
            " follow it, or withdraw it before asking again.",
            code="referral_already_open",
            extra={} if existing is None else {"existing_referral_id": str(existing)},
        )
        self.existing = existing


def request_of(case_id: UUID, body: RequestReferral) -> ReferralRequest:
    """The request as the policy judges it."""
    return ReferralRequest(
        case_id=case_id,
        partner_id=body.partner_id,
        purpose=body.purpose,
        data_categories=frozenset(body.data_categories),
    )


def view_lets_request_through(case_id: UUID, body: RequestReferral, case: CaseView | None) -> bool:
    """Whether the case view would pass the case rules of this request as it stands: if not,
    the edge first catches the view up with the case file (`referral.view_catch_up`), so a
    refusal never reflects only Kafka's lag."""
    return case is not None and not case_failures(request_of(case_id, body), case)


async def request_referral(message: ReferCase, uow: ReferralUnitOfWork, deps: Deps) -> UUID:
    """Record the request, let the policy decide (approve, refuse with every reason, or ask a
    coordinator) and announce it (`ReferralRequested`, then `ReferralApproved` or
    `ReferralRefused.v3`); returns the referral's id. A refusal by the policy is an outcome,
    not an error.

    Raises `OpenReferralError` (409), `InvalidError` ``unknown_partner`` (422),
    `CaseNotKnownYetError`, `PersonErasedError`, `ConflictError` ``case_closed``."""
    case_id, caused_by = message.case_id, message.caused_by
    now = deps.clock.now()
    await uow.cases.lock(case_id)
    case = await case_open_for_changes(uow, case_id)
    partner = await partner_for(uow, message.request.partner_id)
    request = request_of(case_id, message.request)
    existing = await uow.referrals.open_for(
        case_id, request.partner_id, request.purpose, lifecycle.OPEN
    )
    if existing is not None:
        raise OpenReferralError(existing)
    consents = await uow.consents.of_case(case_id)
    decision = evaluate(request, case, partner, consents, deps.clock.today())
    referral = Referral(
        referral_id=uuid4(),
        case_id=case_id,
        partner_id=partner.partner_id,
        purpose=request.purpose,
        data_categories=request.data_categories,
        consent_id=decision.consent_id,
        status=Status.REQUESTED,
    )
    try:
        await uow.referrals.add(referral, message.requested_by, now)
    except OpenReferralExistsError as exists:
        # Another request got past the check above (the database's unique index is the guard).
        raise OpenReferralError(exists.existing) from None
    uow.emit(
        ReferralRequested(
            case_id=case_id,
            referral_id=referral.referral_id,
            partner_id=partner.partner_id,
            purpose=request.purpose,
            data_categories=sorted(request.data_categories),
        ),
        subject=case_id,
        caused_by=caused_by,
    )
    if decision.outcome is Outcome.APPROVE:
        await approve(uow, referral, partner, decision.consent_id, now, caused_by)
    elif decision.outcome is Outcome.REFUSE:
        await refuse(uow, referral, decision.failures, now, caused_by)
    else:
        codes = [code.value for code in decision.failures]
        await move(uow, referral, Status.AWAITING_REVIEW, now, reasons=codes, announce=False)
    log.info(
        "referral decided",
        extra={"referral_id": referral.referral_id, "status": decision.outcome.value},
    )
    return referral.referral_id
