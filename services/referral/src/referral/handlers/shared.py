"""Steps several use cases share: the gates on a case and a partner, approval and refusal."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from hub_contracts import (
    REFUSAL_TEXTS,
    Envelope,
    ReferralApproved,
    ReferralRefusedV3,
    RefusalCode,
)
from hub_runtime.errors import GoneError, InvalidError, NotYetKnownError

from referral.domain.model import CaseView, Partner, Referral, Status
from referral.refusals import PolicyConflictError
from referral.steps import move
from referral.unit_of_work import ReferralUnitOfWork


class CaseNotKnownYetError(NotYetKnownError):
    """The case's opening has not reached the view yet (HTTP 409 ``case_not_known_yet``; a
    Kafka command is retried with backoff, then dead-lettered)."""

    def __init__(self) -> None:
        super().__init__(
            "The case has not reached the referral service yet (its opening is still on its "
            "way from the case file); try again in a moment.",
            code="case_not_known_yet",
        )


class PersonErasedError(GoneError):
    """The person was erased: nothing new is consented to, referred or sealed (HTTP 410)."""

    def __init__(
        self,
        reason: str = "The person's data has been erased: nothing can be consented to or referred.",
    ) -> None:
        super().__init__(reason, code="person_erased")


async def case_open_for_changes(uow: ReferralUnitOfWork, case_id: UUID) -> CaseView:
    """The case, if it takes new consents and referrals. Raises `CaseNotKnownYetError`,
    `PersonErasedError` or `ConflictError` ``case_closed``."""
    case = await uow.cases.get(case_id)
    if case is None:
        raise CaseNotKnownYetError()
    if case.erased:
        raise PersonErasedError()
    refuse_if_closed(case)
    return case


def refuse_if_closed(case: CaseView) -> None:
    """A closed case takes no new consent or referral, and nothing of it is approved (409
    ``case_closed``)."""
    if case.closed:
        code = RefusalCode.CASE_CLOSED
        raise PolicyConflictError([(code.value, REFUSAL_TEXTS[code])])


async def partner_for(uow: ReferralUnitOfWork, partner_id: UUID) -> Partner:
    """The directory entry; raises `InvalidError` ``unknown_partner`` (422)."""
    partner = await uow.partners.get(partner_id)
    if partner is None:
        raise InvalidError("The partner is not in the directory.", code="unknown_partner")
    return partner


async def approve(
    uow: ReferralUnitOfWork,
    referral: Referral,
    partner: Partner,
    consent_id: UUID | None,
    at: datetime,
    caused_by: Envelope | None,
) -> None:
    """Record the approval under ``consent_id`` and announce it (`ReferralApproved`)."""
    # The policy never approves without a covering consent; this guards the invariant anyway.
    if consent_id is None:
        raise RuntimeError("an approval without a consent")
    await move(
        uow, referral, Status.APPROVED, at, reasons=[], consent_id=consent_id, announce=False
    )
    uow.emit(
        ReferralApproved(
            case_id=referral.case_id,
            referral_id=referral.referral_id,
            partner_id=referral.partner_id,
            partner_type=partner.partner_type,
            purpose=referral.purpose,
            data_categories=sorted(referral.data_categories),
            consent_id=consent_id,
        ),
        subject=referral.case_id,
        caused_by=caused_by,
    )


async def refuse(
    uow: ReferralUnitOfWork,
    referral: Referral,
    reasons: tuple[RefusalCode, ...],
    at: datetime,
    caused_by: Envelope | None,
) -> None:
    """Record the refusal with every reason and announce it (`ReferralRefused.v3`: codes,
    never sentences; readers render them)."""
    await move(
        uow, referral, Status.REFUSED, at, reasons=[c.value for c in reasons], announce=False
    )
    uow.emit(
        ReferralRefusedV3(
            case_id=referral.case_id,
            referral_id=referral.referral_id,
            partner_id=referral.partner_id,
            reasons=list(reasons),
        ),
        subject=referral.case_id,
        caused_by=caused_by,
    )
