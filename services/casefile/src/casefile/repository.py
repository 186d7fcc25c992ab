"""All SQL of the casefile service: functions taking a connection (in the caller's transaction)."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from hub_contracts.vocabulary import (
    LocationType,
    ProcedureStage,
    Region,
    Vulnerability,
)
from hub_runtime.db import Connection

from casefile.domain.crypto import Sealed
from casefile.domain.deadlines import Notice
from casefile.domain.model import Case

# ---------------------------------------------------------------- cases


async def insert_case(conn: Connection, case: Case) -> None:
    await conn.execute(
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


def _case(row: asyncpg.Record) -> Case:
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


_CASE = "SELECT * FROM cases WHERE case_id = $1"
_CASE_FOR_UPDATE = _CASE + " FOR UPDATE"


async def get_case(conn: Connection, case_id: UUID, *, lock: bool = False) -> Case | None:
    """The case; `lock` serialises writers of one case (row lock until the transaction ends)."""
    sql = _CASE_FOR_UPDATE if lock else _CASE
    row = await conn.fetchrow(sql, case_id)
    return None if row is None else _case(row)


async def update_facts(conn: Connection, case: Case) -> None:
    await conn.execute(
        "UPDATE cases SET location_type = $2, region = $3, vulnerabilities = $4,"
        " household_size = $5, has_minors = $6 WHERE case_id = $1",
        case.case_id,
        case.location_type.value,
        case.region.value,
        [v.value for v in case.vulnerabilities],
        case.household_size,
        case.has_minors,
    )


async def set_stage(conn: Connection, case_id: UUID, stage: ProcedureStage) -> None:
    await conn.execute("UPDATE cases SET stage = $2 WHERE case_id = $1", case_id, stage.value)


async def close_case(conn: Connection, case_id: UUID, closed_on: date) -> None:
    await conn.execute("UPDATE cases SET closed_on = $2 WHERE case_id = $1", case_id, closed_on)


async def mark_erased(conn: Connection, case_id: UUID, erased_at: datetime) -> None:
    await conn.execute("UPDATE cases SET erased_at = $2 WHERE case_id = $1", case_id, erased_at)


async def cases_due_for_erasure(conn: Connection, closed_before: date, limit: int) -> list[UUID]:
    rows = await conn.fetch(
        "SELECT case_id FROM cases WHERE erased_at IS NULL AND closed_on < $1"
        " ORDER BY closed_on LIMIT $2 FOR UPDATE SKIP LOCKED",
        closed_before,
        limit,
    )
    return [r["case_id"] for r in rows]


@dataclass(frozen=True)
class CaseWithDeadline:
    case: Case
    deadline_id: UUID | None
    kind: str | None
    due_date: date | None


async def cases_by_deadline(
    conn: Connection, *, from_day: date, limit: int, offset: int
) -> list[CaseWithDeadline]:
    """Open, not erased cases, the one with the nearest upcoming deadline first."""
    rows = await conn.fetch(
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
    return [CaseWithDeadline(_case(r), r["d_id"], r["d_kind"], r["d_due"]) for r in rows]


# ---------------------------------------------------------------- keys and encrypted fields


async def insert_person_key(
    conn: Connection, case_id: UUID, wrapped: Sealed, kek_version: int
) -> None:
    await conn.execute(
        "INSERT INTO person_keys (case_id, kek_version, nonce, wrapped_key) VALUES ($1,$2,$3,$4)",
        case_id,
        kek_version,
        wrapped.nonce,
        wrapped.ciphertext,
    )


async def get_person_key(conn: Connection, case_id: UUID) -> Sealed | None:
    row = await conn.fetchrow(
        "SELECT nonce, wrapped_key FROM person_keys WHERE case_id = $1", case_id
    )
    return None if row is None else Sealed(row["nonce"], row["wrapped_key"])


async def destroy_person_key(conn: Connection, case_id: UUID) -> bool:
    """Overwrite, then delete: the live row is gone, and the overwrite leaves no old version
    with the real wrapped key behind a later VACUUM (see `vacuum_keys`)."""
    await conn.execute(
        "UPDATE person_keys SET nonce = '\\x00'::bytea, wrapped_key = '\\x00'::bytea"
        " WHERE case_id = $1",
        case_id,
    )
    result = await conn.execute("DELETE FROM person_keys WHERE case_id = $1", case_id)
    return result.endswith(" 1")


async def vacuum_keys(conn: Connection) -> None:
    """Reclaim dead row versions of destroyed keys (outside any transaction)."""
    await conn.execute("VACUUM person_keys")


async def put_person_fields(conn: Connection, case_id: UUID, fields: dict[str, Sealed]) -> None:
    """Insert or replace the sealed categories of one person (one round trip)."""
    await conn.executemany(
        "INSERT INTO person_fields (case_id, category, nonce, ciphertext) VALUES ($1,$2,$3,$4)"
        " ON CONFLICT (case_id, category)"
        " DO UPDATE SET nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext",
        [(case_id, c, s.nonce, s.ciphertext) for c, s in fields.items()],
    )


async def delete_person_fields_except(conn: Connection, case_id: UUID, keep: Sequence[str]) -> None:
    await conn.execute(
        "DELETE FROM person_fields WHERE case_id = $1 AND NOT (category = ANY($2::text[]))",
        case_id,
        list(keep),
    )


async def get_person_fields(
    conn: Connection, case_id: UUID, categories: Sequence[str]
) -> dict[str, Sealed]:
    rows = await conn.fetch(
        "SELECT category, nonce, ciphertext FROM person_fields"
        " WHERE case_id = $1 AND category = ANY($2::text[])",
        case_id,
        list(categories),
    )
    return {r["category"]: Sealed(r["nonce"], r["ciphertext"]) for r in rows}


async def claim_persons_not_nfc(conn: Connection, limit: int) -> list[UUID]:
    """Persons whose sealed texts migration 0020's worker has not checked yet (erased persons
    have no key row, so never appear). Locks the case row too, as every writer of the person
    does, so no write can land between the check and its re-seal; a second process skips them."""
    rows = await conn.fetch(
        "SELECT k.case_id FROM person_keys k JOIN cases c ON c.case_id = k.case_id"
        " WHERE NOT k.texts_nfc ORDER BY k.case_id LIMIT $1 FOR UPDATE OF k, c SKIP LOCKED",
        limit,
    )
    return [r["case_id"] for r in rows]


async def all_person_fields(conn: Connection, case_id: UUID) -> dict[str, Sealed]:
    """Every sealed category of one person, by category."""
    rows = await conn.fetch(
        "SELECT category, nonce, ciphertext FROM person_fields WHERE case_id = $1", case_id
    )
    return {r["category"]: Sealed(r["nonce"], r["ciphertext"]) for r in rows}


async def mark_texts_nfc(conn: Connection, case_ids: Sequence[UUID]) -> None:
    await conn.execute(
        "UPDATE person_keys SET texts_nfc = true WHERE case_id = ANY($1::uuid[])", list(case_ids)
    )


# ---------------------------------------------------------------- tombstones and access log


@dataclass(frozen=True)
class Tombstone:
    case_id: UUID
    erased_at: datetime
    erased_by: str
    reason: str


async def insert_tombstone(conn: Connection, stone: Tombstone, kek_version: int) -> None:
    await conn.execute(
        "INSERT INTO erasure_tombstones (case_id, erased_at, erased_by, reason, kek_version)"
        " VALUES ($1, $2, $3, $4, $5)",
        stone.case_id,
        stone.erased_at,
        stone.erased_by,
        stone.reason,
        kek_version,
    )


async def get_tombstone(conn: Connection, case_id: UUID) -> Tombstone | None:
    row = await conn.fetchrow(
        "SELECT case_id, erased_at, erased_by, reason FROM erasure_tombstones WHERE case_id = $1",
        case_id,
    )
    return None if row is None else Tombstone(**dict(row))


@dataclass(frozen=True)
class AccessEntry:
    case_id: UUID
    accessor: str
    role: str
    categories: list[str]
    why: str
    outcome: str
    referral_id: UUID | None = None


async def log_access(conn: Connection, entry: AccessEntry) -> None:
    await conn.execute(
        "INSERT INTO access_log (case_id, accessor, role, categories, why, referral_id, outcome)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        entry.case_id,
        entry.accessor,
        entry.role,
        entry.categories,
        entry.why,
        entry.referral_id,
        entry.outcome,
    )


async def access_log(conn: Connection, case_id: UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT accessor, role, categories, why, referral_id, outcome, at FROM access_log"
        " WHERE case_id = $1 ORDER BY id",
        case_id,
    )
    return [dict(r) for r in rows]


# ---------------------------------------------------------------- timeline


async def add_timeline(
    conn: Connection,
    case_id: UUID,
    *,
    kind: str,
    source: str,
    occurred_at: datetime,
    details: dict[str, Any],
    event_id: UUID | None = None,
) -> None:
    """Append an entry; an event already on the timeline (same event id) is not added twice."""
    await conn.execute(
        "INSERT INTO timeline (case_id, occurred_at, kind, source, event_id, details)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT (event_id) DO NOTHING",
        case_id,
        occurred_at,
        kind,
        source,
        event_id,
        json.dumps(details),
    )


async def timeline(conn: Connection, case_id: UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT occurred_at, kind, source, event_id, details FROM timeline"
        " WHERE case_id = $1 ORDER BY occurred_at, id",
        case_id,
    )
    return [{**dict(r), "details": json.loads(r["details"])} for r in rows]


# ---------------------------------------------------------------- history tables


async def insert_decision(
    conn: Connection, case_id: UUID, decision: str, decided_on: date, by: str
) -> None:
    await conn.execute(
        "INSERT INTO decisions (case_id, decision, decided_on, recorded_by) VALUES ($1,$2,$3,$4)",
        case_id,
        decision,
        decided_on,
        by,
    )


async def decisions(conn: Connection, case_id: UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT decision, decided_on, recorded_by, recorded_at FROM decisions"
        " WHERE case_id = $1 ORDER BY id",
        case_id,
    )
    return [dict(r) for r in rows]


async def insert_stage_change(
    conn: Connection,
    case_id: UUID,
    from_stage: ProcedureStage,
    to_stage: ProcedureStage,
    decided_on: date,
    by: str,
) -> None:
    await conn.execute(
        "INSERT INTO stage_changes (case_id, from_stage, to_stage, decided_on, recorded_by)"
        " VALUES ($1, $2, $3, $4, $5)",
        case_id,
        from_stage.value,
        to_stage.value,
        decided_on,
        by,
    )


async def last_stage_decided_on(conn: Connection, case_id: UUID) -> date | None:
    value: date | None = await conn.fetchval(
        "SELECT max(decided_on) FROM stage_changes WHERE case_id = $1", case_id
    )
    return value


async def stage_changes(conn: Connection, case_id: UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT from_stage, to_stage, decided_on, recorded_by, recorded_at FROM stage_changes"
        " WHERE case_id = $1 ORDER BY id",
        case_id,
    )
    return [dict(r) for r in rows]


async def insert_bottleneck(
    conn: Connection,
    bottleneck_id: UUID,
    case: Case,
    category: str,
    observed_on: date,
    by: str,
) -> None:
    await conn.execute(
        "INSERT INTO bottlenecks (bottleneck_id, case_id, category, stage, region, location_type,"
        " observed_on, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        bottleneck_id,
        case.case_id,
        category,
        case.stage.value,
        case.region.value,
        case.location_type.value,
        observed_on,
        by,
    )


async def insert_options(
    conn: Connection,
    case_id: UUID,
    *,
    options: list[str],
    language: str,
    interpreter_used: bool,
    materials: list[str],
    discussed_on: date,
    by: str,
) -> None:
    await conn.execute(
        "INSERT INTO options_discussed (case_id, options, language, interpreter_used, materials,"
        " discussed_on, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        case_id,
        options,
        language,
        interpreter_used,
        materials,
        discussed_on,
        by,
    )


async def options_discussed(conn: Connection, case_id: UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT options, language, interpreter_used, materials, discussed_on, recorded_by"
        " FROM options_discussed WHERE case_id = $1 ORDER BY id",
        case_id,
    )
    return [dict(r) for r in rows]


@dataclass(frozen=True)
class EffortRow:
    """An effort as stored. ``evidence`` is the references sealed under the person's key;
    ``legacy_evidence_refs`` the plaintext of a row written before migration 0011 that the
    start-up sealer has not sealed yet (None once sealed)."""

    effort_id: UUID
    case_id: UUID
    kind: str
    occurred_on: date
    authority: str
    outcome: str
    evidence: Sealed | None
    note: Sealed | None
    recorded_by: str
    legacy_evidence_refs: list[str] | None = None


async def insert_effort(conn: Connection, effort: EffortRow) -> None:
    await conn.execute(
        "INSERT INTO efforts (effort_id, case_id, kind, occurred_on, authority, outcome,"
        " evidence_nonce, evidence_cipher, note_nonce, note_cipher, recorded_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        effort.effort_id,
        effort.case_id,
        effort.kind,
        effort.occurred_on,
        effort.authority,
        effort.outcome,
        effort.evidence.nonce if effort.evidence else None,
        effort.evidence.ciphertext if effort.evidence else None,
        effort.note.nonce if effort.note else None,
        effort.note.ciphertext if effort.note else None,
        effort.recorded_by,
    )


def _effort(r: asyncpg.Record) -> EffortRow:
    return EffortRow(
        effort_id=r["effort_id"],
        case_id=r["case_id"],
        kind=r["kind"],
        occurred_on=r["occurred_on"],
        authority=r["authority"],
        outcome=r["outcome"],
        evidence=Sealed(r["evidence_nonce"], r["evidence_cipher"])
        if r["evidence_cipher"]
        else None,
        note=Sealed(r["note_nonce"], r["note_cipher"]) if r["note_cipher"] else None,
        recorded_by=r["recorded_by"],
        legacy_evidence_refs=None if r["evidence_refs"] is None else list(r["evidence_refs"]),
    )


async def efforts(conn: Connection, case_id: UUID) -> list[EffortRow]:
    rows = await conn.fetch(
        "SELECT * FROM efforts WHERE case_id = $1 ORDER BY occurred_on, recorded_at", case_id
    )
    return [_effort(r) for r in rows]


async def claim_plaintext_evidence(conn: Connection, limit: int) -> list[EffortRow]:
    """Efforts whose references are still plaintext (rows from before migration 0011), locked
    so that a second process skips them."""
    rows = await conn.fetch(
        "SELECT * FROM efforts WHERE evidence_refs IS NOT NULL"
        " ORDER BY effort_id LIMIT $1 FOR UPDATE SKIP LOCKED",
        limit,
    )
    return [_effort(r) for r in rows]


async def seal_evidence(conn: Connection, effort_id: UUID, sealed: Sealed | None) -> None:
    """Replace an effort's plaintext references by their ciphertext (None: drop them, the
    person's key is gone)."""
    await conn.execute(
        "UPDATE efforts SET evidence_refs = NULL, evidence_nonce = $2, evidence_cipher = $3"
        " WHERE effort_id = $1",
        effort_id,
        sealed.nonce if sealed else None,
        sealed.ciphertext if sealed else None,
    )


async def reseal_effort_note(conn: Connection, effort_id: UUID, sealed: Sealed) -> None:
    await conn.execute(
        "UPDATE efforts SET note_nonce = $2, note_cipher = $3 WHERE effort_id = $1",
        effort_id,
        sealed.nonce,
        sealed.ciphertext,
    )


async def reseal_effort_evidence(conn: Connection, effort_id: UUID, sealed: Sealed) -> None:
    await conn.execute(
        "UPDATE efforts SET evidence_nonce = $2, evidence_cipher = $3 WHERE effort_id = $1",
        effort_id,
        sealed.nonce,
        sealed.ciphertext,
    )


# ---------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class DeadlineRow:
    deadline_id: UUID
    case_id: UUID
    kind: str
    due_date: date
    due_at: datetime | None
    sent: frozenset[Notice]


async def insert_deadline(
    conn: Connection,
    deadline_id: UUID,
    case_id: UUID,
    kind: str,
    due_date: date,
    due_at: datetime | None,
) -> None:
    await conn.execute(
        "INSERT INTO deadlines (deadline_id, case_id, kind, due_date, due_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        deadline_id,
        case_id,
        kind,
        due_date,
        due_at,
    )


async def cancel_deadlines(conn: Connection, case_id: UUID, kind: str, at: datetime) -> None:
    """A new deadline of a kind replaces the old one (e.g. a new final decision)."""
    await conn.execute(
        "UPDATE deadlines SET cancelled_at = $3"
        " WHERE case_id = $1 AND kind = $2 AND cancelled_at IS NULL",
        case_id,
        kind,
        at,
    )


async def cancel_all_deadlines(conn: Connection, case_id: UUID, at: datetime) -> None:
    await conn.execute(
        "UPDATE deadlines SET cancelled_at = $2 WHERE case_id = $1 AND cancelled_at IS NULL",
        case_id,
        at,
    )


async def delete_deadlines(conn: Connection, case_id: UUID) -> None:
    await conn.execute(
        "DELETE FROM deadline_notices WHERE deadline_id IN"
        " (SELECT deadline_id FROM deadlines WHERE case_id = $1)",
        case_id,
    )
    await conn.execute("DELETE FROM deadlines WHERE case_id = $1", case_id)


async def forget_published_events(conn: Connection, case_id: UUID) -> None:
    """Drop the case's already published outbox rows: Kafka has them, and a kept copy here would
    outlive the erasure (e.g. a v1 DeadlineScheduled, whose date could be a child's 18th
    birthday; v2 deadline events carry no date)."""
    await conn.execute(
        "DELETE FROM hub_outbox WHERE message_key = $1 AND published_at IS NOT NULL",
        str(case_id),
    )


def _deadline(row: asyncpg.Record) -> DeadlineRow:
    return DeadlineRow(
        deadline_id=row["deadline_id"],
        case_id=row["case_id"],
        kind=row["kind"],
        due_date=row["due_date"],
        due_at=row["due_at"],
        sent=frozenset(Notice(n) for n in row["sent"] if n in Notice.__members__.values()),
    )


_DEADLINE_SELECT = """
SELECT d.deadline_id, d.case_id, d.kind, d.due_date, d.due_at,
       COALESCE(array_agg(n.notice) FILTER (WHERE n.notice IS NOT NULL), '{}') AS sent
FROM deadlines d LEFT JOIN deadline_notices n ON n.deadline_id = d.deadline_id
"""


async def case_deadlines(conn: Connection, case_id: UUID) -> list[DeadlineRow]:
    rows = await conn.fetch(
        _DEADLINE_SELECT + " WHERE d.case_id = $1 AND d.cancelled_at IS NULL"
        " GROUP BY d.deadline_id ORDER BY d.due_date, d.kind",
        case_id,
    )
    return [_deadline(r) for r in rows]


async def claim_weekly_deadlines(
    conn: Connection, week: date, last_day: date, limit: int
) -> list[DeadlineRow]:
    """Live deadlines that need a notice in the run of the week ``week``..``last_day``: passed
    before the week without a passed notice, or ending within it without any reminder. Locked
    so that a second worker skips them, and in id order (random), never in due-date order: the
    order of the events on the topic must not rank the days within the week."""
    ids = await conn.fetch(
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
    rows = await conn.fetch(
        _DEADLINE_SELECT + " WHERE d.deadline_id = ANY($1::uuid[]) GROUP BY d.deadline_id"
        " ORDER BY d.deadline_id",
        [r["deadline_id"] for r in ids],
    )
    return [_deadline(r) for r in rows]


async def record_notice(conn: Connection, deadline_id: UUID, notice: str, event_id: UUID) -> bool:
    """False when this notice was already recorded (then its event must not be emitted)."""
    inserted = await conn.fetchval(
        "INSERT INTO deadline_notices (deadline_id, notice, event_id) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING true",
        deadline_id,
        notice,
        event_id,
    )
    return bool(inserted)


async def newest_event_of_case(
    conn: Connection, case_id: UUID, topic: str, event_types: Sequence[str]
) -> UUID | None:
    """The envelope id of the newest event of the case, among `event_types` on `topic`, that
    this service has committed (its outbox row, published or not); None when there is none.

    Committed means the caller's write is in it: a request answered before this call is seen.
    Published rows of an erased case are gone (`forget_published_events`); its `PersonErased`
    stays. The type is read from the envelope's JSON, over this case's rows only (index
    `hub_outbox_by_case`)."""
    found: UUID | None = await conn.fetchval(
        "SELECT event_id FROM hub_outbox"
        " WHERE message_key = $1 AND topic = $2"
        " AND convert_from(payload, 'UTF8')::jsonb ->> 'type' = ANY($3::text[])"
        " ORDER BY id DESC LIMIT 1",
        str(case_id),
        topic,
        list(event_types),
    )
    return found
