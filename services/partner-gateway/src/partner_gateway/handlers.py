"""One small async function per use case: events from other services and partners' commands.

Event handlers run inside the runtime's unit of work (never commit there); command handlers
open their own units of work through ``UowFactory`` and commit them.
"""

from __future__ import annotations

import logging
import secrets as random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID, uuid4

from hub_contracts import (
    ConsentGranted,
    ConsentWithdrawn,
    DisclosureMade,
    MonitoringOutcome,
    MonitoringReported,
    NoticeAcknowledged,
    NoticeSent,
    PartnerRegistered,
    PartnerReportedStatus,
    PartnerStatusReported,
    PersonErased,
    ReferralApproved,
    ReferralStatus,
    ReferralStatusChanged,
)
from hub_contracts.envelope import Envelope
from hub_contracts.referral_lifecycle import CLOSED_BY_COUNCIL
from hub_runtime.errors import PermanentEventError
from hub_runtime.http import DomainError, NotFoundError
from hub_runtime.idempotency import Action
from hub_runtime.unit_of_work import UnitOfWork

from partner_gateway.casefile_client import Casefile, CasefileRefusedError
from partner_gateway.domain import notifications as notes
from partner_gateway.domain.model import Referral
from partner_gateway.domain.policy import (
    GONE_VERDICTS,
    DisclosureRequest,
    Verdict,
    decide,
    is_origin_authority,
    legal_basis,
)
from partner_gateway.domain.reports import check_report, statuses_that_may_become
from partner_gateway.domain.signing import secret_from_bytes
from partner_gateway.repository import Repositories
from partner_gateway.unit_of_work import repos

log = logging.getLogger(__name__)

UowFactory = Callable[[], UnitOfWork]

ORIGIN_REFUSAL = "origin-country authorities never receive anything from the council"


# --- events from other services -------------------------------------------------------------


async def on_partner_registered(
    uow: UnitOfWork, envelope: Envelope, payload: PartnerRegistered
) -> None:
    r = repos(uow)
    await r.partners.upsert(
        payload.partner_id,
        payload.partner_type,
        payload.purposes,
        payload.countries,
        payload.active,
    )
    if is_origin_authority(payload.partner_type):
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


class NoticeRules:
    """Withdrawal and erasure: stop every flow, and tell each partner that received data.

    A withdrawal notice goes to the partners that received data under THAT consent (a consent
    names one partner); an erasure notice to every partner in the disclosure log of the case.
    """

    def __init__(self, ack_due: timedelta) -> None:
        self.ack_due = ack_due

    async def on_consent_withdrawn(
        self, uow: UnitOfWork, envelope: Envelope, payload: ConsentWithdrawn
    ) -> None:
        r = repos(uow)
        first = await r.consents.withdraw(payload.consent_id, payload.withdrawn_at)
        under_consent = await r.referrals.under_consent(payload.consent_id)
        await _withdraw_referrals(r, under_consent, "consent_withdrawn")
        if not first:
            return  # the same withdrawal again (a replay): its notices went out already
        for partner_id, case_id in await r.disclosures.partners_of_consent(payload.consent_id):
            await self._notice(uow, envelope, partner_id, case_id, "withdrawal")

    async def on_person_erased(
        self, uow: UnitOfWork, envelope: Envelope, payload: PersonErased
    ) -> None:
        r = repos(uow)
        first = await r.erasures.erase(payload.case_id, payload.erased_at)
        await _withdraw_referrals(r, await r.referrals.of_case(payload.case_id), "person_erased")
        if not first:
            return
        for partner_id in await r.disclosures.partners_of_case(payload.case_id):
            await self._notice(uow, envelope, partner_id, payload.case_id, "erasure")

    async def _notice(
        self,
        uow: UnitOfWork,
        envelope: Envelope,
        partner_id: UUID,
        case_id: UUID,
        kind: Literal["withdrawal", "erasure"],
    ) -> None:
        r = repos(uow)
        notice_id = uuid4()
        await r.notices.add(notice_id, case_id, partner_id, kind, datetime.now(UTC) + self.ack_due)
        referral_ids = [str(i) for i in await r.referrals.of_partner_and_case(partner_id, case_id)]
        data: dict[str, str | list[str]] = {
            "notice_id": str(notice_id),
            "referral_ids": referral_ids,
        }
        note_kind = (
            notes.NotificationKind.NOTICE_ERASURE
            if kind == "erasure"
            else notes.NotificationKind.NOTICE_WITHDRAWAL
        )
        queued = await notify(r, partner_id, case_id, note_kind, data, notice_id=notice_id)
        if not queued:
            # No webhook: the notice is in the partner's pull inbox now, so it counts as sent.
            await r.notices.mark_sent(notice_id)
            uow.emit(
                NoticeSent(case_id=case_id, notice_id=notice_id, partner_id=partner_id, kind=kind),
                subject=case_id,
                caused_by=envelope,
            )


async def on_referral_approved(
    uow: UnitOfWork, envelope: Envelope, payload: ReferralApproved
) -> None:
    r = repos(uow)
    partner = await r.partners.get(payload.partner_id)
    if is_origin_authority(payload.partner_type) or (
        partner is not None and is_origin_authority(partner.partner_type)
    ):
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
    return await r.consents.is_withdrawn(referral.consent_id) or await r.erasures.is_erased(
        referral.case_id
    )


async def on_referral_status_changed(
    uow: UnitOfWork, envelope: Envelope, payload: ReferralStatusChanged
) -> None:
    """Follow only the council's closures (withdrawn, expired). The partner's own steps the
    gateway knows first, from its reports; referral's echo of them comes later and must not move
    the status back."""
    to_status = ReferralStatus(payload.to_status.value)  # v1's frozen list is a subset
    if to_status not in CLOSED_BY_COUNCIL:
        return
    r = repos(uow)
    reason = f"referral_{to_status}"  # referral_withdrawn, referral_expired
    await _close_referrals(r, [payload.referral_id], to_status, reason)


async def _withdraw_referrals(r: Repositories, referral_ids: list[UUID], reason: str) -> None:
    await _close_referrals(r, referral_ids, ReferralStatus.WITHDRAWN, reason)


async def _close_referrals(
    r: Repositories, referral_ids: list[UUID], status: ReferralStatus, reason: str
) -> None:
    """Close the open ones among the referrals (withdrawn or expired) and drop their
    referral.ready webhooks not sent yet: a partner must not be sent to fetch data it may no
    longer have (the fetch is a 410). An expiry often follows an unreachable partner."""
    await r.referrals.move(referral_ids, status, only_from=statuses_that_may_become(status))
    await r.deliveries.drop_pending(referral_ids, notes.NotificationKind.REFERRAL_READY, reason)


async def notify(
    r: Repositories,
    partner_id: UUID,
    case_id: UUID,
    kind: notes.NotificationKind,
    data: dict[str, str | list[str]],
    *,
    referral_id: UUID | None = None,
    notice_id: UUID | None = None,
) -> bool:
    """Put a notification in the partner's inbox and, if it has a webhook, in the delivery queue.

    Returns True when a webhook delivery was queued.
    """
    notification_id = uuid4()
    body = notes.body(kind, notification_id, datetime.now(UTC), data)
    await r.notifications.add(
        notification_id,
        partner_id,
        case_id,
        str(kind),
        body,
        referral_id=referral_id,
        notice_id=notice_id,
    )
    partner = await r.partners.get(partner_id)
    if partner is None or partner.webhook_url is None:
        return False
    await r.deliveries.enqueue(notification_id, partner_id)
    return True


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
            raise DomainError(
                "the partner is not in the directory (PartnerRegistered not seen yet)",
                code="unknown_partner",
            )
        if is_origin_authority(partner.partner_type):
            raise DomainError(ORIGIN_REFUSAL, code="partner_origin_authority")
        if not partner.active:
            raise DomainError("the partner is no longer active", code="partner_inactive")
        previous = await r.partners.current_secret(partner_id)
        secret = secret_from_bytes(random.token_bytes(32))
        until = datetime.now(UTC) + overlap if previous else None
        await r.partners.set_webhook(partner_id, url, secret, previous, until)
        await uow.commit()
    return secret, until


# --- partners: disclosure ---------------------------------------------------------------------

_GONE_TEXT = "the referral's data is no longer available (consent withdrawn or expired, or erased)"


async def disclose(
    uow_factory: UowFactory, casefile: Casefile, partner_id: UUID, referral_id: UUID, today: date
) -> dict[str, Any]:
    """The consented categories of one of the partner's referrals, re-checked and logged."""
    referral = await _check_disclosure(uow_factory, partner_id, referral_id, today)
    try:
        categories = await casefile.disclose(referral)
    except CasefileRefusedError as refused:
        raise _casefile_error(refused.status) from None
    wanted = {str(c) for c in referral.data_categories}
    # Data minimisation again: whatever casefile sends, only the consented categories pass.
    data = {name: value for name, value in categories.items() if name in wanted}
    basis = await _log_disclosure(uow_factory, referral, today)
    return {
        "referral_id": str(referral.referral_id),
        "purpose": str(referral.purpose),
        "data_categories": sorted(wanted),
        "consent_id": str(referral.consent_id),
        "legal_basis": basis,
        "data": data,
    }


async def _check_disclosure(
    uow_factory: UowFactory, partner_id: UUID, referral_id: UUID, today: date
) -> Referral:
    async with uow_factory() as uow:
        r = repos(uow)
        referral = await r.referrals.get_for_partner(referral_id, partner_id)
        if referral is None:
            raise NotFoundError("the referral")
        verdict = await _verdict(r, referral, today)
    _raise_unless_allowed(verdict)
    return referral


async def _verdict(r: Repositories, referral: Referral, today: date) -> Verdict:
    return decide(
        DisclosureRequest(
            referral=referral,
            partner=await r.partners.get(referral.partner_id),
            consent=await r.consents.get(referral.consent_id),
            case_erased=await r.erasures.is_erased(referral.case_id),
            today=today,
        )
    )


def _raise_unless_allowed(verdict: Verdict) -> None:
    if verdict is Verdict.ALLOWED:
        return
    if verdict is Verdict.ORIGIN_AUTHORITY:
        raise DomainError(ORIGIN_REFUSAL, code="partner_origin_authority", status_code=403)
    if verdict in GONE_VERDICTS:
        raise DomainError(_GONE_TEXT, code=str(verdict), status_code=410)
    raise DomainError(
        f"the disclosure is not allowed: {verdict}", code=str(verdict), status_code=403
    )


def _casefile_error(status: int) -> DomainError:
    if status in (404, 410):
        return DomainError(_GONE_TEXT, code="gone", status_code=410)
    if status == 403:
        return DomainError(
            "casefile refused: the consent does not cover this request",
            code="consent_not_covering",
            status_code=403,
        )
    return DomainError(
        "casefile is unavailable; try again later", code="upstream_unavailable", status_code=503
    )


async def _log_disclosure(uow_factory: UowFactory, referral: Referral, today: date) -> str:
    """Log the fact and emit DisclosureMade; re-check first so a withdrawal racing us wins."""
    async with uow_factory() as uow:
        r = repos(uow)
        _raise_unless_allowed(await _verdict(r, referral, today))
        partner = await r.partners.get(referral.partner_id)
        basis = legal_basis(partner.countries if partner else frozenset())
        await r.disclosures.add(uuid4(), referral, basis)
        uow.emit(
            DisclosureMade(
                case_id=referral.case_id,
                referral_id=referral.referral_id,
                partner_id=referral.partner_id,
                consent_id=referral.consent_id,
                data_categories=list(referral.data_categories),
                legal_basis=basis,
            ),
            subject=referral.case_id,
        )
        await uow.commit()
    return basis


# --- partners: inbound reports ----------------------------------------------------------------


async def _own_referral(r: Repositories, partner_id: UUID, referral_id: UUID) -> Referral:
    referral = await r.referrals.get_for_partner(referral_id, partner_id)
    if referral is None:
        raise NotFoundError("the referral")
    partner = await r.partners.get(partner_id)
    if is_origin_authority(referral.partner_type) or (
        partner is not None and is_origin_authority(partner.partner_type)
    ):
        raise DomainError(ORIGIN_REFUSAL, code="partner_origin_authority", status_code=403)
    return referral


def report_status(
    partner_id: UUID,
    referral_id: UUID,
    status: PartnerReportedStatus,
    reason_code: str | None,
) -> Action:
    async def action(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        r = repos(uow)
        referral = await _own_referral(r, partner_id, referral_id)
        # The row lock makes concurrent reports on one referral take turns: each is checked
        # against the status the one before left (both "accepted" and "declined" never pass).
        check = check_report(await r.referrals.lock_status(referral_id), status)
        if not check.accepted:
            # Nothing is emitted; the idempotency key is released, as after every refusal.
            raise DomainError(check.refusal, code="impossible_transition", status_code=409)
        if check.new_status is not None:
            await r.referrals.set_status(referral_id, check.new_status)
        reported_at = datetime.now(UTC)
        envelope = uow.emit(
            PartnerStatusReported(
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
            "reason_code": reason_code,
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
