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

    async def get(self, case_id: UUID) -> tuple[bool, bytes | None, int | None]:
        """(whether a row exists, the wrapped key, its KEK version): (True, None, None) is a
        shredded key (erasure)."""
        row = await self.conn.fetchrow(
            "SELECT wrapped_key, kek_version FROM case_keys WHERE case_id = $1", case_id
        )
        if row is None:
            return False, None, None
        return True, row["wrapped_key"], row["kek_version"]

    async def to_rewrap(self, current: int, limit: int) -> dict[UUID, tuple[bytes, int]]:
        """Up to ``limit`` live keys under a KEK version other than ``current`` (wrapped key,
        version by case), locked until the transaction ends (other rotators skip them)."""
        rows = await self.conn.fetch(
            "SELECT case_id, wrapped_key, kek_version FROM case_keys"
            " WHERE wrapped_key IS NOT NULL AND kek_version <> $1"
            " ORDER BY case_id LIMIT $2 FOR UPDATE SKIP LOCKED",
            current,
            limit,
        )
        return {r["case_id"]: (r["wrapped_key"], r["kek_version"]) for r in rows}

    async def rewrap(
        self, case_id: UUID, old_version: int, wrapped_key: bytes, version: int
    ) -> bool:
        """Replace the key under ``old_version`` by the same key wrapped under ``version``;
        never touches a shredded key. True when replaced."""
        result = await self.conn.execute(
            "UPDATE case_keys SET wrapped_key = $3, kek_version = $4"
            " WHERE case_id = $1 AND kek_version = $2 AND wrapped_key IS NOT NULL",
            case_id,
            old_version,
            wrapped_key,
            version,
        )
        return str(result).endswith(" 1")

    async def count_by_version(self) -> dict[int, int]:
        """Live (not shredded) keys by KEK version."""
        rows = await self.conn.fetch(
            "SELECT kek_version, count(*) AS n FROM case_keys"
            " WHERE wrapped_key IS NOT NULL GROUP BY kek_version"
        )
        return {r["kek_version"]: r["n"] for r in rows}

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
