"""All SQL of consents."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from hub_contracts import DataCategory, Purpose

from referral.domain.model import Consent
from referral.repository._base import PgRepository
from referral.repository.ports import Record


class PgConsents(PgRepository):
    """`ports.ConsentRepository` on ``consents``."""

    async def add(
        self, consent: Consent, evidence: dict[str, Any], created_by: str, *, sealed: bytes
    ) -> None:
        """Record a consent; its form and interpreter references only as ``sealed`` (the
        vault's ciphertext), never in plaintext: the other evidence fields are codes and flags."""
        await self.conn.execute(
            "INSERT INTO consents (consent_id, case_id, partner_id, purposes, data_categories,"
            " valid_from, valid_until, evidence_sealed, language, interpreter_used,"
            " taken_by, taken_at, informed_transfer_outside_eu)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            consent.consent_id,
            consent.case_id,
            consent.partner_id,
            sorted(p.value for p in consent.purposes),
            sorted(c.value for c in consent.data_categories),
            consent.valid_from,
            consent.valid_until,
            sealed,
            evidence["language"],
            evidence["interpreter_used"],
            evidence.get("taken_by") or created_by,
            evidence["taken_at"],
            evidence["informed_transfer_outside_eu"],
        )

    async def get(self, consent_id: UUID) -> Consent | None:
        """The consent, or None."""
        row = await self.conn.fetchrow("SELECT * FROM consents WHERE consent_id = $1", consent_id)
        return None if row is None else _consent(row)

    async def of_case(self, case_id: UUID) -> list[Consent]:
        """Every consent of the case."""
        rows = await self.conn.fetch("SELECT * FROM consents WHERE case_id = $1", case_id)
        return [_consent(row) for row in rows]

    async def mark_withdrawn(self, consent_id: UUID, at: datetime, by: str) -> bool:
        """False when it was withdrawn before (a withdrawal happens once)."""
        status = await self.conn.execute(
            "UPDATE consents SET withdrawn_at = $2, withdrawn_by = $3"
            " WHERE consent_id = $1 AND withdrawn_at IS NULL",
            consent_id,
            at,
            by,
        )
        return bool(status != "UPDATE 0")

    async def record(self, consent_id: UUID) -> Record | None:
        """The row with its evidence, for reading."""
        row = await self.conn.fetchrow("SELECT * FROM consents WHERE consent_id = $1", consent_id)
        return None if row is None else dict(row)

    async def records(self, case_id: UUID) -> list[Record]:
        """The case's rows, oldest first."""
        rows = await self.conn.fetch(
            "SELECT * FROM consents WHERE case_id = $1 ORDER BY created_at, consent_id", case_id
        )
        return [dict(row) for row in rows]


def _consent(row: asyncpg.Record) -> Consent:
    return Consent(
        consent_id=row["consent_id"],
        case_id=row["case_id"],
        partner_id=row["partner_id"],
        purposes=frozenset(Purpose(p) for p in row["purposes"]),
        data_categories=frozenset(DataCategory(c) for c in row["data_categories"]),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        withdrawn_at=row["withdrawn_at"],
    )
