"""In-memory repositories of casefile over one `CasefileState` (see `casefile.fakes`)."""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from hub_contracts.privacy import ConsentFacts, PartnerFacts

from casefile.domain.crypto import Sealed, WrappedKey
from casefile.domain.deadlines import Notice
from casefile.domain.model import Case
from casefile.repository.audit import AccessEntry, Tombstone
from casefile.repository.cases import CaseWithDeadline
from casefile.repository.deadlines import DeadlineRow
from casefile.repository.efforts import EffortRow
from casefile.repository.history import DateCorrection, DecisionRow, StageChangeRow
from casefile.repository.timeline import TimelineEntry


@dataclass
class _Deadline:
    row: DeadlineRow
    cancelled_at: datetime | None = None


@dataclass
class CasefileState:
    """Every table of casefile as Python values (one shared object per fake database)."""

    cases: dict[UUID, Case] = field(default_factory=dict)
    keys: dict[UUID, WrappedKey] = field(default_factory=dict)
    nfc_checked: dict[UUID, bool] = field(default_factory=dict)
    fields: dict[UUID, dict[str, Sealed]] = field(default_factory=dict)
    person_index: dict[UUID, bytes] = field(default_factory=dict)
    decisions: list[tuple[UUID, DecisionRow]] = field(default_factory=list)
    stage_changes: list[tuple[UUID, StageChangeRow]] = field(default_factory=list)
    bottlenecks: list[tuple[UUID, Case, str, date, str]] = field(default_factory=list)
    options: list[tuple[UUID, dict[str, Any]]] = field(default_factory=list)
    corrections: list[DateCorrection] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    deadlines: list[_Deadline] = field(default_factory=list)
    notices: dict[tuple[UUID, str], UUID] = field(default_factory=dict)
    efforts: list[EffortRow] = field(default_factory=list)
    tombstones: dict[UUID, Tombstone] = field(default_factory=dict)
    access: list[AccessEntry] = field(default_factory=list)
    consents: dict[UUID, ConsentFacts] = field(default_factory=dict)
    partners: dict[UUID, PartnerFacts] = field(default_factory=dict)
    forgotten: set[UUID] = field(default_factory=set)
    """Envelope ids of published events deleted at an erasure."""


class _Repo:
    def __init__(self, state: CasefileState) -> None:
        self._s = state


class FakeCases(_Repo):
    """`protocols.Cases` in memory."""

    async def add(self, case: Case) -> None:
        self._s.cases[case.case_id] = replace(case, opened_at=case.opened_at or datetime.now(UTC))

    async def get(self, case_id: UUID, *, lock: bool = False) -> Case | None:
        return self._s.cases.get(case_id)

    async def update_facts(self, case: Case) -> None:
        old = self._s.cases[case.case_id]
        self._s.cases[case.case_id] = replace(
            old,
            location_type=case.location_type,
            region=case.region,
            vulnerabilities=case.vulnerabilities,
            household_size=case.household_size,
            has_minors=case.has_minors,
        )

    async def set_stage(self, case_id: UUID, stage: Any) -> None:
        self._s.cases[case_id] = replace(self._s.cases[case_id], stage=stage)

    async def close(self, case_id: UUID, closed_on: date) -> None:
        self._s.cases[case_id] = replace(self._s.cases[case_id], closed_on=closed_on)

    async def mark_erased(self, case_id: UUID, erased_at: datetime) -> None:
        self._s.cases[case_id] = replace(self._s.cases[case_id], erased_at=erased_at)

    async def due_for_erasure(self, closed_before: date, limit: int) -> list[UUID]:
        due = [
            c
            for c in self._s.cases.values()
            if c.erased_at is None and c.closed_on is not None and c.closed_on < closed_before
        ]
        return [c.case_id for c in sorted(due, key=lambda c: c.closed_on or date.min)][:limit]

    async def by_deadline(
        self, *, from_day: date, limit: int, offset: int
    ) -> list[CaseWithDeadline]:
        rows = []
        for case in self._s.cases.values():
            if case.erased_at is not None or case.closed_on is not None:
                continue
            live = sorted(
                (d.row for d in self._s.deadlines if d.row.case_id == case.case_id),
                key=lambda r: (r.due_date, r.kind),
            )
            upcoming = [r for r in live if r.due_date >= from_day and _live(self._s, r.deadline_id)]
            first = upcoming[0] if upcoming else None
            rows.append(
                CaseWithDeadline(
                    case,
                    first.deadline_id if first else None,
                    first.kind if first else None,
                    first.due_date if first else None,
                )
            )
        rows.sort(key=lambda r: (r.due_date or date.max, r.case.opened_at, str(r.case.case_id)))
        return rows[offset : offset + limit]


def _live(state: CasefileState, deadline_id: UUID) -> bool:
    return any(d.row.deadline_id == deadline_id and d.cancelled_at is None for d in state.deadlines)


class FakePersons(_Repo):
    """`protocols.Persons` in memory."""

    async def add_key(self, case_id: UUID, wrapped: Sealed, kek_version: int) -> None:
        self._s.keys[case_id] = WrappedKey(kek_version, wrapped)
        self._s.nfc_checked[case_id] = True

    async def key(self, case_id: UUID) -> WrappedKey | None:
        return self._s.keys.get(case_id)

    async def keys_to_rewrap(self, current: int, limit: int) -> dict[UUID, WrappedKey]:
        old = sorted((c, k) for c, k in self._s.keys.items() if k.version != current)
        return dict(old[:limit])

    async def rewrap_key(self, case_id: UUID, old_version: int, new: WrappedKey) -> bool:
        stored = self._s.keys.get(case_id)
        if stored is None or stored.version != old_version:
            return False
        self._s.keys[case_id] = new
        return True

    async def count_keys_by_version(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for key in self._s.keys.values():
            counts[key.version] = counts.get(key.version, 0) + 1
        return counts

    async def destroy_key(self, case_id: UUID) -> bool:
        self._s.nfc_checked.pop(case_id, None)
        return self._s.keys.pop(case_id, None) is not None

    async def put_fields(self, case_id: UUID, fields: dict[str, Sealed]) -> None:
        self._s.fields.setdefault(case_id, {}).update(fields)

    async def delete_fields_except(self, case_id: UUID, keep: Sequence[str]) -> None:
        stored = self._s.fields.get(case_id, {})
        self._s.fields[case_id] = {c: s for c, s in stored.items() if c in keep}

    async def fields(
        self, case_id: UUID, categories: Sequence[str] | None = None
    ) -> dict[str, Sealed]:
        stored = self._s.fields.get(case_id, {})
        return {c: s for c, s in stored.items() if categories is None or c in categories}

    async def claim_index(
        self, case_id: UUID, digest: bytes, *, besides: frozenset[UUID] = frozenset()
    ) -> UUID | None:
        self._s.person_index.pop(case_id, None)
        holders = sorted(c for c, d in self._s.person_index.items() if d == digest)
        other = [c for c in holders if c not in besides]
        if other:
            return other[0]
        self._s.person_index[case_id] = digest
        return None

    async def drop_index(self, case_id: UUID) -> None:
        self._s.person_index.pop(case_id, None)

    async def cases_to_index(self, after: UUID | None, limit: int, *, every: bool) -> list[UUID]:
        found = [
            c.case_id
            for c in self._s.cases.values()
            if not c.is_closed
            and not c.is_erased
            and c.case_id in self._s.keys
            and (every or c.case_id not in self._s.person_index)
            and (after is None or str(c.case_id) > str(after))
        ]
        return sorted(found, key=str)[:limit]

    async def index_rows(self) -> int:
        return len(self._s.person_index)

    async def claim_not_nfc(self, limit: int) -> list[UUID]:
        return sorted((c for c, ok in self._s.nfc_checked.items() if not ok), key=str)[:limit]

    async def mark_nfc(self, case_ids: Sequence[UUID]) -> None:
        for case_id in case_ids:
            if case_id in self._s.keys:
                self._s.nfc_checked[case_id] = True


class FakeHistory(_Repo):
    """`protocols.History` in memory (current dates as in PostgreSQL: newest correction)."""

    def _current(self, entry_id: UUID, recorded: date) -> date:
        found = [c.corrected_on for c in self._s.corrections if c.entry_id == entry_id]
        return found[-1] if found else recorded

    async def add_decision(
        self, case_id: UUID, entry_id: UUID, decision: str, decided_on: date, by: str
    ) -> None:
        row = DecisionRow(entry_id, decision, decided_on, decided_on, by, datetime.now(UTC))
        self._s.decisions.append((case_id, row))

    async def decisions(self, case_id: UUID) -> list[DecisionRow]:
        return [
            replace(r, decided_on=self._current(r.entry_id, r.originally_decided_on))
            for c, r in self._s.decisions
            if c == case_id
        ]

    async def add_stage_change(
        self,
        case_id: UUID,
        entry_id: UUID,
        from_stage: Any,
        to_stage: Any,
        decided_on: date,
        by: str,
    ) -> None:
        row = StageChangeRow(
            entry_id, from_stage.value, to_stage.value, decided_on, decided_on, by,
            datetime.now(UTC),
        )  # fmt: skip
        self._s.stage_changes.append((case_id, row))

    async def stage_changes(self, case_id: UUID) -> list[StageChangeRow]:
        return [
            replace(r, decided_on=self._current(r.entry_id, r.originally_decided_on))
            for c, r in self._s.stage_changes
            if c == case_id
        ]

    async def add_bottleneck(
        self, bottleneck_id: UUID, case: Case, category: str, observed_on: date, by: str
    ) -> None:
        self._s.bottlenecks.append((bottleneck_id, case, category, observed_on, by))

    async def add_options(self, case_id: UUID, **talk: Any) -> None:
        shown = {k: talk[k] for k in ("options", "language", "interpreter_used", "materials")}
        shown |= {"discussed_on": talk["discussed_on"], "recorded_by": talk["by"]}
        self._s.options.append((case_id, shown))

    async def options_discussed(self, case_id: UUID) -> list[dict[str, Any]]:
        return [dict(o) for c, o in self._s.options if c == case_id]

    async def drop_unlisted_materials(self, case_id: UUID, listed: Sequence[str]) -> int:
        talks = [o for c, o in self._s.options if c == case_id and set(o["materials"]) - {*listed}]
        for talk in talks:
            talk["materials"] = [code for code in talk["materials"] if code in listed]
        return len(talks)

    async def add_correction(self, correction: DateCorrection) -> None:
        self._s.corrections.append(correction)

    async def corrections(self, case_id: UUID) -> list[DateCorrection]:
        return [c for c in self._s.corrections if c.case_id == case_id]


class FakeTimeline(_Repo):
    """`protocols.Timeline` in memory (an event id is added once)."""

    async def add(self, entry: TimelineEntry) -> None:
        if entry.event_id is not None and any(
            e.event_id == entry.event_id for e in self._s.timeline
        ):
            return
        self._s.timeline.append(entry)

    async def add_many(self, entries: Sequence[TimelineEntry]) -> None:
        for entry in entries:
            await self.add(entry)

    async def of_case(self, case_id: UUID) -> list[TimelineEntry]:
        mine = [e for e in self._s.timeline if e.case_id == case_id]
        return sorted(mine, key=lambda e: e.occurred_at)  # stable: insertion order on ties

    async def get(self, case_id: UUID, entry_id: UUID) -> TimelineEntry | None:
        return next(
            (e for e in self._s.timeline if e.case_id == case_id and e.entry_id == entry_id),
            None,
        )


class FakeDeadlines(_Repo):
    """`protocols.Deadlines` in memory."""

    def _with_sent(self, row: DeadlineRow) -> DeadlineRow:
        sent = frozenset(Notice(n) for (d, n) in self._s.notices if d == row.deadline_id
                         and n in Notice.__members__.values())  # fmt: skip
        return replace(row, sent=sent)

    async def add(
        self, deadline_id: UUID, case_id: UUID, kind: str, due_date: date, due_at: datetime | None
    ) -> None:
        row = DeadlineRow(deadline_id, case_id, kind, due_date, due_at, frozenset())
        self._s.deadlines.append(_Deadline(row))

    async def cancel(self, case_id: UUID, kind: str, at: datetime) -> None:
        for d in self._s.deadlines:
            if d.row.case_id == case_id and d.row.kind == kind and d.cancelled_at is None:
                d.cancelled_at = at

    async def cancel_all(self, case_id: UUID, at: datetime) -> None:
        for d in self._s.deadlines:
            if d.row.case_id == case_id and d.cancelled_at is None:
                d.cancelled_at = at

    async def delete_for_case(self, case_id: UUID) -> None:
        gone = {d.row.deadline_id for d in self._s.deadlines if d.row.case_id == case_id}
        self._s.deadlines = [d for d in self._s.deadlines if d.row.case_id != case_id]
        self._s.notices = {k: v for k, v in self._s.notices.items() if k[0] not in gone}

    async def of_case(self, case_id: UUID) -> list[DeadlineRow]:
        live = [
            self._with_sent(d.row)
            for d in self._s.deadlines
            if d.row.case_id == case_id and d.cancelled_at is None
        ]
        return sorted(live, key=lambda r: (r.due_date, r.kind))

    async def claim_weekly(self, week: date, last_day: date, limit: int) -> list[DeadlineRow]:
        found = []
        for d in self._s.deadlines:
            row, case = self._with_sent(d.row), self._s.cases.get(d.row.case_id)
            if d.cancelled_at is not None or case is None or case.erased_at is not None:
                continue
            if row.due_date > last_day or Notice.PASSED in row.sent:
                continue
            reminded = any(n.value.startswith("approaching") for n in row.sent)
            if row.due_date < week or not reminded:
                found.append(row)
        return sorted(found, key=lambda r: str(r.deadline_id))[:limit]

    async def record_notice(self, deadline_id: UUID, notice: str, event_id: UUID) -> bool:
        if (deadline_id, notice) in self._s.notices:
            return False
        self._s.notices[(deadline_id, notice)] = event_id
        return True

    async def carry_notice(self, from_deadline: UUID, to_deadline: UUID, notice: str) -> bool:
        event_id = self._s.notices.get((from_deadline, notice))
        if event_id is None or (to_deadline, notice) in self._s.notices:
            return False
        self._s.notices[(to_deadline, notice)] = event_id
        return True


class FakeEfforts(_Repo):
    """`protocols.Efforts` in memory."""

    async def add(self, effort: EffortRow) -> None:
        self._s.efforts.append(effort)

    async def of_case(self, case_id: UUID) -> list[EffortRow]:
        mine = [e for e in self._s.efforts if e.case_id == case_id]
        return sorted(mine, key=lambda e: e.occurred_on)  # stable: recording order on ties

    async def claim_plaintext_evidence(self, limit: int) -> list[EffortRow]:
        rows = [e for e in self._s.efforts if e.legacy_evidence_refs is not None]
        return sorted(rows, key=lambda e: str(e.effort_id))[:limit]

    def _update(self, effort_id: UUID, **changes: Any) -> None:
        self._s.efforts = [
            replace(e, **changes) if e.effort_id == effort_id else e for e in self._s.efforts
        ]

    async def seal_evidence(self, effort_id: UUID, sealed: Sealed | None) -> None:
        self._update(effort_id, evidence=sealed, legacy_evidence_refs=None)

    async def reseal_note(self, effort_id: UUID, sealed: Sealed) -> None:
        self._update(effort_id, note=sealed)

    async def reseal_evidence(self, effort_id: UUID, sealed: Sealed) -> None:
        self._update(effort_id, evidence=sealed)
