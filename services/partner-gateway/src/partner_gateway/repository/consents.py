"""SQL of consents (from referral.events) and erased persons (from casefile.events)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from hub_contracts import DataCategory, Purpose
from hub_runtime.db import Connection

from partner_gateway.domain.model import ConsentView


class ConsentRepository:
    """`protocols.ConsentStore` on PostgreSQL (``consents``, ``consent_withdrawals``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def grant(
        self,
        consent_id: UUID,
        case_id: UUID,
        partner_id: UUID,
        purposes: Sequence[Purpose],
        data_categories: Sequence[DataCategory],
        valid_from: date,
        valid_until: date,
    ) -> None:
        # A withdrawal that arrived first wins: it is applied to the grant at once.
        await self.conn.execute(
            "INSERT INTO consents (consent_id, case_id, partner_id, purposes, data_categories,"
            " valid_from, valid_until, withdrawn_at) VALUES ($1, $2, $3, $4, $5, $6, $7,"
            " (SELECT withdrawn_at FROM consent_withdrawals WHERE consent_id = $1))"
            " ON CONFLICT (consent_id) DO NOTHING",
            consent_id,
            case_id,
            partner_id,
            [str(p) for p in purposes],
            [str(c) for c in data_categories],
            valid_from,
            valid_until,
        )

    async def withdraw(self, consent_id: UUID, withdrawn_at: datetime) -> bool:
        """Record the withdrawal; False when it was recorded before (a replayed event)."""
        first = await self.conn.fetchval(
            "INSERT INTO consent_withdrawals (consent_id, withdrawn_at) VALUES ($1, $2)"
            " ON CONFLICT (consent_id) DO NOTHING RETURNING true",
            consent_id,
            withdrawn_at,
        )
        await self.conn.execute(
            "UPDATE consents SET withdrawn_at = COALESCE(withdrawn_at, $2) WHERE consent_id = $1",
            consent_id,
            withdrawn_at,
        )
        return bool(first)

    async def is_withdrawn(self, consent_id: UUID) -> bool:
        """Also before its grant has arrived (a withdrawal may overtake it)."""
        return bool(
            await self.conn.fetchval(
                "SELECT true FROM consent_withdrawals WHERE consent_id = $1", consent_id
            )
        )

    async def get(self, consent_id: UUID) -> ConsentView | None:
        row = await self.conn.fetchrow("SELECT * FROM consents WHERE consent_id = $1", consent_id)
        return None if row is None else consent_of(row)


def consent_of(row: asyncpg.Record | Mapping[str, Any]) -> ConsentView:
    """A ``consents`` row (or the same columns from a join) as the view."""
    return ConsentView(
        consent_id=row["consent_id"],
        case_id=row["case_id"],
        partner_id=row["partner_id"],
        purposes=frozenset(Purpose(p) for p in row["purposes"]),
        data_categories=frozenset(DataCategory(c) for c in row["data_categories"]),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        withdrawn_at=row["withdrawn_at"],
    )


class ErasureRepository:
    """`protocols.ErasureStore` on PostgreSQL (``erased_cases``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def erase(self, case_id: UUID, erased_at: datetime) -> bool:
        inserted = await self.conn.fetchval(
            "INSERT INTO erased_cases (case_id, erased_at) VALUES ($1, $2)"
            " ON CONFLICT (case_id) DO NOTHING RETURNING true",
            case_id,
            erased_at,
        )
        return bool(inserted)
