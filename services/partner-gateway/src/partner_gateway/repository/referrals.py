"""SQL of the gateway's referrals: approved ones, their status as the gateway follows it."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg
from hub_contracts import DataCategory, PartnerType, Purpose, ReferralStatus
from hub_runtime.db import Connection

from partner_gateway.domain.model import GateFacts, Referral
from partner_gateway.repository.gate_facts import gate_facts


class ReferralRepository:
    """`protocols.ReferralStore` on PostgreSQL (table ``referrals``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(self, referral: Referral, status: ReferralStatus) -> bool:
        inserted = await self.conn.fetchval(
            "INSERT INTO referrals (referral_id, case_id, partner_id, partner_type, purpose,"
            " data_categories, consent_id, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (referral_id) DO NOTHING RETURNING true",
            referral.referral_id,
            referral.case_id,
            referral.partner_id,
            str(referral.partner_type),
            str(referral.purpose),
            [str(c) for c in referral.data_categories],
            referral.consent_id,
            str(status),
        )
        return bool(inserted)

    async def lock_status(self, referral_id: UUID) -> ReferralStatus | None:
        """The referral's status, its row locked until the transaction ends.

        None for a referral approved before the gateway kept statuses (or an unknown one).
        """
        value = await self.conn.fetchval(
            "SELECT status FROM referrals WHERE referral_id = $1 FOR UPDATE", referral_id
        )
        return None if value is None else ReferralStatus(value)

    async def set_status(self, referral_id: UUID, status: ReferralStatus) -> None:
        await self.conn.execute(
            "UPDATE referrals SET status = $2 WHERE referral_id = $1", referral_id, str(status)
        )

    async def move(
        self,
        referral_ids: Sequence[UUID],
        status: ReferralStatus,
        only_from: Sequence[ReferralStatus],
    ) -> list[UUID]:
        """Set ``status`` on those of the referrals whose status is one of ``only_from``;
        returns the ones that moved (a replay moves none)."""
        rows = await self.conn.fetch(
            "UPDATE referrals SET status = $2 WHERE referral_id = ANY($1::uuid[])"
            " AND status = ANY($3::text[]) RETURNING referral_id",
            list(referral_ids),
            str(status),
            [str(s) for s in only_from],
        )
        return [r["referral_id"] for r in rows]

    async def suspend(self, referral_id: UUID, only_from: Sequence[ReferralStatus]) -> bool:
        """Suspended, remembering the status it had; False when it was not in ``only_from``."""
        return bool(
            await self.conn.fetchval(
                "UPDATE referrals SET suspended_from = status, status = 'suspended'"
                " WHERE referral_id = $1 AND status = ANY($2::text[]) RETURNING true",
                referral_id,
                [str(s) for s in only_from],
            )
        )

    async def resume(self, referral_id: UUID, status: ReferralStatus) -> bool:
        """Back from suspended to ``status``; False when it was not suspended (a replay)."""
        return bool(
            await self.conn.fetchval(
                "UPDATE referrals SET status = $2, suspended_from = NULL"
                " WHERE referral_id = $1 AND status = 'suspended' RETURNING true",
                referral_id,
                str(status),
            )
        )

    async def status_of(self, referral_id: UUID) -> ReferralStatus | None:
        value = await self.conn.fetchval(
            "SELECT status FROM referrals WHERE referral_id = $1", referral_id
        )
        return None if value is None else ReferralStatus(value)

    async def gate_facts(self, referral: Referral) -> GateFacts:
        """The facts every gate judges on, in one query (`repository.gate_facts`)."""
        return await gate_facts(self.conn, referral)

    async def get(self, referral_id: UUID) -> Referral | None:
        row = await self.conn.fetchrow(
            "SELECT * FROM referrals WHERE referral_id = $1", referral_id
        )
        return None if row is None else _referral(row)

    async def under_consent(self, consent_id: UUID) -> list[UUID]:
        rows = await self.conn.fetch(
            "SELECT referral_id FROM referrals WHERE consent_id = $1", consent_id
        )
        return [r["referral_id"] for r in rows]

    async def of_case(self, case_id: UUID) -> list[UUID]:
        rows = await self.conn.fetch(
            "SELECT referral_id FROM referrals WHERE case_id = $1", case_id
        )
        return [r["referral_id"] for r in rows]

    async def get_for_partner(self, referral_id: UUID, partner_id: UUID) -> Referral | None:
        """The referral only if it is this partner's: another's is indistinguishable from none."""
        row = await self.conn.fetchrow(
            "SELECT * FROM referrals WHERE referral_id = $1 AND partner_id = $2",
            referral_id,
            partner_id,
        )
        return None if row is None else _referral(row)


def _referral(row: asyncpg.Record) -> Referral:
    return Referral(
        referral_id=row["referral_id"],
        case_id=row["case_id"],
        partner_id=row["partner_id"],
        partner_type=PartnerType(row["partner_type"]),
        purpose=Purpose(row["purpose"]),
        data_categories=tuple(DataCategory(c) for c in row["data_categories"]),
        consent_id=row["consent_id"],
    )
