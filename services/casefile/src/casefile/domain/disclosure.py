"""Whether casefile may hand personal data to the gateway for one request.

Checked on casefile's OWN view of consents and partners (built from referral.events), never on
what the caller says: the gateway may be wrong, late, or compromised.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from hub_contracts.vocabulary import DataCategory, PartnerType, Purpose


@dataclass(frozen=True)
class ConsentView:
    consent_id: UUID
    case_id: UUID
    partner_id: UUID
    purposes: frozenset[Purpose]
    categories: frozenset[DataCategory]
    valid_from: date
    valid_until: date
    withdrawn_at: datetime | None = None


@dataclass(frozen=True)
class PartnerView:
    partner_id: UUID
    partner_type: PartnerType
    active: bool


@dataclass(frozen=True)
class DisclosureRequest:
    case_id: UUID
    referral_id: UUID
    partner_id: UUID
    consent_id: UUID
    purpose: Purpose
    categories: frozenset[DataCategory]


class Verdict(StrEnum):
    ALLOW = "allow"
    FORBIDDEN = "forbidden"  # 403: the consent does not cover it, or never may
    GONE = "gone"  # 410: it was covered once, it is not any more
    NOT_YET = "not_yet"  # 503: casefile's view has not caught up with the directory or consent


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    code: str
    reason: str


_ALLOW = Decision(Verdict.ALLOW, "allowed", "the consent covers the request")


def _forbidden(code: str, reason: str) -> Decision:
    return Decision(Verdict.FORBIDDEN, code, reason)


def decide(
    request: DisclosureRequest,
    consent: ConsentView | None,
    partner: PartnerView | None,
    today: date,
) -> Decision:
    """The first rule that refuses wins; the order puts the absolute rules first."""
    if partner is not None and partner.partner_type is PartnerType.AUTHORITY_ORIGIN:
        return _forbidden(
            "partner_origin_authority", "origin-country authorities never receive personal data"
        )
    # Casefile learns of partners and consents through Kafka, possibly after the gateway did
    # (another consumer): an unknown one is "not yet", which the partner retries, never a
    # final refusal. The gateway has checked both on its own view before asking.
    if partner is None:
        return Decision(
            Verdict.NOT_YET, "partner_not_known_yet", "casefile has not seen this partner yet"
        )
    if not partner.active:
        return _forbidden("partner_inactive", "the partner is no longer in the directory")
    if consent is None:
        return Decision(
            Verdict.NOT_YET, "consent_not_known_yet", "casefile has not seen this consent yet"
        )
    if consent.case_id != request.case_id or consent.partner_id != request.partner_id:
        return _forbidden("consent_not_covering", "the consent is for another case or partner")
    if consent.withdrawn_at is not None:
        return Decision(Verdict.GONE, "consent_withdrawn", "the consent was withdrawn")
    if today > consent.valid_until:
        return Decision(Verdict.GONE, "consent_expired", "the consent has expired")
    if today < consent.valid_from:
        return _forbidden("consent_not_yet_valid", "the consent is not valid yet")
    if request.purpose not in consent.purposes:
        return _forbidden("consent_not_covering", "the consent does not cover this purpose")
    missing = request.categories - consent.categories
    if missing:
        names = ", ".join(sorted(c.value for c in missing))
        return _forbidden(
            "consent_not_covering", f"the consent does not cover the categories: {names}"
        )
    return _ALLOW
