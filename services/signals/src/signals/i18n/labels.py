"""A label for people for every code the published tables use (English msgids; the Dutch
lives in the catalogues, `signals.i18n.catalogues`).

``N_`` only marks a string for extraction (``pybabel extract -k N_``); `label` translates at
render time. `tests/unit/test_labels.py` checks that every code of every table of the
catalogue (`signals.domain.catalogue.TABLES`) has a label here, and each catalogue translates it.
"""

from __future__ import annotations

from collections.abc import Callable


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name for "mark only"
    """Mark ``message`` for extraction; it is translated later, by `label`."""
    return message


TABLE_TITLES: dict[str, str] = {
    "bottlenecks_by_stage": N_("Bottlenecks by category and procedure stage"),
    "bottlenecks_by_region": N_("Bottlenecks by category and region"),
    "bottlenecks_by_location": N_("Bottlenecks by category and location type"),
    "bottlenecks_by_country": N_("Persons with a bottleneck by country of origin"),
    "refusals_by_reason": N_("Refused referrals by reason"),
    "partner_responses": N_("Partner responses by status and partner type"),
    "partner_declines_by_reason": N_("Partner declines by reason"),
    "partner_response_times": N_("Partner first answers by answer and days since approval"),
    "monitoring_outcomes": N_("Post-return monitoring outcomes by months after return"),
    "deadlines_missed": N_("Time limits that passed, by kind"),
}

DIMENSIONS: dict[str, str] = {
    "category": N_("Bottleneck"),
    "stage": N_("Procedure stage"),
    "region": N_("Region"),
    "location_type": N_("Location type"),
    "country": N_("Country of origin"),
    "reason": N_("Reason"),
    "status": N_("Status"),
    "partner_type": N_("Partner type"),
    "response_days": N_("Days until the answer"),
    "outcome": N_("Outcome"),
    "months_after_return": N_("Months after return"),
    "kind": N_("Kind of time limit"),
}

_COMMON: dict[str, str] = {"total": N_("Total"), "unknown": N_("Unknown")}

CODES: dict[str, dict[str, str]] = {
    "category": {
        "travel_documents_refused": N_("Travel documents refused"),
        "buitenschuld_rejected": N_("No-fault permit (buitenschuld) rejected"),
        "buitenschuld_delayed": N_("No-fault permit (buitenschuld) delayed"),
        "reception_ended_street": N_("Reception ended: on the street"),
        "forced_relocation": N_("Forced relocation"),
        "long_family_location_stay": N_("Long stay in a family location"),
        "no_daytime_activity": N_("No daytime activity"),
        "detention_without_assessment": N_("Detention without individual assessment"),
        "family_detention": N_("Family detention"),
        "child_detention": N_("Child detention"),
        "repeated_detention": N_("Repeated detention"),
        "medical_treatment_unavailable": N_("Medical treatment unavailable"),
        "health_blocks_return": N_("Health blocks return"),
        "origin_unsafe_or_unwilling": N_("Country of origin unsafe or unwilling"),
        "journey_debts": N_("Debts from the journey"),
        "problems_after_return_authorities": N_("Problems with authorities after return"),
        "problems_after_return_third_parties": N_("Problems with third parties after return"),
        "early_contact_origin_representation": N_(
            "Early contact with the origin country's representation"
        ),
    },
    "stage": {
        "in_procedure": N_("In the asylum procedure"),
        "first_rejection": N_("First rejection"),
        "appeal_pending": N_("Appeal pending"),
        "final_rejection": N_("Final rejection"),
        "permit_withdrawn": N_("Permit withdrawn"),
        "buitenschuld_pending": N_("No-fault permit applied for"),
        "buitenschuld_granted": N_("No-fault permit granted"),
        "buitenschuld_rejected": N_("No-fault permit rejected"),
    },
    "region": {
        "noord": N_("North"),
        "oost": N_("East"),
        "zuid": N_("South"),
        "west": N_("West"),
        "midden": N_("Central"),
    },
    "location_type": {
        "azc": N_("Asylum seekers' centre (AZC)"),
        "vbl": N_("Restricted-movement centre (VBL)"),
        "family_location": N_("Family location"),
        "detention": N_("Detention"),
        "none_street": N_("No shelter: on the street"),
    },
    "reason": {
        # refusals_by_reason (RefusalCode) and partner_declines_by_reason (DeclineReason)
        "consent_missing": N_("No consent"),
        "consent_not_covering": N_("Consent does not cover this disclosure"),
        "consent_expired": N_("Consent expired"),
        "consent_withdrawn": N_("Consent withdrawn"),
        "partner_origin_authority": N_("Partner is an origin-country authority"),
        "agreement_invalid": N_("No valid agreement with the partner"),
        "purpose_not_allowed_for_partner": N_("Purpose not allowed for this partner"),
        "appeal_pending_travel_documents": N_("Appeal pending: no travel documents yet"),
        "decision_missing": N_("No recorded decision of the person"),
        "needs_coordinator_review": N_("Needs a coordinator's review"),
        "person_erased": N_("Person erased"),
        "refused_at_review": N_("Refused at the coordinator's review"),
        "partner_inactive": N_("Partner inactive"),
        "consent_not_yet_valid": N_("Consent not valid yet"),
        "category_not_needed_for_purpose": N_("Data category not needed for the purpose"),
        "case_closed": N_("Case closed"),
        "no_capacity": N_("No capacity"),
        "outside_service_area": N_("Outside the service area"),
        "service_not_offered": N_("Service not offered"),
        "not_eligible": N_("Not eligible"),
        "person_not_reachable": N_("Person not reachable"),
        "person_no_longer_interested": N_("Person no longer interested"),
        "duplicate_referral": N_("Duplicate referral"),
        "safety_concern": N_("Safety concern"),
        "other": N_("Other"),
    },
    "status": {
        "accepted": N_("Accepted"),
        "declined": N_("Declined"),
        "in_progress": N_("In progress"),
        "departed": N_("Departed"),
        "arrived": N_("Arrived"),
        "reintegration_milestone": N_("Reintegration milestone"),
        "completed": N_("Completed"),
    },
    "partner_type": {
        "intergovernmental": N_("Intergovernmental organisation"),
        "ngo": N_("NGO"),
        "authority_nl": N_("Dutch authority"),
        "authority_origin": N_("Origin-country authority"),
        "other": N_("Other"),
    },
    "response_days": {
        "0-2": N_("0-2 days"),
        "3-7": N_("3-7 days"),
        "8-14": N_("8-14 days"),
        "15-30": N_("15-30 days"),
        "31+": N_("31 days or more"),
    },
    "outcome": {
        "reintegration_step": N_("Reintegration step"),
        "problems_with_authorities": N_("Problems with authorities"),
        "problems_with_third_parties": N_("Problems with third parties"),
        "safety_concern": N_("Safety concern"),
        "no_problems": N_("No problems"),
    },
    "months_after_return": {
        "0-2": N_("0-2 months"),
        "3-5": N_("3-5 months"),
        "6-11": N_("6-11 months"),
        "12-23": N_("12-23 months"),
        "24+": N_("24 months or more"),
    },
    "kind": {
        "departure_period": N_("Departure period"),
        "extension": N_("Extension of the departure period"),
        "family_location_end": N_("End of the stay in a family location"),
        "entry_ban_end": N_("End of an entry ban"),
        "family_detention_limit": N_("Limit of family detention"),
    },
}

Translate = Callable[[str], str]


def label(dimension: str, code: str, gettext: Translate) -> str:
    """The translated label of ``code`` in ``dimension``; a code without one (only the open
    country codes, ISO 3166 alpha-2, which are their own label) is returned as it is."""
    english = CODES.get(dimension, {}).get(code) or _COMMON.get(code)
    return gettext(english) if english else code


def dimension_label(dimension: str, gettext: Translate) -> str:
    """The translated name of a dimension (the name itself when unknown)."""
    english = DIMENSIONS.get(dimension)
    return gettext(english) if english else dimension


def table_title(table: str, gettext: Translate) -> str:
    """The translated title of a table (the name itself when unknown)."""
    english = TABLE_TITLES.get(table)
    return gettext(english) if english else table
