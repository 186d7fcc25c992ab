"""All SQL of the disclosure log and of referral's per-case data keys (the vault's)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from referral.repository._base import PgRepository
from referral.repository.ports import Disclosure, Record


class PgDisclosures(PgRepository):
    """`ports.DisclosureRepository` on ``disclosures``."""

    async def add(self, disclosure: Disclosure) -> None:
        """Record it once per event id."""
        d = disclosure
        await self.conn.execute(
            "INSERT INTO disclosures (event_id, case_id, referral_id, partner_id, consent_id,"
            " data_categories, legal_basis, disclosed_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING",
            d.event_id,
            d.case_id,
            d.referral_id,
            d.partner_id,
            d.consent_id,
            d.data_categories,
            d.legal_basis,
            d.disclosed_at,
        )

    async def of_case(self, case_id: UUID) -> list[Record]:
        """Every disclosure about the case, with the recipient's name, type and countries."""
        rows = await self.conn.fetch(
            "SELECT d.referral_id, d.partner_id, p.name AS partner_name,"
            " p.partner_type, p.countries AS partner_countries, d.consent_id, d.data_categories,"
            " d.legal_basis, d.disclosed_at"
            " FROM disclosures d LEFT JOIN partners p ON p.partner_id = d.partner_id"
            " WHERE d.case_id = $1 ORDER BY d.disclosed_at, d.event_id",
            case_id,
        )
        return [dict(row) for row in rows]


class PgCaseKeys(PgRepository):
    """`ports.CaseKeyRepository` on ``case_keys`` (migration 0021)."""

    async def get(self, case_id: UUID) -> tuple[bool, bytes | None]:
        """(whether a row exists, the wrapped key): (True, None) is a shredded key (erasure)."""
        row = await self.conn.fetchrow(
            "SELECT wrapped_key FROM case_keys WHERE case_id = $1", case_id
        )
        if row is None:
            return False, None
        wrapped: bytes | None = row["wrapped_key"]
        return True, wrapped

    async def add(self, case_id: UUID, wrapped_key: bytes, kek_version: int) -> None:
        """Store a new wrapped key unless the case has one (or a tombstone) already."""
        await self.conn.execute(
            "INSERT INTO case_keys (case_id, kek_version, wrapped_key) VALUES ($1, $2, $3)"
            " ON CONFLICT (case_id) DO NOTHING",
            case_id,
            kek_version,
            wrapped_key,
        )

    async def shred(self, case_id: UUID, at: datetime) -> None:
        """Destroy the case's key for good, leaving a tombstone (no key is ever made again)."""
        await self.conn.execute(
            "INSERT INTO case_keys (case_id, shredded_at) VALUES ($1, $2)"
            " ON CONFLICT (case_id) DO UPDATE SET wrapped_key = NULL, kek_version = NULL,"
            " shredded_at = coalesce(case_keys.shredded_at, EXCLUDED.shredded_at)",
            case_id,
            at,
        )
