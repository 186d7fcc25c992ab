"""Background loops of the referral service."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from hub_runtime.service import ServiceContext

from referral import handlers
from referral.clock import Clock

log = logging.getLogger(__name__)


async def expiry_worker(
    ctx: ServiceContext, clock: Clock, answer_within: timedelta, every_seconds: float
) -> None:
    """Expire unanswered referrals, batch after batch, then wait for the next round."""
    while True:
        while await handlers.expire_unanswered(ctx.unit_of_work, clock, answer_within) > 0:
            pass  # a full batch may mean more are waiting
        await asyncio.sleep(every_seconds)
