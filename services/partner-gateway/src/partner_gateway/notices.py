"""When a referral stops, pauses or resumes, every partner told of it is told again.

"Told" means a ``referral.ready`` in the partner's inbox (the webhook may or may not have gone
out; a partner can pull its inbox at any time) or a disclosure made to it. Kinds
(``NoticeKind``): ``withdrawal`` (consent withdrawn, referral withdrawn or expired),
``erasure`` (the person erased), ``suspension`` and ``resumption`` (protection first). A
``referral.ready`` still pending when its referral stops or pauses is dropped, never sent.

Each notice is a signed webhook (``NoticeSent.v2`` once delivered) or, for a partner without a
webhook, an inbox entry (``NoticeSent.v2`` at once); its acknowledgement is tracked and it is
overdue after ``notice_ack_due_seconds``. A withdrawal or erasure notice goes to a partner at
most once per referral; suspension and resumption follow actual changes of the status.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from hub_contracts import (
    ConsentWithdrawn,
    NoticeKind,
    NoticeSentV2,
    PersonErased,
    ReferralStatus,
    ReferralStatusChanged,
    ReferralStatusChangedV2,
)
from hub_contracts.envelope import Envelope
from hub_contracts.referral_lifecycle import CLOSED_BY_COUNCIL, NEXT
from hub_runtime.unit_of_work import UnitOfWork

from partner_gateway.domain import notifications as notes
from partner_gateway.domain.policy import SUSPENDED, is_origin_authority
from partner_gateway.domain.reports import statuses_that_may_become
from partner_gateway.outbound import notify
from partner_gateway.repository import Repositories
from partner_gateway.unit_of_work import repos

SUSPENDABLE: tuple[ReferralStatus, ...] = tuple(
    s for s in ReferralStatus if ReferralStatus.SUSPENDED in NEXT[s]
)
"""The open statuses a referral may be suspended from (and return to)."""


class NoticeRules:
    """The handlers of the events that stop, pause or resume referrals (see the module)."""

    def __init__(self, ack_due: timedelta) -> None:
        self.ack_due = ack_due

    async def on_consent_withdrawn(
        self, uow: UnitOfWork, envelope: Envelope, payload: ConsentWithdrawn
    ) -> None:
        r = repos(uow)
        await r.consents.withdraw(payload.consent_id, payload.withdrawn_at)
        referral_ids = await r.referrals.under_consent(payload.consent_id)
        await close_referrals(r, referral_ids, ReferralStatus.WITHDRAWN, "consent_withdrawn")
        # Every referral under the consent, whatever its status: data fetched under a consent
        # that is withdrawn must be handled accordingly by the partner.
        await self._tell(uow, envelope, referral_ids, NoticeKind.WITHDRAWAL)

    async def on_person_erased(
        self, uow: UnitOfWork, envelope: Envelope, payload: PersonErased
    ) -> None:
        r = repos(uow)
        await r.erasures.erase(payload.case_id, payload.erased_at)
        referral_ids = await r.referrals.of_case(payload.case_id)
        await close_referrals(r, referral_ids, ReferralStatus.WITHDRAWN, "person_erased")
        await self._tell(uow, envelope, referral_ids, NoticeKind.ERASURE)

    async def on_status_changed_v1(
        self, uow: UnitOfWork, envelope: Envelope, payload: ReferralStatusChanged
    ) -> None:
        """v1 knows no suspension: follow its closures (withdrawn, expired) only."""
        to_status = ReferralStatus(payload.to_status.value)  # v1's frozen list is a subset
        await self._follow(uow, envelope, payload.referral_id, None, to_status)

    async def on_status_changed_v2(
        self, uow: UnitOfWork, envelope: Envelope, payload: ReferralStatusChangedV2
    ) -> None:
        await self._follow(
            uow, envelope, payload.referral_id, payload.from_status, payload.to_status
        )

    async def _follow(
        self,
        uow: UnitOfWork,
        envelope: Envelope,
        referral_id: UUID,
        from_status: ReferralStatus | None,
        to_status: ReferralStatus,
    ) -> None:
        """The council's closures, suspensions and resumptions. The partner's own steps the
        gateway knows first, from its reports; referral's echo of them comes later and must not
        move the status back."""
        r = repos(uow)
        if to_status in CLOSED_BY_COUNCIL:
            await close_referrals(r, [referral_id], to_status, f"referral_{to_status}")
            await self._tell(uow, envelope, [referral_id], NoticeKind.WITHDRAWAL)
        elif to_status is ReferralStatus.SUSPENDED:
            if await r.referrals.suspend(referral_id, SUSPENDABLE):
                await r.deliveries.drop_pending(
                    [referral_id], notes.NotificationKind.REFERRAL_READY, SUSPENDED
                )
                await self._tell(uow, envelope, [referral_id], NoticeKind.SUSPENSION)
        elif (
            from_status is ReferralStatus.SUSPENDED
            and to_status in SUSPENDABLE
            and await r.referrals.resume(referral_id, to_status)
        ):
            await self._tell(uow, envelope, [referral_id], NoticeKind.RESUMPTION)

    async def _tell(
        self, uow: UnitOfWork, envelope: Envelope, referral_ids: Sequence[UUID], kind: NoticeKind
    ) -> None:
        r = repos(uow)
        for partner_id, case_id, referral_id in await r.notifications.told(referral_ids):
            if is_origin_authority(await r.partners.get(partner_id)):
                continue  # an id once an origin-country authority never receives anything
            await self._notice(uow, envelope, partner_id, case_id, referral_id, kind)

    async def _notice(
        self,
        uow: UnitOfWork,
        envelope: Envelope,
        partner_id: UUID,
        case_id: UUID,
        referral_id: UUID,
        kind: NoticeKind,
    ) -> None:
        r = repos(uow)
        notice_id = uuid4()
        due = datetime.now(UTC) + self.ack_due
        if not await r.notices.add(notice_id, case_id, partner_id, referral_id, str(kind), due):
            return  # told of this already (a replay, or a second reason for one withdrawal)
        data: dict[str, str | list[str]] = {
            "notice_id": str(notice_id),
            "referral_id": str(referral_id),
            "referral_ids": [str(referral_id)],
        }
        queued = await notify(
            r, partner_id, case_id, notes.notice_kind(kind), data, referral_id, notice_id
        )
        if not queued:
            # No webhook: the notice is in the partner's pull inbox now, so it counts as sent.
            await r.notices.mark_sent(notice_id)
            uow.emit(
                NoticeSentV2(
                    case_id=case_id,
                    notice_id=notice_id,
                    partner_id=partner_id,
                    referral_id=referral_id,
                    kind=kind,
                ),
                subject=case_id,
                caused_by=envelope,
            )


async def close_referrals(
    r: Repositories, referral_ids: Sequence[UUID], status: ReferralStatus, reason: str
) -> list[UUID]:
    """Close the open ones among the referrals (withdrawn or expired) and drop their
    referral.ready webhooks not sent yet: a partner must not be sent to fetch data it may no
    longer have (the fetch is a 410). An expiry often follows an unreachable partner."""
    moved = await r.referrals.move(referral_ids, status, only_from=statuses_that_may_become(status))
    await r.deliveries.drop_pending(referral_ids, notes.NotificationKind.REFERRAL_READY, reason)
    return moved
