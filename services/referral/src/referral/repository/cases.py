"""All SQL of referral's view of casefile's cases, the per-case lock and the inbox lookup."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
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

    async def add_many(self, cases: Sequence[CaseView]) -> list[bool]:
        """`add` for each case in list order, in one statement (the consumer's batch, issue 16):
        one bool per case, False when the view already had it (an earlier one of the list
        included, so the first opening of a case is the one kept)."""
        if not cases:
            return []
        rows = await self.conn.fetch(
            "INSERT INTO case_view (case_id, stage, has_minors, vulnerabilities)"
            " SELECT c, s, m, ARRAY(SELECT e FROM jsonb_array_elements_text(v::jsonb)"
            "   WITH ORDINALITY AS x(e, i) ORDER BY i)"
            " FROM unnest($1::uuid[], $2::text[], $3::boolean[], $4::text[])"
            " WITH ORDINALITY AS r(c, s, m, v, n) ORDER BY n"
            " ON CONFLICT (case_id) DO NOTHING RETURNING case_id",
            [c.case_id for c in cases],
            [c.stage.value for c in cases],
            [c.has_minors for c in cases],
            # Per-case arrays of different lengths do not fit one SQL array: JSON per case.
            [json.dumps(sorted(v.value for v in c.vulnerabilities)) for c in cases],
        )
        new = {row["case_id"] for row in rows}
        added: list[bool] = []
        for case in cases:
            added.append(case.case_id in new)
            new.discard(case.case_id)
        return added

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

    async def set_decisions(self, decisions: Mapping[UUID, Decision]) -> set[UUID]:
        """`set_decision` for each case (one decision per case), in one statement: the ids of
        the cases the view knows (the others were not changed)."""
        if not decisions:
            return set()
        rows = await self.conn.fetch(
            "UPDATE case_view v SET decision = d.decision, updated_at = now()"
            " FROM unnest($1::uuid[], $2::text[]) AS d(case_id, decision)"
            " WHERE v.case_id = d.case_id RETURNING v.case_id",
            list(decisions),
            [d.value for d in decisions.values()],
        )
        return {row["case_id"] for row in rows}

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
