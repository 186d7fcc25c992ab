"""SQL of notices: withdrawal, erasure, suspension and resumption notices and their acks."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from hub_runtime.db import Connection

from partner_gateway.repository.protocols import Notice


class NoticeRepository:
    """`protocols.NoticeStore` on PostgreSQL (table ``notices``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(
        self,
        notice_id: UUID,
        case_id: UUID,
        partner_id: UUID,
        referral_id: UUID,
        kind: str,
        due_at: datetime,
    ) -> bool:
        """Record a notice; False when this partner had this withdrawal or erasure notice for
        this referral already (then nothing is recorded and nothing should be sent)."""
        return bool(
            await self.conn.fetchval(
                "INSERT INTO notices (notice_id, case_id, partner_id, referral_id, kind, due_at)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
                notice_id,
                case_id,
                partner_id,
                referral_id,
                kind,
                due_at,
            )
        )

    async def referral_of(self, notice_id: UUID) -> UUID | None:
        """The referral a notice is about (None for notices stored before migration 0010)."""
        value = await self.conn.fetchval(
            "SELECT referral_id FROM notices WHERE notice_id = $1", notice_id
        )
        return value if isinstance(value, UUID) else None

    async def mark_sent(self, notice_id: UUID) -> None:
        await self.conn.execute(
            "UPDATE notices SET sent_at = COALESCE(sent_at, now()) WHERE notice_id = $1",
            notice_id,
        )

    async def get_for_partner(self, notice_id: UUID, partner_id: UUID) -> Notice | None:
        row = await self.conn.fetchrow(
            "SELECT notice_id, case_id, partner_id, referral_id, kind, acknowledged_at"
            " FROM notices WHERE notice_id = $1 AND partner_id = $2 FOR UPDATE",
            notice_id,
            partner_id,
        )
        return None if row is None else Notice(**dict(row))

    async def acknowledge(self, notice_id: UUID, at: datetime) -> None:
        await self.conn.execute(
            "UPDATE notices SET acknowledged_at = $2 WHERE notice_id = $1", notice_id, at
        )

    async def listing(
        self, overdue_only: bool, limit: int, partner_id: UUID | None = None
    ) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT notice_id, case_id, partner_id, referral_id, kind, created_at, due_at, sent_at,"
            " acknowledged_at, (acknowledged_at IS NULL AND due_at < now()) AS overdue"
            " FROM notices WHERE (NOT $1 OR (acknowledged_at IS NULL AND due_at < now()))"
            " AND ($3::uuid IS NULL OR partner_id = $3)"
            " ORDER BY created_at LIMIT $2",
            overdue_only,
            limit,
            partner_id,
        )
        return [dict(r) for r in rows]
