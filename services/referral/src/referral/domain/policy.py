"""The referral policy: approve only when every rule holds, otherwise say every reason.

A pure function of the facts and a day. It never stops at the first failing rule: the
counsellor gets every reason at once, so the person hears the whole picture.

Overrides: a coordinator may override only the rules in :data:`OVERRIDABLE`. Rules that protect
the person or are the legal basis of the transfer can never be overridden:
- consent (GDPR art. 6(1)(a) / 49(1)(a): no consent, no transfer);
- origin-country authorities (§1.1, §1.3: never, whatever anyone says);
- the partner's agreement and the purposes it may serve (no legal ground to send otherwise);
- travel documents while the procedure or an appeal is pending (protection first, §2.3 point 2);
- erasure (there is nothing left to send).
The person's own decision, however, is a question of judgement: a coordinator may let a
vulnerable person talk to a return counsellor before deciding, with a written reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from hub_contracts import DataCategory, Decision, PartnerType, ProcedureStage, Purpose, RefusalCode

from referral.domain.model import CaseView, Consent, Partner, ReferralRequest

OVERRIDABLE: frozenset[RefusalCode] = frozenset({RefusalCode.DECISION_MISSING})
"""The rules a coordinator may override with a written reason (never the origin-authority rule)."""

# Stages in which no court has ruled yet: contact with the origin country may endanger the person.
_PROTECTED_STAGES = frozenset({ProcedureStage.APPEAL_PENDING, ProcedureStage.IN_PROCEDURE})

# Fixed order of the reasons, so the same facts always give the same list.
_ORDER = list(RefusalCode)


class Outcome(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"
    REVIEW = "review"  # a coordinator decides (minors, vulnerable persons)


@dataclass(frozen=True)
class PolicyDecision:
    """The outcome, every failing rule, and the consent the referral would travel under."""

    outcome: Outcome
    failures: tuple[RefusalCode, ...]
    consent_id: UUID | None

    @property
    def hard_failures(self) -> tuple[RefusalCode, ...]:
        return tuple(code for code in self.failures if code not in OVERRIDABLE)


def evaluate(
    request: ReferralRequest,
    case: CaseView,
    partner: Partner,
    consents: Iterable[Consent],
    today: date,
) -> PolicyDecision:
    """Decide a referral request on ``today``.

    Approve only with no failing rule and no review needed; refuse when a rule fails (a review
    cannot fix that), except that for a person who needs review the overridable failures are
    left open for the coordinator; review otherwise.
    """
    consent, consent_failures = _consent_rules(request, consents, today)
    failures = _sorted(
        [
            *consent_failures,
            *_partner_rules(request, partner, today),
            *case_view_failures(request, case),
        ]
    )
    consent_id = consent.consent_id if consent is not None else None
    hard = [code for code in failures if code not in OVERRIDABLE]
    if hard or (failures and not case.needs_review):
        return PolicyDecision(Outcome.REFUSE, failures, consent_id)
    if case.needs_review:
        return PolicyDecision(Outcome.REVIEW, failures, consent_id)
    return PolicyDecision(Outcome.APPROVE, (), consent_id)


class ReviewAction(StrEnum):
    APPROVE = "approve"  # the coordinator agrees; valid only when no rule fails
    OVERRIDE = "override"  # approve despite overridable failures, with a written reason
    REFUSE = "refuse"


@dataclass(frozen=True)
class ReviewDecision:
    outcome: Outcome  # APPROVE or REFUSE; never REVIEW
    reasons: tuple[RefusalCode, ...]  # refusal reasons, or the overridden codes on approval
    problem: str | None = None  # why the action is not allowed (nothing changes then)


def review(evaluation: PolicyDecision, action: ReviewAction) -> ReviewDecision:
    """Apply a coordinator's action to a fresh evaluation of the same request.

    ``evaluation`` is re-made at review time, so a consent withdrawn or expired while the
    referral waited is seen. A hard failure can never be approved, whatever the action.
    """
    if action is ReviewAction.REFUSE:
        # With no failing rule the refusal is the coordinator's own judgement: say so (the
        # written reason stays in the review audit, never on Kafka).
        reasons = evaluation.failures or (RefusalCode.REFUSED_AT_REVIEW,)
        return ReviewDecision(Outcome.REFUSE, reasons)
    if evaluation.hard_failures:
        return ReviewDecision(
            Outcome.REFUSE,
            evaluation.failures,
            problem="a rule that cannot be overridden fails: " + _codes(evaluation.hard_failures),
        )
    if action is ReviewAction.APPROVE and evaluation.failures:
        return ReviewDecision(
            Outcome.REFUSE,
            evaluation.failures,
            problem="rules fail that only an override with a written reason can set aside: "
            + _codes(evaluation.failures),
        )
    return ReviewDecision(Outcome.APPROVE, evaluation.failures)


def _consent_rules(
    request: ReferralRequest, consents: Iterable[Consent], today: date
) -> tuple[Consent | None, list[RefusalCode]]:
    """The best consent for the request and, when none is valid, the one reason that says why."""
    own = [c for c in consents if c.case_id == request.case_id]
    covering = [
        c for c in own if c.covers(request.partner_id, request.purpose, request.data_categories)
    ]
    valid = [c for c in covering if c.valid_on(today)]
    if valid:
        # The one that stays valid longest: an expiry in between would stop the referral sooner.
        return max(valid, key=lambda c: (c.valid_until, str(c.consent_id))), []
    if not covering:
        if any(c.partner_id == request.partner_id for c in own):
            return None, [RefusalCode.CONSENT_NOT_COVERING]
        return None, [RefusalCode.CONSENT_MISSING]
    if all(c.withdrawn_at is not None for c in covering):
        return None, [RefusalCode.CONSENT_WITHDRAWN]
    # Covering and not withdrawn, but outside its period (expired or not yet in force).
    return None, [RefusalCode.CONSENT_EXPIRED]


def _partner_rules(request: ReferralRequest, partner: Partner, today: date) -> list[RefusalCode]:
    failures = []
    if partner.partner_type is PartnerType.AUTHORITY_ORIGIN:
        failures.append(RefusalCode.PARTNER_ORIGIN_AUTHORITY)
    if not partner.agreement_valid_on(today):
        failures.append(RefusalCode.AGREEMENT_INVALID)
    if request.purpose not in partner.purposes:
        failures.append(RefusalCode.PURPOSE_NOT_ALLOWED_FOR_PARTNER)
    return failures


def case_view_failures(request: ReferralRequest, case: CaseView) -> list[RefusalCode]:
    """The rules that judge the case as our view of it (fed by the case file's events) stands."""
    failures = []
    if case.erased:
        failures.append(RefusalCode.PERSON_ERASED)
    if case.stage in _PROTECTED_STAGES and needs_origin_contact(request):
        failures.append(RefusalCode.APPEAL_PENDING_TRAVEL_DOCUMENTS)
    if case.decision is not Decision.INDEPENDENT_RETURN:
        failures.append(RefusalCode.DECISION_MISSING)
    return failures


def needs_origin_contact(request: ReferralRequest) -> bool:
    """Travel documents need contact with the origin country's representation."""
    return (
        request.purpose is Purpose.TRAVEL_DOCUMENTS
        or DataCategory.TRAVEL_DOCUMENTS in request.data_categories
    )


def _sorted(codes: list[RefusalCode]) -> tuple[RefusalCode, ...]:
    return tuple(sorted(set(codes), key=_ORDER.index))


def _codes(codes: Iterable[RefusalCode]) -> str:
    return ", ".join(code.value for code in codes)
