"""The buitenschuld dossier: the person's own efforts to obtain travel documents.

An effort's kind, authority and outcome are closed codes; its evidence references (a V-number,
a letter's reference) and its note are personal, sealed under the person's key, so that an
erasure shreds them with everything else (issue 12: no free text outside the vault).
"""

import unicodedata
from typing import Any
from uuid import UUID, uuid4

from hub_runtime.auth import Principal
from hub_runtime.render import escape_markdown
from hub_runtime.unit_of_work import UnitOfWork

from casefile import commands as cmd
from casefile import repository as repo
from casefile.errors import CaseNotFoundError, PersonErasedGoneError
from casefile.handlers import (
    Deps,
    add_timeline,
    plausible_past_day,
    read_person,
    today_of,
    writable_case,
)
from casefile.vault import PersonErasedError, PersonVault


def note_purpose(effort_id: UUID) -> str:
    """The associated data of an effort's sealed note (binds it to the effort)."""
    return f"effort:{effort_id}"


def evidence_purpose(effort_id: UUID) -> str:
    """The associated data of an effort's sealed references (binds them to the effort)."""
    return f"effort-evidence:{effort_id}"


async def record_effort(
    uow: UnitOfWork, deps: Deps, case_id: UUID, command: cmd.RecordEffort, who: Principal
) -> UUID:
    """An effort for the dossier; references and note are sealed under the person's key.

    404 unknown case, 410 erased, 409 ``case_closed``.
    """
    await writable_case(uow, case_id)
    # An effort may precede the case (an embassy visit before counselling began).
    plausible_past_day(command.occurred_on, today_of(deps), "occurred_on")
    effort_id = uuid4()
    note = None
    if command.note is not None:
        note = await deps.vault.seal_text(uow.conn, case_id, note_purpose(effort_id), command.note)
    evidence = None
    if command.evidence_refs:
        evidence = await deps.vault.seal_value(
            uow.conn, case_id, evidence_purpose(effort_id), list(command.evidence_refs)
        )
    await repo.insert_effort(
        uow.conn,
        repo.EffortRow(
            effort_id=effort_id,
            case_id=case_id,
            kind=command.kind,
            occurred_on=command.occurred_on,
            authority=command.authority,
            outcome=command.outcome,
            evidence=evidence,
            note=note,
            recorded_by=who.sub,
        ),
    )
    await add_timeline(
        uow,
        case_id,
        "effort_recorded",
        {"kind": command.kind, "authority": command.authority, "outcome": command.outcome},
    )
    return effort_id


async def evidence_refs(uow: UnitOfWork, vault: PersonVault, effort: repo.EffortRow) -> list[str]:
    """The effort's references in plaintext (the caller logs the read); 410 once erased."""
    try:
        if effort.evidence is not None:
            refs = await vault.open_value(
                uow.conn, effort.case_id, evidence_purpose(effort.effort_id), effort.evidence
            )
            return [str(r) for r in refs]
    except PersonErasedError as exc:
        raise PersonErasedGoneError() from exc
    return list(effort.legacy_evidence_refs or [])


async def effort_facts(
    uow: UnitOfWork, vault: PersonVault, effort: repo.EffortRow
) -> dict[str, Any]:
    return {
        "kind": effort.kind,
        "occurred_on": effort.occurred_on.isoformat(),
        "authority": effort.authority,
        "outcome": effort.outcome,
        "evidence_refs": await evidence_refs(uow, vault, effort),
    }


async def buitenschuld_dossier(
    uow: UnitOfWork, deps: Deps, case_id: UUID, who: Principal
) -> dict[str, Any]:
    """Everything the buitenschuld application needs, as one document (reading is logged)."""
    case = await repo.get_case(uow.conn, case_id)
    if case is None:
        raise CaseNotFoundError()
    if case.is_erased:
        raise PersonErasedGoneError()
    person = await read_person(uow, deps, case_id, who, why="buitenschuld_dossier")
    efforts = []
    for effort in await repo.efforts(uow.conn, case_id):
        facts = await effort_facts(uow, deps.vault, effort)
        facts["note"] = (
            None
            if effort.note is None
            else await deps.vault.open_text(
                uow.conn, case_id, note_purpose(effort.effort_id), effort.note
            )
        )
        efforts.append(facts)
    return {
        "case_id": str(case_id),
        "generated_on": today_of(deps).isoformat(),
        "person": person.get("identity", {}),
        "country_of_origin": case.country_of_origin,
        "stage": case.stage.value,
        "stage_history": [
            {
                "from": s["from_stage"],
                "to": s["to_stage"],
                "decided_on": s["decided_on"].isoformat(),
            }
            for s in await repo.stage_changes(uow.conn, case_id)
        ],
        "efforts": efforts,
    }


def dossier_markdown(dossier: dict[str, Any]) -> str:
    """The same dossier as Markdown, for printing with the application.

    Every value passes ``escape_markdown`` (hub_runtime.render): a name or a note can never
    add a heading, a table row, a link or raw HTML to the document.
    """
    md = escape_markdown
    person = dossier["person"]
    lines = [
        "# Buitenschuld dossier: own efforts to obtain travel documents",
        "",
        f"- Case: {md(dossier['case_id'])}",
        f"- Name: {md(person.get('name', ''))}",
        f"- Date of birth: {md(person.get('date_of_birth', ''))}",
        f"- Country of origin: {md(dossier['country_of_origin'])}",
        f"- Procedure stage: {md(dossier['stage'])}",
        f"- Generated on: {md(dossier['generated_on'])}",
        "",
        "## Efforts",
        "",
        "| date | kind | authority | outcome | evidence | note |",
        "|---|---|---|---|---|---|",
    ]
    for e in dossier["efforts"]:
        cells = [e["occurred_on"], e["kind"], e["authority"], e["outcome"]]
        cells += [", ".join(e["evidence_refs"]), e["note"] or ""]
        lines.append("| " + " | ".join(md(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


async def seal_legacy_evidence(uow: UnitOfWork, vault: PersonVault, limit: int = 200) -> int:
    """The data step of migration 0011: seal plaintext references of older rows under the
    person's key and clear the plaintext; an erased person's are dropped (their key is gone).

    Returns how many rows were handled; idempotent, safe in several processes at once.
    """
    rows = await repo.claim_plaintext_evidence(uow.conn, limit)
    for effort in rows:
        sealed = None
        if effort.legacy_evidence_refs:
            try:
                sealed = await vault.seal_value(
                    uow.conn,
                    effort.case_id,
                    evidence_purpose(effort.effort_id),
                    # NFC as every text now (issue 13); the 0020 pass may have checked the
                    # person already.
                    [unicodedata.normalize("NFC", ref) for ref in effort.legacy_evidence_refs],
                )
            except PersonErasedError:
                sealed = None
        await repo.seal_evidence(uow.conn, effort.effort_id, sealed)
    return len(rows)
