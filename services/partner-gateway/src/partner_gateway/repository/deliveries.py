"""SQL of the webhook delivery queue and its log (one pending delivery per partner at a time)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from hub_runtime.db import Connection

from partner_gateway.domain.notifications import NotificationKind


@dataclass(frozen=True)
class DueDelivery:
    """A leased delivery with everything needed to send it (``secrets``: current first)."""

    id: int
    notification_id: UUID
    partner_id: UUID
    case_id: UUID
    referral_id: UUID | None
    notice_id: UUID | None
    kind: str
    body: str
    attempts: int
    webhook_url: str
    secrets: tuple[str, ...]
    partner_type: str
    ever_origin_authority: bool


class DeliveryRepository:
    """`protocols.DeliveryStore` on PostgreSQL (``deliveries``), plus the delivery worker's
    lease and outcome queries."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def enqueue(self, notification_id: UUID, partner_id: UUID) -> None:
        await self.conn.execute(
            "INSERT INTO deliveries (notification_id, partner_id) VALUES ($1, $2)",
            notification_id,
            partner_id,
        )

    async def lease_due(self, limit: int, lease_seconds: float) -> list[DueDelivery]:
        """Lease the oldest pending delivery of each partner (in its inbox order) whose turn it is.

        Only a partner's oldest pending row is a candidate (in order, one at a time per
        partner); a partner with an open circuit, without a webhook or no longer active in
        the directory is skipped (its deliveries wait, e.g. for a reactivation). The lease
        keeps other worker processes off the row while it is being sent; the re-check of
        ``d.lease_until`` after a concurrent update makes two processes never lease one row.
        """
        rows = await self.conn.fetch(
            """
            WITH heads AS (
                -- In the partner's inbox order (notifications.seq), not by deliveries.id: two
                -- transactions applying events of different partitions at once can take the
                -- two sequences in opposite orders.
                SELECT DISTINCT ON (d.partner_id) d.id, d.partner_id
                FROM deliveries d JOIN notifications n ON n.notification_id = d.notification_id
                WHERE d.state = 'pending' ORDER BY d.partner_id, n.seq
            ), chosen AS (
                SELECT h.id FROM heads h
                JOIN deliveries d ON d.id = h.id
                JOIN partners p ON p.partner_id = h.partner_id
                WHERE d.next_attempt_at <= now()
                  AND (d.lease_until IS NULL OR d.lease_until < now())
                  AND (p.breaker_open_until IS NULL OR p.breaker_open_until <= now())
                  AND p.webhook_url IS NOT NULL AND p.active
                ORDER BY d.next_attempt_at LIMIT $1
            )
            UPDATE deliveries d SET lease_until = now() + make_interval(secs => $2)
            FROM chosen c, notifications n, partners p
            WHERE d.id = c.id AND n.notification_id = d.notification_id
              AND p.partner_id = d.partner_id AND d.state = 'pending'
              AND (d.lease_until IS NULL OR d.lease_until < now())
            RETURNING d.id, d.notification_id, d.partner_id, n.case_id, n.referral_id,
                      n.notice_id, n.kind, n.body, d.attempts, p.webhook_url, p.webhook_secret,
                      p.partner_type, p.ever_origin_authority,
                      ARRAY(SELECT w.secret FROM webhook_retired_secrets w
                            WHERE w.partner_id = p.partner_id AND w.valid_until > now()
                            ORDER BY w.valid_until DESC) AS retired_secrets
            """,
            limit,
            lease_seconds,
        )
        return [_due(r) for r in rows]

    async def mark_delivered(self, delivery_id: int, attempt: int, status: int) -> None:
        """The delivery succeeded at attempt ``attempt`` with HTTP ``status``."""
        await self.conn.execute(
            "UPDATE deliveries SET state = 'delivered', attempts = $2, last_status = $3,"
            " last_error = NULL, lease_until = NULL, finished_at = now() WHERE id = $1",
            delivery_id,
            attempt,
            status,
        )

    async def mark_failed(
        self,
        delivery_id: int,
        attempt: int,
        status: int | None,
        error: str,
        next_attempt_at: datetime,
        give_up: bool,
    ) -> None:
        """Attempt ``attempt`` failed (``error`` a closed code): retried at ``next_attempt_at``,
        or ``given_up``. A delivery dropped or given up meanwhile stays so."""
        await self.conn.execute(
            "UPDATE deliveries SET attempts = $2, last_status = $3, last_error = $4,"
            " next_attempt_at = $5, lease_until = NULL,"
            " state = CASE WHEN $6 THEN 'given_up' ELSE 'pending' END,"
            " finished_at = CASE WHEN $6 THEN now() END"
            # a delivery given up meanwhile (partner reclassified) stays given up
            " WHERE id = $1 AND state = 'pending'",
            delivery_id,
            attempt,
            status,
            error,
            next_attempt_at,
            give_up,
        )

    async def drop_pending(
        self, referral_ids: Sequence[UUID], kind: NotificationKind, reason: str
    ) -> None:
        """Never send the pending ``kind`` webhooks about these referrals; the log keeps why.

        A delivery leased right now is dropped too, so a failed attempt is never retried
        (``mark_failed`` only touches pending rows); a POST already on its way and answered 2xx
        is recorded as delivered, which it was.
        """
        await self.conn.execute(
            "UPDATE deliveries d SET state = 'dropped', last_error = $3, finished_at = now(),"
            " lease_until = NULL FROM notifications n"
            " WHERE n.notification_id = d.notification_id AND d.state = 'pending'"
            " AND n.kind = $2 AND n.referral_id = ANY($1::uuid[])",
            list(referral_ids),
            str(kind),
            reason,
        )

    async def drop(self, delivery_id: int, reason: str) -> None:
        """Never send this (leased) delivery: its referral no longer holds at the moment of
        sending. The log keeps the rule's code as the reason."""
        await self.conn.execute(
            "UPDATE deliveries SET state = 'dropped', last_error = $2, finished_at = now(),"
            " lease_until = NULL WHERE id = $1 AND state = 'pending'",
            delivery_id,
            reason,
        )

    async def give_up_pending(self, partner_id: UUID, reason: str) -> None:
        await self.conn.execute(
            "UPDATE deliveries SET state = 'given_up', last_error = $2, finished_at = now(),"
            " lease_until = NULL WHERE partner_id = $1 AND state = 'pending'",
            partner_id,
            reason,
        )

    async def log(
        self, partner_id: UUID | None, state: str | None, after_id: int, limit: int
    ) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT d.id, d.notification_id, d.partner_id, n.referral_id, n.notice_id, n.kind,"
            " d.state, d.attempts, d.last_status, d.last_error, d.next_attempt_at,"
            " d.created_at, d.finished_at FROM deliveries d"
            " JOIN notifications n ON n.notification_id = d.notification_id"
            " WHERE ($1::uuid IS NULL OR d.partner_id = $1) AND ($2::text IS NULL OR d.state = $2)"
            " AND d.id > $3 ORDER BY d.id LIMIT $4",
            partner_id,
            state,
            after_id,
            limit,
        )
        return [dict(r) for r in rows]


def _due(row: asyncpg.Record) -> DueDelivery:
    # The current secret first, then every retired one still within its promised end.
    secrets = [row["webhook_secret"], *row["retired_secrets"]]
    return DueDelivery(
        id=row["id"],
        notification_id=row["notification_id"],
        partner_id=row["partner_id"],
        case_id=row["case_id"],
        referral_id=row["referral_id"],
        notice_id=row["notice_id"],
        kind=row["kind"],
        body=row["body"],
        attempts=row["attempts"],
        webhook_url=row["webhook_url"],
        secrets=tuple(secrets),
        partner_type=row["partner_type"],
        ever_origin_authority=row["ever_origin_authority"],
    )
