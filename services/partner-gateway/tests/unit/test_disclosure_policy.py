"""The disclosure decision, taken again at every fetch."""

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from hub_contracts import DataCategory, PartnerType, Purpose
from partner_gateway.domain.model import ConsentView, PartnerView, Referral
from partner_gateway.domain.policy import DisclosureRequest, Verdict, decide, legal_basis

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
    purposes=frozenset({Purpose.REINTEGRATION_SUPPORT}),
    countries=frozenset({"AF"}),
    active=True,
    webhook_url=None,
)
CONSENT_VIEW = ConsentView(
    consent_id=CONSENT,
    case_id=CASE,
    partner_id=PARTNER,
    purposes=frozenset({Purpose.REINTEGRATION_SUPPORT}),
    data_categories=frozenset({DataCategory.IDENTITY, DataCategory.CONTACT}),
    valid_from=date(2026, 11, 1),
    valid_until=date(2026, 12, 31),
    withdrawn_at=None,
)
ALLOWED = DisclosureRequest(REFERRAL, PARTNER_VIEW, CONSENT_VIEW, case_erased=False, today=TODAY)


def test_a_covered_request_is_allowed() -> None:
    assert decide(ALLOWED) is Verdict.ALLOWED


@pytest.mark.parametrize(
    ("request_", "verdict"),
    [
        (
            replace(ALLOWED, consent=replace(CONSENT_VIEW, withdrawn_at=datetime.now(UTC))),
            Verdict.CONSENT_WITHDRAWN,
        ),
        (replace(ALLOWED, today=date(2027, 1, 1)), Verdict.CONSENT_EXPIRED),
        (replace(ALLOWED, today=date(2026, 10, 31)), Verdict.CONSENT_EXPIRED),
        (replace(ALLOWED, consent=None), Verdict.CONSENT_MISSING),
        (replace(ALLOWED, case_erased=True), Verdict.ERASED),
        (replace(ALLOWED, partner=None), Verdict.PARTNER_INACTIVE),
        (replace(ALLOWED, partner=replace(PARTNER_VIEW, active=False)), Verdict.PARTNER_INACTIVE),
        (
            replace(
                ALLOWED,
                consent=replace(CONSENT_VIEW, data_categories=frozenset({DataCategory.IDENTITY})),
            ),
            Verdict.CONSENT_NOT_COVERING,
        ),
        (
            replace(
                ALLOWED,
                consent=replace(CONSENT_VIEW, purposes=frozenset({Purpose.RETURN_COUNSELLING})),
            ),
            Verdict.CONSENT_NOT_COVERING,
        ),
        (
            replace(ALLOWED, consent=replace(CONSENT_VIEW, partner_id=uuid4())),
            Verdict.CONSENT_NOT_COVERING,
        ),
        (
            replace(ALLOWED, consent=replace(CONSENT_VIEW, case_id=uuid4())),
            Verdict.CONSENT_NOT_COVERING,
        ),
    ],
)
def test_what_stops_a_disclosure(request_: DisclosureRequest, verdict: Verdict) -> None:
    assert decide(request_) is verdict


@pytest.mark.parametrize(
    "request_",
    [
        replace(ALLOWED, partner=replace(PARTNER_VIEW, partner_type=PartnerType.AUTHORITY_ORIGIN)),
        replace(ALLOWED, referral=replace(REFERRAL, partner_type=PartnerType.AUTHORITY_ORIGIN)),
        # whatever else holds (even an erased case or a missing consent): origin comes first
        replace(
            ALLOWED,
            partner=replace(PARTNER_VIEW, partner_type=PartnerType.AUTHORITY_ORIGIN),
            consent=None,
            case_erased=True,
        ),
    ],
)
def test_origin_country_authorities_are_refused_whatever_the_consent_says(
    request_: DisclosureRequest,
) -> None:
    assert decide(request_) is Verdict.ORIGIN_AUTHORITY


def test_legal_basis_depends_on_where_the_partner_works() -> None:
    assert legal_basis(frozenset({"NL", "BE"})) == "consent_gdpr_6_1_a"
    assert legal_basis(frozenset({"NL", "AF"})) == "explicit_consent_gdpr_49_1_a"
    assert legal_basis(frozenset()) == "explicit_consent_gdpr_49_1_a"  # unknown: the strict one
