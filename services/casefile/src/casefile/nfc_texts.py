"""The data step of migration 0020: text sealed before the one text type, re-sealed in NFC.

Names, household names, medical needs, effort notes and evidence references are encrypted
under the person's key, so SQL cannot normalise them (issue 13: "names stored before this
change are normalised by a migration"). This pass opens each unchecked person's ciphertexts,
re-seals under the same key only those whose text NFC changes, and marks the person checked
(`person_keys.texts_nfc`). Erased persons have no key row and are never visited.
"""

import logging
from dataclasses import dataclass
from uuid import UUID

from hub_runtime.db import Connection
from hub_runtime.unit_of_work import UnitOfWork

from casefile import repository as repo
from casefile.domain.crypto import DecryptionError, Sealed
from casefile.efforts import evidence_purpose, note_purpose
from casefile.vault import PersonErasedError, PersonVault

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NfcBatch:
    """One batch: how many persons were checked, and how many ciphertexts re-sealed."""

    persons: int
    resealed: int


async def normalise_batch(uow: UnitOfWork, vault: PersonVault, limit: int = 50) -> NfcBatch:
    """Check up to `limit` unchecked persons in the caller's transaction. Idempotent (a text
    already NFC is not rewritten), safe in several processes at once (claimed rows are
    locked and skipped by the others)."""
    case_ids = await repo.claim_persons_not_nfc(uow.conn, limit)
    resealed = 0
    for case_id in case_ids:
        resealed += await _normalise_person(uow.conn, vault, case_id)
    await repo.mark_texts_nfc(uow.conn, case_ids)
    return NfcBatch(persons=len(case_ids), resealed=resealed)


async def _normalise_person(conn: Connection, vault: PersonVault, case_id: UUID) -> int:
    """Re-seal the person's non-NFC ciphertexts; returns how many."""
    sealed: dict[str, Sealed] = await repo.all_person_fields(conn, case_id)
    categories = set(sealed)
    notes: dict[str, UUID] = {}
    evidence: dict[str, UUID] = {}
    for effort in await repo.efforts(conn, case_id):
        if effort.note is not None:
            notes[note_purpose(effort.effort_id)] = effort.effort_id
            sealed[note_purpose(effort.effort_id)] = effort.note
        if effort.evidence is not None:
            evidence[evidence_purpose(effort.effort_id)] = effort.effort_id
            sealed[evidence_purpose(effort.effort_id)] = effort.evidence
    try:
        changed = await vault.nfc_resealed(conn, case_id, sealed)
    except PersonErasedError:
        return 0  # erased since the claim: nothing of theirs can be read any more
    except DecryptionError:
        # Unreadable for every reader alike; re-trying at each start would never end.
        log.warning(
            "person's texts do not decrypt; left as stored", extra={"case_id": str(case_id)}
        )
        return 0
    fields = {purpose: s for purpose, s in changed.items() if purpose in categories}
    if fields:
        await repo.put_person_fields(conn, case_id, fields)
    for purpose, new in changed.items():
        if purpose in notes:
            await repo.reseal_effort_note(conn, notes[purpose], new)
        elif purpose in evidence:
            await repo.reseal_effort_evidence(conn, evidence[purpose], new)
    return len(changed)
