"""The gateway's mapping onto the hub's privacy policy (``hub_contracts.privacy``).

The rules themselves live in the policy module and nowhere else; this module only turns the
gateway's views into the policy's facts, and a verdict plus the referral's status into the one
answer every gate gives (delivery, pull inbox, disclosure). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from hub_contracts import PartnerType, ReferralStatus
from hub_contracts import privacy as policy
from hub_contracts.vocabulary import EEA_COUNTRIES

from partner_gateway.domain.model import CaseView, ConsentView, PartnerView, Referral

LegalBasis = Literal["consent_gdpr_6_1_a", "explicit_consent_gdpr_49_1_a"]

SUSPENDED = "referral_suspended"
"""The code of the answer while a referral is suspended (409: it may resume, so not 410)."""

CLOSED_STATUSES: dict[ReferralStatus, str] = {
    ReferralStatus.WITHDRAWN: "referral_withdrawn",
    ReferralStatus.EXPIRED: "referral_expired",
}
"""Statuses after which the referral discloses nothing for good (410), and their codes."""


@dataclass(frozen=True)
class Refusal:
    """Why a gate says no: a machine code, whether the data is gone for good (the policy's
    ``Verdict.gone``, or the referral closed by the council) and whether the referral may come
    back (suspension). Neither gone nor temporary: refused (the edge answers 403; gone 410;
    temporary 409, see ``partner_gateway.gates.as_error``)."""

    code: str
    gone: bool = False
    temporary: bool = False


def partner_facts(partner: PartnerView | None, referral: Referral) -> policy.PartnerFacts:
    """The policy's facts of the referral's partner; an unknown partner may receive nothing.

    The approval's own partner type counts too: either one naming an origin-country authority
    is enough. Purposes are the directory's; the agreement is in force up to its last day.
    """
    origin_in_approval = referral.partner_type is PartnerType.AUTHORITY_ORIGIN
    if partner is None:
        return policy.PartnerFacts(
            partner_id=referral.partner_id,
            partner_type=referral.partner_type,
            active=False,
            ever_origin_authority=origin_in_approval,
            has_agreement=False,
        )
    return policy.PartnerFacts(
        partner_id=partner.partner_id,
        partner_type=partner.partner_type,
        active=partner.active,
        ever_origin_authority=partner.ever_origin_authority or origin_in_approval,
        purposes=partner.purposes,
        has_agreement=partner.agreement_valid_until is not None,
        agreement_valid_until=partner.agreement_valid_until,
    )


def is_origin_authority(partner: PartnerView | None) -> bool:
    """Listed as an origin-country authority, now or ever (the policy's one test)."""
    if partner is None:
        return False
    return policy.is_origin_authority(
        policy.PartnerFacts(
            partner.partner_id,
            partner.partner_type,
            partner.active,
            ever_origin_authority=partner.ever_origin_authority,
        )
    )


def consent_facts(consent: ConsentView | None) -> policy.ConsentFacts | None:
    """``hub_contracts.privacy.ConsentFacts`` of the gateway's consent view; None when there is none
    (the policy then refuses for a missing consent)."""
    if consent is None:
        return None
    return policy.ConsentFacts(
        consent_id=consent.consent_id,
        case_id=consent.case_id,
        partner_id=consent.partner_id,
        purposes=consent.purposes,
        categories=consent.data_categories,
        valid_from=consent.valid_from,
        valid_until=consent.valid_until,
        withdrawn_at=consent.withdrawn_at,
    )


def flow(referral: Referral) -> policy.Flow:
    """The ``hub_contracts.privacy.Flow`` a referral asks for: case, partner, purpose and
    categories."""
    return policy.Flow(
        case_id=referral.case_id,
        partner_id=referral.partner_id,
        purpose=referral.purpose,
        categories=frozenset(referral.data_categories),
    )


def verdict(
    referral: Referral,
    partner: PartnerView | None,
    consent: ConsentView | None,
    case: CaseView,
    today: date,
) -> policy.Verdict:
    """``policy.may_disclose`` on the gateway's own views, for ``today`` (the council's day)."""
    return policy.may_disclose(
        flow(referral),
        partner_facts(partner, referral),
        consent_facts(consent),
        policy.CaseFacts(stage=case.stage, erased=case.erased, closed=case.closed),
        today,
    )


def refusal(found: policy.Verdict, status: ReferralStatus | None) -> Refusal | None:
    """The one answer of every gate about a referral, or None when it may go out.

    In this order: a failing rule that is not temporary (410 when :attr:`Verdict.gone`, else
    403; the code is the first failing rule); the referral closed by the council (410); the
    referral suspended, by referral's event or by the gateway's own view of the stage (409
    ``referral_suspended``: it may resume). ``status`` None: approved before statuses were kept.
    """
    if not found.allowed and not found.temporary:
        first = found.failures[0]
        return Refusal(code=str(first), gone=found.gone)
    if status in CLOSED_STATUSES:
        return Refusal(code=CLOSED_STATUSES[status], gone=True)
    if status is ReferralStatus.SUSPENDED or found.temporary:
        return Refusal(code=SUSPENDED, temporary=True)
    return None


STOPS_REPORTS: frozenset[policy.Rule] = frozenset({policy.Rule.PERSON_ERASED})
"""The failing rules that refuse a partner's report as well (status and monitoring).

Once the person is erased, nothing more is taken about them (GDPR art. 17): a report would put
new facts about the erased person's case on Kafka. A late answer after a consent withdrawal or
expiry is still taken for the record (referral ignores it), so those rules do not stop one."""


def report_refusal(found: policy.Verdict) -> Refusal | None:
    """Why a partner's report on the referral is refused, or None when it is taken: `refusal`
    of the verdict's failures that are in :data:`STOPS_REPORTS` only, so the code and the
    kind (410 gone for ``person_erased``) are those every gate answers for the same rule."""
    stopping = policy.Verdict(tuple(rule for rule in found.failures if rule in STOPS_REPORTS))
    return refusal(stopping, None)


def legal_basis(partner_countries: frozenset[str]) -> LegalBasis:
    """Art. 49(1)(a) explicit consent when data leaves the EEA, else art. 6(1)(a) consent."""
    if partner_countries and partner_countries <= EEA_COUNTRIES:
        return "consent_gdpr_6_1_a"
    return "explicit_consent_gdpr_49_1_a"
