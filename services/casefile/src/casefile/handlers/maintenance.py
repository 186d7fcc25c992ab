"""The data step of migration 0020: text sealed before the one text type, re-sealed in NFC.

Names, household names, medical needs, effort notes and evidence references are encrypted
under the person's key, so SQL cannot normalise them (issue 13: "names stored before this
change are normalised by a migration"). This pass opens each unchecked person's ciphertexts,
re-seals under the same key only those whose text NFC changes, and marks the person checked
(`person_keys.texts_nfc`). Erased persons have no key row and are never visited.
"""

import logging
from uuid import UUID

from casefile import messages as m
from casefile.deps import Deps
from casefile.domain.crypto import DecryptionError, Sealed
from casefile.handlers.efforts import evidence_purpose, note_purpose
from casefile.unit_of_work import CasefileUow
from casefile.vault import PersonErasedError, PersonVault

log = logging.getLogger(__name__)


async def normalise_stored_texts(
    message: m.NormaliseStoredTexts, uow: CasefileUow, deps: Deps
) -> tuple[int, int]:
    """Check up to ``limit`` unchecked persons: (persons checked, ciphertexts re-sealed).
    Idempotent (a text already NFC is not rewritten), safe in several processes at once
    (claimed rows are locked and skipped by the others)."""
    case_ids = await uow.persons.claim_not_nfc(message.limit)
    resealed = 0
    for case_id in case_ids:
        resealed += await _normalise_person(uow, deps.vault, case_id)
    await uow.persons.mark_nfc(case_ids)
    return len(case_ids), resealed


async def rewrap_keys(message: m.RewrapKeys, uow: CasefileUow, deps: Deps) -> int:
    """Master-key rotation, one batch (`PersonVault.rewrap_keys`): up to ``limit`` keys
    wrapped under an older KEK version re-wrapped under the current one; returns how many.
    Safe in several processes at once and beside erasures (claimed rows are locked; a
    re-wrap never brings an erased key back). Raises ``UnknownKekVersionError`` when the
    previous master key is not configured."""
    return await deps.vault.rewrap_keys(uow.persons, message.limit)


async def index_persons(message: m.IndexPersons, uow: CasefileUow, deps: Deps) -> m.IndexedPersons:
    """The blind index's backfill, one batch (a migration cannot decrypt names): each open
    case after ``message.after`` without an index row (or ``every`` one) gets the digest of
    its stored person. A person who already holds another open case's digest is reported in
    ``already_known`` and left without one (it is tried again at the next pass, and indexed
    once the other case closes). Safe in several processes at once (rows locked, skipped)."""
    case_ids = await uow.persons.cases_to_index(message.after, message.limit, every=message.every)
    indexed, known = 0, []
    for case_id in case_ids:
        try:
            digest = await deps.vault.stored_digest(uow.persons, case_id)
        except (PersonErasedError, DecryptionError):
            continue  # erased since the query, or unreadable for every reader alike
        holder = await uow.persons.claim_index(case_id, digest)
        if holder is None:
            indexed += 1
        else:
            known.append((case_id, holder))
    return m.IndexedPersons(case_ids[-1] if case_ids else None, indexed, tuple(known))


async def _normalise_person(uow: CasefileUow, vault: PersonVault, case_id: UUID) -> int:
    """Re-seal the person's non-NFC ciphertexts; returns how many."""
    sealed: dict[str, Sealed] = await uow.persons.fields(case_id)
    categories = set(sealed)
    notes: dict[str, UUID] = {}
    evidence: dict[str, UUID] = {}
    for effort in await uow.efforts.of_case(case_id):
        if effort.note is not None:
            notes[note_purpose(effort.effort_id)] = effort.effort_id
            sealed[note_purpose(effort.effort_id)] = effort.note
        if effort.evidence is not None:
            evidence[evidence_purpose(effort.effort_id)] = effort.effort_id
            sealed[evidence_purpose(effort.effort_id)] = effort.evidence
    try:
        changed = await vault.nfc_resealed(uow.persons, case_id, sealed)
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
        await uow.persons.put_fields(case_id, fields)
    for purpose, new in changed.items():
        if purpose in notes:
            await uow.efforts.reseal_note(notes[purpose], new)
        elif purpose in evidence:
            await uow.efforts.reseal_evidence(evidence[purpose], new)
    return len(changed)
