"""Casefile's disclosure decision: the privacy policy on casefile's own view, plus "not yet"."""

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from casefile.domain.disclosure import DisclosureRequest, Outcome, decide
from hub_contracts.privacy import CaseFacts, ConsentFacts, PartnerFacts
from hub_contracts.vocabulary import DataCategory as C
from hub_contracts.vocabulary import PartnerType, ProcedureStage, Purpose

CASE, PARTNER, CONSENT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
DAY = date(2026, 2, 15)
CONSENT_VIEW = ConsentFacts(
    consent_id=CONSENT,
    case_id=CASE,
    partner_id=PARTNER,
    purposes=frozenset({Purpose.REINTEGRATION_SUPPORT, Purpose.TRAVEL_DOCUMENTS}),
    categories=frozenset({C.IDENTITY, C.CONTACT}),
    valid_from=date(2026, 2, 1),
    valid_until=date(2026, 2, 28),
)
NGO = PartnerFacts(
    PARTNER,
    PartnerType.NGO,
    active=True,
    purposes=frozenset(Purpose),
    agreement_valid_until=date(2027, 1, 1),
)
OPEN = CaseFacts(stage=ProcedureStage.FINAL_REJECTION)
REQUEST = DisclosureRequest(
    case_id=CASE,
    referral_id=uuid.uuid4(),
    partner_id=PARTNER,
    consent_id=CONSENT,
    purpose=Purpose.REINTEGRATION_SUPPORT,
    categories=frozenset({C.IDENTITY}),
)
TRAVEL = replace(REQUEST, purpose=Purpose.TRAVEL_DOCUMENTS)


def test_allowed_within_validity_including_both_ends() -> None:
    for day in (date(2026, 2, 1), date(2026, 2, 28)):
        assert decide(REQUEST, CONSENT_VIEW, NGO, OPEN, day).status == 200


def test_expired_is_gone_and_not_yet_valid_is_a_refusal_as_in_the_policy() -> None:
    expired = decide(REQUEST, CONSENT_VIEW, NGO, OPEN, date(2026, 3, 1))
    assert (expired.status, expired.code) == (410, "consent_expired")
    early = decide(REQUEST, CONSENT_VIEW, NGO, OPEN, date(2026, 1, 31))
    assert (early.status, early.code) == (403, "consent_not_yet_valid")


def test_withdrawn_is_gone() -> None:
    withdrawn = replace(CONSENT_VIEW, withdrawn_at=datetime(2026, 2, 10, tzinfo=UTC))
    result = decide(REQUEST, withdrawn, NGO, OPEN, DAY)
    assert (result.status, result.code) == (410, "consent_withdrawn")


def test_an_id_once_an_origin_authority_stays_refused_whatever_its_type_now() -> None:
    authority = replace(NGO, partner_type=PartnerType.AUTHORITY_ORIGIN)
    reclassified = replace(NGO, ever_origin_authority=True)
    for partner in (authority, reclassified):
        result = decide(REQUEST, CONSENT_VIEW, partner, OPEN, DAY)
        assert (result.status, result.code) == (403, "partner_origin_authority")


@pytest.mark.parametrize("stage", [ProcedureStage.APPEAL_PENDING, ProcedureStage.IN_PROCEDURE])
def test_no_travel_documents_while_no_court_has_ruled(stage: ProcedureStage) -> None:
    result = decide(TRAVEL, CONSENT_VIEW, NGO, CaseFacts(stage=stage), DAY)
    assert (result.status, result.code) == (403, "appeal_pending_travel_documents")
    # Other purposes are not stopped by the stage.
    assert decide(REQUEST, CONSENT_VIEW, NGO, CaseFacts(stage=stage), DAY).status == 200
    assert decide(TRAVEL, CONSENT_VIEW, NGO, OPEN, DAY).status == 200


def test_closed_and_erased_are_gone() -> None:
    closed = decide(REQUEST, CONSENT_VIEW, NGO, replace(OPEN, closed=True), DAY)
    assert (closed.status, closed.code) == (410, "case_closed")
    erased = decide(REQUEST, CONSENT_VIEW, NGO, replace(OPEN, erased=True), DAY)
    assert (erased.status, erased.code) == (410, "person_erased")
    # Nothing to wait for once erased, even with an unknown partner or consent.
    assert decide(REQUEST, None, None, replace(OPEN, erased=True), DAY).status == 410


def test_partner_standing_comes_from_the_view() -> None:
    inactive = decide(REQUEST, CONSENT_VIEW, replace(NGO, active=False), OPEN, DAY)
    assert (inactive.status, inactive.code) == (403, "partner_inactive")
    no_agreement = replace(NGO, has_agreement=False, agreement_valid_until=None)
    assert decide(REQUEST, CONSENT_VIEW, no_agreement, OPEN, DAY).code == "agreement_invalid"
    ended = replace(NGO, agreement_valid_until=date(2026, 2, 14))
    assert decide(REQUEST, CONSENT_VIEW, ended, OPEN, DAY).code == "agreement_invalid"


def test_categories_purpose_case_and_partner_must_match() -> None:
    more = replace(REQUEST, categories=frozenset({C.IDENTITY, C.MEDICAL_NEEDS}))
    assert decide(more, CONSENT_VIEW, NGO, OPEN, DAY).code == "consent_not_covering"
    other_purpose = replace(REQUEST, purpose=Purpose.POST_RETURN_MONITORING)
    assert decide(other_purpose, CONSENT_VIEW, NGO, OPEN, DAY).code == "consent_not_covering"
    other_case = replace(REQUEST, case_id=uuid.uuid4())
    assert decide(other_case, CONSENT_VIEW, NGO, OPEN, DAY).status == 403


def test_an_unknown_partner_or_consent_is_not_yet_never_a_refusal() -> None:
    # casefile's view may lag the gateway's: "not yet" (503, retried), not a final answer
    missing_consent = decide(REQUEST, None, NGO, OPEN, DAY)
    assert (missing_consent.outcome, missing_consent.code) == (
        Outcome.NOT_YET,
        "consent_not_known_yet",
    )
    assert decide(REQUEST, CONSENT_VIEW, None, OPEN, DAY).code == "partner_not_known_yet"
    assert decide(REQUEST, CONSENT_VIEW, None, OPEN, DAY).status == 503
