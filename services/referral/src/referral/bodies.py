"""What counsellors, coordinators and admins ask the service to do (HTTP bodies).

No rule lives here: shape only. The rules are in `domain/`, applied by `handlers/`; the
messages the handlers take (`messages.py`) carry these bodies.
Typed text is the one text type (`hub_contracts.text`); lists are bounded and without repeats.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from hub_contracts import DataCategory, PartnerType, Purpose
from hub_contracts.calendar import CalendarDate
from hub_contracts.codes import UniqueItems
from hub_contracts.commands.referral import ConsentEvidence
from hub_contracts.countries import IsoCountryCode
from hub_contracts.ids import CanonicalUuid
from hub_contracts.text import HumanLine, HumanName, HumanText
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from referral.domain.partner_changes import ChangeReason
from referral.domain.policy import ReviewAction
from referral.hsds.taxonomy import Term

CountryCode = IsoCountryCode
"""ISO 3166-1 alpha-2, a code assigned to a country (or XK): `hub_contracts.countries`."""
MAX_COUNTRIES = 249
"""Every ISO 3166-1 alpha-2 country at most once (249 codes are assigned)."""
MAX_SERVICES = 30
Purposes = Annotated[list[Purpose], UniqueItems(), Field(min_length=1, max_length=len(Purpose))]
DataCategories = Annotated[
    list[DataCategory], UniqueItems(), Field(min_length=1, max_length=len(DataCategory))
]
OrganisationDescription = Annotated[str, HumanText(2000, lines=True)]
"""What an organisation does (HSDS ``organization.description``): a few lines, bounded."""
ReviewReason = Annotated[str, HumanText(2000, lines=True, min_graphemes=10)]


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegisterPartner(_Command):
    """A new organisation for the directory: who, where, what (served as an Open Referral HSDS
    3.0 organization by `referral.hsds.export`)."""

    name: HumanName = Field(description="Name of the organisation.")
    partner_type: PartnerType = Field(description="Kind of organisation.")
    countries: Annotated[list[CountryCode], UniqueItems()] = Field(
        min_length=1,
        max_length=MAX_COUNTRIES,
        description="ISO 3166-1 alpha-2 countries where it works.",
    )
    services: Annotated[list[HumanLine], UniqueItems()] = Field(
        default_factory=list,
        max_length=MAX_SERVICES,
        description="Services offered (e.g. 'reintegration grants').",
    )
    purposes: Purposes = Field(description="Purposes for which it may receive data.")
    description: OrganisationDescription | None = Field(
        default=None, description="What the organisation does (a few lines, optional)."
    )
    agreement_reference: HumanLine | None = Field(
        default=None, description="Reference of the data-sharing agreement, if any."
    )
    agreement_valid_from: CalendarDate | None = Field(
        default=None, description="First day in force."
    )
    agreement_valid_until: CalendarDate | None = Field(
        default=None, description="Last day in force."
    )


class UpdatePartner(RegisterPartner):
    """The directory entry as it is now (a renewed agreement, a removed organisation)."""

    active: StrictBool = Field(  # JSON true or false: pydantic's lax bool took "no", 0, "off"
        default=True, description="False removes it: no new consent or referral to it."
    )
    change_reason: ChangeReason | None = Field(
        default=None,
        description="Why the type or standing (type, active, agreement, purposes, countries)"
        " changes: a closed code, recorded in the audit with the admin and the time. Required"
        " when any of them changes; 'registered' is the service's own.",
    )


class HsdsOrganization(_Command):
    """What the hub takes from one HSDS 3.0 organization (``referral.hsds.importing`` reads
    it from the document, the values of the hub's attributes by term)."""

    organization_id: UUID
    name: HumanName
    description: OrganisationDescription | None
    services: Annotated[list[HumanLine], UniqueItems()] = Field(max_length=MAX_SERVICES)
    partner_type: PartnerType | None
    countries: Annotated[list[CountryCode], UniqueItems()] = Field(max_length=MAX_COUNTRIES)
    purposes: Purposes | None
    claims_origin_authority: bool = Field(
        description="ever_origin_authority given as true: an import may add the"
        " classification (it only ever restricts), never lift it."
    )
    export_only: tuple[Term, ...] = Field(
        description="The hub's export-only terms the document carried (reported as ignored)."
    )


class GrantConsent(_Command):
    """The person's consent to share data with one partner (domain.md: consent before any referral;
    GDPR art. 6(1)(a), art. 49(1)(a) for a partner outside the EU/EEA).

    Specific: the partner, the purposes and the data categories; valid from a day not before today
    until a last day (inclusive). ``evidence`` records how it was given (references and codes, never
    free text). Refusals: 422 for an invalid consent (backdated, too long, not informed), 409 when
    it clashes with one already recorded, 410 for an erased person."""

    partner_id: CanonicalUuid = Field(description="The receiving organisation.")
    purposes: Purposes = Field(description="What the data may be used for.")
    data_categories: DataCategories = Field(description="What may be shared.")
    valid_from: CalendarDate = Field(
        description="First day the consent is valid (not before today)."
    )
    valid_until: CalendarDate = Field(description="Last day the consent is valid.")
    # The command topic's own evidence model: the HTTP API accepts exactly what a command may
    # carry (references and logins as codes, never free text).
    evidence: ConsentEvidence


class RequestReferral(_Command):
    """Ask for a referral of the case to one partner for one purpose, sharing ``data_categories``.

    The policy approves, refuses with every failing rule, or asks a coordinator (minors, vulnerable
    persons). Refused at once: 409 (an open referral to the partner already, or the case closed),
    410 (the person erased), 422 (an unknown partner)."""

    partner_id: CanonicalUuid = Field(description="The receiving organisation.")
    purpose: Purpose = Field(description="What the referral is for.")
    data_categories: DataCategories = Field(description="What is to be shared.")


class ReviewReferral(_Command):
    """A coordinator's review of a referral in ``review``: approve, override (only the rules a
    coordinator may set aside, with the reason kept in the audit) or refuse. 409
    ``review_not_allowed`` when the action is not allowed (e.g. approving with a failing rule)."""

    decision: ReviewAction = Field(
        description="approve (no rule fails), override (set aside rules that allow it) or refuse."
    )
    reason: ReviewReason = Field(
        description="The coordinator's written reason (kept in the audit, never on Kafka)."
    )
