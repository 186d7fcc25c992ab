"""Controlled vocabularies shared by every service.

Values are lowercase snake_case codes. They travel in events and land in the committed
JSON Schemas as ``enum`` lists, so adding or removing a value is a contract change that the
compatibility check catches (adding breaks old readers, removing breaks new readers of old
events). Codes rather than text also keep free text, and with it personal data, out of events.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints


class ProcedureStage(StrEnum):
    """Where the person stands in the asylum / residence procedure."""

    IN_PROCEDURE = "in_procedure"
    FIRST_REJECTION = "first_rejection"
    APPEAL_PENDING = "appeal_pending"
    FINAL_REJECTION = "final_rejection"
    PERMIT_WITHDRAWN = "permit_withdrawn"
    BUITENSCHULD_PENDING = "buitenschuld_pending"
    BUITENSCHULD_GRANTED = "buitenschuld_granted"
    BUITENSCHULD_REJECTED = "buitenschuld_rejected"


class LocationType(StrEnum):
    """Kind of place the person stays (AZC, VBL, family location, ...)."""

    AZC = "azc"
    VBL = "vbl"
    FAMILY_LOCATION = "family_location"
    DETENTION = "detention"
    NONE_STREET = "none_street"


class Vulnerability(StrEnum):
    """Coarse vulnerability flags; never a diagnosis or any detail."""

    UNACCOMPANIED_MINOR = "unaccompanied_minor"
    FAMILY_WITH_CHILDREN = "family_with_children"
    MEDICAL = "medical"
    TRAFFICKING_VICTIM = "trafficking_victim"


class ReturnOption(StrEnum):
    """Options discussed with the person (domain.md, §2.3 point 5)."""

    INDEPENDENT_RETURN = "independent_return"
    ONWARD_MIGRATION = "onward_migration"
    IRREGULAR_STAY = "irregular_stay"
    FORCED_RETURN = "forced_return"


class Decision(StrEnum):
    """The person's own decision; forced return is not a decision the person takes."""

    INDEPENDENT_RETURN = "independent_return"
    ONWARD_MIGRATION = "onward_migration"
    IRREGULAR_STAY = "irregular_stay"
    UNDECIDED = "undecided"


class DeadlineKind(StrEnum):
    """Time limits worth tracking (domain.md, §1.1, §1.2)."""

    DEPARTURE_PERIOD = "departure_period"
    EXTENSION = "extension"
    FAMILY_LOCATION_END = "family_location_end"
    ENTRY_BAN_END = "entry_ban_end"
    FAMILY_DETENTION_LIMIT = "family_detention_limit"


class DateCorrectionReason(StrEnum):
    """Why a recorded date was corrected (casefile's corrections of a decision's or stage
    change's date). A closed list: the reason is never typed text (no free text outside the
    vault)."""

    TYPING_ERROR = "typing_error"  # a digit typed wrong, day and month swapped
    DATE_FROM_WRONG_DOCUMENT = (
        "date_from_wrong_document"  # e.g. the letter's date, not the decision's
    )
    OTHER = "other"


class InformationMaterial(StrEnum):
    """Information materials a counsellor hands the person in the talk about their options
    (casefile's ``POST /cases/{id}/options``, ``materials``). A closed list, so that nothing
    about the person can be typed into the field (no free text outside the vault).

    Where the list comes from: the four options the council discusses (domain.md §2.3 point 5),
    the time limits and routes the person must know (§1.1, §1.2, §1.4), the principles of a
    return with perspective, safe and monitored (§2.1), and the one code in use before the list
    was closed (``leaflet_return_options_ar``, kept valid). Names are the terms of the EMN
    Asylum and Migration Glossary and of Directive 2008/115/EC (the Return Directive) where
    those have one. No event carries the codes (``OptionsDiscussed.v1`` has no materials); they
    are part of casefile's HTTP contract (its OpenAPI document), so a new material is a contract
    change: add a member, never rename or remove one (recorded talks keep their codes)."""

    LEAFLET_RETURN_OPTIONS = "leaflet_return_options"  # the council's leaflet on the options
    LEAFLET_RETURN_OPTIONS_AR = "leaflet_return_options_ar"  # its Arabic edition (code kept)
    ASSISTED_VOLUNTARY_RETURN = "assisted_voluntary_return"  # IOM's AVRR programme (REAN)
    REINTEGRATION_ASSISTANCE = "reintegration_assistance"  # support after return (§2.1 p. 2)
    COUNTRY_OF_ORIGIN_INFORMATION = "country_of_origin_information"  # safety, services (§1.4)
    VOLUNTARY_DEPARTURE_PERIOD = "voluntary_departure_period"  # Return Directive art. 7 (§1.1)
    ENTRY_BAN = "entry_ban"  # Return Directive art. 11 (§1.1)
    BUITENSCHULD_PERMIT = "buitenschuld_permit"  # "not at fault" permit, own efforts (§1.4)
    TRAVEL_DOCUMENTS = "travel_documents"  # obtained only after the court ruled (§2.3 p. 2)
    MEDICAL_CARE_ON_RETURN = "medical_care_on_return"  # treatment in the origin country (§1.4)
    POST_RETURN_MONITORING = "post_return_monitoring"  # who monitors after return (§2.1 p. 5)
    ONWARD_MIGRATION = "onward_migration"  # the option of migrating on (§2.3 point 5)
    IRREGULAR_STAY = "irregular_stay"  # rights and services without a permit (§2.3 point 5)
    FORCED_RETURN = "forced_return"  # removal and detention, their limits (art. 8, 15; §1.1)
    LEGAL_AID = "legal_aid"  # where to find legal assistance (Return Directive art. 13)
    OTHER = "other"  # a material not on the list: recorded as given, never by its title


class BottleneckCategory(StrEnum):
    """Bottlenecks ("knelpunten") the council collects for advocacy (domain.md)."""

    TRAVEL_DOCUMENTS_REFUSED = "travel_documents_refused"
    BUITENSCHULD_REJECTED = "buitenschuld_rejected"
    BUITENSCHULD_DELAYED = "buitenschuld_delayed"
    RECEPTION_ENDED_STREET = "reception_ended_street"
    FORCED_RELOCATION = "forced_relocation"
    LONG_FAMILY_LOCATION_STAY = "long_family_location_stay"
    NO_DAYTIME_ACTIVITY = "no_daytime_activity"
    DETENTION_WITHOUT_ASSESSMENT = "detention_without_assessment"
    FAMILY_DETENTION = "family_detention"
    CHILD_DETENTION = "child_detention"
    REPEATED_DETENTION = "repeated_detention"
    MEDICAL_TREATMENT_UNAVAILABLE = "medical_treatment_unavailable"
    HEALTH_BLOCKS_RETURN = "health_blocks_return"
    ORIGIN_UNSAFE_OR_UNWILLING = "origin_unsafe_or_unwilling"
    JOURNEY_DEBTS = "journey_debts"
    PROBLEMS_AFTER_RETURN_AUTHORITIES = "problems_after_return_authorities"
    PROBLEMS_AFTER_RETURN_THIRD_PARTIES = "problems_after_return_third_parties"
    EARLY_CONTACT_ORIGIN_REPRESENTATION = "early_contact_origin_representation"


class PartnerType(StrEnum):
    """Kind of receiving organisation; ``authority_origin`` is refused everywhere."""

    INTERGOVERNMENTAL = "intergovernmental"
    NGO = "ngo"
    AUTHORITY_NL = "authority_nl"
    AUTHORITY_ORIGIN = "authority_origin"
    OTHER = "other"


class Purpose(StrEnum):
    """Purpose a consent covers and a referral serves."""

    RETURN_COUNSELLING = "return_counselling"
    TRAVEL_DOCUMENTS = "travel_documents"
    REINTEGRATION_SUPPORT = "reintegration_support"
    POST_RETURN_MONITORING = "post_return_monitoring"
    ANONYMOUS_REPORTING = "anonymous_reporting"


class DataCategory(StrEnum):
    """Categories of personal data a consent may cover; events name them, never carry them."""

    IDENTITY = "identity"
    CONTACT = "contact"
    HOUSEHOLD = "household"
    MEDICAL_NEEDS = "medical_needs"
    VULNERABILITIES = "vulnerabilities"
    TRAVEL_DOCUMENTS = "travel_documents"
    CASE_HISTORY = "case_history"


class ReferralStatus(StrEnum):
    """Lifecycle of a referral as the referral service tracks it.

    ``suspended``: a rule that may pass by itself stops the referral for now (protection first:
    an appeal is pending or a new application is in procedure); nothing is disclosed while it
    lasts, and the referral returns to the status it had when the rule holds again. Carried by
    ``ReferralStatusChanged.v2``; v1 keeps its frozen list (``events/_referral_v1.py``).
    """

    REQUESTED = "requested"
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


class PartnerReportedStatus(StrEnum):
    """Status a partner reports about a referral through the gateway."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    DEPARTED = "departed"
    ARRIVED = "arrived"
    REINTEGRATION_MILESTONE = "reintegration_milestone"
    COMPLETED = "completed"


# The current codes, carried by ReferralRefused.v3. v1 and v2 keep frozen copies
# (events/_referral_v1.py, events/_referral_v2.py): a value added to a committed enum breaks that
# version's old readers. The docstring below is part of v3's schema text.
class RefusalCode(StrEnum):
    """Why a referral was refused: a failing rule of the privacy policy or the referral policy,
    or a coordinator's refusal at review. The sentence for each code is rendered by the reader
    (``REFUSAL_TEXTS`` in English), never carried in the event."""

    CONSENT_MISSING = "consent_missing"
    CONSENT_NOT_COVERING = "consent_not_covering"
    CONSENT_EXPIRED = "consent_expired"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    PARTNER_ORIGIN_AUTHORITY = "partner_origin_authority"
    AGREEMENT_INVALID = "agreement_invalid"
    PURPOSE_NOT_ALLOWED_FOR_PARTNER = "purpose_not_allowed_for_partner"
    APPEAL_PENDING_TRAVEL_DOCUMENTS = "appeal_pending_travel_documents"
    DECISION_MISSING = "decision_missing"
    NEEDS_COORDINATOR_REVIEW = "needs_coordinator_review"
    PERSON_ERASED = "person_erased"
    REFUSED_AT_REVIEW = "refused_at_review"
    PARTNER_INACTIVE = "partner_inactive"
    CONSENT_NOT_YET_VALID = "consent_not_yet_valid"
    CATEGORY_NOT_NEEDED_FOR_PURPOSE = "category_not_needed_for_purpose"
    CASE_CLOSED = "case_closed"


class DeclineReason(StrEnum):
    """Why a partner declines a referral: a closed list, so no sentence about the person can be
    typed into it (it travels on Kafka, which erasure cannot clean)."""

    NO_CAPACITY = "no_capacity"
    OUTSIDE_SERVICE_AREA = "outside_service_area"
    SERVICE_NOT_OFFERED = "service_not_offered"
    NOT_ELIGIBLE = "not_eligible"
    PERSON_NOT_REACHABLE = "person_not_reachable"
    PERSON_NO_LONGER_INTERESTED = "person_no_longer_interested"
    DUPLICATE_REFERRAL = "duplicate_referral"
    SAFETY_CONCERN = "safety_concern"
    OTHER = "other"


class StatusReason(StrEnum):
    """Why the council moved a referral (``ReferralStatusChanged.v2``); a partner's decline
    carries its :class:`DeclineReason` instead."""

    PARTNER_MAY_NOT_RECEIVE = "partner_may_not_receive"
    NO_PARTNER_ANSWER = "no_partner_answer"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    CONSENT_EXPIRED = "consent_expired"
    PERSON_ERASED = "person_erased"
    CASE_CLOSED = "case_closed"
    PROTECTION_FIRST = "protection_first"
    STAGE_ALLOWS_AGAIN = "stage_allows_again"
    IMPLIED_BY_PARTNER_ANSWER = "implied_by_partner_answer"
    DECLINED_BY_PARTNER = "declined_by_partner"
    REPORTED_BY_PARTNER = "reported_by_partner"


class NoticeKind(StrEnum):
    """What a notice to a partner is about (``NoticeSent.v2``): every partner that was told of
    a referral is told when it stops, pauses or resumes."""

    WITHDRAWAL = "withdrawal"
    ERASURE = "erasure"
    SUSPENSION = "suspension"
    RESUMPTION = "resumption"


class MonitoringOutcome(StrEnum):
    """Outcome codes of post-return monitoring (principle 5, non-refoulement check)."""

    REINTEGRATION_STEP = "reintegration_step"
    PROBLEMS_WITH_AUTHORITIES = "problems_with_authorities"
    PROBLEMS_WITH_THIRD_PARTIES = "problems_with_third_parties"
    SAFETY_CONCERN = "safety_concern"
    NO_PROBLEMS = "no_problems"


class Region(StrEnum):
    """Coarse Dutch regions: fine enough for signals, too coarse to locate a person."""

    NOORD = "noord"
    OOST = "oost"
    ZUID = "zuid"
    WEST = "west"
    MIDDEN = "midden"


CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""ISO 3166-1 alpha-2 country code. Not an enum: the list of countries is not ours to version."""

REFUSAL_TEXTS: dict[RefusalCode, str] = {
    RefusalCode.CONSENT_MISSING: "No consent covers this referral.",
    RefusalCode.CONSENT_NOT_COVERING: (
        "The consent does not cover this partner, purpose or these data categories."
    ),
    RefusalCode.CONSENT_EXPIRED: (
        "The consent that covers this referral is not in force today: it has expired or its"
        " period has not begun."
    ),
    RefusalCode.CONSENT_WITHDRAWN: "The consent was withdrawn.",
    RefusalCode.PARTNER_ORIGIN_AUTHORITY: (
        "Origin-country authorities never receive personal data."
    ),
    RefusalCode.AGREEMENT_INVALID: (
        "The partner has no agreement with the council in force today, or was removed from the"
        " directory."
    ),
    RefusalCode.PURPOSE_NOT_ALLOWED_FOR_PARTNER: "This partner may not serve this purpose.",
    RefusalCode.APPEAL_PENDING_TRAVEL_DOCUMENTS: (
        "Travel documents are not requested while an appeal is pending or a new application is in"
        " procedure (protection first)."
    ),
    RefusalCode.DECISION_MISSING: (
        "The person's choice for independent return is not on record with the referral service:"
        " no decision, or another choice (a decision just recorded in the case file is waited"
        " for; if the case file could not be asked, check GET /cases/{id}/view or ask again"
        " with Prefer: wait=5)."
    ),
    RefusalCode.NEEDS_COORDINATOR_REVIEW: "A coordinator must review this referral.",
    RefusalCode.PERSON_ERASED: "The person's data has been erased.",
    RefusalCode.REFUSED_AT_REVIEW: (
        "A coordinator reviewed the referral and refused it; ask the coordinator for the reasons."
    ),
    RefusalCode.PARTNER_INACTIVE: "The partner is no longer in the directory.",
    RefusalCode.CONSENT_NOT_YET_VALID: "The consent that covers this referral is not in force yet.",
    RefusalCode.CATEGORY_NOT_NEEDED_FOR_PURPOSE: (
        "Some of the data categories are not needed for this purpose (data minimisation)."
    ),
    RefusalCode.CASE_CLOSED: "The case is closed: nothing more is referred.",
}
"""Readable English text per refusal code, rendered at the edge (v1/v2 events carried it)."""


# EU member states plus Iceland, Liechtenstein and Norway. A transfer anywhere else is a transfer
# to a third country, which on consent alone needs the person informed of the risks
# (GDPR art. 49(1)(a)). One list for every service that decides on transfers.
EEA_COUNTRIES: frozenset[str] = frozenset(
    {
        *("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"),
        *("IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"),
        *("IS", "LI", "NO"),
    }
)
