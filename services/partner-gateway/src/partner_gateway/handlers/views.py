"""Reads: the partner's pull inbox (judged again at listing) and the admin logs."""

from __future__ import annotations

import json
from typing import Any

from partner_gateway import gates
from partner_gateway.deps import Deps
from partner_gateway.domain.notifications import NotificationKind
from partner_gateway.messages import (
    DeliveryLog,
    DisclosureLog,
    InboxPage,
    NoticeListing,
    ReadInbox,
)
from partner_gateway.unit_of_work import GatewayUnitOfWork


async def read_inbox(message: ReadInbox, uow: GatewayUnitOfWork, deps: Deps) -> InboxPage:
    """The partner's notifications after the cursor, oldest first. A ``referral.ready`` whose
    referral no longer holds on the council's day (consent withdrawn or expired, person
    erased, case closed, partner no longer standing, referral withdrawn, expired or suspended)
    is left out: the partner finds the notice written when it stopped. The cursor still moves
    past it, so a page may hold fewer than ``limit`` items."""
    entries = await uow.notifications.inbox(message.partner_id, message.after, message.limit)
    today = deps.clock.today()
    items = []
    for entry in entries:
        if entry.kind == NotificationKind.REFERRAL_READY and entry.referral_id is not None:
            referral = await uow.referrals.get(entry.referral_id)
            if referral is None or await gates.judge(uow, referral, today) is not None:
                continue
        items.append(json.loads(entry.body))
    return InboxPage(items, str(entries[-1].seq if entries else message.after))


async def delivery_log(message: DeliveryLog, uow: GatewayUnitOfWork, deps: Deps) -> dict[str, Any]:
    """``items``: the delivery log page; ``breakers``: every webhook partner's circuit."""
    rows = await uow.deliveries.log(message.partner_id, message.state, message.after, message.limit)
    return {"items": rows, "breakers": await uow.partners.breaker_states()}


async def disclosure_log(
    message: DisclosureLog, uow: GatewayUnitOfWork, deps: Deps
) -> dict[str, Any]:
    """``items``: the disclosure log, filtered by referral and case."""
    rows = await uow.disclosures.log(message.referral_id, message.case_id, message.limit)
    return {"items": rows}


async def notice_listing(
    message: NoticeListing, uow: GatewayUnitOfWork, deps: Deps
) -> dict[str, Any]:
    """``items``: notices, or only the overdue ones."""
    return {"items": await uow.notices.listing(message.overdue_only, message.limit)}
