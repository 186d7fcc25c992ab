"""The events that stop, pause or resume referrals (see `partner_gateway.notices`)."""

from __future__ import annotations

from uuid import UUID

from hub_contracts import (
    ConsentWithdrawn,
    NoticeKind,
    PersonErased,
    ReferralStatus,
    ReferralStatusChanged,
    ReferralStatusChangedV2,
)
from hub_contracts.envelope import Envelope
from hub_contracts.referral_lifecycle import CLOSED_BY_COUNCIL
from hub_runtime.bus import Event

from partner_gateway import notices
from partner_gateway.deps import Deps
from partner_gateway.domain import notifications as notes
from partner_gateway.domain.policy import SUSPENDED
from partner_gateway.unit_of_work import GatewayUnitOfWork


async def on_consent_withdrawn(
    event: Event[ConsentWithdrawn], uow: GatewayUnitOfWork, deps: Deps
) -> None:
    """Withdraw every referral under the consent and tell every partner told of one, whatever
    its status: data fetched under a withdrawn consent must be handled accordingly (GDPR art.
    7(3), art. 17(2))."""
    payload = event.payload
    await uow.consents.withdraw(payload.consent_id, payload.withdrawn_at)
    referral_ids = await uow.referrals.under_consent(payload.consent_id)
    await notices.close_referrals(uow, referral_ids, ReferralStatus.WITHDRAWN, "consent_withdrawn")
    await notices.tell(
        uow, event.envelope, referral_ids, NoticeKind.WITHDRAWAL, deps.notice_ack_due
    )


async def on_person_erased(event: Event[PersonErased], uow: GatewayUnitOfWork, deps: Deps) -> None:
    """Withdraw every referral of the erased person's case and send erasure notices (GDPR art.
    17(2): recipients are told of the erasure)."""
    payload = event.payload
    await uow.erasures.erase(payload.case_id, payload.erased_at)
    referral_ids = await uow.referrals.of_case(payload.case_id)
    await notices.close_referrals(uow, referral_ids, ReferralStatus.WITHDRAWN, "person_erased")
    await notices.tell(uow, event.envelope, referral_ids, NoticeKind.ERASURE, deps.notice_ack_due)


async def on_status_changed_v1(
    event: Event[ReferralStatusChanged], uow: GatewayUnitOfWork, deps: Deps
) -> None:
    """v1 knows no suspension: follow its closures (withdrawn, expired) only."""
    to_status = ReferralStatus(event.payload.to_status.value)  # v1's frozen list is a subset
    await _follow(uow, deps, event.envelope, event.payload.referral_id, None, to_status)


async def on_status_changed_v2(
    event: Event[ReferralStatusChangedV2], uow: GatewayUnitOfWork, deps: Deps
) -> None:
    """The council's closures, suspensions and resumptions of a referral."""
    p = event.payload
    await _follow(uow, deps, event.envelope, p.referral_id, p.from_status, p.to_status)


async def _follow(
    uow: GatewayUnitOfWork,
    deps: Deps,
    cause: Envelope,
    referral_id: UUID,
    from_status: ReferralStatus | None,
    to_status: ReferralStatus,
) -> None:
    """The partner's own steps the gateway knows first, from its reports; referral's echo of
    them comes later and must not move the status back, so only these are followed."""
    if not is_followed(from_status, to_status):
        return
    due = deps.notice_ack_due
    if to_status in CLOSED_BY_COUNCIL:
        await notices.close_referrals(uow, [referral_id], to_status, f"referral_{to_status}")
        await notices.tell(uow, cause, [referral_id], NoticeKind.WITHDRAWAL, due)
    elif to_status is ReferralStatus.SUSPENDED:
        if await uow.referrals.suspend(referral_id, notices.SUSPENDABLE):
            await uow.deliveries.drop_pending(
                [referral_id], notes.NotificationKind.REFERRAL_READY, SUSPENDED
            )
            await notices.tell(uow, cause, [referral_id], NoticeKind.SUSPENSION, due)
    elif (
        from_status is ReferralStatus.SUSPENDED
        and to_status in notices.SUSPENDABLE
        and await uow.referrals.resume(referral_id, to_status)
    ):
        await notices.tell(uow, cause, [referral_id], NoticeKind.RESUMPTION, due)


def is_followed(from_status: ReferralStatus | None, to_status: ReferralStatus) -> bool:
    """Whether a status change may change anything here: a closure by the council, a
    suspension, or a return from suspension to an open status (``from_status`` None: v1, which
    knows no suspension). The partner's own steps (delivered, accepted, ...) are not: the
    gateway knew them first. Pure, so the batch route can skip the others unread."""
    return (
        to_status in CLOSED_BY_COUNCIL
        or to_status is ReferralStatus.SUSPENDED
        or (from_status is ReferralStatus.SUSPENDED and to_status in notices.SUSPENDABLE)
    )
