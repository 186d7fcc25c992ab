"""SQL of the buitenschuld dossier's efforts (references and note sealed under the person's
key since migration 0011)."""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import asyncpg
from hub_runtime.db import Connection

from casefile.domain.crypto import Sealed


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


class PgEfforts:
    """Efforts in PostgreSQL (`protocols.Efforts`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, effort: EffortRow) -> None:
        """Record an effort (its plaintext references are never written: ``evidence``)."""
        await self._conn.execute(
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

    async def of_case(self, case_id: UUID) -> list[EffortRow]:
        """The case's efforts by the day they occurred (then by recording)."""
        rows = await self._conn.fetch(
            "SELECT * FROM efforts WHERE case_id = $1 ORDER BY occurred_on, recorded_at",
            case_id,
        )
        return [_effort(r) for r in rows]

    async def claim_plaintext_evidence(self, limit: int) -> list[EffortRow]:
        """Efforts whose references are still plaintext (rows from before migration 0011),
        locked so that a second process skips them."""
        rows = await self._conn.fetch(
            "SELECT * FROM efforts WHERE evidence_refs IS NOT NULL"
            " ORDER BY effort_id LIMIT $1 FOR UPDATE SKIP LOCKED",
            limit,
        )
        return [_effort(r) for r in rows]

    async def seal_evidence(self, effort_id: UUID, sealed: Sealed | None) -> None:
        """Replace an effort's plaintext references by their ciphertext (None: drop them,
        the person's key is gone)."""
        await self._conn.execute(
            "UPDATE efforts SET evidence_refs = NULL, evidence_nonce = $2, evidence_cipher = $3"
            " WHERE effort_id = $1",
            effort_id,
            sealed.nonce if sealed else None,
            sealed.ciphertext if sealed else None,
        )

    async def reseal_note(self, effort_id: UUID, sealed: Sealed) -> None:
        """Replace the note's ciphertext (same person key; migration 0020's NFC step)."""
        await self._conn.execute(
            "UPDATE efforts SET note_nonce = $2, note_cipher = $3 WHERE effort_id = $1",
            effort_id,
            sealed.nonce,
            sealed.ciphertext,
        )

    async def reseal_evidence(self, effort_id: UUID, sealed: Sealed) -> None:
        """Replace the references' ciphertext (same person key; migration 0020's NFC step)."""
        await self._conn.execute(
            "UPDATE efforts SET evidence_nonce = $2, evidence_cipher = $3 WHERE effort_id = $1",
            effort_id,
            sealed.nonce,
            sealed.ciphertext,
        )
