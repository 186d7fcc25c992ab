"""SQL of what publishing reads and writes: releases, published periods, the privacy ledger.

Releases are written once: the migration turns UPDATE and DELETE on ``releases`` into no-ops.
"""

import json
from collections.abc import Sequence
from typing import Any

import asyncpg
from hub_runtime.db import Connection

from signals.repository.protocols import PublishedPeriod, Release, ReleaseExistsError


class PostgresReleases:
    """`ReleaseRepository` on ``releases`` and ``published_periods``."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def lock_period(self, period: str) -> None:
        """An advisory transaction lock named after the period."""
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"signals-publish:{period}"
        )

    async def get(self, period: str) -> Release:
        """See `ReleaseRepository.get`."""
        rows = await self._conn.fetch(
            "SELECT table_name, payload::text AS payload FROM releases WHERE period = $1", period
        )
        return {r["table_name"]: json.loads(r["payload"]) for r in rows}

    async def save(self, period: str, tables: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """See `ReleaseRepository.save`."""
        try:
            async with self._conn.transaction():  # a savepoint: a refusal leaves the rest be
                await self._conn.execute(
                    "INSERT INTO published_periods (period) VALUES ($1)", period
                )
                await self._conn.executemany(
                    "INSERT INTO releases (period, table_name, payload) VALUES ($1, $2, $3::jsonb)",
                    [(period, name, json.dumps(payload)) for name, payload in tables],
                )
        except asyncpg.UniqueViolationError:
            raise ReleaseExistsError(f"the period {period} has a release already") from None

    async def published_periods(self) -> list[PublishedPeriod]:
        """See `ReleaseRepository.published_periods`."""
        rows = await self._conn.fetch(
            "SELECT p.period, p.published_at,"
            " array_agg(r.table_name ORDER BY r.table_name) AS tables"
            " FROM published_periods p JOIN releases r USING (period)"
            " GROUP BY p.period, p.published_at ORDER BY p.period"
        )
        return [PublishedPeriod(r["period"], r["published_at"], list(r["tables"])) for r in rows]


class PostgresPrivacyLedger:
    """`PrivacyLedgerRepository` on ``privacy_ledger``."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def lock(self, period: str) -> dict[str, float]:
        """An advisory transaction lock named after the period's ledger, then its rows."""
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"signals-ledger:{period}"
        )
        rows = await self._conn.fetch(
            "SELECT table_name, epsilon FROM privacy_ledger WHERE period = $1", period
        )
        return {r["table_name"]: float(r["epsilon"]) for r in rows}

    async def record_spend(self, period: str, table: str, epsilon: float) -> None:
        """See `PrivacyLedgerRepository.record_spend`."""
        await self._conn.execute(
            "INSERT INTO privacy_ledger (period, table_name, epsilon) VALUES ($1, $2, $3)",
            period,
            table,
            epsilon,
        )
