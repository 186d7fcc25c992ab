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

The procedures here are shared by the handlers of `partner_gateway.handlers.notices`, which
call them through this module (a test of the privacy gates switches ``close_referrals`` off).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from hub_contracts import NoticeKind, NoticeSentV2, ReferralStatus
from hub_contracts.envelope import Envelope
from hub_contracts.referral_lifecycle import NEXT

from partner_gateway.domain import notifications as notes
from partner_gateway.domain.policy import is_origin_authority
from partner_gateway.domain.reports import statuses_that_may_become
from partner_gateway.outbound import notify
from partner_gateway.unit_of_work import GatewayUnitOfWork

SUSPENDABLE: tuple[ReferralStatus, ...] = tuple(
    s for s in ReferralStatus if ReferralStatus.SUSPENDED in NEXT[s]
)
"""The open statuses a referral may be suspended from (and return to)."""


async def close_referrals(
    uow: GatewayUnitOfWork, referral_ids: Sequence[UUID], status: ReferralStatus, reason: str
) -> list[UUID]:
    """Close the open ones among the referrals (``status``: withdrawn or expired) and drop
    their ``referral.ready`` webhooks not sent yet, with ``reason`` in the log: a partner must
    not be sent to fetch data it may no longer have (the fetch is a 410). Returns the ids that
    moved (a replay moves none)."""
    moved = await uow.referrals.move(
        referral_ids, status, only_from=statuses_that_may_become(status)
    )
    await uow.deliveries.drop_pending(referral_ids, notes.NotificationKind.REFERRAL_READY, reason)
    return moved


async def tell(
    uow: GatewayUnitOfWork,
    cause: Envelope,
    referral_ids: Sequence[UUID],
    kind: NoticeKind,
    ack_due: timedelta,
) -> None:
    """A notice of ``kind`` to every partner told of these referrals (never to an id once an
    origin-country authority), due for acknowledgement ``ack_due`` from now."""
    for partner_id, case_id, referral_id in await uow.notifications.told(referral_ids):
        if is_origin_authority(await uow.partners.get(partner_id)):
            continue
        notice_id = uuid4()
        # The database's clock decides overdue (``due_at < now()``): real time, not the
        # council's shifted clock of some tests.
        due = datetime.now(UTC) + ack_due
        if not await uow.notices.add(notice_id, case_id, partner_id, referral_id, str(kind), due):
            continue  # told of this already (a replay, or a second reason for one withdrawal)
        data: dict[str, str | list[str]] = {
            "notice_id": str(notice_id),
            "referral_id": str(referral_id),
            "referral_ids": [str(referral_id)],
        }
        queued = await notify(
            uow, partner_id, case_id, notes.notice_kind(kind), data, referral_id, notice_id
        )
        if not queued:
            # No webhook: the notice is in the partner's pull inbox now, so it counts as sent.
            await uow.notices.mark_sent(notice_id)
            uow.emit(
                NoticeSentV2(
                    case_id=case_id,
                    notice_id=notice_id,
                    partner_id=partner_id,
                    referral_id=referral_id,
                    kind=kind,
                ),
                subject=case_id,
                caused_by=cause,
            )
