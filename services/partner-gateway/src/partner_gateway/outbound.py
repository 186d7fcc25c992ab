"""Putting a notification in a partner's inbox and, if it has a webhook, in the delivery queue."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from partner_gateway.domain import notifications as notes
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
    if partner is None or partner.webhook_url is None:
        return False
    await uow.deliveries.enqueue(notification_id, partner_id)
    return True
