"""The gateway's mapping onto hub_contracts.privacy: its views in, one answer per gate out.

The rules themselves are tested with the policy (contracts/tests/test_privacy_policy.py); here:
that the gateway's facts reach it faithfully and that 403/409/410 follow the policy's verdict.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from hub_contracts import DataCategory, PartnerType, ProcedureStage, Purpose, ReferralStatus
from hub_contracts import privacy as module
from hub_runtime.http import status_of
from partner_gateway.domain.model import CaseView, ConsentView, PartnerView, Referral
from partner_gateway.domain.policy import (
    is_origin_authority,
    legal_basis,
    partner_facts,
    refusal,
    verdict,
)
from partner_gateway.gates import as_error

CASE, PARTNER, CONSENT = uuid4(), uuid4(), uuid4()
TODAY = date(2026, 11, 28)

REFERRAL = Referral(
    referral_id=uuid4(),
    case_id=CASE,
    partner_id=PARTNER,
    partner_type=PartnerType.NGO,
    purpose=Purpose.REINTEGRATION_SUPPORT,
    data_categories=(DataCategory.IDENTITY, DataCategory.CONTACT),
    consent_id=CONSENT,
)
PARTNER_VIEW = PartnerView(
    partner_id=PARTNER,
    partner_type=PartnerType.NGO,
    purposes=frozenset({Purpose.REINTEGRATION_SUPPORT, Purpose.TRAVEL_DOCUMENTS}),
    countries=frozenset({"AF"}),
    active=True,
    webhook_url=None,
    agreement_valid_until=date(2027, 12, 31),
)
CONSENT_VIEW = ConsentView(
    consent_id=CONSENT,
    case_id=CASE,
    partner_id=PARTNER,
    purposes=frozenset({Purpose.REINTEGRATION_SUPPORT, Purpose.TRAVEL_DOCUMENTS}),
    data_categories=frozenset({DataCategory.IDENTITY, DataCategory.CONTACT}),
    valid_from=date(2026, 11, 1),
    valid_until=date(2026, 12, 31),
    withdrawn_at=None,
)
OPEN = CaseView(stage=ProcedureStage.FINAL_REJECTION)


def _answer(
    *,
    referral: Referral = REFERRAL,
    partner: PartnerView | None = PARTNER_VIEW,
    consent: ConsentView | None = CONSENT_VIEW,
    case: CaseView = OPEN,
    today: date = TODAY,
    status: ReferralStatus | None = ReferralStatus.APPROVED,
) -> tuple[int, str] | None:
    found = refusal(verdict(referral, partner, consent, case, today), status)
    # The HTTP status through the gate's named error and the runtime's one mapping.
    return None if found is None else (status_of(as_error(found)), found.code)


def test_a_covered_referral_may_go_out() -> None:
    assert _answer() is None


@pytest.mark.parametrize(
    ("facts", "answer"),
    [
        (
            {"consent": replace(CONSENT_VIEW, withdrawn_at=datetime.now(UTC))},
            (410, "consent_withdrawn"),
        ),
        ({"today": date(2027, 1, 1)}, (410, "consent_expired")),
        # not yet valid is not gone: it never was covered (casefile answers the same, 403)
        ({"today": date(2026, 10, 31)}, (403, "consent_not_yet_valid")),
        ({"consent": None}, (403, "consent_missing")),
        ({"case": replace(OPEN, erased=True)}, (410, "person_erased")),
        ({"case": replace(OPEN, closed=True)}, (410, "case_closed")),
        ({"partner": None}, (403, "partner_inactive")),
        ({"partner": replace(PARTNER_VIEW, active=False)}, (403, "partner_inactive")),
        (
            {"partner": replace(PARTNER_VIEW, agreement_valid_until=None)},
            (403, "agreement_invalid"),
        ),
        # the agreement ended, whatever the consent says
        (
            {
                "today": date(2028, 1, 1),
                "consent": replace(CONSENT_VIEW, valid_until=date(2028, 6, 1)),
            },
            (403, "agreement_invalid"),
        ),
        ({"consent": replace(CONSENT_VIEW, partner_id=uuid4())}, (403, "consent_not_covering")),
        (
            {"consent": replace(CONSENT_VIEW, data_categories=frozenset({DataCategory.IDENTITY}))},
            (403, "consent_not_covering"),
        ),
        ({"status": ReferralStatus.WITHDRAWN}, (410, "referral_withdrawn")),
        ({"status": ReferralStatus.EXPIRED}, (410, "referral_expired")),
        ({"status": ReferralStatus.SUSPENDED}, (409, "referral_suspended")),
    ],
)
def test_what_stops_a_referral_and_the_answer(
    facts: dict[str, Any], answer: tuple[int, str]
) -> None:
    assert _answer(**facts) == answer


def test_410_exactly_when_the_policy_says_gone() -> None:
    withdrawn = replace(CONSENT_VIEW, withdrawn_at=datetime.now(UTC))
    for consent, today in [
        (withdrawn, TODAY),
        (CONSENT_VIEW, CONSENT_VIEW.valid_until + timedelta(days=1)),
        (CONSENT_VIEW, CONSENT_VIEW.valid_from - timedelta(days=1)),
        (None, TODAY),
    ]:
        found = verdict(REFERRAL, PARTNER_VIEW, consent, OPEN, today)
        answer = refusal(found, ReferralStatus.APPROVED)
        assert answer is not None
        assert status_of(as_error(answer)) == (410 if found.gone else 403)


def test_travel_documents_while_an_appeal_is_pending_is_a_suspension_on_our_own_view() -> None:
    travel = replace(REFERRAL, purpose=Purpose.TRAVEL_DOCUMENTS)
    for stage in (ProcedureStage.APPEAL_PENDING, ProcedureStage.IN_PROCEDURE):
        assert _answer(referral=travel, case=CaseView(stage=stage)) == (409, "referral_suspended")
    assert _answer(referral=travel) is None


@pytest.mark.parametrize(
    "facts",
    [
        {"partner": replace(PARTNER_VIEW, partner_type=PartnerType.AUTHORITY_ORIGIN)},
        # re-registered as an NGO: the classification stays
        {"partner": replace(PARTNER_VIEW, ever_origin_authority=True)},
        {"referral": replace(REFERRAL, partner_type=PartnerType.AUTHORITY_ORIGIN)},
        # whatever else holds (erased, no consent, suspended): origin comes first, 403
        {
            "partner": replace(PARTNER_VIEW, ever_origin_authority=True),
            "consent": None,
            "case": replace(OPEN, erased=True),
            "status": ReferralStatus.SUSPENDED,
        },
    ],
)
def test_origin_country_authorities_are_refused_whatever_else_holds(
    facts: dict[str, Any],
) -> None:
    assert _answer(**facts) == (403, "partner_origin_authority")


def test_the_classification_is_permanent_in_the_partner_facts() -> None:
    once = replace(PARTNER_VIEW, ever_origin_authority=True)
    assert is_origin_authority(once)
    assert module.is_origin_authority(partner_facts(once, REFERRAL))
    assert not is_origin_authority(PARTNER_VIEW)
    assert not is_origin_authority(None)


def test_legal_basis_depends_on_where_the_partner_works() -> None:
    assert legal_basis(frozenset({"NL", "BE"})) == "consent_gdpr_6_1_a"
    assert legal_basis(frozenset({"NL", "AF"})) == "explicit_consent_gdpr_49_1_a"
    assert legal_basis(frozenset()) == "explicit_consent_gdpr_49_1_a"  # unknown: the strict one
