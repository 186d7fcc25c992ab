"""The expiry round of the referral service (`bootstrap` runs it in one instance at a time,
every ``REFERRAL_EXPIRY_CHECK_SECONDS``)."""

from __future__ import annotations

from datetime import timedelta

from hub_runtime.bus import MessageBus

from referral.deps import Deps
from referral.messages import ExpireUnanswered, ReevaluateLapsed
from referral.unit_of_work import ReferralUnitOfWork


async def expiry_round(bus: MessageBus[ReferralUnitOfWork, Deps], answer_within: timedelta) -> int:
    """One round: withdraw the open referrals whose consent expired or whose partner's
    agreement ended (the time-driven inputs of the privacy rules), page after page, then expire
    unanswered referrals batch after batch. Returns how many referrals expired.

    Lapses go first: a referral whose consent ran out is withdrawn (consent_expired) rather than
    expired for want of an answer. Each page or batch is one unit of work."""
    page = await bus.dispatch(ReevaluateLapsed())
    while page.full:
        page = await bus.dispatch(ReevaluateLapsed(after=page.last_case))
    expired = 0
    while batch := await bus.dispatch(ExpireUnanswered(answer_within)):
        expired += batch  # a batch that expired something may mean more are waiting
    return expired
