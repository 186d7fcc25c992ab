"""The facts the referral rules work on, as plain frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from hub_contracts import (
    DataCategory,
    Decision,
    PartnerType,
    ProcedureStage,
    Purpose,
    ReferralStatus,
    Vulnerability,
    privacy,
)


class Status(StrEnum):
    """The referral's status inside this service.

    The contract's ``ReferralStatus`` plus ``awaiting_review``: a referral a coordinator must
    look at first. Outside the service it is still ``requested`` (see :func:`public_status`).
    """

    REQUESTED = "requested"
    AWAITING_REVIEW = "awaiting_review"
    APPROVED = "approved"
    REFUSED = "refused"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    SUSPENDED = "suspended"


def public_status(status: Status) -> ReferralStatus:
    """The status as the event contract names it."""
    if status is Status.AWAITING_REVIEW:
        return ReferralStatus.REQUESTED
    return ReferralStatus(status.value)


@dataclass(frozen=True)
class Partner:
    """An organisation of the directory (organisations are not persons)."""

    partner_id: UUID
    name: str
    partner_type: PartnerType
    countries: tuple[str, ...]
    services: tuple[str, ...]
    purposes: frozenset[Purpose]
    agreement_reference: str | None
    agreement_valid_from: date | None
    agreement_valid_until: date | None
    active: bool
    ever_origin_authority: bool = False
    """Listed as an origin-country authority at any time: permanent (migration 0020)."""
    description: str | None = None
    """What the organisation does, in a few lines (HSDS ``organization.description``)."""

    @property
    def origin_authority(self) -> bool:
        """Listed as an origin-country authority, now or ever (``privacy.is_origin_authority``)."""
        return privacy.is_origin_authority(self.facts())

    def facts(self) -> privacy.PartnerFacts:
        """This entry as the privacy policy's facts (the rules live there, not here)."""
        return privacy.PartnerFacts(
            partner_id=self.partner_id,
            partner_type=self.partner_type,
            active=self.active,
            ever_origin_authority=self.ever_origin_authority,
            purposes=self.purposes,
            has_agreement=self.agreement_reference is not None,
            agreement_valid_from=self.agreement_valid_from,
            agreement_valid_until=self.agreement_valid_until,
        )

    def may_receive_data(self, day: date) -> bool:
        """Whether a referral to this partner could be approved on ``day`` as far as the partner
        itself goes: never an origin-country authority (now or ever), only an active entry under
        an agreement in force (``hub_contracts.privacy.may_receive_data``)."""
        return privacy.may_receive_data(self.facts(), day)


@dataclass(frozen=True)
class CaseView:
    """What referral knows of a case, from casefile.events (coarse facts only)."""

    case_id: UUID
    stage: ProcedureStage
    has_minors: bool
    vulnerabilities: frozenset[Vulnerability]
    decision: Decision | None
    erased: bool
    closed: bool = False

    def facts(self) -> privacy.CaseFacts:
        """This view as the privacy policy's facts."""
        return privacy.CaseFacts(stage=self.stage, erased=self.erased, closed=self.closed)

    @property
    def needs_review(self) -> bool:
        """Minors and vulnerable persons go to a coordinator first."""
        return self.has_minors or bool(self.vulnerabilities)


@dataclass(frozen=True)
class Consent:
    """One consent: one partner, some purposes, some categories, a validity period."""

    consent_id: UUID
    case_id: UUID
    partner_id: UUID
    purposes: frozenset[Purpose]
    data_categories: frozenset[DataCategory]
    valid_from: date
    valid_until: date
    withdrawn_at: datetime | None

    def facts(self) -> privacy.ConsentFacts:
        """This consent as the privacy policy's facts (coverage and validity are judged there)."""
        return privacy.ConsentFacts(
            consent_id=self.consent_id,
            case_id=self.case_id,
            partner_id=self.partner_id,
            purposes=self.purposes,
            categories=self.data_categories,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            withdrawn_at=self.withdrawn_at,
        )


@dataclass(frozen=True)
class ReferralRequest:
    """What a counsellor asks for: this case, to this partner, for this, with these categories."""

    case_id: UUID
    partner_id: UUID
    purpose: Purpose
    data_categories: frozenset[DataCategory]

    def flow(self) -> privacy.Flow:
        """What would leave if it were approved."""
        return privacy.Flow(self.case_id, self.partner_id, self.purpose, self.data_categories)


@dataclass(frozen=True)
class Referral:
    """A referral as stored (the part the rules need)."""

    referral_id: UUID
    case_id: UUID
    partner_id: UUID
    purpose: Purpose
    data_categories: frozenset[DataCategory]
    consent_id: UUID | None
    status: Status
    suspended_from: Status | None = None
    """While suspended: the status it had, and returns to when the stage allows it again."""

    def flow(self) -> privacy.Flow:
        """What leaves to the partner under this referral."""
        return privacy.Flow(self.case_id, self.partner_id, self.purpose, self.data_categories)
