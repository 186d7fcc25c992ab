"""Who may receive what, decided again at the moment of every disclosure and delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from hub_contracts import PartnerType
from hub_contracts.vocabulary import EEA_COUNTRIES

from partner_gateway.domain.model import ConsentView, PartnerView, Referral

LegalBasis = Literal["consent_gdpr_6_1_a", "explicit_consent_gdpr_49_1_a"]


class Verdict(StrEnum):
    ALLOWED = "allowed"
    ORIGIN_AUTHORITY = "origin_authority"  # never, whatever else holds
    PARTNER_INACTIVE = "partner_inactive"
    ERASED = "erased"
    CONSENT_MISSING = "consent_missing"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    CONSENT_EXPIRED = "consent_expired"
    CONSENT_NOT_COVERING = "consent_not_covering"


GONE_VERDICTS = frozenset(
    {Verdict.ERASED, Verdict.CONSENT_MISSING, Verdict.CONSENT_WITHDRAWN, Verdict.CONSENT_EXPIRED}
)
"""Verdicts after which the referral's data is gone for good (HTTP 410)."""


def is_origin_authority(partner_type: PartnerType | str | None) -> bool:
    """The one test every entry and exit uses; unknown strings count as not allowed elsewhere."""
    return partner_type == PartnerType.AUTHORITY_ORIGIN


@dataclass(frozen=True)
class DisclosureRequest:
    referral: Referral
    partner: PartnerView | None
    consent: ConsentView | None
    case_erased: bool
    today: date


def decide(request: DisclosureRequest) -> Verdict:
    """May the referral's consented categories be disclosed to its partner right now?"""
    referral, partner, consent = request.referral, request.partner, request.consent
    if is_origin_authority(referral.partner_type) or (
        partner is not None and is_origin_authority(partner.partner_type)
    ):
        return Verdict.ORIGIN_AUTHORITY
    if partner is None or not partner.active:
        return Verdict.PARTNER_INACTIVE
    if request.case_erased:
        return Verdict.ERASED
    if consent is None:
        return Verdict.CONSENT_MISSING
    if consent.withdrawn_at is not None:
        return Verdict.CONSENT_WITHDRAWN
    if not consent.valid_from <= request.today <= consent.valid_until:
        return Verdict.CONSENT_EXPIRED
    covers = (
        consent.partner_id == referral.partner_id
        and consent.case_id == referral.case_id
        and referral.purpose in consent.purposes
        and set(referral.data_categories) <= consent.data_categories
    )
    return Verdict.ALLOWED if covers else Verdict.CONSENT_NOT_COVERING


def legal_basis(partner_countries: frozenset[str]) -> LegalBasis:
    """Art. 49(1)(a) explicit consent when data leaves the EEA, else art. 6(1)(a) consent."""
    if partner_countries and partner_countries <= EEA_COUNTRIES:
        return "consent_gdpr_6_1_a"
    return "explicit_consent_gdpr_49_1_a"
