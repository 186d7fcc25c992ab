"""The pull inbox: the partner's notifications in order, each ``referral.ready`` judged again.

An entry for a referral that no longer holds at the moment of listing (consent withdrawn or
expired, person erased, case closed, partner no longer standing, referral withdrawn, expired or
suspended) is left out: the partner finds the notice about it instead, written when it stopped.
The cursor still moves past a left-out entry (the page may hold fewer than ``limit`` items); a
suspended referral's resumption notice names it again.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from partner_gateway import gates
from partner_gateway.domain.notifications import NotificationKind
from partner_gateway.repository import Repositories


async def page(
    pool: asyncpg.Pool, partner_id: UUID, after_seq: int, limit: int, today: date
) -> tuple[list[dict[str, Any]], int]:
    """(the items to show, the cursor after the last entry read) for ``today``."""
    async with pool.acquire() as conn, conn.transaction(readonly=True):
        r = Repositories.on(conn)
        entries = await r.notifications.inbox(partner_id, after_seq, limit)
        items = []
        for entry in entries:
            if entry.kind == NotificationKind.REFERRAL_READY and entry.referral_id is not None:
                referral = await r.referrals.get(entry.referral_id)
                if referral is None or await gates.judge(r, referral, today) is not None:
                    continue
            items.append(json.loads(entry.body))
    return items, entries[-1].seq if entries else after_seq
