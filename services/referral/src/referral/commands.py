"""What counsellors, coordinators and admins ask the service to do (HTTP bodies).

No rule lives here: shape only. The rules are in `domain/`, applied by `handlers.py`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from hub_contracts import CountryCode, DataCategory, PartnerType, Purpose
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from referral.domain.policy import ReviewAction

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegisterPartner(_Command):
    """A new organisation for the directory (Open Referral HSDS-like: who, where, what)."""

    name: ShortText = Field(description="Name of the organisation.")
    partner_type: PartnerType = Field(description="Kind of organisation.")
    countries: list[CountryCode] = Field(
        min_length=1, description="ISO 3166-1 alpha-2 countries where it works."
    )
    services: list[ShortText] = Field(
        default_factory=list, description="Services offered (e.g. 'reintegration grants')."
    )
    purposes: list[Purpose] = Field(
        min_length=1, description="Purposes for which it may receive data."
    )
    agreement_reference: ShortText | None = Field(
        default=None, description="Reference of the data-sharing agreement, if any."
    )
    agreement_valid_from: date | None = Field(default=None, description="First day in force.")
    agreement_valid_until: date | None = Field(default=None, description="Last day in force.")


class UpdatePartner(RegisterPartner):
    """The directory entry as it is now (a renewed agreement, a removed organisation)."""

    active: bool = Field(
        default=True, description="False removes it: no new consent or referral to it."
    )


class ConsentEvidence(_Command):
    """How the consent was taken: the proof that it was specific and informed."""

    form_reference: ShortText = Field(description="Reference of the signed consent form.")
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")] = Field(
        description="ISO 639 code of the language the person was informed in."
    )
    interpreter_used: bool = Field(description="Whether an interpreter took part.")
    interpreter_reference: ShortText | None = Field(
        default=None, description="Interpreter's registration number, if one took part."
    )
    taken_by: ShortText = Field(description="Staff login of the person who took the consent.")
    taken_at: AwareDatetime = Field(description="When the consent was given.")
    informed_transfer_outside_eu: bool = Field(
        description="The person was told the risks of a transfer outside the EU/EEA "
        "(GDPR art. 49(1)(a)); required when the partner works outside it."
    )


class GrantConsent(_Command):
    partner_id: UUID = Field(description="The receiving organisation.")
    purposes: list[Purpose] = Field(min_length=1, description="What the data may be used for.")
    data_categories: list[DataCategory] = Field(min_length=1, description="What may be shared.")
    valid_from: date = Field(description="First day the consent is valid (not before today).")
    valid_until: date = Field(description="Last day the consent is valid.")
    evidence: ConsentEvidence


class RequestReferral(_Command):
    partner_id: UUID = Field(description="The receiving organisation.")
    purpose: Purpose = Field(description="What the referral is for.")
    data_categories: list[DataCategory] = Field(min_length=1, description="What is to be shared.")


class ReviewReferral(_Command):
    decision: ReviewAction = Field(
        description="approve (no rule fails), override (set aside rules that allow it) or refuse."
    )
    reason: Annotated[str, StringConstraints(min_length=10, max_length=2000)] = Field(
        description="The coordinator's written reason (kept in the audit, never on Kafka)."
    )
