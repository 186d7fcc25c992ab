"""The privacy policy written once (hub_contracts.privacy): each rule alone, then combined."""

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

from hub_contracts import privacy
from hub_contracts.privacy import CaseFacts, ConsentFacts, Flow, PartnerFacts, Rule
from hub_contracts.vocabulary import DataCategory, PartnerType, ProcedureStage, Purpose
from hypothesis import given
from hypothesis import strategies as st

DAY = date(2026, 6, 1)
CASE, PARTNER = uuid4(), uuid4()
FLOW = Flow(CASE, PARTNER, Purpose.RETURN_COUNSELLING, frozenset({DataCategory.IDENTITY}))
NGO_PURPOSES = frozenset({Purpose.RETURN_COUNSELLING, Purpose.TRAVEL_DOCUMENTS})
NGO = PartnerFacts(
    PARTNER,
    PartnerType.NGO,
    active=True,
    purposes=NGO_PURPOSES,
    agreement_valid_until=date(2027, 1, 1),
)
CONSENT = ConsentFacts(
    uuid4(),
    CASE,
    PARTNER,
    frozenset({Purpose.RETURN_COUNSELLING, Purpose.TRAVEL_DOCUMENTS}),
    frozenset({DataCategory.IDENTITY, DataCategory.TRAVEL_DOCUMENTS}),
    date(2026, 5, 1),
    date(2026, 12, 31),
)
OPEN_CASE = CaseFacts(ProcedureStage.FINAL_REJECTION)


def test_a_covered_flow_is_allowed() -> None:
    assert privacy.may_disclose(FLOW, NGO, CONSENT, OPEN_CASE, DAY).allowed


def test_once_an_origin_authority_always_refused_whatever_the_type_says_now() -> None:
    relabelled = replace(NGO, ever_origin_authority=True)
    verdict = privacy.may_disclose(FLOW, relabelled, CONSENT, OPEN_CASE, DAY)
    assert verdict.failures[0] is Rule.PARTNER_ORIGIN_AUTHORITY
    assert not verdict.gone
    assert not privacy.may_receive_data(relabelled, DAY)


def test_consent_period_is_inclusive_and_withdrawal_wins() -> None:
    assert privacy.consent_verdict(FLOW, CONSENT, CONSENT.valid_until) is None
    assert privacy.consent_verdict(FLOW, CONSENT, CONSENT.valid_from) is None
    after = date(2027, 1, 1)
    assert privacy.consent_verdict(FLOW, CONSENT, after) is Rule.CONSENT_EXPIRED
    before = date(2026, 4, 30)
    assert privacy.consent_verdict(FLOW, CONSENT, before) is Rule.CONSENT_NOT_YET_VALID
    withdrawn = replace(CONSENT, withdrawn_at=datetime(2026, 5, 2, tzinfo=UTC))
    assert privacy.consent_verdict(FLOW, withdrawn, DAY) is Rule.CONSENT_WITHDRAWN


def test_gone_and_forbidden_are_decided_once() -> None:
    withdrawn = replace(CONSENT, withdrawn_at=datetime(2026, 5, 2, tzinfo=UTC))
    assert privacy.may_disclose(FLOW, NGO, withdrawn, OPEN_CASE, DAY).gone
    not_yet = replace(CONSENT, valid_from=date(2026, 7, 1))
    verdict = privacy.may_disclose(FLOW, NGO, not_yet, OPEN_CASE, DAY)
    assert verdict.failures == (Rule.CONSENT_NOT_YET_VALID,)
    assert not verdict.gone


def test_protection_first_is_temporary_and_only_for_origin_contact() -> None:
    travel = replace(FLOW, purpose=Purpose.TRAVEL_DOCUMENTS)
    for stage in (ProcedureStage.APPEAL_PENDING, ProcedureStage.IN_PROCEDURE):
        verdict = privacy.may_disclose(travel, NGO, CONSENT, CaseFacts(stage), DAY)
        assert verdict.failures == (Rule.APPEAL_PENDING_TRAVEL_DOCUMENTS,)
        assert verdict.temporary
        # Counselling without papers may go on while the court has not ruled.
        assert privacy.may_disclose(FLOW, NGO, CONSENT, CaseFacts(stage), DAY).allowed
    papers = replace(FLOW, categories=frozenset({DataCategory.TRAVEL_DOCUMENTS}))
    appeal = CaseFacts(ProcedureStage.APPEAL_PENDING)
    assert privacy.protection_first(papers, appeal.stage) is Rule.APPEAL_PENDING_TRAVEL_DOCUMENTS


def test_minimisation_refuses_categories_the_purpose_does_not_need() -> None:
    monitoring = Flow(CASE, PARTNER, Purpose.POST_RETURN_MONITORING, frozenset(DataCategory))
    assert privacy.minimisation(monitoring) is Rule.CATEGORY_NOT_NEEDED_FOR_PURPOSE
    anonymous = replace(monitoring, purpose=Purpose.ANONYMOUS_REPORTING)
    assert (
        privacy.minimisation(replace(anonymous, categories=frozenset({DataCategory.IDENTITY})))
        is Rule.CATEGORY_NOT_NEEDED_FOR_PURPOSE
    )


def test_choose_consent_takes_the_longest_valid_and_explains_otherwise() -> None:
    longer = replace(CONSENT, consent_id=uuid4(), valid_until=date(2027, 3, 1))
    chosen, rule = privacy.choose_consent(FLOW, [CONSENT, longer], DAY)
    assert (chosen, rule) == (longer, None)
    other_purpose = replace(CONSENT, purposes=frozenset({Purpose.REINTEGRATION_SUPPORT}))
    assert privacy.choose_consent(FLOW, [other_purpose], DAY) == (None, Rule.CONSENT_NOT_COVERING)
    assert privacy.choose_consent(FLOW, [], DAY) == (None, Rule.CONSENT_MISSING)
    gone = replace(CONSENT, withdrawn_at=datetime(2026, 5, 2, tzinfo=UTC))
    assert privacy.choose_consent(FLOW, [gone], DAY) == (None, Rule.CONSENT_WITHDRAWN)


@given(
    partner_type=st.sampled_from(PartnerType),
    ever=st.booleans(),
    active=st.booleans(),
    erased=st.booleans(),
    closed=st.booleans(),
    stage=st.sampled_from(ProcedureStage),
    purpose=st.sampled_from(Purpose),
    categories=st.frozensets(st.sampled_from(DataCategory), min_size=1),
    withdrawn=st.booleans(),
    offset=st.integers(-400, 400),
)
def test_allowed_only_when_every_rule_holds(
    partner_type: PartnerType,
    ever: bool,
    active: bool,
    erased: bool,
    closed: bool,
    stage: ProcedureStage,
    purpose: Purpose,
    categories: frozenset[DataCategory],
    withdrawn: bool,
    offset: int,
) -> None:
    """The combined verdict is exactly the conjunction of the rules, never looser."""
    flow = Flow(CASE, PARTNER, purpose, categories)
    partner = replace(NGO, partner_type=partner_type, ever_origin_authority=ever, active=active)
    consent = replace(
        CONSENT,
        purposes=frozenset(Purpose),
        categories=frozenset(DataCategory),
        withdrawn_at=datetime(2026, 5, 2, tzinfo=UTC) if withdrawn else None,
    )
    day = date.fromordinal(DAY.toordinal() + offset)
    case = CaseFacts(stage, erased=erased, closed=closed)
    verdict = privacy.may_disclose(flow, partner, consent, case, day)
    expected = (
        partner_type is not PartnerType.AUTHORITY_ORIGIN
        and not ever
        and active
        and day <= date(2027, 1, 1)
        and purpose in NGO_PURPOSES
        and not erased
        and not closed
        and not (
            stage in privacy.PROTECTED_STAGES and privacy.needs_origin_contact(purpose, categories)
        )
        and not withdrawn
        and CONSENT.valid_from <= day <= CONSENT.valid_until
        and categories <= privacy.CATEGORIES_FOR_PURPOSE[purpose]
    )
    assert verdict.allowed is expected
