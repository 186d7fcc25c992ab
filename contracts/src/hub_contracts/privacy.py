"""The hub's privacy policy, written once: pure functions of facts and a day, no I/O.

Every gate that decides whether anything about a person may leave the council calls these
functions and keeps no copy of them: referral (consent, request, review and override, the
re-evaluation when an input changes), partner-gateway (delivery, pull inbox, disclosure, partner
status reports) and casefile (the disclosure it answers). Each service feeds them its *own* view
of the facts (from the events it consumed), so a lagging or compromised service cannot talk
another one into a disclosure.

The rules and where they come from:

- **Origin-country authorities never receive anything** (domain.md; vision §1.1: the EU Charter
  applies to the Return Directive; §1.3: early contact with the origin country's representation
  endangers the person and family). A partner id that was *ever* listed as one stays refused,
  whatever its type says now: :func:`partner_standing`.
- **Partner standing**: an active directory entry with a data-sharing agreement in force on the
  day (GDPR art. 28/26 and art. 44 ff.: no transfer without a legal ground and an agreement),
  serving the purpose: :func:`partner_standing`.
- **Consent coverage**: a consent for exactly this recipient, this purpose and every data
  category, in force on the day and not withdrawn (GDPR art. 6(1)(a), art. 7(3) withdrawal,
  art. 49(1)(a) for transfers outside the EEA): :func:`consent_verdict`, :func:`choose_consent`.
- **Data minimisation**: only the categories the purpose needs (GDPR art. 5(1)(c)):
  :data:`CATEGORIES_FOR_PURPOSE`, :func:`minimisation`.
- **Protection first**: nothing that needs contact with the origin country's authorities (travel
  documents) while an appeal is pending or a new application is in procedure (vision §2.3
  point 2, §2.2 "Tijd"): :func:`protection_first`. This failure is *temporary*: a referral it
  stops is suspended, not withdrawn, and resumes when the stage allows it again.
- **Erasure and closure**: nothing for an erased person (GDPR art. 17) or a closed case.

:func:`may_disclose` combines them for a flow that already has its consent (delivery, inbox,
disclosure, the re-evaluation of an open referral); the referral policy combines the same
functions with its own rule on the person's decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from hub_contracts.vocabulary import DataCategory, PartnerType, ProcedureStage, Purpose


class Rule(StrEnum):
    """Why a flow may not happen: one code per rule (the same code in every service).

    Values equal the referral policy's ``RefusalCode`` where both name the same rule.
    """

    PARTNER_ORIGIN_AUTHORITY = "partner_origin_authority"
    PARTNER_INACTIVE = "partner_inactive"
    AGREEMENT_INVALID = "agreement_invalid"
    PURPOSE_NOT_ALLOWED_FOR_PARTNER = "purpose_not_allowed_for_partner"
    CONSENT_MISSING = "consent_missing"
    CONSENT_NOT_COVERING = "consent_not_covering"
    CONSENT_NOT_YET_VALID = "consent_not_yet_valid"
    CONSENT_EXPIRED = "consent_expired"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    CATEGORY_NOT_NEEDED_FOR_PURPOSE = "category_not_needed_for_purpose"
    APPEAL_PENDING_TRAVEL_DOCUMENTS = "appeal_pending_travel_documents"
    PERSON_ERASED = "person_erased"
    CASE_CLOSED = "case_closed"


ORDER: tuple[Rule, ...] = tuple(Rule)
"""The fixed order of failures: the absolute rules first, so the same facts give the same list."""

TEMPORARY: frozenset[Rule] = frozenset({Rule.APPEAL_PENDING_TRAVEL_DOCUMENTS})
"""Failures that may pass by themselves (the court rules): an open referral is suspended."""

GONE: frozenset[Rule] = frozenset(
    {Rule.CONSENT_WITHDRAWN, Rule.CONSENT_EXPIRED, Rule.PERSON_ERASED, Rule.CASE_CLOSED}
)
"""Failures after which what was covered once is gone for good (HTTP 410 in every service).
Every other failure is a refusal (403): it never was, or never may be, covered."""

PROTECTED_STAGES: frozenset[ProcedureStage] = frozenset(
    {ProcedureStage.APPEAL_PENDING, ProcedureStage.IN_PROCEDURE}
)
"""Stages in which no court has ruled yet (an appeal, or a new application): the origin country
must not be approached (vision §2.3 point 2)."""

CATEGORIES_FOR_PURPOSE: dict[Purpose, frozenset[DataCategory]] = {
    # Counselling on return looks at the whole situation, papers included.
    Purpose.RETURN_COUNSELLING: frozenset(DataCategory),
    Purpose.TRAVEL_DOCUMENTS: frozenset(
        {
            DataCategory.IDENTITY,
            DataCategory.CONTACT,
            DataCategory.HOUSEHOLD,
            DataCategory.TRAVEL_DOCUMENTS,
        }
    ),
    Purpose.REINTEGRATION_SUPPORT: frozenset(
        {
            DataCategory.IDENTITY,
            DataCategory.CONTACT,
            DataCategory.HOUSEHOLD,
            DataCategory.MEDICAL_NEEDS,
            DataCategory.VULNERABILITIES,
            DataCategory.CASE_HISTORY,
        }
    ),
    Purpose.POST_RETURN_MONITORING: frozenset(
        {DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.HOUSEHOLD}
    ),
    # Anonymous reporting is counted by signals from events; no personal data leaves for it.
    Purpose.ANONYMOUS_REPORTING: frozenset(),
}
"""The data categories each purpose needs (data minimisation, GDPR art. 5(1)(c))."""


@dataclass(frozen=True)
class Flow:
    """What would leave: this case's data, to this partner, for this purpose, these categories."""

    case_id: UUID
    partner_id: UUID
    purpose: Purpose
    categories: frozenset[DataCategory]


@dataclass(frozen=True)
class PartnerFacts:
    """A service's view of a partner.

    ``ever_origin_authority``: the id was listed as an origin-country authority at any time
    (the classification is permanent). ``purposes`` is ``None`` where the view does not know
    them (the check is then left to the services that do). The agreement is in force from
    ``agreement_valid_from`` (``None``: since it was signed) to ``agreement_valid_until``
    inclusive; ``has_agreement`` is False when no agreement is on record.
    """

    partner_id: UUID
    partner_type: PartnerType
    active: bool
    ever_origin_authority: bool = False
    purposes: frozenset[Purpose] | None = None
    has_agreement: bool = True
    agreement_valid_from: date | None = None
    agreement_valid_until: date | None = None


@dataclass(frozen=True)
class ConsentFacts:
    """A service's view of one consent: one partner, purposes, categories, a period (inclusive
    days) and, once withdrawn, when."""

    consent_id: UUID
    case_id: UUID
    partner_id: UUID
    purposes: frozenset[Purpose]
    categories: frozenset[DataCategory]
    valid_from: date
    valid_until: date
    withdrawn_at: datetime | None = None


@dataclass(frozen=True)
class CaseFacts:
    """A service's view of the case; ``stage`` is ``None`` where the view does not track it."""

    stage: ProcedureStage | None
    erased: bool = False
    closed: bool = False


@dataclass(frozen=True)
class Verdict:
    """Every failing rule of a flow, in :data:`ORDER`; allowed when there is none."""

    failures: tuple[Rule, ...]

    @property
    def allowed(self) -> bool:
        """True when no rule fails: the flow may go ahead now."""
        return not self.failures

    @property
    def temporary(self) -> bool:
        """Only temporary rules fail: suspend (and resume later), do not withdraw."""
        return bool(self.failures) and all(rule in TEMPORARY for rule in self.failures)

    @property
    def gone(self) -> bool:
        """The first failure means 'covered once, not any more' (HTTP 410)."""
        return bool(self.failures) and self.failures[0] in GONE


ALLOWED = Verdict(())


def is_origin_authority(partner: PartnerFacts) -> bool:
    """The one test of the absolute rule: listed as an origin-country authority, now or ever."""
    return partner.ever_origin_authority or partner.partner_type is PartnerType.AUTHORITY_ORIGIN


def agreement_in_force(partner: PartnerFacts, day: date) -> bool:
    """An agreement is on record, has an end, and ``day`` lies within it (inclusive)."""
    if not partner.has_agreement or partner.agreement_valid_until is None:
        return False
    if day > partner.agreement_valid_until:
        return False
    return partner.agreement_valid_from is None or day >= partner.agreement_valid_from


def may_receive_data(partner: PartnerFacts, day: date) -> bool:
    """Whether anything could go to this partner on ``day``, as far as the partner goes."""
    return not is_origin_authority(partner) and partner.active and agreement_in_force(partner, day)


def partner_standing(partner: PartnerFacts, purpose: Purpose, day: date) -> tuple[Rule, ...]:
    """The partner's failing rules for ``purpose`` on ``day`` (empty: it may receive)."""
    failures: list[Rule] = []
    if is_origin_authority(partner):
        failures.append(Rule.PARTNER_ORIGIN_AUTHORITY)
    if not partner.active:
        failures.append(Rule.PARTNER_INACTIVE)
    if not agreement_in_force(partner, day):
        failures.append(Rule.AGREEMENT_INVALID)
    if partner.purposes is not None and purpose not in partner.purposes:
        failures.append(Rule.PURPOSE_NOT_ALLOWED_FOR_PARTNER)
    return tuple(failures)


def covers(consent: ConsentFacts, flow: Flow) -> bool:
    """The consent names this case, recipient, purpose and every category of the flow."""
    return (
        consent.case_id == flow.case_id
        and consent.partner_id == flow.partner_id
        and flow.purpose in consent.purposes
        and flow.categories <= consent.categories
    )


def consent_verdict(flow: Flow, consent: ConsentFacts | None, day: date) -> Rule | None:
    """Whether this one consent covers the flow on ``day``: ``None`` when it does, else why not.

    A withdrawal counts from the moment it is recorded, whatever the period says (GDPR
    art. 7(3)); the period is inclusive at both ends.
    """
    if consent is None:
        return Rule.CONSENT_MISSING
    if not covers(consent, flow):
        return Rule.CONSENT_NOT_COVERING
    if consent.withdrawn_at is not None:
        return Rule.CONSENT_WITHDRAWN
    if day > consent.valid_until:
        return Rule.CONSENT_EXPIRED
    if day < consent.valid_from:
        return Rule.CONSENT_NOT_YET_VALID
    return None


def choose_consent(
    flow: Flow, consents: Iterable[ConsentFacts], day: date
) -> tuple[ConsentFacts | None, Rule | None]:
    """The consent a new flow would travel under, or the one reason none can.

    Among the consents that cover the flow and are in force, the one that stays in force longest
    (an expiry in between would stop the flow sooner). Otherwise the most telling reason:
    not covering (the person consented to this partner, for something else), withdrawn, not yet
    valid, expired, or missing.
    """
    own = [c for c in consents if c.case_id == flow.case_id]
    verdicts = [(c, consent_verdict(flow, c, day)) for c in own]
    valid = [c for c, rule in verdicts if rule is None]
    if valid:
        return max(valid, key=lambda c: (c.valid_until, str(c.consent_id))), None
    covering = [rule for c, rule in verdicts if rule is not Rule.CONSENT_NOT_COVERING]
    if not covering:
        if any(c.partner_id == flow.partner_id for c in own):
            return None, Rule.CONSENT_NOT_COVERING
        return None, Rule.CONSENT_MISSING
    if all(rule is Rule.CONSENT_WITHDRAWN for rule in covering):
        return None, Rule.CONSENT_WITHDRAWN
    if Rule.CONSENT_NOT_YET_VALID in covering:
        return None, Rule.CONSENT_NOT_YET_VALID
    return None, Rule.CONSENT_EXPIRED


def needs_origin_contact(purpose: Purpose, categories: frozenset[DataCategory]) -> bool:
    """Travel documents need contact with the origin country's representation."""
    return purpose is Purpose.TRAVEL_DOCUMENTS or DataCategory.TRAVEL_DOCUMENTS in categories


def protection_first(flow: Flow, stage: ProcedureStage | None) -> Rule | None:
    """Nothing that needs the origin country while no court has ruled (vision §2.3 point 2)."""
    if stage in PROTECTED_STAGES and needs_origin_contact(flow.purpose, flow.categories):
        return Rule.APPEAL_PENDING_TRAVEL_DOCUMENTS
    return None


def minimisation(flow: Flow) -> Rule | None:
    """Only the categories the purpose needs (GDPR art. 5(1)(c))."""
    if flow.categories <= CATEGORIES_FOR_PURPOSE[flow.purpose]:
        return None
    return Rule.CATEGORY_NOT_NEEDED_FOR_PURPOSE


def case_rules(flow: Flow, case: CaseFacts) -> tuple[Rule, ...]:
    """The rules that judge the case: erased, closed, protection first."""
    failures: list[Rule] = []
    if case.erased:
        failures.append(Rule.PERSON_ERASED)
    if case.closed:
        failures.append(Rule.CASE_CLOSED)
    rule = protection_first(flow, case.stage)
    if rule is not None:
        failures.append(rule)
    return tuple(failures)


def may_disclose(
    flow: Flow,
    partner: PartnerFacts,
    consent: ConsentFacts | None,
    case: CaseFacts,
    day: date,
) -> Verdict:
    """Every failing rule for a flow under its consent on ``day``; allowed when none fails.

    Used at every moment data or news of a referral would leave (delivery, inbox, disclosure)
    and whenever an input changes (stage, partner standing, consent, erasure, closure).
    """
    failures = list(partner_standing(partner, flow.purpose, day))
    failures.extend(case_rules(flow, case))
    consent_rule = consent_verdict(flow, consent, day)
    if consent_rule is not None:
        failures.append(consent_rule)
    rule = minimisation(flow)
    if rule is not None:
        failures.append(rule)
    return Verdict(sort_rules(failures))


def sort_rules(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    """Distinct rules in :data:`ORDER`."""
    return tuple(sorted(set(rules), key=ORDER.index))
