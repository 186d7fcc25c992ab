"""SQL of the case's timeline: every change on the case and every event about it, in order.
Codes and ids only (migration 0012); each entry has a public ``entry_id`` (migration 0021)."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from hub_runtime.db import Connection


@dataclass(frozen=True)
class TimelineEntry:
    """One entry: ``kind`` (a code), ``source`` (the producing service), ``details`` (codes,
    ids and dates only), ``event_id`` (the applied event's envelope id, None for casefile's
    own changes)."""

    entry_id: UUID
    case_id: UUID
    occurred_at: datetime
    kind: str
    source: str
    details: dict[str, Any]
    event_id: UUID | None = None


class PgTimeline:
    """The timeline in PostgreSQL (`protocols.Timeline`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, entry: TimelineEntry) -> None:
        """Append ``entry``; an event already on the timeline (same event id) is not added
        twice."""
        await self._conn.execute(
            "INSERT INTO timeline (entry_id, case_id, occurred_at, kind, source, event_id,"
            " details) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)"
            " ON CONFLICT (event_id) DO NOTHING",
            entry.entry_id,
            entry.case_id,
            entry.occurred_at,
            entry.kind,
            entry.source,
            entry.event_id,
            json.dumps(entry.details),
        )

    async def add_many(self, entries: Sequence[TimelineEntry]) -> None:
        """`add` for each of ``entries`` in one statement, in their order (a poll batch of the
        consumer, issue 16): the serial ``id`` that orders entries of the same time is taken in
        list order, as one `add` after the other would take it."""
        if not entries:
            return
        await self._conn.execute(
            "INSERT INTO timeline (entry_id, case_id, occurred_at, kind, source, event_id,"
            " details) SELECT e, c, o, k, s, i, d::jsonb FROM unnest($1::uuid[], $2::uuid[],"
            " $3::timestamptz[], $4::text[], $5::text[], $6::uuid[], $7::text[])"
            " WITH ORDINALITY AS r(e, c, o, k, s, i, d, n) ORDER BY n"
            " ON CONFLICT (event_id) DO NOTHING",
            [e.entry_id for e in entries],
            [e.case_id for e in entries],
            [e.occurred_at for e in entries],
            [e.kind for e in entries],
            [e.source for e in entries],
            [e.event_id for e in entries],
            [json.dumps(e.details) for e in entries],
        )

    async def of_case(self, case_id: UUID) -> list[TimelineEntry]:
        """The case's entries by time (then by insertion)."""
        rows = await self._conn.fetch(
            "SELECT entry_id, case_id, occurred_at, kind, source, event_id, details"
            " FROM timeline WHERE case_id = $1 ORDER BY occurred_at, id",
            case_id,
        )
        return [_entry(r) for r in rows]

    async def get(self, case_id: UUID, entry_id: UUID) -> TimelineEntry | None:
        """The entry ``entry_id`` of this case, or None (also when it is another case's)."""
        row = await self._conn.fetchrow(
            "SELECT entry_id, case_id, occurred_at, kind, source, event_id, details"
            " FROM timeline WHERE case_id = $1 AND entry_id = $2",
            case_id,
            entry_id,
        )
        return None if row is None else _entry(row)


def _entry(row: Any) -> TimelineEntry:
    return TimelineEntry(
        entry_id=row["entry_id"],
        case_id=row["case_id"],
        occurred_at=row["occurred_at"],
        kind=row["kind"],
        source=row["source"],
        details=json.loads(row["details"]),
        event_id=row["event_id"],
    )
