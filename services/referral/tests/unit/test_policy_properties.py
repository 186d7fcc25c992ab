"""Property-based tests of the referral policy over generated consents, partners and cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from hub_contracts import (
    DataCategory,
    Decision,
    PartnerReportedStatus,
    PartnerType,
    ProcedureStage,
    Purpose,
    StatusReason,
    Vulnerability,
)
from hypothesis import event, given
from hypothesis import strategies as st
from referral.domain import lifecycle, reevaluation
from referral.domain.lifecycle import Verdict
from referral.domain.model import CaseView, Consent, Partner, Referral, ReferralRequest, Status
from referral.domain.policy import Outcome, ReviewAction, evaluate, review

TODAY = date(2026, 6, 15)
CASE = UUID(int=1)
OTHER_CASE = UUID(int=2)
PARTNER = UUID(int=10)
OTHER_PARTNER = UUID(int=11)

days = st.integers(min_value=-60, max_value=60).map(lambda n: TODAY + timedelta(days=n))
purposes = st.frozensets(st.sampled_from(Purpose), min_size=1)
categories = st.frozensets(st.sampled_from(DataCategory), min_size=1)


@st.composite
def partners(
    draw: st.DrawFn, partner_type: st.SearchStrategy[PartnerType] | None = None
) -> Partner:
    start = draw(st.none() | days)
    return Partner(
        partner_id=PARTNER,
        name="Partner",
        partner_type=draw(
            partner_type if partner_type is not None else st.sampled_from(PartnerType)
        ),
        countries=("IQ",),
        services=(),
        purposes=draw(purposes),
        agreement_reference=draw(st.none() | st.just("DSA-1")),
        agreement_valid_from=start,
        agreement_valid_until=draw(st.none() | days),
        active=draw(st.booleans()),
    )


@st.composite
def cases(draw: st.DrawFn) -> CaseView:
    return CaseView(
        case_id=CASE,
        stage=draw(st.sampled_from(ProcedureStage)),
        has_minors=draw(st.booleans()),
        vulnerabilities=draw(st.frozensets(st.sampled_from(Vulnerability))),
        decision=draw(st.none() | st.sampled_from(Decision)),
        erased=draw(st.booleans()),
    )


@st.composite
def consents(draw: st.DrawFn) -> Consent:
    start = draw(days)
    return Consent(
        consent_id=UUID(int=draw(st.integers(min_value=100, max_value=10_000))),
        case_id=draw(st.sampled_from([CASE, CASE, OTHER_CASE])),
        partner_id=draw(st.sampled_from([PARTNER, PARTNER, OTHER_PARTNER])),
        purposes=draw(purposes),
        data_categories=draw(categories),
        valid_from=start,
        valid_until=start + timedelta(days=draw(st.integers(min_value=0, max_value=90))),
        withdrawn_at=None if draw(st.booleans()) else draw(st.datetimes()),
    )


requests = st.builds(
    ReferralRequest,
    case_id=st.just(CASE),
    partner_id=st.just(PARTNER),
    purpose=st.sampled_from(Purpose),
    data_categories=categories,
)
consent_lists = st.lists(consents(), max_size=5)
mostly = st.sampled_from([True, True, True, False])


@st.composite
def scenarios(
    draw: st.DrawFn, partner_type: st.SearchStrategy[PartnerType] | None = None
) -> tuple[ReferralRequest, CaseView, Partner, list[Consent]]:
    """Mostly-sound facts with a few things wrong, so that every rule decides sometimes.

    Purely random facts almost never have a covering, valid consent and a valid agreement at
    once, which would leave the approval paths untested.
    """
    request = draw(requests)
    case = draw(cases())
    if draw(mostly):
        case = CaseView(
            CASE,
            ProcedureStage.FINAL_REJECTION,
            case.has_minors,
            case.vulnerabilities,
            Decision.INDEPENDENT_RETURN if draw(mostly) else case.decision,
            False,
        )
    partner = draw(partners(partner_type))
    if draw(mostly):
        partner = Partner(
            PARTNER,
            "Partner",
            partner.partner_type,
            ("IQ",),
            (),
            partner.purposes | {request.purpose},
            "DSA-1",
            TODAY - timedelta(days=1),
            TODAY + timedelta(days=1),
            True,
        )
    consent_list = draw(consent_lists)
    if draw(mostly):
        start = TODAY - timedelta(days=draw(st.integers(min_value=-2, max_value=5)))
        consent_list.append(
            Consent(
                UUID(int=99),
                CASE,
                PARTNER,
                draw(purposes) | {request.purpose},
                draw(categories) | request.data_categories,
                start,
                start + timedelta(days=draw(st.integers(min_value=0, max_value=9))),
                None if draw(mostly) else draw(st.datetimes()),
            )
        )
    return request, case, partner, draw(st.permutations(consent_list))


def covering_valid(request: ReferralRequest, consent_list: list[Consent]) -> set[UUID]:
    """Written out here, not taken from the privacy module, so the test can catch it."""
    return {
        c.consent_id
        for c in consent_list
        if c.case_id == request.case_id
        and c.partner_id == request.partner_id
        and request.purpose in c.purposes
        and request.data_categories <= c.data_categories
        and c.withdrawn_at is None
        and c.valid_from <= TODAY <= c.valid_until
    }


@given(scenarios(), st.sampled_from(ReviewAction))
def test_no_approval_without_a_covering_valid_consent(
    scenario: tuple[ReferralRequest, CaseView, Partner, list[Consent]], action: ReviewAction
) -> None:
    request, case, partner, consent_list = scenario
    decision = evaluate(request, case, partner, consent_list, TODAY)
    after_review = review(decision, action)
    event(f"{decision.outcome.value} then {after_review.outcome.value}")
    if decision.outcome is Outcome.APPROVE or (
        decision.outcome is Outcome.REVIEW and after_review.outcome is Outcome.APPROVE
    ):
        assert decision.consent_id in covering_valid(request, consent_list)


@given(scenarios(st.just(PartnerType.AUTHORITY_ORIGIN)), st.sampled_from(ReviewAction))
def test_never_an_approval_to_an_origin_country_authority(
    scenario: tuple[ReferralRequest, CaseView, Partner, list[Consent]], action: ReviewAction
) -> None:
    request, case, partner, consent_list = scenario
    decision = evaluate(request, case, partner, consent_list, TODAY)
    assert decision.outcome is Outcome.REFUSE
    assert "partner_origin_authority" in decision.failures
    # Not even a coordinator's override gets it through.
    assert review(decision, action).outcome is Outcome.REFUSE


@given(scenarios())
def test_an_approval_means_no_rule_fails_and_a_refusal_names_a_reason(
    scenario: tuple[ReferralRequest, CaseView, Partner, list[Consent]],
) -> None:
    request, case, partner, consent_list = scenario
    decision = evaluate(request, case, partner, consent_list, TODAY)
    if decision.outcome is Outcome.APPROVE:
        assert decision.failures == ()
        assert not case.needs_review
    if decision.outcome is Outcome.REFUSE:
        assert decision.failures
    if decision.outcome is Outcome.REVIEW:
        assert case.needs_review
        assert decision.hard_failures == ()


@given(scenarios())
def test_a_consent_failure_is_reported_exactly_when_no_consent_covers(
    scenario: tuple[ReferralRequest, CaseView, Partner, list[Consent]],
) -> None:
    request, case, partner, consent_list = scenario
    decision = evaluate(request, case, partner, consent_list, TODAY)
    consent_codes = {c for c in decision.failures if c.value.startswith("consent_")}
    if covering_valid(request, consent_list):
        assert consent_codes == set()
    else:
        assert len(consent_codes) == 1


open_statuses = st.sampled_from(sorted(Status))


@st.composite
def referral_lists(draw: st.DrawFn) -> list[Referral]:
    consent_ids = [UUID(int=100), UUID(int=101)]
    referrals = []
    for i in range(draw(st.integers(min_value=0, max_value=8))):
        status = draw(open_statuses)
        referrals.append(
            Referral(
                referral_id=UUID(int=1000 + i),
                case_id=CASE,
                partner_id=PARTNER,
                purpose=draw(st.sampled_from(Purpose)),
                data_categories=draw(categories),
                consent_id=draw(st.sampled_from([*consent_ids, None])),
                status=status,
                suspended_from=Status.DELIVERED if status is Status.SUSPENDED else None,
            )
        )
    return referrals


@given(referral_lists(), st.lists(st.sampled_from(PartnerReportedStatus), max_size=4))
def test_after_a_withdrawal_no_referral_under_it_stays_in_flight(
    referrals: list[Referral], late_reports: list[PartnerReportedStatus]
) -> None:
    withdrawn_consent = UUID(int=100)
    sound_partner = Partner(
        PARTNER,
        "Partner",
        PartnerType.NGO,
        ("IQ",),
        (),
        frozenset(Purpose),
        "DSA-1",
        TODAY - timedelta(days=1),
        TODAY + timedelta(days=1),
        True,
    )
    case = CaseView(
        CASE, ProcedureStage.FINAL_REJECTION, False, frozenset(), Decision.INDEPENDENT_RETURN, False
    )

    def consent(consent_id: UUID) -> Consent:
        return Consent(
            consent_id,
            CASE,
            PARTNER,
            frozenset(Purpose),
            frozenset(DataCategory),
            TODAY - timedelta(days=1),
            TODAY + timedelta(days=30),
            datetime(2026, 6, 15, tzinfo=UTC) if consent_id == withdrawn_consent else None,
        )

    judged = {
        r.referral_id: reevaluation.judge(
            r, sound_partner, None if r.consent_id is None else consent(r.consent_id), case, TODAY
        )
        for r in referrals
    }
    to_close = [
        r for r in referrals if r.consent_id == withdrawn_consent and r.status in lifecycle.OPEN
    ]
    # Every open one under the consent is withdrawn, for that reason, and may legally be...
    for r in to_close:
        assert judged[r.referral_id].target is Status.WITHDRAWN
        assert judged[r.referral_id].reason is StatusReason.CONSENT_WITHDRAWN
        assert lifecycle.can_move(r.status, Status.WITHDRAWN)
    closing = {r.referral_id for r in to_close}
    after = [
        Referral(**{**r.__dict__, "status": Status.WITHDRAWN}) if r.referral_id in closing else r
        for r in referrals
    ]
    # ...and afterwards none under that consent is open.
    assert not [
        r for r in after if r.consent_id == withdrawn_consent and r.status in lifecycle.OPEN
    ]
    # A partner's late answer changes none of them.
    for referral in after:
        if referral.referral_id not in closing:
            continue
        for report in late_reports:
            assert (
                lifecycle.on_partner_status(referral, PARTNER, report).verdict is not Verdict.APPLY
            )
        assert lifecycle.on_delivered(referral, PARTNER).verdict is not Verdict.APPLY
