"""Putting a notification in a partner's inbox and, if it has a webhook, in the delivery queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from partner_gateway.domain import notifications as notes
from partner_gateway.domain.model import PartnerView
from partner_gateway.repository.bulk_protocol import NewNotification
from partner_gateway.unit_of_work import GatewayUnitOfWork


async def notify(
    uow: GatewayUnitOfWork,
    partner_id: UUID,
    case_id: UUID,
    kind: notes.NotificationKind,
    data: dict[str, str | list[str]],
    referral_id: UUID | None = None,
    notice_id: UUID | None = None,
) -> bool:
    """Write the notification (the inbox entry) and queue its webhook; True when queued.

    Written in the caller's transaction, with the fact that caused it. Whether it may go out
    is decided again when it is sent and when the inbox lists it (``partner_gateway.gates``).
    """
    notification_id = uuid4()
    body = notes.body(kind, notification_id, datetime.now(UTC), data)
    await uow.notifications.add(
        notification_id,
        partner_id,
        case_id,
        str(kind),
        body,
        referral_id=referral_id,
        notice_id=notice_id,
    )
    partner = await uow.partners.get(partner_id)
    if not has_webhook(partner):
        return False
    await uow.deliveries.enqueue(notification_id, partner_id)
    return True


@dataclass(frozen=True)
class Outgoing:
    """One notification for `notify_many`: `notify`'s arguments."""

    partner_id: UUID
    case_id: UUID
    kind: notes.NotificationKind
    data: dict[str, str | list[str]]
    referral_id: UUID | None = None
    notice_id: UUID | None = None


async def notify_many(
    uow: GatewayUnitOfWork, partners: Mapping[UUID, PartnerView], outgoing: Sequence[Outgoing]
) -> None:
    """`notify` for each, in order, with one statement per table: ``partners`` must hold the
    directory's entry of each partner named (as read in this transaction; absent: unknown)."""
    if not outgoing:
        return
    now = datetime.now(UTC)
    rows = []
    for o in outgoing:
        notification_id = uuid4()
        body = notes.body(o.kind, notification_id, now, o.data)
        rows.append(
            NewNotification(
                notification_id,
                o.partner_id,
                o.case_id,
                str(o.kind),
                body,
                referral_id=o.referral_id,
                notice_id=o.notice_id,
            )
        )
    await uow.bulk.add_notifications(rows)
    queued = [
        (n.notification_id, n.partner_id) for n in rows if has_webhook(partners.get(n.partner_id))
    ]
    if queued:
        await uow.bulk.enqueue(queued)


def has_webhook(partner: PartnerView | None) -> bool:
    """Whether notifications to the partner are also queued as webhooks (else: pull only)."""
    return partner is not None and partner.webhook_url is not None
