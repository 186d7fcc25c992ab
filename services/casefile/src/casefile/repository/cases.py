"""SQL of the case aggregate's own row (``cases``)."""

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import asyncpg
from hub_contracts.vocabulary import LocationType, ProcedureStage, Region, Vulnerability
from hub_runtime.db import Connection

from casefile.domain.model import Case

_CASE = "SELECT * FROM cases WHERE case_id = $1"
_CASE_FOR_UPDATE = _CASE + " FOR UPDATE"


@dataclass(frozen=True)
class CaseWithDeadline:
    """An open case and its nearest upcoming live deadline (all None when it has none)."""

    case: Case
    deadline_id: UUID | None
    kind: str | None
    due_date: date | None


def case_of(row: asyncpg.Record) -> Case:
    """A ``cases`` row as the domain's `Case`."""
    return Case(
        case_id=row["case_id"],
        country_of_origin=row["country_of_origin"],
        region=Region(row["region"]),
        location_type=LocationType(row["location_type"]),
        stage=ProcedureStage(row["stage"]),
        vulnerabilities=tuple(Vulnerability(v) for v in row["vulnerabilities"]),
        household_size=row["household_size"],
        has_minors=row["has_minors"],
        opened_on=row["opened_on"],
        opened_by=row["opened_by"],
        opened_at=row["opened_at"],
        closed_on=row["closed_on"],
        erased_at=row["erased_at"],
    )


class PgCases:
    """Cases in PostgreSQL (`protocols.Cases`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, case: Case) -> None:
        """Insert a new case (its id is new)."""
        await self._conn.execute(
            "INSERT INTO cases (case_id, country_of_origin, region, location_type, stage,"
            " vulnerabilities, household_size, has_minors, opened_on, opened_by)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            case.case_id,
            case.country_of_origin,
            case.region.value,
            case.location_type.value,
            case.stage.value,
            [v.value for v in case.vulnerabilities],
            case.household_size,
            case.has_minors,
            case.opened_on,
            case.opened_by,
        )

    async def get(self, case_id: UUID, *, lock: bool = False) -> Case | None:
        """The case or None; ``lock`` serialises writers of one case (a row lock until the
        transaction ends)."""
        row = await self._conn.fetchrow(_CASE_FOR_UPDATE if lock else _CASE, case_id)
        return None if row is None else case_of(row)

    async def update_facts(self, case: Case) -> None:
        """Store the coarse facts of ``case``: location, region, flags, household size."""
        await self._conn.execute(
            "UPDATE cases SET location_type = $2, region = $3, vulnerabilities = $4,"
            " household_size = $5, has_minors = $6 WHERE case_id = $1",
            case.case_id,
            case.location_type.value,
            case.region.value,
            [v.value for v in case.vulnerabilities],
            case.household_size,
            case.has_minors,
        )

    async def set_stage(self, case_id: UUID, stage: ProcedureStage) -> None:
        """The case's current procedure stage."""
        await self._conn.execute(
            "UPDATE cases SET stage = $2 WHERE case_id = $1", case_id, stage.value
        )

    async def close(self, case_id: UUID, closed_on: date) -> None:
        """Mark the case closed on ``closed_on`` (starts the retention period)."""
        await self._conn.execute(
            "UPDATE cases SET closed_on = $2 WHERE case_id = $1", case_id, closed_on
        )

    async def mark_erased(self, case_id: UUID, erased_at: datetime) -> None:
        """Mark the person of the case erased at ``erased_at`` (aware)."""
        await self._conn.execute(
            "UPDATE cases SET erased_at = $2 WHERE case_id = $1", case_id, erased_at
        )

    async def due_for_erasure(self, closed_before: date, limit: int) -> list[UUID]:
        """Up to ``limit`` not erased cases closed before ``closed_before``, oldest first,
        locked (a second retention pass skips them)."""
        rows = await self._conn.fetch(
            "SELECT case_id FROM cases WHERE erased_at IS NULL AND closed_on < $1"
            " ORDER BY closed_on LIMIT $2 FOR UPDATE SKIP LOCKED",
            closed_before,
            limit,
        )
        return [r["case_id"] for r in rows]

    async def by_deadline(
        self, *, from_day: date, limit: int, offset: int
    ) -> list[CaseWithDeadline]:
        """Open, not erased cases, the one with the nearest live deadline due on or after
        ``from_day`` first; cases without one last, then by opening."""
        rows = await self._conn.fetch(
            """
            SELECT c.*, d.deadline_id AS d_id, d.kind AS d_kind, d.due_date AS d_due
            FROM cases c
            LEFT JOIN LATERAL (
                SELECT deadline_id, kind, due_date FROM deadlines
                WHERE case_id = c.case_id AND cancelled_at IS NULL AND due_date >= $1
                ORDER BY due_date, kind LIMIT 1
            ) d ON true
            WHERE c.erased_at IS NULL AND c.closed_on IS NULL
            ORDER BY d.due_date NULLS LAST, c.opened_at, c.case_id
            LIMIT $2 OFFSET $3
            """,
            from_day,
            limit,
            offset,
        )
        return [CaseWithDeadline(case_of(r), r["d_id"], r["d_kind"], r["d_due"]) for r in rows]
