"""The test's own model of what may leave the council: an oracle restated from the domain
rules (domain.md), deliberately not imported from ``hub_contracts.privacy``, so that a fault
in the policy module cannot hide itself from the test that checks it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

PROTECTED_STAGES = {"appeal_pending", "in_procedure"}
"""No court has ruled yet: nothing that needs the origin country (vision §2.3 point 2)."""

NEEDED = {
    "return_counselling": {
        "identity",
        "contact",
        "household",
        "medical_needs",
        "vulnerabilities",
        "travel_documents",
        "case_history",
    },
    "travel_documents": {"identity", "contact", "household", "travel_documents"},
    "reintegration_support": {
        "identity",
        "contact",
        "household",
        "medical_needs",
        "vulnerabilities",
        "case_history",
    },
    "post_return_monitoring": {"identity", "contact", "household"},
    "anonymous_reporting": set(),
}
"""Data minimisation: the categories each purpose needs."""


@dataclass
class Case:
    case_id: UUID
    stage: str
    erased: bool = False
    closed: bool = False


@dataclass
class Partner:
    partner_id: UUID
    partner_type: str
    purposes: set[str]
    ever_origin_authority: bool
    active: bool = True
    authority_since: datetime | None = None  # when it was listed as one (UTC), if ever


@dataclass
class Consent:
    consent_id: UUID
    case_id: UUID
    partner_id: UUID
    purposes: set[str]
    categories: set[str]
    valid_from: date
    valid_until: date
    withdrawn: bool = False


@dataclass
class Referral:
    referral_id: UUID
    case_id: UUID
    partner_id: UUID
    purpose: str
    categories: set[str]
    told: bool = False  # the partner saw it in its inbox


@dataclass
class World:
    """Everything the state machine created in one example, as the model sees it."""

    cases: dict[UUID, Case] = field(default_factory=dict)
    partners: dict[UUID, Partner] = field(default_factory=dict)
    consents: dict[UUID, Consent] = field(default_factory=dict)
    referrals: dict[UUID, Referral] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    def disclosure_allowed(self, referral: Referral, today: date) -> str | None:
        """``None`` when a disclosure of ``referral`` is allowed now, else the rule it breaks."""
        case = self.cases[referral.case_id]
        partner = self.partners[referral.partner_id]
        if partner.ever_origin_authority or partner.partner_type == "authority_origin":
            return "origin-country authority"
        if not partner.active:
            return "partner removed"
        if case.erased:
            return "person erased"
        if case.closed:
            return "case closed"
        needs_origin = referral.purpose == "travel_documents" or (
            "travel_documents" in referral.categories
        )
        if case.stage in PROTECTED_STAGES and needs_origin:
            return "travel documents while no court has ruled"
        if not referral.categories <= NEEDED[referral.purpose]:
            return "categories the purpose does not need"
        covering = [
            c
            for c in self.consents.values()
            if c.case_id == referral.case_id
            and c.partner_id == referral.partner_id
            and referral.purpose in c.purposes
            and referral.categories <= c.categories
            and not c.withdrawn
            and c.valid_from <= today <= c.valid_until
        ]
        if not covering:
            return "no consent covers partner, purpose and categories today"
        return None
