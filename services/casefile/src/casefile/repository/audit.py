"""SQL of accountability: erasure tombstones and the access log of personal data."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from hub_runtime.db import Connection


@dataclass(frozen=True)
class Tombstone:
    """The trace an erasure leaves: when, by whom (staff login or ``retention``), why
    (``request`` or ``retention_period_ended``)."""

    case_id: UUID
    erased_at: datetime
    erased_by: str
    reason: str


@dataclass(frozen=True)
class AccessEntry:
    """One read of personal data: who (login, role), which categories, why (a code such as
    ``case_view`` or ``disclosure:<purpose>``), with which outcome (``read``, ``disclosed``,
    ``refused:<rule>``)."""

    case_id: UUID
    accessor: str
    role: str
    categories: list[str]
    why: str
    outcome: str
    referral_id: UUID | None = None


class PgAudit:
    """Tombstones and the access log in PostgreSQL (`protocols.Audit`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add_tombstone(self, stone: Tombstone, kek_version: int) -> None:
        """Record an erasure."""
        await self._conn.execute(
            "INSERT INTO erasure_tombstones (case_id, erased_at, erased_by, reason, kek_version)"
            " VALUES ($1, $2, $3, $4, $5)",
            stone.case_id,
            stone.erased_at,
            stone.erased_by,
            stone.reason,
            kek_version,
        )

    async def tombstone(self, case_id: UUID) -> Tombstone | None:
        """The case's erasure trace, or None (not erased)."""
        row = await self._conn.fetchrow(
            "SELECT case_id, erased_at, erased_by, reason FROM erasure_tombstones"
            " WHERE case_id = $1",
            case_id,
        )
        return None if row is None else Tombstone(**dict(row))

    async def log_access(self, entry: AccessEntry) -> None:
        """Append a read (or a refused read) to the access log."""
        await self._conn.execute(
            "INSERT INTO access_log (case_id, accessor, role, categories, why, referral_id,"
            " outcome) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            entry.case_id,
            entry.accessor,
            entry.role,
            entry.categories,
            entry.why,
            entry.referral_id,
            entry.outcome,
        )

    async def access_log(self, case_id: UUID) -> list[dict[str, Any]]:
        """The case's access log in order, as the HTTP view shows it."""
        rows = await self._conn.fetch(
            "SELECT accessor, role, categories, why, referral_id, outcome, at FROM access_log"
            " WHERE case_id = $1 ORDER BY id",
            case_id,
        )
        return [dict(r) for r in rows]
