"""All SQL of referral's view of casefile's cases, the per-case lock and the inbox lookup."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from hub_contracts import Decision, ProcedureStage, Vulnerability

from referral.domain.model import CaseView
from referral.repository._base import PgRepository


class PgCases(PgRepository):
    """`ports.CaseViewRepository` on ``case_view`` (and ``hub_inbox`` for `has_applied`)."""

    async def lock(self, case_id: UUID) -> None:
        """A transaction-scoped advisory lock on the case id (released at commit or rollback)."""
        await self.conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1::uuid::text, 0))", case_id
        )

    async def add(self, case: CaseView) -> bool:
        """Record a newly opened case; False when the view already has it."""
        inserted = await self.conn.fetchval(
            "INSERT INTO case_view (case_id, stage, has_minors, vulnerabilities)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO NOTHING RETURNING true",
            case.case_id,
            case.stage.value,
            case.has_minors,
            sorted(v.value for v in case.vulnerabilities),
        )
        return bool(inserted)

    async def get(self, case_id: UUID) -> CaseView | None:
        """The case as the view knows it."""
        row = await self.conn.fetchrow("SELECT * FROM case_view WHERE case_id = $1", case_id)
        if row is None:
            return None
        return CaseView(
            case_id=row["case_id"],
            stage=ProcedureStage(row["stage"]),
            has_minors=row["has_minors"],
            vulnerabilities=frozenset(Vulnerability(v) for v in row["vulnerabilities"]),
            decision=None if row["decision"] is None else Decision(row["decision"]),
            erased=row["erased_at"] is not None,
            closed=row["closed_on"] is not None,
        )

    async def set_stage(self, case_id: UUID, stage: ProcedureStage) -> bool:
        """False when the view never saw the case."""
        return await self._update("stage = $2", case_id, stage.value)

    async def set_decision(self, case_id: UUID, decision: Decision) -> bool:
        """False when the view never saw the case."""
        return await self._update("decision = $2", case_id, decision.value)

    async def mark_closed(self, case_id: UUID, closed_on: date) -> bool:
        """Remember the closure (the first day counts); False when unknown."""
        return await self._update("closed_on = coalesce(closed_on, $2)", case_id, closed_on)

    async def mark_erased(self, case_id: UUID, erased_at: datetime) -> bool:
        """Remember the erasure (the pseudonymous id stays so later events can be refused)."""
        return await self._update(
            "erased_at = coalesce(erased_at, $2), vulnerabilities = '{}'", case_id, erased_at
        )

    async def has_applied(self, event_id: UUID) -> bool:
        """Whether the consumer has applied the event with this envelope id."""
        return bool(
            await self.conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM hub_inbox WHERE event_id = $1)", event_id
            )
        )

    async def _update(self, assignment: str, case_id: UUID, value: object) -> bool:
        status = await self.conn.execute(
            f"UPDATE case_view SET {assignment}, updated_at = now() WHERE case_id = $1",  # noqa: S608
            case_id,
            value,
        )
        return bool(status != "UPDATE 0")
