"""SQL of the disclosure log: the fact of each disclosure, never the data."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hub_runtime.db import Connection

from partner_gateway.domain.model import Referral


class DisclosureRepository:
    """`protocols.DisclosureStore` on PostgreSQL (table ``disclosures``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(
        self,
        disclosure_id: UUID,
        referral: Referral,
        legal_basis: str,
        staff_id: UUID | None = None,
    ) -> None:
        await self.conn.execute(
            "INSERT INTO disclosures (disclosure_id, partner_id, referral_id, case_id, consent_id,"
            " data_categories, legal_basis, staff_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            disclosure_id,
            referral.partner_id,
            referral.referral_id,
            referral.case_id,
            referral.consent_id,
            [str(c) for c in referral.data_categories],
            legal_basis,
            staff_id,
        )

    async def log(
        self, referral_id: UUID | None, case_id: UUID | None, limit: int
    ) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT * FROM disclosures WHERE ($1::uuid IS NULL OR referral_id = $1)"
            " AND ($2::uuid IS NULL OR case_id = $2) ORDER BY disclosed_at LIMIT $3",
            referral_id,
            case_id,
            limit,
        )
        return [dict(r) for r in rows]
