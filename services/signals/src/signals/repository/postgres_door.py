"""SQL of what the door writes: contributions, reporting consents, referral facts.

Each repository works on the connection of the unit of work it belongs to
(`signals.unit_of_work.PostgresSignalsUnitOfWork`); none commits.
"""

import json
from collections.abc import Sequence
from datetime import datetime

from hub_runtime.db import Connection

from signals.repository.protocols import (
    Cell,
    ConsentRow,
    ContributionCount,
    ContributionRow,
    PersonKey,
)


class PostgresContributions:
    """`ContributionRepository` on the ``contributions`` table."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def lock_people(self, people: Sequence[PersonKey]) -> None:
        """Advisory transaction locks, one per person and period, taken in sorted order
        (``unnest`` keeps the array's order), so two batches sharing people never wait on each
        other in a cycle."""
        keys = sorted({f"{period}:{token}" for period, token in people})
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k",
            keys,
        )

    async def cells_of_people(self, people: Sequence[PersonKey]) -> dict[PersonKey, set[Cell]]:
        """See `ContributionRepository.cells_of_people`; one statement for all of ``people``."""
        rows = await self._conn.fetch(
            "SELECT c.period, c.person_token, c.table_name, c.cell_key FROM contributions c"
            " JOIN unnest($1::text[], $2::text[]) AS p(period, person_token)"
            " ON c.period = p.period AND c.person_token = p.person_token",
            [period for period, _ in people],
            [token for _, token in people],
        )
        cells: dict[PersonKey, set[Cell]] = {key: set() for key in people}
        for r in rows:
            cells[(r["period"], r["person_token"])].add((r["table_name"], r["cell_key"]))
        return cells

    async def add(self, rows: Sequence[ContributionRow]) -> None:
        """One statement for any number of rows (``ON CONFLICT DO NOTHING``)."""
        await self._conn.execute(
            "INSERT INTO contributions (period, table_name, cell_key, coordinates, person_token)"
            " SELECT p, t, k, c::jsonb, pt FROM unnest($1::text[], $2::text[], $3::text[],"
            " $4::text[], $5::text[]) AS r(p, t, k, c, pt) ON CONFLICT DO NOTHING",
            [period for period, _, _ in rows],
            [c.table for _, _, c in rows],
            [c.cell_key for _, _, c in rows],
            [c.coordinates_json for _, _, c in rows],
            [token for _, token, _ in rows],
        )

    async def forget_person(self, period: str, token: str) -> None:
        """See `ContributionRepository.forget_person`."""
        await self._conn.execute(
            "DELETE FROM contributions WHERE period = $1 AND person_token = $2", period, token
        )

    async def unpublished_periods(self) -> list[str]:
        """See `ContributionRepository.unpublished_periods`."""
        rows = await self._conn.fetch(
            "SELECT DISTINCT c.period FROM contributions c"
            " WHERE NOT EXISTS (SELECT 1 FROM published_periods p WHERE p.period = c.period)"
            " ORDER BY c.period"
        )
        return [r["period"] for r in rows]

    async def summary(self) -> list[ContributionCount]:
        """See `ContributionRepository.summary`."""
        rows = await self._conn.fetch(
            "SELECT period, table_name, count(*) AS contributions FROM contributions "
            "GROUP BY period, table_name ORDER BY period, table_name"
        )
        return [
            ContributionCount(
                period=r["period"], table_name=r["table_name"], contributions=r["contributions"]
            )
            for r in rows
        ]

    async def cell_counts(
        self, period: str, table: str, dimensions: Sequence[str], *, require_consent: bool
    ) -> dict[tuple[str, ...], int]:
        """See `ContributionRepository.cell_counts`; one grouped statement."""
        consent_join = (
            "JOIN reporting_consents rc"
            " ON rc.period = c.period AND rc.person_token = c.person_token"
            if require_consent
            else ""
        )
        rows = await self._conn.fetch(
            f"SELECT c.coordinates::text AS coordinates, count(DISTINCT c.person_token) AS n "  # noqa: S608 (fixed fragments only)
            f"FROM contributions c {consent_join} "
            "WHERE c.period = $1 AND c.table_name = $2 GROUP BY c.coordinates::text",
            period,
            table,
        )
        counts: dict[tuple[str, ...], int] = {}
        for row in rows:
            coordinates: dict[str, str] = json.loads(row["coordinates"])
            # jsonb reorders keys: rebuild the key in the table's dimension order.
            counts[tuple(coordinates[d] for d in dimensions)] = int(row["n"])
        return counts


class PostgresReportingConsents:
    """`ReportingConsentRepository` on the ``reporting_consents`` table."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, rows: Sequence[ConsentRow]) -> None:
        """One statement for any number of rows (``ON CONFLICT DO NOTHING``)."""
        await self._conn.execute(
            "INSERT INTO reporting_consents (period, person_token, consent_token)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING",
            [period for period, _, _ in rows],
            [token for _, token, _ in rows],
            [consent for _, _, consent in rows],
        )

    async def withdraw(self, consent_token: str, from_period: str) -> None:
        """See `ReportingConsentRepository.withdraw` (periods compare as text: ``YYYY-MM``)."""
        await self._conn.execute(
            "DELETE FROM reporting_consents WHERE consent_token = $1 AND period >= $2",
            consent_token,
            from_period,
        )

    async def forget_person(self, period: str, token: str) -> None:
        """See `ReportingConsentRepository.forget_person`."""
        await self._conn.execute(
            "DELETE FROM reporting_consents WHERE period = $1 AND person_token = $2", period, token
        )


class PostgresReferralFacts:
    """`ReferralFactRepository` on the ``referral_facts`` table."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def save(self, referral_token: str, approved_at: datetime, partner_type: str) -> None:
        """See `ReferralFactRepository.save` (``ON CONFLICT DO NOTHING``)."""
        await self._conn.execute(
            "INSERT INTO referral_facts (referral_token, approved_at, partner_type) "
            "VALUES ($1, $2, $3) ON CONFLICT (referral_token) DO NOTHING",
            referral_token,
            approved_at,
            partner_type,
        )

    async def get(self, referral_token: str) -> tuple[datetime, str] | None:
        """See `ReferralFactRepository.get`."""
        row = await self._conn.fetchrow(
            "SELECT approved_at, partner_type FROM referral_facts WHERE referral_token = $1",
            referral_token,
        )
        return None if row is None else (row["approved_at"], row["partner_type"])
