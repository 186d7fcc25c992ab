"""The referral policy: approve only when every rule holds, otherwise say every reason.

A pure function of the facts and a day. It never stops at the first failing rule: the
counsellor gets every reason at once, so the person hears the whole picture.

Every privacy rule (consent coverage and the choice of consent, partner standing, protection
first, data minimisation, erasure and closure) is :mod:`hub_contracts.privacy`'s, called here and
at every other gate; this module keeps only what is the referral service's own:

- the person's decision: a referral is made only for a person who chose independent return
  (domain.md: referral only if the person chooses return);
- who goes to a coordinator first (minors and vulnerable persons);
- which failures a coordinator may override (:data:`OVERRIDABLE`).

Overrides: a coordinator may override only ``decision_missing``. Rules that protect the person or
are the legal basis of the transfer can never be overridden: consent (GDPR art. 6(1)(a) /
49(1)(a)), origin-country authorities (§1.1, §1.3), the partner's standing, agreement and
purposes, data minimisation (art. 5(1)(c)), travel documents before the court ruled (protection
first, §2.3 point 2), erasure and closure. The person's own decision, however, is a question of
judgement: a coordinator may let a vulnerable person talk to a return counsellor before deciding,
with a written reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from hub_contracts import Decision, RefusalCode, privacy

from referral.domain.model import CaseView, Consent, Partner, ReferralRequest

OVERRIDABLE: frozenset[RefusalCode] = frozenset({RefusalCode.DECISION_MISSING})
"""The rules a coordinator may override with a written reason (never a privacy rule)."""

# Fixed order of the reasons, so the same facts always give the same list: the privacy policy's
# order, then the referral's own rule.
_ORDER: tuple[RefusalCode, ...] = (
    *(RefusalCode(rule.value) for rule in privacy.ORDER),
    RefusalCode.DECISION_MISSING,
)


def refusal_code(rule: privacy.Rule) -> RefusalCode:
    """The refusal code of a privacy rule: the same value (a unit test checks every rule)."""
    return RefusalCode(rule.value)


class Outcome(StrEnum):
    """What the policy decides on a referral request: ``approve``, ``refuse`` (a rule fails), or
    ``review`` (a coordinator decides, for minors and vulnerable persons)."""

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
        """The failures no coordinator may override (not in :data:`OVERRIDABLE`): these always
        refuse."""
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
    flow = request.flow()
    consent, consent_rule = privacy.choose_consent(flow, [c.facts() for c in consents], today)
    rules = [
        *privacy.partner_standing(partner.facts(), request.purpose, today),
        *privacy.case_rules(flow, case.facts()),
        consent_rule,
        privacy.minimisation(flow),
    ]
    failures = _sorted(
        [
            *(refusal_code(rule) for rule in rules if rule is not None),
            *decision_rules(case),
        ]
    )
    consent_id = consent.consent_id if consent is not None else None
    hard = [code for code in failures if code not in OVERRIDABLE]
    if hard or (failures and not case.needs_review):
        return PolicyDecision(Outcome.REFUSE, failures, consent_id)
    if case.needs_review:
        return PolicyDecision(Outcome.REVIEW, failures, consent_id)
    return PolicyDecision(Outcome.APPROVE, (), consent_id)


def decision_rules(case: CaseView) -> list[RefusalCode]:
    """The referral's own rule on the case: the person chose independent return."""
    if case.decision is not Decision.INDEPENDENT_RETURN:
        return [RefusalCode.DECISION_MISSING]
    return []


def case_failures(request: ReferralRequest, case: CaseView) -> tuple[RefusalCode, ...]:
    """Every rule that judges the case as our view of it (fed by the case file's events)
    stands: the privacy policy's case rules and the person's decision."""
    privacy_rules = privacy.case_rules(request.flow(), case.facts())
    return _sorted([*(refusal_code(rule) for rule in privacy_rules), *decision_rules(case)])


class ReviewAction(StrEnum):
    """A coordinator's action on a referral under review: ``approve`` (only when no rule fails),
    ``override`` (approve despite failures in :data:`OVERRIDABLE`, with a written reason) or
    ``refuse``."""

    APPROVE = "approve"  # the coordinator agrees; valid only when no rule fails
    OVERRIDE = "override"  # approve despite overridable failures, with a written reason
    REFUSE = "refuse"


@dataclass(frozen=True)
class ReviewDecision:
    """The result of :func:`review`: ``outcome`` is approve or refuse (never review); ``reasons``
    are the refusal codes, or on approval the codes overridden; ``problem`` says why the action is
    not allowed (then nothing changes)."""

    outcome: Outcome  # APPROVE or REFUSE; never REVIEW
    reasons: tuple[RefusalCode, ...]  # refusal reasons, or the overridden codes on approval
    problem: str | None = None  # why the action is not allowed (nothing changes then)


def review(evaluation: PolicyDecision, action: ReviewAction) -> ReviewDecision:
    """Apply a coordinator's action to a fresh evaluation of the same request.

    ``evaluation`` is re-made at review time, so a consent withdrawn or expired, a stage or a
    partner changed while the referral waited is seen. A hard failure can never be approved,
    whatever the action.
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


def _sorted(codes: Iterable[RefusalCode]) -> tuple[RefusalCode, ...]:
    return tuple(sorted(set(codes), key=_ORDER.index))


def _codes(codes: Iterable[RefusalCode]) -> str:
    return ", ".join(code.value for code in codes)
