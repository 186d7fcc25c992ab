"""One small async function per use case: events from other services and partners' commands.

Event handlers run inside the runtime's unit of work (never commit there); command handlers
open their own units of work through ``UowFactory`` and commit them.
"""

from __future__ import annotations

import logging
import secrets as random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from hub_contracts import (
    CaseClosed,
    CaseOpened,
    ConsentGranted,
    DeclineReason,
    MonitoringOutcome,
    MonitoringReported,
    NoticeAcknowledged,
    PartnerRegistered,
    PartnerReportedStatus,
    PartnerStatusReportedV2,
    PartnerType,
    ProcedureStageChanged,
    ReferralApproved,
    ReferralStatus,
)
from hub_contracts.envelope import Envelope
from hub_runtime.errors import ConflictError, ForbiddenError, NotFoundError, PermanentEventError
from hub_runtime.idempotency import Action
from hub_runtime.unit_of_work import UnitOfWork

from partner_gateway.domain import notifications as notes
from partner_gateway.domain.model import Referral
from partner_gateway.domain.policy import SUSPENDED, is_origin_authority
from partner_gateway.domain.reports import check_report
from partner_gateway.domain.signing import secret_from_bytes
from partner_gateway.gates import ORIGIN_REFUSAL
from partner_gateway.outbound import notify
from partner_gateway.repository import Repositories
from partner_gateway.unit_of_work import repos

log = logging.getLogger(__name__)

UowFactory = Callable[[], UnitOfWork]


# --- events from other services -------------------------------------------------------------


async def on_partner_registered(
    uow: UnitOfWork, envelope: Envelope, payload: PartnerRegistered
) -> None:
    """Keep the directory's entry. Listed as an origin-country authority once, the id stays
    one for good (``ever_origin_authority``): a later entry of another type does not lift it."""
    r = repos(uow)
    origin = payload.partner_type is PartnerType.AUTHORITY_ORIGIN
    await r.partners.upsert(
        payload.partner_id,
        payload.partner_type,
        payload.purposes,
        payload.countries,
        payload.active,
        payload.agreement_valid_until,
        origin,
    )
    if origin:
        # A directory change to authority_origin stops every exit at once.
        await r.partners.remove_webhook(payload.partner_id)
        await r.deliveries.give_up_pending(payload.partner_id, "partner_origin_authority")


async def on_consent_granted(uow: UnitOfWork, envelope: Envelope, payload: ConsentGranted) -> None:
    await repos(uow).consents.grant(
        payload.consent_id,
        payload.case_id,
        payload.partner_id,
        payload.purposes,
        payload.data_categories,
        payload.valid_from,
        payload.valid_until,
    )


async def on_referral_approved(
    uow: UnitOfWork, envelope: Envelope, payload: ReferralApproved
) -> None:
    r = repos(uow)
    partner = await r.partners.get(payload.partner_id)
    if payload.partner_type is PartnerType.AUTHORITY_ORIGIN or is_origin_authority(partner):
        # Never delivered; to the dead letters so that people see the policy let it through.
        raise PermanentEventError("referral approved for an origin-country authority: refused")
    referral = Referral(
        referral_id=payload.referral_id,
        case_id=payload.case_id,
        partner_id=payload.partner_id,
        partner_type=payload.partner_type,
        purpose=payload.purpose,
        data_categories=tuple(payload.data_categories),
        consent_id=payload.consent_id,
    )
    # A withdrawal or erasure (another topic) may overtake the approval: then there is nothing
    # to tell the partner, and its reports are late answers.
    closed = await _withdrawn_before_approval(r, referral)
    status = ReferralStatus.WITHDRAWN if closed else ReferralStatus.APPROVED
    if not await r.referrals.add(referral, status):
        return  # approved before (a replay with a new envelope id): notified already
    if closed:
        return
    data: dict[str, str | list[str]] = {
        "referral_id": str(referral.referral_id),
        "purpose": str(referral.purpose),
    }
    await notify(
        r,
        referral.partner_id,
        referral.case_id,
        notes.NotificationKind.REFERRAL_READY,
        data,
        referral_id=referral.referral_id,
    )


async def _withdrawn_before_approval(r: Repositories, referral: Referral) -> bool:
    if await r.consents.is_withdrawn(referral.consent_id):
        return True
    case = await r.cases.view(referral.case_id)
    return case.erased or case.closed


async def on_case_opened(uow: UnitOfWork, envelope: Envelope, payload: CaseOpened) -> None:
    await repos(uow).cases.set_stage(payload.case_id, payload.stage)


async def on_stage_changed(
    uow: UnitOfWork, envelope: Envelope, payload: ProcedureStageChanged
) -> None:
    """The gateway's own view of the stage: protection first is judged on it at every gate
    (referral suspends the referral too, and says so in ``ReferralStatusChanged.v2``)."""
    await repos(uow).cases.set_stage(payload.case_id, payload.to_stage)


async def on_case_closed(uow: UnitOfWork, envelope: Envelope, payload: CaseClosed) -> None:
    await repos(uow).cases.close(payload.case_id, payload.closed_on)


# --- admin ------------------------------------------------------------------------------------


async def register_webhook(
    uow_factory: UowFactory, partner_id: UUID, url: str, overlap: timedelta
) -> tuple[str, datetime | None]:
    """Set the partner's endpoint and a new signing secret; the previous one signs on for a while.

    During ``overlap`` every webhook carries signatures under both secrets (Standard Webhooks
    allows several), so the partner can switch without missing a message.
    """
    async with uow_factory() as uow:
        r = repos(uow)
        partner = await r.partners.get(partner_id)
        if partner is None:
            raise ConflictError(
                "the partner is not in the directory (PartnerRegistered not seen yet)",
                code="unknown_partner",
            )
        if is_origin_authority(partner):
            raise ConflictError(ORIGIN_REFUSAL, code="partner_origin_authority")
        if not partner.active:
            raise ConflictError("the partner is no longer active", code="partner_inactive")
        previous = await r.partners.current_secret(partner_id)
        secret = secret_from_bytes(random.token_bytes(32))
        until = datetime.now(UTC) + overlap if previous else None
        await r.partners.set_webhook(partner_id, url, secret, previous, until)
        await uow.commit()
    return secret, until


# --- partners: inbound reports ----------------------------------------------------------------


async def _own_referral(r: Repositories, partner_id: UUID, referral_id: UUID) -> Referral:
    referral = await r.referrals.get_for_partner(referral_id, partner_id)
    if referral is None:
        raise NotFoundError("the referral")
    partner = await r.partners.get(partner_id)
    if referral.partner_type is PartnerType.AUTHORITY_ORIGIN or is_origin_authority(partner):
        raise ForbiddenError(ORIGIN_REFUSAL, code="partner_origin_authority")
    return referral


def report_status(
    partner_id: UUID,
    referral_id: UUID,
    status: PartnerReportedStatus,
    reason_code: DeclineReason | None,
) -> Action:
    """A partner's status report: 403 for an origin-country authority (now or ever), 409
    ``referral_suspended`` while the referral is suspended (a report must not move it out of
    suspension; it may resume), 409 ``impossible_transition`` out of lifecycle order; else 202
    and ``PartnerStatusReported.v2`` (the reason a closed ``DeclineReason``, checked at the
    edge)."""

    async def action(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        r = repos(uow)
        referral = await _own_referral(r, partner_id, referral_id)
        # The row lock makes concurrent reports on one referral take turns: each is checked
        # against the status the one before left (both "accepted" and "declined" never pass).
        current = await r.referrals.lock_status(referral_id)
        if current is ReferralStatus.SUSPENDED:
            raise ConflictError(
                "the referral is suspended for now; report again once it resumes", code=SUSPENDED
            )
        check = check_report(current, status)
        if not check.accepted:
            # Nothing is emitted; the idempotency key is released, as after every refusal.
            raise ConflictError(check.refusal, code="impossible_transition")
        if check.new_status is not None:
            await r.referrals.set_status(referral_id, check.new_status)
        reported_at = datetime.now(UTC)
        envelope = uow.emit(
            PartnerStatusReportedV2(
                case_id=referral.case_id,
                referral_id=referral_id,
                partner_id=partner_id,
                status=status,
                reason_code=reason_code,
                reported_at=reported_at,
            ),
            subject=referral.case_id,
        )
        return 202, {
            "referral_id": str(referral_id),
            "status": str(status),
            "reason_code": None if reason_code is None else str(reason_code),
            "reported_at": reported_at.isoformat(),
            "event_id": str(envelope.id),
        }

    return action


def report_monitoring(
    partner_id: UUID,
    referral_id: UUID,
    months_after_return: int,
    outcomes: list[MonitoringOutcome],
) -> Action:
    async def action(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        referral = await _own_referral(repos(uow), partner_id, referral_id)
        envelope = uow.emit(
            MonitoringReported(
                case_id=referral.case_id,
                referral_id=referral_id,
                partner_id=partner_id,
                months_after_return=months_after_return,
                outcomes=outcomes,
            ),
            subject=referral.case_id,
        )
        return 202, {
            "referral_id": str(referral_id),
            "months_after_return": months_after_return,
            "outcomes": [str(o) for o in outcomes],
            "event_id": str(envelope.id),
        }

    return action


def acknowledge_notice(partner_id: UUID, notice_id: UUID) -> Action:
    async def action(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        r = repos(uow)
        notice = await r.notices.get_for_partner(notice_id, partner_id)
        if notice is None:
            raise NotFoundError("the notice")
        acknowledged_at: datetime | None = notice["acknowledged_at"]
        if acknowledged_at is None:
            acknowledged_at = datetime.now(UTC)
            await r.notices.acknowledge(notice_id, acknowledged_at)
            uow.emit(
                NoticeAcknowledged(
                    case_id=notice["case_id"],
                    notice_id=notice_id,
                    partner_id=partner_id,
                    acknowledged_at=acknowledged_at,
                ),
                subject=notice["case_id"],
            )
        return 202, {"notice_id": str(notice_id), "acknowledged_at": acknowledged_at.isoformat()}

    return action
