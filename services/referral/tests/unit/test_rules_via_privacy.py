"""The referral policy and the re-evaluation of open referrals, through hub_contracts.privacy.

The privacy rules are the contract's; these tests check that referral calls them (the same
failures for the same facts), maps every rule to its refusal code, keeps only its own rules
(the decision, review, overrides) and judges open referrals as the issue asks: withdraw what no
longer holds, suspend what only protection first stops, resume it when the stage allows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from hub_contracts import (
    DataCategory,
    Decision,
    PartnerType,
    ProcedureStage,
    Purpose,
    RefusalCode,
    StatusReason,
    privacy,
)
from hypothesis import given
from hypothesis import strategies as st
from referral.domain import lifecycle
from referral.domain.model import CaseView, Consent, Partner, Referral, ReferralRequest, Status
from referral.domain.policy import OVERRIDABLE, Outcome, evaluate, refusal_code
from referral.domain.reevaluation import Action, judge
from referral.repository.referrals import OPEN_INDEX_STATUSES

TODAY = date(2026, 6, 15)
CASE = UUID(int=1)
PARTNER = UUID(int=10)
CONSENT = UUID(int=100)
TRAVEL = frozenset({DataCategory.IDENTITY, DataCategory.TRAVEL_DOCUMENTS})


def partner(**changes: object) -> Partner:
    values: dict[str, object] = {
        "partner_id": PARTNER,
        "name": "IOM",
        "partner_type": PartnerType.INTERGOVERNMENTAL,
        "countries": ("IQ",),
        "services": (),
        "purposes": frozenset(Purpose),
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
        "consent_id": CONSENT,
        "case_id": CASE,
        "partner_id": PARTNER,
        "purposes": frozenset(Purpose),
        "data_categories": frozenset(DataCategory),
        "valid_from": TODAY,
        "valid_until": TODAY + timedelta(days=30),
        "withdrawn_at": None,
    }
    return Consent(**{**values, **changes})  # type: ignore[arg-type]


def travel_referral(status: Status, suspended_from: Status | None = None) -> Referral:
    return Referral(
        UUID(int=5),
        CASE,
        PARTNER,
        Purpose.TRAVEL_DOCUMENTS,
        TRAVEL,
        CONSENT,
        status,
        suspended_from,
    )


# ---------------------------------------------------------------- the policy


def test_every_privacy_rule_maps_to_the_refusal_code_of_the_same_value() -> None:
    for rule in privacy.Rule:
        assert refusal_code(rule).value == rule.value
    assert {RefusalCode.DECISION_MISSING} == OVERRIDABLE


def test_the_privacy_rules_new_to_referral_refuse() -> None:
    ask = ReferralRequest(CASE, PARTNER, Purpose.TRAVEL_DOCUMENTS, TRAVEL)
    examples = {
        RefusalCode.PARTNER_INACTIVE: ({"active": False}, {}, {}),
        RefusalCode.CONSENT_NOT_YET_VALID: ({}, {}, {"valid_from": TODAY + timedelta(days=1)}),
        RefusalCode.CASE_CLOSED: ({}, {"closed": True}, {}),
    }
    for code, (p, c, k) in examples.items():
        decision = evaluate(ask, case(**c), partner(**p), [consent(**k)], TODAY)
        assert (decision.outcome, decision.failures) == (Outcome.REFUSE, (code,)), code
    # Data minimisation: medical needs are not needed to obtain travel documents.
    greedy = ReferralRequest(
        CASE, PARTNER, Purpose.TRAVEL_DOCUMENTS, TRAVEL | {DataCategory.MEDICAL_NEEDS}
    )
    decision = evaluate(greedy, case(), partner(), [consent()], TODAY)
    assert decision.failures == (RefusalCode.CATEGORY_NOT_NEEDED_FOR_PURPOSE,)


def test_a_partner_ever_listed_as_an_origin_authority_stays_refused_whatever_its_type() -> None:
    ask = ReferralRequest(CASE, PARTNER, Purpose.RETURN_COUNSELLING, TRAVEL)
    reclassified = partner(partner_type=PartnerType.NGO, ever_origin_authority=True)
    decision = evaluate(ask, case(has_minors=True), reclassified, [consent()], TODAY)
    assert decision.outcome is Outcome.REFUSE
    assert decision.failures == (RefusalCode.PARTNER_ORIGIN_AUTHORITY,)


@given(
    stage=st.sampled_from(ProcedureStage),
    purpose=st.sampled_from(Purpose),
    cats=st.frozensets(st.sampled_from(DataCategory), min_size=1),
    active=st.booleans(),
    closed=st.booleans(),
    erased=st.booleans(),
    shift=st.integers(min_value=-40, max_value=40),
    decision=st.none() | st.sampled_from(Decision),
)
def test_the_policys_privacy_failures_are_exactly_the_privacy_modules(
    stage: ProcedureStage,
    purpose: Purpose,
    cats: frozenset[DataCategory],
    active: bool,
    closed: bool,
    erased: bool,
    shift: int,
    decision: Decision | None,
) -> None:
    """For an approved-style flow under its chosen consent, evaluate's privacy failures equal
    may_disclose's: referral keeps no rule of its own beside the decision."""
    ask = ReferralRequest(CASE, PARTNER, purpose, cats)
    the_case = case(stage=stage, closed=closed, erased=erased, decision=decision)
    the_partner = partner(active=active)
    the_consent = consent(valid_from=TODAY + timedelta(days=shift))
    got = evaluate(ask, the_case, the_partner, [the_consent], TODAY)
    expected = privacy.may_disclose(
        ask.flow(), the_partner.facts(), the_consent.facts(), the_case.facts(), TODAY
    )
    privacy_codes = {code for code in got.failures if code is not RefusalCode.DECISION_MISSING}
    assert privacy_codes == {refusal_code(rule) for rule in expected.failures}
    assert (RefusalCode.DECISION_MISSING in got.failures) == (
        decision is not Decision.INDEPENDENT_RETURN
    )


# ---------------------------------------------------------------- the re-evaluation


@pytest.mark.parametrize("status", sorted(lifecycle.SUSPENDABLE))
def test_protection_first_suspends_and_the_stage_that_allows_it_resumes(status: Status) -> None:
    for stage in (ProcedureStage.APPEAL_PENDING, ProcedureStage.IN_PROCEDURE):
        suspended = judge(travel_referral(status), partner(), consent(), case(stage=stage), TODAY)
        assert (suspended.action, suspended.target, suspended.reason) == (
            Action.SUSPEND,
            Status.SUSPENDED,
            StatusReason.PROTECTION_FIRST,
        )
        # Still protected: it stays suspended.
        paused = travel_referral(Status.SUSPENDED, status)
        assert judge(paused, partner(), consent(), case(stage=stage), TODAY).action is Action.KEEP
    back = judge(
        travel_referral(Status.SUSPENDED, status),
        partner(),
        consent(),
        case(stage=ProcedureStage.FINAL_REJECTION),
        TODAY,
    )
    assert (back.action, back.target, back.reason) == (
        Action.RESUME,
        status,
        StatusReason.STAGE_ALLOWS_AGAIN,
    )


def test_a_referral_without_travel_documents_is_not_suspended_by_an_appeal() -> None:
    counselling = Referral(
        UUID(int=5),
        CASE,
        PARTNER,
        Purpose.RETURN_COUNSELLING,
        frozenset({DataCategory.IDENTITY}),
        CONSENT,
        Status.APPROVED,
    )
    verdict = judge(
        counselling, partner(), consent(), case(stage=ProcedureStage.APPEAL_PENDING), TODAY
    )
    assert verdict.action is Action.KEEP


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        ({"case": {"closed": True}}, StatusReason.CASE_CLOSED),
        ({"case": {"erased": True, "closed": True}}, StatusReason.PERSON_ERASED),
        (
            {"consent": {"withdrawn_at": datetime(2026, 6, 14, tzinfo=UTC)}},
            StatusReason.CONSENT_WITHDRAWN,
        ),
        ({"consent": {"valid_until": TODAY - timedelta(days=1)}}, StatusReason.CONSENT_EXPIRED),
        ({"partner": {"agreement_valid_until": TODAY - timedelta(days=1)}}, None),
        ({"partner": {"active": False}}, None),
    ],
)
def test_what_no_longer_holds_is_withdrawn_suspended_or_not(
    facts: dict[str, dict[str, object]], reason: StatusReason | None
) -> None:
    expected = reason or StatusReason.PARTNER_MAY_NOT_RECEIVE
    # A closed case withdraws even a suspended referral, and the protected stage does not
    # turn a permanent failure into a suspension.
    for referral in (
        travel_referral(Status.APPROVED),
        travel_referral(Status.IN_PROGRESS),
        travel_referral(Status.SUSPENDED, Status.DELIVERED),
    ):
        for stage in (ProcedureStage.FINAL_REJECTION, ProcedureStage.APPEAL_PENDING):
            verdict = judge(
                referral,
                partner(**facts.get("partner", {})),
                consent(**facts.get("consent", {})),
                case(stage=stage, **facts.get("case", {})),
                TODAY,
            )
            assert (verdict.action, verdict.target, verdict.reason) == (
                Action.WITHDRAW,
                Status.WITHDRAWN,
                expected,
            )


def test_awaiting_review_is_withdrawn_only_when_what_covered_it_is_gone() -> None:
    waiting = travel_referral(Status.AWAITING_REVIEW)
    appeal = case(stage=ProcedureStage.APPEAL_PENDING)
    assert judge(waiting, partner(), consent(), appeal, TODAY).action is Action.KEEP
    assert judge(waiting, partner(active=False), consent(), case(), TODAY).action is Action.KEEP
    closed = judge(waiting, partner(), consent(), case(closed=True), TODAY)
    assert (closed.action, closed.reason) == (Action.WITHDRAW, StatusReason.CASE_CLOSED)


def test_closed_referrals_are_left_alone() -> None:
    for status in lifecycle.TERMINAL:
        verdict = judge(travel_referral(status), partner(), consent(), case(closed=True), TODAY)
        assert verdict.action is Action.KEEP


def test_suspended_counts_as_open_and_the_unique_index_uses_the_same_statuses() -> None:
    assert Status.SUSPENDED in lifecycle.OPEN
    assert set(OPEN_INDEX_STATUSES) == {s.value for s in lifecycle.OPEN}
    # The migration's predicate lists the same statuses.
    from pathlib import Path

    import referral

    sql = (
        Path(referral.__file__).resolve().parents[2] / "migrations" / "0010_referral_rules.sql"
    ).read_text()
    index = sql[sql.index("CREATE UNIQUE INDEX referrals_one_open") :]
    predicate = index[index.index("WHERE") : index.index(";")]
    for status in Status:
        assert (f"'{status.value}'" in predicate) == (status in lifecycle.OPEN), status


def test_a_partners_answer_while_suspended_changes_nothing() -> None:
    from hub_contracts import PartnerReportedStatus

    paused = travel_referral(Status.SUSPENDED, Status.DELIVERED)
    for report in PartnerReportedStatus:
        step = lifecycle.on_partner_status(paused, PARTNER, report)
        assert step.verdict is lifecycle.Verdict.IGNORE


def test_the_consent_gate_takes_the_partners_standing_from_the_privacy_module() -> None:
    from referral.domain.consent_rules import NewConsent, consent_problems

    new = NewConsent(
        case_id=CASE,
        partner_id=PARTNER,
        purposes=frozenset({Purpose.ANONYMOUS_REPORTING}),
        data_categories=frozenset({DataCategory.CASE_HISTORY}),
        valid_from=TODAY,
        valid_until=TODAY + timedelta(days=30),
        taken_at=datetime(2026, 6, 15, 9, tzinfo=UTC),
        informed_transfer_outside_eu=True,
    )
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)

    def codes(p: Partner) -> list[str]:
        return [problem.code for problem in consent_problems(new, p, [], TODAY, now)]

    # No agreement is needed for a consent (checked at every flow instead).
    assert codes(partner(agreement_reference=None, agreement_valid_until=None)) == []
    assert codes(partner(partner_type=PartnerType.NGO, ever_origin_authority=True)) == [
        "partner_origin_authority"
    ]
    assert codes(partner(active=False)) == ["partner_inactive"]
    assert codes(partner(purposes=frozenset({Purpose.TRAVEL_DOCUMENTS}))) == [
        "purpose_not_allowed_for_partner"
    ]
