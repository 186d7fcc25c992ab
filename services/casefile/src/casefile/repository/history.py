"""SQL of the case's recorded history: decisions, stage changes, bottlenecks, options talks
and corrections of a recorded date. Append-only: nothing here is ever updated or deleted, but
for one clean-up at erasure (`drop_unlisted_materials`).

The date the rules use for a decision or a stage change is its *current* date: the newest
correction's date when it was corrected (``date_corrections``), else the date recorded.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from hub_contracts.vocabulary import ProcedureStage
from hub_runtime.db import Connection

from casefile.domain.model import Case


@dataclass(frozen=True)
class DecisionRow:
    """A recorded decision; ``decided_on`` is its current date, ``originally_decided_on`` the
    date first recorded (equal unless corrected)."""

    entry_id: UUID
    decision: str
    decided_on: date
    originally_decided_on: date
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class StageChangeRow:
    """A recorded stage change; dates as in `DecisionRow`."""

    entry_id: UUID
    from_stage: str
    to_stage: str
    decided_on: date
    originally_decided_on: date
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class DateCorrection:
    """A correction of the date of the decision or stage change ``entry_id``.

    ``entry_kind``: ``decision`` or ``stage_change``; ``reason``: a
    `hub_contracts.vocabulary.DateCorrectionReason` value; ``corrected_by``: staff login."""

    correction_id: UUID
    case_id: UUID
    entry_id: UUID
    entry_kind: str
    previous_on: date
    corrected_on: date
    reason: str
    corrected_by: str


class PgHistory:
    """The recorded history in PostgreSQL (`protocols.History`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add_decision(
        self, case_id: UUID, entry_id: UUID, decision: str, decided_on: date, by: str
    ) -> None:
        """Record a decision (``entry_id``: the id of its timeline entry)."""
        await self._conn.execute(
            "INSERT INTO decisions (case_id, entry_id, decision, decided_on, recorded_by)"
            " VALUES ($1, $2, $3, $4, $5)",
            case_id,
            entry_id,
            decision,
            decided_on,
            by,
        )

    async def decisions(self, case_id: UUID) -> list[DecisionRow]:
        """The case's decisions in the order recorded, with their current dates."""
        rows = await self._conn.fetch(
            # The current date: the newest correction's, else the date recorded.
            "SELECT d.entry_id, d.decision, COALESCE((SELECT k.corrected_on"
            "   FROM date_corrections k WHERE k.entry_id = d.entry_id"
            "   ORDER BY k.id DESC LIMIT 1), d.decided_on) AS current_on,"
            " d.decided_on, d.recorded_by, d.recorded_at FROM decisions d"
            " WHERE d.case_id = $1 ORDER BY d.id",
            case_id,
        )
        return [
            DecisionRow(
                r["entry_id"],
                r["decision"],
                r["current_on"],
                r["decided_on"],
                r["recorded_by"],
                r["recorded_at"],
            )
            for r in rows
        ]

    async def add_stage_change(
        self,
        case_id: UUID,
        entry_id: UUID,
        from_stage: ProcedureStage,
        to_stage: ProcedureStage,
        decided_on: date,
        by: str,
    ) -> None:
        """Record a stage change (``entry_id``: the id of its timeline entry)."""
        await self._conn.execute(
            "INSERT INTO stage_changes (case_id, entry_id, from_stage, to_stage, decided_on,"
            " recorded_by) VALUES ($1, $2, $3, $4, $5, $6)",
            case_id,
            entry_id,
            from_stage.value,
            to_stage.value,
            decided_on,
            by,
        )

    async def stage_changes(self, case_id: UUID) -> list[StageChangeRow]:
        """The case's stage changes in the order recorded, with their current dates."""
        rows = await self._conn.fetch(
            "SELECT s.entry_id, s.from_stage, s.to_stage, COALESCE((SELECT k.corrected_on"
            "   FROM date_corrections k WHERE k.entry_id = s.entry_id"
            "   ORDER BY k.id DESC LIMIT 1), s.decided_on) AS current_on,"
            " s.decided_on, s.recorded_by, s.recorded_at FROM stage_changes s"
            " WHERE s.case_id = $1 ORDER BY s.id",
            case_id,
        )
        return [
            StageChangeRow(
                r["entry_id"],
                r["from_stage"],
                r["to_stage"],
                r["current_on"],
                r["decided_on"],
                r["recorded_by"],
                r["recorded_at"],
            )
            for r in rows
        ]

    async def add_bottleneck(
        self, bottleneck_id: UUID, case: Case, category: str, observed_on: date, by: str
    ) -> None:
        """Record a bottleneck with the case's coarse facts at that moment."""
        await self._conn.execute(
            "INSERT INTO bottlenecks (bottleneck_id, case_id, category, stage, region,"
            " location_type, observed_on, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            bottleneck_id,
            case.case_id,
            category,
            case.stage.value,
            case.region.value,
            case.location_type.value,
            observed_on,
            by,
        )

    async def add_options(
        self,
        case_id: UUID,
        *,
        options: list[str],
        language: str,
        interpreter_used: bool,
        materials: list[str],
        discussed_on: date,
        by: str,
    ) -> None:
        """Record an options talk (codes only: options, language, material codes)."""
        await self._conn.execute(
            "INSERT INTO options_discussed (case_id, options, language, interpreter_used,"
            " materials, discussed_on, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            case_id,
            options,
            language,
            interpreter_used,
            materials,
            discussed_on,
            by,
        )

    async def options_discussed(self, case_id: UUID) -> list[dict[str, Any]]:
        """The case's options talks in the order recorded, as the HTTP view shows them."""
        rows = await self._conn.fetch(
            "SELECT options, language, interpreter_used, materials, discussed_on, recorded_by"
            " FROM options_discussed WHERE case_id = $1 ORDER BY id",
            case_id,
        )
        return [dict(r) for r in rows]

    async def drop_unlisted_materials(self, case_id: UUID, listed: Sequence[str]) -> int:
        """Remove from the case's options talks every material code not in ``listed``, keeping
        the others in their order; returns how many talks changed. For the person's erasure:
        talks recorded before the list was closed may hold an open code a person was named in."""
        result = await self._conn.execute(
            "UPDATE options_discussed SET materials = ARRAY(SELECT code FROM"
            " unnest(materials) WITH ORDINALITY AS given(code, n) WHERE code = ANY($2::text[])"
            " ORDER BY n) WHERE case_id = $1 AND NOT materials <@ $2::text[]",
            case_id,
            list(listed),
        )
        return int(result.split()[-1])

    async def add_correction(self, correction: DateCorrection) -> None:
        """Record a correction (the corrected row stays as it was recorded)."""
        c = correction
        await self._conn.execute(
            "INSERT INTO date_corrections (correction_id, case_id, entry_id, entry_kind,"
            " previous_on, corrected_on, reason, corrected_by)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            c.correction_id,
            c.case_id,
            c.entry_id,
            c.entry_kind,
            c.previous_on,
            c.corrected_on,
            c.reason,
            c.corrected_by,
        )

    async def corrections(self, case_id: UUID) -> list[DateCorrection]:
        """The case's corrections in the order made."""
        rows = await self._conn.fetch(
            "SELECT correction_id, case_id, entry_id, entry_kind, previous_on, corrected_on,"
            " reason, corrected_by FROM date_corrections WHERE case_id = $1 ORDER BY id",
            case_id,
        )
        return [DateCorrection(**dict(r)) for r in rows]
