"""Partners' reports on their referrals: status, post-return monitoring, notice acks."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from hub_contracts import (
    MonitoringReported,
    NoticeAcknowledged,
    PartnerStatusReportedV2,
    PartnerType,
    ReferralStatus,
)
from hub_runtime.errors import ConflictError, NotFoundError

from partner_gateway import gates
from partner_gateway.deps import Deps
from partner_gateway.domain.model import Referral
from partner_gateway.domain.policy import SUSPENDED, is_origin_authority
from partner_gateway.domain.reports import check_report
from partner_gateway.messages import (
    AcknowledgeNotice,
    MonitoringAccepted,
    NoticeAcknowledgement,
    ReportMonitoring,
    ReportStatus,
    StatusReported,
)
from partner_gateway.unit_of_work import GatewayUnitOfWork


async def _own_referral(uow: GatewayUnitOfWork, partner_id: UUID, referral_id: UUID) -> Referral:
    """The partner's referral. Raises `NotFoundError` (another's is the same as none) and
    `ForbiddenError` for an origin-country authority, now or ever."""
    referral = await uow.referrals.get_for_partner(referral_id, partner_id)
    if referral is None:
        raise NotFoundError("the referral")
    partner = await uow.partners.get(partner_id)
    if referral.partner_type is PartnerType.AUTHORITY_ORIGIN or is_origin_authority(partner):
        raise gates.OriginAuthorityRefusedError()
    return referral


async def _refuse_if_erased(uow: GatewayUnitOfWork, referral: Referral, deps: Deps) -> None:
    """Raises `GoneError` ``person_erased`` (410, the answer the referral's GET gives) once
    the person is erased: nothing more is taken, nor emitted, about them (GDPR art. 17). The
    rule is the gates' (`gates.judge_report`); a withdrawn or expired consent does not stop a
    report (a late answer is taken for the record)."""
    refusal = await gates.judge_report(uow, referral, deps.clock.today())
    if refusal is not None:
        raise gates.as_error(refusal)


async def report_status(
    message: ReportStatus, uow: GatewayUnitOfWork, deps: Deps
) -> StatusReported:
    """A partner's status report, following the referral lifecycle
    (`hub_contracts.referral_lifecycle`, the rule referral applies) and emitting
    ``PartnerStatusReported.v2`` (the reason a closed ``DeclineReason``).

    Raises `NotFoundError`, `ForbiddenError` (see `_own_referral`), `GoneError`
    ``person_erased`` once the person is erased (nothing emitted), `ConflictError`
    ``referral_suspended`` while the referral is suspended (a report must not move it out of
    suspension; it may resume) and ``impossible_transition`` out of lifecycle order (nothing
    emitted). Repeats and late answers after a withdrawal or expiry pass."""
    referral = await _own_referral(uow, message.partner_id, message.referral_id)
    # The row lock makes concurrent reports on one referral take turns: each is checked
    # against the status the one before left (both "accepted" and "declined" never pass).
    current = await uow.referrals.lock_status(message.referral_id)
    # After the lock: an erasure withdrawing this open referral commits before it is read.
    await _refuse_if_erased(uow, referral, deps)
    if current is ReferralStatus.SUSPENDED:
        raise ConflictError(
            "the referral is suspended for now; report again once it resumes", code=SUSPENDED
        )
    check = check_report(current, message.status)
    if not check.accepted:
        raise ConflictError(check.refusal, code="impossible_transition")
    if check.new_status is not None:
        await uow.referrals.set_status(message.referral_id, check.new_status)
    reported_at = datetime.now(UTC)
    envelope = uow.emit(
        PartnerStatusReportedV2(
            case_id=referral.case_id,
            referral_id=message.referral_id,
            partner_id=message.partner_id,
            status=message.status,
            reason_code=message.reason_code,
            reported_at=reported_at,
        ),
        subject=referral.case_id,
    )
    return StatusReported(
        referral_id=str(message.referral_id),
        status=str(message.status),
        reason_code=None if message.reason_code is None else str(message.reason_code),
        reported_at=reported_at.isoformat(),
        event_id=str(envelope.id),
    )


async def report_monitoring(
    message: ReportMonitoring, uow: GatewayUnitOfWork, deps: Deps
) -> MonitoringAccepted:
    """Post-return monitoring facts: ``MonitoringReported`` is emitted. Raises as
    `_own_referral`, and `GoneError` ``person_erased`` once the person is erased (nothing
    emitted)."""
    referral = await _own_referral(uow, message.partner_id, message.referral_id)
    await _refuse_if_erased(uow, referral, deps)
    envelope = uow.emit(
        MonitoringReported(
            case_id=referral.case_id,
            referral_id=message.referral_id,
            partner_id=message.partner_id,
            months_after_return=message.months_after_return,
            outcomes=list(message.outcomes),
        ),
        subject=referral.case_id,
    )
    return MonitoringAccepted(
        referral_id=str(message.referral_id),
        months_after_return=message.months_after_return,
        outcomes=[str(o) for o in message.outcomes],
        event_id=str(envelope.id),
    )


async def acknowledge_notice(
    message: AcknowledgeNotice, uow: GatewayUnitOfWork, deps: Deps
) -> NoticeAcknowledgement:
    """The partner acknowledges its notice: ``NoticeAcknowledged`` the first time; a repeat
    answers the first time and emits nothing. Raises `NotFoundError` (not this partner's)."""
    notice = await uow.notices.get_for_partner(message.notice_id, message.partner_id)
    if notice is None:
        raise NotFoundError("the notice")
    acknowledged_at = notice.acknowledged_at
    if acknowledged_at is None:
        acknowledged_at = datetime.now(UTC)
        await uow.notices.acknowledge(message.notice_id, acknowledged_at)
        uow.emit(
            NoticeAcknowledged(
                case_id=notice.case_id,
                notice_id=message.notice_id,
                partner_id=message.partner_id,
                acknowledged_at=acknowledged_at,
            ),
            subject=notice.case_id,
        )
    return NoticeAcknowledgement(
        notice_id=str(message.notice_id), acknowledged_at=acknowledged_at.isoformat()
    )
