"""The buitenschuld dossier: the person's own efforts to obtain travel documents.

An effort's kind, authority and outcome are closed codes; its evidence references (a V-number,
a letter's reference) and its note are personal, sealed under the person's key, so that an
erasure shreds them with everything else (issue 12: no free text outside the vault).
"""

import unicodedata
from typing import Any
from uuid import UUID, uuid4

from casefile import messages as m
from casefile.deps import Deps
from casefile.errors import PersonErasedGoneError
from casefile.handlers.common import (
    add_timeline,
    existing_case,
    plausible_past_day,
    writable_case,
)
from casefile.handlers.reads import read_person
from casefile.repository.efforts import EffortRow
from casefile.unit_of_work import CasefileUow
from casefile.vault import PersonErasedError, PersonVault


def note_purpose(effort_id: UUID) -> str:
    """The associated data of an effort's sealed note (binds it to the effort)."""
    return f"effort:{effort_id}"


def evidence_purpose(effort_id: UUID) -> str:
    """The associated data of an effort's sealed references (binds them to the effort)."""
    return f"effort-evidence:{effort_id}"


async def record_effort(message: m.RecordEffort, uow: CasefileUow, deps: Deps) -> UUID:
    """An effort for the dossier; references and note are sealed under the person's key.
    Returns its id. Raises 404, 410, 409 ``case_closed``, 422 (date)."""
    case = await writable_case(uow, message.case_id)
    body = message.body
    # An effort may precede the case (an embassy visit before counselling began).
    plausible_past_day(body.occurred_on, deps.today(), "occurred_on")
    effort_id = uuid4()
    note = None
    if body.note is not None:
        note = await deps.vault.seal_text(
            uow.persons, case.case_id, note_purpose(effort_id), body.note
        )
    evidence = None
    if body.evidence_refs:
        evidence = await deps.vault.seal_value(
            uow.persons, case.case_id, evidence_purpose(effort_id), list(body.evidence_refs)
        )
    await uow.efforts.add(
        EffortRow(
            effort_id=effort_id,
            case_id=case.case_id,
            kind=body.kind,
            occurred_on=body.occurred_on,
            authority=body.authority,
            outcome=body.outcome,
            evidence=evidence,
            note=note,
            recorded_by=message.who.sub,
        )
    )
    details = {"kind": body.kind, "authority": body.authority, "outcome": body.outcome}
    await add_timeline(uow, case.case_id, "effort_recorded", details)
    return effort_id


async def evidence_refs(uow: CasefileUow, vault: PersonVault, effort: EffortRow) -> list[str]:
    """The effort's references in plaintext (the caller logs the read); 410 once erased."""
    try:
        if effort.evidence is not None:
            refs = await vault.open_value(
                uow.persons, effort.case_id, evidence_purpose(effort.effort_id), effort.evidence
            )
            return [str(r) for r in refs]
    except PersonErasedError as exc:
        raise PersonErasedGoneError() from exc
    return list(effort.legacy_evidence_refs or [])


async def effort_facts(uow: CasefileUow, vault: PersonVault, effort: EffortRow) -> dict[str, Any]:
    """An effort as the dossier and the disclosure show it (references opened)."""
    return {
        "kind": effort.kind,
        "occurred_on": effort.occurred_on.isoformat(),
        "authority": effort.authority,
        "outcome": effort.outcome,
        "evidence_refs": await evidence_refs(uow, vault, effort),
    }


async def read_dossier(message: m.ReadDossier, uow: CasefileUow, deps: Deps) -> dict[str, Any]:
    """Everything the buitenschuld application needs, as one document (the read is logged;
    stage dates are the current ones). Raises 404, 410."""
    case = await existing_case(uow, message.case_id)
    case_id = case.case_id
    person = await read_person(uow, deps, case_id, message.who, why="buitenschuld_dossier")
    efforts = []
    for effort in await uow.efforts.of_case(case_id):
        facts = await effort_facts(uow, deps.vault, effort)
        facts["note"] = (
            None
            if effort.note is None
            else await deps.vault.open_text(
                uow.persons, case_id, note_purpose(effort.effort_id), effort.note
            )
        )
        efforts.append(facts)
    return {
        "case_id": str(case_id),
        "generated_on": deps.today().isoformat(),
        "person": person.get("identity", {}),
        "country_of_origin": case.country_of_origin,
        "stage": case.stage.value,
        "stage_history": [
            {"from": s.from_stage, "to": s.to_stage, "decided_on": s.decided_on.isoformat()}
            for s in await uow.history.stage_changes(case_id)
        ],
        "efforts": efforts,
    }


async def seal_legacy_evidence(message: m.SealLegacyEvidence, uow: CasefileUow, deps: Deps) -> int:
    """The data step of migration 0011: seal plaintext references of older rows under the
    person's key and clear the plaintext; an erased person's are dropped (their key is gone).

    Returns how many rows were handled; idempotent, safe in several processes at once.
    """
    rows = await uow.efforts.claim_plaintext_evidence(message.limit)
    for effort in rows:
        sealed = None
        if effort.legacy_evidence_refs:
            try:
                sealed = await deps.vault.seal_value(
                    uow.persons,
                    effort.case_id,
                    evidence_purpose(effort.effort_id),
                    # NFC as every text now (issue 13); the 0020 pass may have checked the
                    # person already.
                    [unicodedata.normalize("NFC", ref) for ref in effort.legacy_evidence_refs],
                )
            except PersonErasedError:
                sealed = None
        await uow.efforts.seal_evidence(effort.effort_id, sealed)
    return len(rows)
