"""The internal disclosure endpoint's use case: the gateway asks, casefile decides again.

The decision is ``hub_contracts.privacy.may_disclose`` on casefile's own view (see
:mod:`casefile.domain.disclosure`); every answer, allowed or refused, is in the access log.
"""

from dataclasses import dataclass
from typing import Any

from hub_contracts.privacy import CaseFacts
from hub_contracts.vocabulary import REFUSAL_TEXTS, DataCategory, RefusalCode
from hub_runtime.auth import Principal
from hub_runtime.unit_of_work import UnitOfWork

from casefile import commands as cmd
from casefile import repository as repo
from casefile import view_repository as views
from casefile.domain.disclosure import Decision, DisclosureRequest, Outcome, decide
from casefile.domain.model import Case
from casefile.efforts import effort_facts
from casefile.errors import ERASED, CaseNotFoundError, PersonErasedGoneError
from casefile.handlers import PERSON_CATEGORIES, Deps, today_of
from casefile.vault import PersonErasedError

NOT_YET_TEXTS = {
    "partner_not_known_yet": "casefile has not seen this partner yet; retry later",
    "consent_not_known_yet": "casefile has not seen this consent yet; retry later",
}


@dataclass(frozen=True)
class DisclosureResult:
    """What the disclosure endpoint answers; a refusal is a result (its log row must commit)."""

    status: int
    body: dict[str, Any]


def _sentence(code: str) -> str:
    """The sentence of a refusal, rendered from its code at the edge (never stored)."""
    if code in NOT_YET_TEXTS:
        return NOT_YET_TEXTS[code]
    if code == "person_erased":
        return ERASED
    return REFUSAL_TEXTS[RefusalCode(code)]


def _refusal(decision: Decision) -> dict[str, Any]:
    """The hub's one error shape."""
    return {"error": decision.code, "detail": _sentence(decision.code)}


async def disclose(
    uow: UnitOfWork, deps: Deps, body: cmd.DisclosureIn, who: Principal
) -> DisclosureResult:
    """Re-check the flow on casefile's own view, decrypt only the covered categories, and log
    the read, allowed or refused (who, what, when, why = purpose and referral).

    200 with the categories; 403 a rule refuses; 410 covered once, not any more (withdrawn,
    expired, erased, closed); 503 the view has not seen the partner or consent yet; 404 no such
    case.
    """
    request = DisclosureRequest(
        case_id=body.case_id,
        referral_id=body.referral_id,
        partner_id=body.partner_id,
        consent_id=body.consent_id,
        purpose=body.purpose,
        categories=frozenset(body.data_categories),
    )
    case = await repo.get_case(uow.conn, body.case_id)
    if case is None:
        raise CaseNotFoundError()
    decision = decide(
        request,
        await views.get_consent(uow.conn, body.consent_id),
        await views.get_partner(uow.conn, body.partner_id),
        CaseFacts(stage=case.stage, erased=case.is_erased, closed=case.is_closed),
        today_of(deps),
    )
    if decision.outcome is Outcome.ALLOW:
        data = await _categories(uow, deps, case, request.categories)
        content: dict[str, Any] = {"case_id": str(case.case_id), "categories": data}
        outcome = "disclosed"
    else:
        content, outcome = _refusal(decision), f"refused:{decision.code}"
    entry = repo.AccessEntry(
        body.case_id,
        who.sub,
        who.role.value,
        sorted(c.value for c in request.categories),
        f"disclosure:{body.purpose.value}",
        outcome,
        body.referral_id,
    )
    await repo.log_access(uow.conn, entry)
    return DisclosureResult(decision.status, content)


async def _categories(
    uow: UnitOfWork, deps: Deps, case: Case, wanted: frozenset[DataCategory]
) -> dict[str, dict[str, Any]]:
    encrypted = [c.value for c in wanted if c.value in PERSON_CATEGORIES]
    try:
        fields = await deps.vault.read(uow.conn, case.case_id, encrypted)
    except PersonErasedError as exc:
        raise PersonErasedGoneError() from exc
    result: dict[str, dict[str, Any]] = {c: fields.get(c, {}) for c in encrypted}
    if DataCategory.VULNERABILITIES in wanted:
        result["vulnerabilities"] = {"flags": [v.value for v in case.vulnerabilities]}
    if DataCategory.CASE_HISTORY in wanted:
        result["case_history"] = {
            "stage": case.stage.value,
            "stages": [
                {
                    "from": s["from_stage"],
                    "to": s["to_stage"],
                    "decided_on": s["decided_on"].isoformat(),
                }
                for s in await repo.stage_changes(uow.conn, case.case_id)
            ],
        }
    if DataCategory.TRAVEL_DOCUMENTS in wanted:
        result["travel_documents"] = {
            "efforts": [
                await effort_facts(uow, deps.vault, e)
                for e in await repo.efforts(uow.conn, case.case_id)
            ]
        }
    return result
