"""The internal disclosure endpoint's use case: the gateway asks, casefile decides again.

The decision is ``hub_contracts.privacy.may_disclose`` on casefile's own view (see
:mod:`casefile.domain.disclosure`); every answer, allowed or refused, is in the access log.
"""

from typing import Any

from hub_contracts.privacy import CaseFacts
from hub_contracts.vocabulary import REFUSAL_TEXTS, DataCategory, RefusalCode
from hub_runtime.errors import DomainError, ForbiddenError, GoneError, UnavailableError

from casefile import messages as m
from casefile.deps import Deps
from casefile.domain.disclosure import Decision, DisclosureRequest, Outcome, decide
from casefile.domain.model import Case
from casefile.errors import ERASED, CaseNotFoundError, PersonErasedGoneError
from casefile.handlers.efforts import effort_facts
from casefile.handlers.reads import PERSON_CATEGORIES
from casefile.repository.audit import AccessEntry
from casefile.unit_of_work import CasefileUow
from casefile.vault import PersonErasedError

NOT_YET_TEXTS = {
    "partner_not_known_yet": "casefile has not seen this partner yet; retry later",
    "consent_not_known_yet": "casefile has not seen this consent yet; retry later",
}

REFUSALS: dict[Outcome, type[DomainError]] = {
    Outcome.FORBIDDEN: ForbiddenError,
    Outcome.GONE: GoneError,
    Outcome.NOT_YET: UnavailableError,
}
"""The named error of each refused outcome: 403 never (or never may be) covered, 410 covered
once and not any more, 503 casefile's view has not caught up (the gateway retries)."""


def _sentence(code: str) -> str:
    """The sentence of a refusal, rendered from its code (never stored)."""
    if code in NOT_YET_TEXTS:
        return NOT_YET_TEXTS[code]
    if code == "person_erased":
        return ERASED
    return REFUSAL_TEXTS[RefusalCode(code)]


def _refusal(decision: Decision) -> DomainError:
    return REFUSALS[decision.outcome](_sentence(decision.code), code=decision.code)


async def disclose(message: m.Disclose, uow: CasefileUow, deps: Deps) -> m.DisclosureAnswer:
    """Re-check the flow on casefile's own view, decrypt only the covered categories, and log
    the read, allowed or refused (who, what, when, why = purpose and referral).

    Returns the categories, or a refusal in ``refusal`` (not raised: the access-log row of a
    refused read must commit; the edge raises it afterwards). Raises `CaseNotFoundError`
    (404) for no such case and `PersonErasedGoneError` (410) when the key is gone mid-read.
    """
    body, who = message.body, message.who
    request = DisclosureRequest(
        case_id=body.case_id,
        referral_id=body.referral_id,
        partner_id=body.partner_id,
        consent_id=body.consent_id,
        purpose=body.purpose,
        categories=frozenset(body.data_categories),
    )
    case = await uow.cases.get(body.case_id)
    if case is None:
        raise CaseNotFoundError()
    consent, partner = await uow.views.consent_and_partner(body.consent_id, body.partner_id)
    decision = decide(
        request,
        consent,
        partner,
        CaseFacts(stage=case.stage, erased=case.is_erased, closed=case.is_closed),
        deps.today(),
    )
    if decision.outcome is Outcome.ALLOW:
        answer = m.DisclosureAnswer(
            case.case_id, await _categories(uow, deps, case, request.categories)
        )
        outcome = "disclosed"
    else:
        answer = m.DisclosureAnswer(case.case_id, {}, _refusal(decision))
        outcome = f"refused:{decision.code}"
    entry = AccessEntry(
        body.case_id,
        who.sub,
        who.role.value,
        sorted(c.value for c in request.categories),
        f"disclosure:{body.purpose.value}",
        outcome,
        body.referral_id,
    )
    await uow.audit.log_access(entry)
    return answer


async def _categories(
    uow: CasefileUow, deps: Deps, case: Case, wanted: frozenset[DataCategory]
) -> dict[str, dict[str, Any]]:
    encrypted = [c.value for c in wanted if c.value in PERSON_CATEGORIES]
    try:
        fields = await deps.vault.read(uow.persons, case.case_id, encrypted)
    except PersonErasedError as exc:
        raise PersonErasedGoneError() from exc
    result: dict[str, dict[str, Any]] = {c: fields.get(c, {}) for c in encrypted}
    if DataCategory.VULNERABILITIES in wanted:
        result["vulnerabilities"] = {"flags": [v.value for v in case.vulnerabilities]}
    if DataCategory.CASE_HISTORY in wanted:
        result["case_history"] = {
            "stage": case.stage.value,
            "stages": [
                {"from": s.from_stage, "to": s.to_stage, "decided_on": s.decided_on.isoformat()}
                for s in await uow.history.stage_changes(case.case_id)
            ],
        }
    if DataCategory.TRAVEL_DOCUMENTS in wanted:
        result["travel_documents"] = {
            "efforts": [
                await effort_facts(uow, deps.vault, e)
                for e in await uow.efforts.of_case(case.case_id)
            ]
        }
    return result
