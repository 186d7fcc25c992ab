"""Casefile's own consent re-check for the disclosure path."""

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime

from casefile.domain.disclosure import (
    ConsentView,
    DisclosureRequest,
    PartnerView,
    Verdict,
    decide,
)
from hub_contracts.vocabulary import DataCategory as C
from hub_contracts.vocabulary import PartnerType, Purpose

CASE, PARTNER, CONSENT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
TODAY = date(2026, 3, 1)
CONSENT_VIEW = ConsentView(
    consent_id=CONSENT,
    case_id=CASE,
    partner_id=PARTNER,
    purposes=frozenset({Purpose.REINTEGRATION_SUPPORT}),
    categories=frozenset({C.IDENTITY, C.CONTACT}),
    valid_from=date(2026, 2, 1),
    valid_until=date(2026, 2, 28),
)
NGO = PartnerView(PARTNER, PartnerType.NGO, active=True)
REQUEST = DisclosureRequest(
    case_id=CASE,
    referral_id=uuid.uuid4(),
    partner_id=PARTNER,
    consent_id=CONSENT,
    purpose=Purpose.REINTEGRATION_SUPPORT,
    categories=frozenset({C.IDENTITY}),
)


def test_allowed_within_validity_including_the_last_day() -> None:
    assert decide(REQUEST, CONSENT_VIEW, NGO, date(2026, 2, 28)).verdict is Verdict.ALLOW
    assert decide(REQUEST, CONSENT_VIEW, NGO, date(2026, 2, 1)).verdict is Verdict.ALLOW


def test_expired_is_gone_and_not_yet_valid_is_forbidden() -> None:
    assert decide(REQUEST, CONSENT_VIEW, NGO, TODAY).verdict is Verdict.GONE
    early = decide(REQUEST, CONSENT_VIEW, NGO, date(2026, 1, 31))
    assert (early.verdict, early.code) == (Verdict.FORBIDDEN, "consent_not_yet_valid")


def test_withdrawn_is_gone() -> None:
    withdrawn = replace(CONSENT_VIEW, withdrawn_at=datetime(2026, 2, 10, tzinfo=UTC))
    result = decide(REQUEST, withdrawn, NGO, date(2026, 2, 15))
    assert (result.verdict, result.code) == (Verdict.GONE, "consent_withdrawn")


def test_origin_authorities_are_refused_whatever_the_consent_says() -> None:
    authority = PartnerView(PARTNER, PartnerType.AUTHORITY_ORIGIN, active=True)
    result = decide(REQUEST, CONSENT_VIEW, authority, date(2026, 2, 15))
    assert (result.verdict, result.code) == (Verdict.FORBIDDEN, "partner_origin_authority")


def test_categories_purpose_case_and_partner_must_match() -> None:
    day = date(2026, 2, 15)
    more = replace(REQUEST, categories=frozenset({C.IDENTITY, C.MEDICAL_NEEDS}))
    assert decide(more, CONSENT_VIEW, NGO, day).code == "consent_not_covering"
    purpose = replace(REQUEST, purpose=Purpose.TRAVEL_DOCUMENTS)
    assert decide(purpose, CONSENT_VIEW, NGO, day).code == "consent_not_covering"
    other_case = replace(REQUEST, case_id=uuid.uuid4())
    assert decide(other_case, CONSENT_VIEW, NGO, day).verdict is Verdict.FORBIDDEN
    # casefile's view may lag the gateway's: unknown is "not yet" (503, retried), not a refusal
    assert decide(REQUEST, None, NGO, day).verdict is Verdict.NOT_YET
    assert decide(REQUEST, None, NGO, day).code == "consent_not_known_yet"
    assert decide(REQUEST, CONSENT_VIEW, None, day).code == "partner_not_known_yet"
    inactive = replace(NGO, active=False)
    assert decide(REQUEST, CONSENT_VIEW, inactive, day).code == "partner_inactive"
