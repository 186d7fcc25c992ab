"""SQL of tracked deadlines and the notices sent about them (each notice exactly once)."""

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import asyncpg
from hub_runtime.db import Connection

from casefile.domain.deadlines import Notice


@dataclass(frozen=True)
class DeadlineRow:
    """A live deadline: ``kind`` a `DeadlineKind` value, ``due_at`` only where the time of day
    matters (family detention), ``sent`` the notices already recorded for it."""

    deadline_id: UUID
    case_id: UUID
    kind: str
    due_date: date
    due_at: datetime | None
    sent: frozenset[Notice]


_SELECT = """
SELECT d.deadline_id, d.case_id, d.kind, d.due_date, d.due_at,
       COALESCE(array_agg(n.notice) FILTER (WHERE n.notice IS NOT NULL), '{}') AS sent
FROM deadlines d LEFT JOIN deadline_notices n ON n.deadline_id = d.deadline_id
"""


def _deadline(row: asyncpg.Record) -> DeadlineRow:
    return DeadlineRow(
        deadline_id=row["deadline_id"],
        case_id=row["case_id"],
        kind=row["kind"],
        due_date=row["due_date"],
        due_at=row["due_at"],
        sent=frozenset(Notice(n) for n in row["sent"] if n in Notice.__members__.values()),
    )


class PgDeadlines:
    """Deadlines in PostgreSQL (`protocols.Deadlines`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(
        self,
        deadline_id: UUID,
        case_id: UUID,
        kind: str,
        due_date: date,
        due_at: datetime | None,
    ) -> None:
        """Track a new deadline."""
        await self._conn.execute(
            "INSERT INTO deadlines (deadline_id, case_id, kind, due_date, due_at)"
            " VALUES ($1, $2, $3, $4, $5)",
            deadline_id,
            case_id,
            kind,
            due_date,
            due_at,
        )

    async def cancel(self, case_id: UUID, kind: str, at: datetime) -> None:
        """Stop tracking the case's live deadline of ``kind`` (a new one replaces it)."""
        await self._conn.execute(
            "UPDATE deadlines SET cancelled_at = $3"
            " WHERE case_id = $1 AND kind = $2 AND cancelled_at IS NULL",
            case_id,
            kind,
            at,
        )

    async def cancel_all(self, case_id: UUID, at: datetime) -> None:
        """Stop tracking every live deadline of the case (it closed)."""
        await self._conn.execute(
            "UPDATE deadlines SET cancelled_at = $2 WHERE case_id = $1 AND cancelled_at IS NULL",
            case_id,
            at,
        )

    async def delete_for_case(self, case_id: UUID) -> None:
        """Delete every deadline of the case and its notices (erasure: a family-location end
        is a child's birthday in disguise)."""
        await self._conn.execute(
            "DELETE FROM deadline_notices WHERE deadline_id IN"
            " (SELECT deadline_id FROM deadlines WHERE case_id = $1)",
            case_id,
        )
        await self._conn.execute("DELETE FROM deadlines WHERE case_id = $1", case_id)

    async def of_case(self, case_id: UUID) -> list[DeadlineRow]:
        """The case's live deadlines, nearest first."""
        rows = await self._conn.fetch(
            _SELECT + " WHERE d.case_id = $1 AND d.cancelled_at IS NULL"
            " GROUP BY d.deadline_id ORDER BY d.due_date, d.kind",
            case_id,
        )
        return [_deadline(r) for r in rows]

    async def claim_weekly(self, week: date, last_day: date, limit: int) -> list[DeadlineRow]:
        """Live deadlines of not erased cases that need a notice in the run of the week
        ``week``..``last_day``: passed before the week without a passed notice, or ending
        within it without any reminder. Locked so that a second worker skips them, and in id
        order (random), never in due-date order: the order of the events on the topic must
        not rank the days within the week."""
        ids = await self._conn.fetch(
            "SELECT d.deadline_id FROM deadlines d JOIN cases c ON c.case_id = d.case_id"
            " WHERE d.cancelled_at IS NULL AND c.erased_at IS NULL AND d.due_date <= $2"
            " AND NOT EXISTS (SELECT 1 FROM deadline_notices n"
            "   WHERE n.deadline_id = d.deadline_id AND n.notice = 'passed')"
            " AND (d.due_date < $1 OR NOT EXISTS (SELECT 1 FROM deadline_notices n"
            "   WHERE n.deadline_id = d.deadline_id AND n.notice LIKE 'approaching%'))"
            " ORDER BY d.deadline_id LIMIT $3 FOR UPDATE OF d SKIP LOCKED",
            week,
            last_day,
            limit,
        )
        if not ids:
            return []
        rows = await self._conn.fetch(
            _SELECT + " WHERE d.deadline_id = ANY($1::uuid[]) GROUP BY d.deadline_id"
            " ORDER BY d.deadline_id",
            [r["deadline_id"] for r in ids],
        )
        return [_deadline(r) for r in rows]

    async def record_notice(self, deadline_id: UUID, notice: str, event_id: UUID) -> bool:
        """Record that ``notice`` went out as event ``event_id``; False when it was recorded
        before (then its event must not be emitted)."""
        inserted = await self._conn.fetchval(
            "INSERT INTO deadline_notices (deadline_id, notice, event_id) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING RETURNING true",
            deadline_id,
            notice,
            event_id,
        )
        return bool(inserted)

    async def carry_notice(self, from_deadline: UUID, to_deadline: UUID, notice: str) -> bool:
        """Record ``notice`` of ``from_deadline`` for ``to_deadline`` too, under the event that
        announced it (no new event); False when the first has no such notice or the second
        has one already."""
        inserted = await self._conn.fetchval(
            "INSERT INTO deadline_notices (deadline_id, notice, event_id)"
            " SELECT $2, notice, event_id FROM deadline_notices"
            " WHERE deadline_id = $1 AND notice = $3"
            " ON CONFLICT DO NOTHING RETURNING true",
            from_deadline,
            to_deadline,
            notice,
        )
        return bool(inserted)
