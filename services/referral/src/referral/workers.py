"""Background loops of the referral service."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from hub_runtime.service import ServiceContext

from referral import handlers
from referral.clock import Clock
from referral.reevaluation import reevaluate_lapsed

log = logging.getLogger(__name__)


async def expiry_worker(
    ctx: ServiceContext, clock: Clock, answer_within: timedelta, every_seconds: float
) -> None:
    """Each round: withdraw the open referrals whose consent expired or whose partner's
    agreement ended (the time-driven inputs of the privacy rules), then expire unanswered
    referrals batch after batch; then wait for the next round.

    Lapses go first: a referral whose consent ran out is withdrawn (consent_expired) rather than
    expired for want of an answer. Suspended referrals are never expired (see
    ``repository.unanswered_since``)."""
    while True:
        await reevaluate_lapsed(ctx.unit_of_work, clock)
        while await handlers.expire_unanswered(ctx.unit_of_work, clock, answer_within) > 0:
            pass  # a full batch may mean more are waiting
        await asyncio.sleep(every_seconds)
