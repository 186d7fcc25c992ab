"""Reads: the partner's pull inbox (judged again at listing) and the admin logs."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from partner_gateway import gates
from partner_gateway.deps import Deps
from partner_gateway.domain.notifications import NotificationKind
from partner_gateway.messages import (
    DeliveryLog,
    DisclosureLog,
    InboxPage,
    NoticeListing,
    PortalOverview,
    PortalReferral,
    ReadInbox,
    ReadPortalOverview,
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


_PAGE = 200
_MOST = 2000  # entries read for one overview; beyond that the portal shows the newest only


async def portal_overview(
    message: ReadPortalOverview, uow: GatewayUnitOfWork, deps: Deps
) -> PortalOverview:
    """The partner's referrals from its inbox (each ``referral.ready`` judged as `read_inbox`
    judges it: one that no longer holds is left out) with their status, and its notices with
    their acknowledgement; both newest first. Reads at most 2000 inbox entries."""
    today = deps.clock.today()
    referrals: list[PortalReferral] = []
    seen: set[UUID] = set()
    after, read = 0, 0
    while read < _MOST:
        entries = await uow.notifications.inbox(message.partner_id, after, _PAGE)
        if not entries:
            break
        read, after = read + len(entries), entries[-1].seq
        for entry in entries:
            if entry.kind != NotificationKind.REFERRAL_READY or entry.referral_id is None:
                continue
            referral = await uow.referrals.get(entry.referral_id)
            if referral is None or referral.referral_id in seen:
                continue
            if await gates.judge(uow, referral, today) is not None:
                continue
            seen.add(referral.referral_id)
            status = await uow.referrals.status_of(referral.referral_id)
            referrals.append(
                PortalReferral(
                    referral_id=referral.referral_id,
                    purpose=str(referral.purpose),
                    data_categories=tuple(str(c) for c in referral.data_categories),
                    status=None if status is None else str(status),
                    told_at=str(json.loads(entry.body)["timestamp"]),
                )
            )
    notices = await uow.notices.listing(False, _MOST, partner_id=message.partner_id)
    return PortalOverview(referrals[::-1], notices[::-1])
