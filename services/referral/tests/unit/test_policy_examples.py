"""The referral policy on hand-picked cases: every failing reason, reviews and overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from hub_contracts import (
    REFUSAL_TEXTS,
    DataCategory,
    Decision,
    PartnerType,
    ProcedureStage,
    Purpose,
    RefusalCode,
    Vulnerability,
)
from referral.domain.model import CaseView, Consent, Partner, ReferralRequest
from referral.domain.policy import Outcome, ReviewAction, evaluate, review

TODAY = date(2026, 6, 15)
CASE = UUID(int=1)
PARTNER = UUID(int=10)


def partner(**changes: object) -> Partner:
    values: dict[str, object] = {
        "partner_id": PARTNER,
        "name": "IOM",
        "partner_type": PartnerType.INTERGOVERNMENTAL,
        "countries": ("IQ",),
        "services": (),
        "purposes": frozenset({Purpose.RETURN_COUNSELLING, Purpose.TRAVEL_DOCUMENTS}),
        "agreement_reference": "DSA-1",
        "agreement_valid_from": TODAY - timedelta(days=10),
        "agreement_valid_until": TODAY + timedelta(days=10),
        "active": True,
    }
    return Partner(**{**values, **changes})  # type: ignore[arg-type]


def case(**changes: object) -> CaseView:
    values: dict[str, object] = {
        "case_id": CASE,
        "stage": ProcedureStage.FINAL_REJECTION,
        "has_minors": False,
        "vulnerabilities": frozenset(),
        "decision": Decision.INDEPENDENT_RETURN,
        "erased": False,
    }
    return CaseView(**{**values, **changes})  # type: ignore[arg-type]


def consent(**changes: object) -> Consent:
    values: dict[str, object] = {
        "consent_id": UUID(int=100),
        "case_id": CASE,
        "partner_id": PARTNER,
        "purposes": frozenset({Purpose.RETURN_COUNSELLING, Purpose.TRAVEL_DOCUMENTS}),
        "data_categories": frozenset({DataCategory.IDENTITY, DataCategory.TRAVEL_DOCUMENTS}),
        "valid_from": TODAY,
        "valid_until": TODAY + timedelta(days=30),
        "withdrawn_at": None,
    }
    return Consent(**{**values, **changes})  # type: ignore[arg-type]


def ask(purpose: Purpose = Purpose.RETURN_COUNSELLING, *cats: DataCategory) -> ReferralRequest:
    return ReferralRequest(CASE, PARTNER, purpose, frozenset(cats or {DataCategory.IDENTITY}))


def test_all_rules_hold_so_it_is_approved_under_that_consent() -> None:
    decision = evaluate(ask(), case(), partner(), [consent()], TODAY)
    assert decision.outcome is Outcome.APPROVE
    assert decision.consent_id == UUID(int=100)


def test_every_failing_rule_is_reported_at_once() -> None:
    decision = evaluate(
        ask(Purpose.TRAVEL_DOCUMENTS, DataCategory.TRAVEL_DOCUMENTS),
        case(stage=ProcedureStage.APPEAL_PENDING, decision=None),
        partner(partner_type=PartnerType.AUTHORITY_ORIGIN, agreement_reference=None),
        [],
        TODAY,
    )
    assert decision.outcome is Outcome.REFUSE
    # The privacy policy's order (the absolute rules first), then the referral's own rule.
    assert decision.failures == (
        RefusalCode.PARTNER_ORIGIN_AUTHORITY,
        RefusalCode.AGREEMENT_INVALID,
        RefusalCode.CONSENT_MISSING,
        RefusalCode.APPEAL_PENDING_TRAVEL_DOCUMENTS,
        RefusalCode.DECISION_MISSING,
    )
    # Every reason reads as a sentence a counsellor can pass on.
    assert all(REFUSAL_TEXTS[code].endswith(".") for code in decision.failures)


def test_consent_reasons_say_what_is_wrong_with_the_consent() -> None:
    cases_ = {
        RefusalCode.CONSENT_NOT_COVERING: consent(purposes=frozenset({Purpose.TRAVEL_DOCUMENTS})),
        RefusalCode.CONSENT_EXPIRED: consent(
            valid_from=TODAY - timedelta(days=9), valid_until=TODAY - timedelta(days=1)
        ),
        RefusalCode.CONSENT_WITHDRAWN: consent(withdrawn_at=datetime(2026, 6, 1, tzinfo=UTC)),
    }
    for expected, given in cases_.items():
        decision = evaluate(ask(), case(), partner(), [given], TODAY)
        assert decision.failures == (expected,), expected


def test_a_category_not_named_in_the_consent_is_not_covered() -> None:
    decision = evaluate(
        ask(Purpose.RETURN_COUNSELLING, DataCategory.MEDICAL_NEEDS),
        case(),
        partner(),
        [consent()],
        TODAY,
    )
    assert decision.failures == (RefusalCode.CONSENT_NOT_COVERING,)


def test_a_consent_of_another_case_does_not_count() -> None:
    decision = evaluate(ask(), case(), partner(), [consent(case_id=UUID(int=2))], TODAY)
    assert decision.failures == (RefusalCode.CONSENT_MISSING,)


def test_travel_documents_wait_until_the_court_has_ruled() -> None:
    for stage in (ProcedureStage.APPEAL_PENDING, ProcedureStage.IN_PROCEDURE):
        decision = evaluate(
            ask(Purpose.RETURN_COUNSELLING, DataCategory.TRAVEL_DOCUMENTS),
            case(stage=stage),
            partner(),
            [consent()],
            TODAY,
        )
        assert decision.failures == (RefusalCode.APPEAL_PENDING_TRAVEL_DOCUMENTS,)
    ruled = evaluate(ask(Purpose.TRAVEL_DOCUMENTS), case(), partner(), [consent()], TODAY)
    assert ruled.outcome is Outcome.APPROVE


def test_an_agreement_out_of_force_or_a_purpose_the_partner_may_not_serve_refuses() -> None:
    expired = partner(agreement_valid_until=TODAY - timedelta(days=1))
    assert evaluate(ask(), case(), expired, [consent()], TODAY).failures == (
        RefusalCode.AGREEMENT_INVALID,
    )
    narrow = partner(purposes=frozenset({Purpose.TRAVEL_DOCUMENTS}))
    assert evaluate(ask(), case(), narrow, [consent()], TODAY).failures == (
        RefusalCode.PURPOSE_NOT_ALLOWED_FOR_PARTNER,
    )


def test_minors_and_vulnerable_persons_go_to_a_coordinator_first() -> None:
    for facts in ({"has_minors": True}, {"vulnerabilities": frozenset({Vulnerability.MEDICAL})}):
        decision = evaluate(ask(), case(**facts), partner(), [consent()], TODAY)
        assert decision.outcome is Outcome.REVIEW
        assert review(decision, ReviewAction.APPROVE).outcome is Outcome.APPROVE


def test_a_coordinators_refusal_with_no_failing_rule_says_it_was_refused_at_review() -> None:
    decision = evaluate(ask(), case(has_minors=True), partner(), [consent()], TODAY)
    assert decision.outcome is Outcome.REVIEW
    assert decision.failures == ()
    refused = review(decision, ReviewAction.REFUSE)
    assert refused.outcome is Outcome.REFUSE
    assert refused.problem is None
    assert refused.reasons == (RefusalCode.REFUSED_AT_REVIEW,)
    assert "coordinator" in REFUSAL_TEXTS[RefusalCode.REFUSED_AT_REVIEW]


def test_a_coordinators_refusal_keeps_the_failing_rules_as_its_reasons() -> None:
    decision = evaluate(ask(), case(decision=None, has_minors=True), partner(), [consent()], TODAY)
    refused = review(decision, ReviewAction.REFUSE)
    assert refused.reasons == (RefusalCode.DECISION_MISSING,)


def test_a_missing_decision_needs_an_override_and_only_for_a_reviewed_person() -> None:
    plain = evaluate(ask(), case(decision=None), partner(), [consent()], TODAY)
    assert plain.outcome is Outcome.REFUSE
    vulnerable = evaluate(
        ask(), case(decision=None, has_minors=True), partner(), [consent()], TODAY
    )
    assert vulnerable.outcome is Outcome.REVIEW
    approve = review(vulnerable, ReviewAction.APPROVE)
    assert approve.problem is not None
    override = review(vulnerable, ReviewAction.OVERRIDE)
    assert override.outcome is Outcome.APPROVE
    assert override.reasons == (RefusalCode.DECISION_MISSING,)


def test_an_override_never_sets_aside_a_rule_that_protects_the_person() -> None:
    decision = evaluate(
        ask(Purpose.TRAVEL_DOCUMENTS),
        case(stage=ProcedureStage.APPEAL_PENDING, has_minors=True),
        partner(),
        [consent()],
        TODAY,
    )
    result = review(decision, ReviewAction.OVERRIDE)
    assert result.outcome is Outcome.REFUSE
    assert result.problem is not None
    assert "appeal_pending_travel_documents" in result.problem
