"""The hub's own HSDS taxonomy: the directory's fields HSDS has no field for.

HSDS 3.0 links an ``organization`` to classifications through ``attributes`` (one
``taxonomy_term`` each, with an optional ``value``). The hub's directory fields (what kind of
organisation, where it works, for what and which data it may receive, its standing) are terms
of one taxonomy, "council hub partner directory", version 1; each attribute's ``value`` is the
hub's closed code (or ISO 3166-1 alpha-2 country, ISO 8601 date, ``true``/``false``).
The meaning of each term is written once here and in the service README.

Ids are stable UUIDs (version 5, from the taxonomy's URN), so every export names the same term
with the same id and an attribute keeps its id from one export to the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

TAXONOMY_URI = "urn:council-hub:taxonomy:partner-directory:1"
TAXONOMY_ID = uuid5(NAMESPACE_URL, TAXONOMY_URI)
TAXONOMY_NAME = "council hub partner directory"


class Term(StrEnum):
    """The taxonomy's terms (``taxonomy_term.code``)."""

    PARTNER_TYPE = "partner_type"
    COUNTRY = "country"
    PURPOSE = "purpose"
    DATA_CATEGORY = "data_category"
    ACTIVE = "active"
    EVER_ORIGIN_AUTHORITY = "ever_origin_authority"
    MAY_RECEIVE_DATA = "may_receive_data"
    AGREEMENT_REFERENCE = "agreement_reference"
    AGREEMENT_VALID_FROM = "agreement_valid_from"
    AGREEMENT_VALID_UNTIL = "agreement_valid_until"


@dataclass(frozen=True)
class TermInfo:
    """A term's name and meaning, and whether an import takes its value (``imported``)."""

    name: str
    description: str
    imported: bool


TERMS: dict[Term, TermInfo] = {
    Term.PARTNER_TYPE: TermInfo(
        "kind of organisation",
        "The hub's PartnerType: intergovernmental (e.g. IOM), ngo (e.g. a return NGO),"
        " authority_nl, authority_origin (an origin-country authority: never receives"
        " anything, and the classification is permanent), other. One per organization.",
        imported=True,
    ),
    Term.COUNTRY: TermInfo(
        "country of work",
        "An ISO 3166-1 alpha-2 country where the organisation works. One attribute per country.",
        imported=True,
    ),
    Term.PURPOSE: TermInfo(
        "purpose",
        "A Purpose for which the organisation may receive data under its agreement"
        " (return_counselling, travel_documents, reintegration_support,"
        " post_return_monitoring, anonymous_reporting). One attribute per purpose.",
        imported=True,
    ),
    Term.DATA_CATEGORY: TermInfo(
        "data category it may receive",
        "A DataCategory the privacy policy lets this organisation receive for at least one of"
        " its purposes (hub_contracts.privacy.CATEGORIES_FOR_PURPOSE); given only while"
        " may_receive_data is true. Each referral still needs the person's consent for it.",
        imported=False,
    ),
    Term.ACTIVE: TermInfo(
        "active",
        "true while the entry is in the directory; false: removed (no new consent or referral).",
        imported=False,
    ),
    Term.EVER_ORIGIN_AUTHORITY: TermInfo(
        "ever an origin-country authority",
        "true when the id was ever listed as an origin-country authority: permanent, such an"
        " organisation never receives anything.",
        imported=False,
    ),
    Term.MAY_RECEIVE_DATA: TermInfo(
        "may receive data today",
        "Whether a referral to it could be approved today as far as the organisation goes"
        " (hub_contracts.privacy.may_receive_data): never for an origin-country authority,"
        " only for an active entry with a data-sharing agreement in force.",
        imported=False,
    ),
    Term.AGREEMENT_REFERENCE: TermInfo(
        "data-sharing agreement",
        "The reference of the data-sharing agreement on record.",
        imported=False,
    ),
    Term.AGREEMENT_VALID_FROM: TermInfo(
        "agreement in force from",
        "The agreement's first day in force (ISO 8601 date).",
        imported=False,
    ),
    Term.AGREEMENT_VALID_UNTIL: TermInfo(
        "agreement in force until",
        "The agreement's last day in force, inclusive (ISO 8601 date).",
        imported=False,
    ),
}


def term_id(term: Term) -> UUID:
    """The term's stable id (``taxonomy_term.id``, an attribute's ``taxonomy_term_id``)."""
    return uuid5(TAXONOMY_ID, term.value)


TERM_BY_ID: dict[UUID, Term] = {term_id(term): term for term in Term}
"""A term by its id: how an import recognises the hub's attributes."""


def taxonomy_detail() -> dict[str, Any]:
    """The taxonomy as HSDS ``taxonomy`` (``taxonomy_term.taxonomy_detail``)."""
    return {
        "id": str(TAXONOMY_ID),
        "name": TAXONOMY_NAME,
        "description": "The council hub's classification of its partner directory: kind,"
        " countries, purposes, data categories and standing of each organisation.",
        "uri": TAXONOMY_URI,
        "version": "1",
    }


def taxonomy_term(term: Term) -> dict[str, Any]:
    """The term as an HSDS ``taxonomy_term``."""
    info = TERMS[term]
    return {
        "id": str(term_id(term)),
        "code": term.value,
        "name": info.name,
        "description": info.description,
        "taxonomy": TAXONOMY_NAME,
        "taxonomy_id": str(TAXONOMY_ID),
        "taxonomy_detail": taxonomy_detail(),
        "language": "en",
    }
