"""SQL of the gateway's view of cases (casefile.events): stage, closure and erasure."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from hub_contracts import ProcedureStage
from hub_runtime.db import Connection

from partner_gateway.domain.model import CaseView


class CaseRepository:
    """`protocols.CaseStore` on PostgreSQL (``cases``, ``erased_cases``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def set_stage(self, case_id: UUID, stage: ProcedureStage) -> None:
        await self.conn.execute(
            "INSERT INTO cases (case_id, stage) VALUES ($1, $2) ON CONFLICT (case_id)"
            " DO UPDATE SET stage = EXCLUDED.stage, updated_at = now()",
            case_id,
            str(stage),
        )

    async def close(self, case_id: UUID, closed_on: date) -> None:
        await self.conn.execute(
            "INSERT INTO cases (case_id, closed_on) VALUES ($1, $2) ON CONFLICT (case_id)"
            " DO UPDATE SET closed_on = COALESCE(cases.closed_on, EXCLUDED.closed_on),"
            " updated_at = now()",
            case_id,
            closed_on,
        )

    async def view(self, case_id: UUID) -> CaseView:
        """The case as far as the gateway knows it (nothing seen yet: stage None, open)."""
        row = await self.conn.fetchrow(
            "SELECT c.stage, c.closed_on,"
            " EXISTS (SELECT 1 FROM erased_cases e WHERE e.case_id = $1) AS erased"
            " FROM (SELECT $1::uuid AS case_id) k LEFT JOIN cases c ON c.case_id = k.case_id",
            case_id,
        )
        assert row is not None
        return CaseView(
            stage=None if row["stage"] is None else ProcedureStage(row["stage"]),
            closed=row["closed_on"] is not None,
            erased=bool(row["erased"]),
        )
