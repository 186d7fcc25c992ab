"""SQL of notifications: the pull inbox of every partner (``seq`` is the cursor)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from hub_runtime.db import Connection

from partner_gateway.domain.notifications import NotificationKind
from partner_gateway.repository.protocols import InboxEntry


class NotificationRepository:
    """`protocols.NotificationStore` on PostgreSQL (table ``notifications``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(
        self,
        notification_id: UUID,
        partner_id: UUID,
        case_id: UUID,
        kind: str,
        body: str,
        *,
        referral_id: UUID | None = None,
        notice_id: UUID | None = None,
    ) -> None:
        # One writer per partner inbox until commit: ``seq`` comes from a sequence, so two
        # transactions adding to one partner's inbox could otherwise commit in the other order
        # than their numbers. A reader at cursor N would then skip the late-committing N-1 for
        # good, and the delivery worker could send N before N-1. Transaction-scoped, so it is
        # released at commit or rollback; a deadlock between two batches is retried by the
        # consumer like any other.
        await self.conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            f"gateway-inbox:{partner_id}",
        )
        await self.conn.execute(
            "INSERT INTO notifications (notification_id, partner_id, case_id, referral_id,"
            " notice_id, kind, body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            notification_id,
            partner_id,
            case_id,
            referral_id,
            notice_id,
            kind,
            body,
        )

    async def inbox(self, partner_id: UUID, after_seq: int, limit: int) -> list[InboxEntry]:
        rows = await self.conn.fetch(
            "SELECT seq, body, kind, referral_id FROM notifications"
            " WHERE partner_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            partner_id,
            after_seq,
            limit,
        )
        return [InboxEntry(r["seq"], r["body"], r["kind"], r["referral_id"]) for r in rows]

    async def told(self, referral_ids: Sequence[UUID]) -> list[tuple[UUID, UUID, UUID]]:
        """(partner, case, referral) for every partner told anything about these referrals:
        a ``referral.ready`` in its inbox (whether or not the webhook went out; the partner
        may have pulled it) or a disclosure made to it."""
        rows = await self.conn.fetch(
            "SELECT partner_id, case_id, referral_id FROM notifications"
            " WHERE referral_id = ANY($1::uuid[]) AND kind = $2"
            " UNION SELECT partner_id, case_id, referral_id FROM disclosures"
            " WHERE referral_id = ANY($1::uuid[]) ORDER BY 1, 3",
            list(referral_ids),
            str(NotificationKind.REFERRAL_READY),
        )
        return [(r["partner_id"], r["case_id"], r["referral_id"]) for r in rows]
